//! Typed errors. Every way a snapshot can fail to decode has a variant with a message a person can
//! act on; malformed *rows* are not errors (they are counted as [`crate::Diagnostic`]s).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is empty.
    Empty,
    /// Neither gzip, tar, nor a /proc/net table we know.
    NotASnapshot { detail: String },
    /// The gzip stream or the tar archive ends early or is corrupt.
    Truncated { detail: String },
    /// The archive would decompress to more than the limit allows (a gzip or tar bomb).
    TooLarge { limit_bytes: u64 },
    /// [`Error::TooLarge`] (or too many entries) under [`crate::Limits::browser`].
    TooLargeForBrowser { limit_bytes: u64 },
    /// The archive has more entries than the limit allows.
    TooManyEntries { limit: u64 },
    /// The manifest is present but not valid JSON of the expected shape.
    BadManifest { detail: String },
    /// The snapshot was written by a newer procsnap.
    NewerFormat { found: u32, supported: u32 },
    /// Decoding was cancelled by the progress callback.
    Cancelled,
}

impl Error {
    /// What kind of failure this is: a stable name, a heading and what to do about it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Empty => ErrorKind::Empty,
            Error::NotASnapshot { .. } => ErrorKind::NotASnapshot,
            Error::Truncated { .. } => ErrorKind::Truncated,
            Error::TooLarge { .. } | Error::TooLargeForBrowser { .. } => ErrorKind::TooLarge,
            Error::TooManyEntries { .. } => ErrorKind::TooManyEntries,
            Error::BadManifest { .. } => ErrorKind::BadManifest,
            Error::NewerFormat { .. } => ErrorKind::NewerFormat,
            Error::Cancelled => ErrorKind::Cancelled,
        }
    }
}

/// Every way opening an input can fail, snapshot or share link, each with the words a person
/// acts on: callers show [`ErrorKind::title`] and [`ErrorKind::hint`] instead of matching text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    Empty,
    NotASnapshot,
    Truncated,
    TooLarge,
    TooManyEntries,
    BadManifest,
    NewerFormat,
    Cancelled,
    /// The input could not be read at all (a file that went away, a failed copy).
    Unreadable,
    /// A share link: not one at all.
    NotALink,
    /// A share link from a newer procsnap.
    NewerLink,
    /// A share link cut short or altered.
    DamagedLink,
}

impl ErrorKind {
    /// A short stable name (`not_a_snapshot`), for JSON and scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::NotASnapshot => "not_a_snapshot",
            ErrorKind::Truncated => "truncated",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::TooManyEntries => "too_many_entries",
            ErrorKind::BadManifest => "bad_manifest",
            ErrorKind::NewerFormat => "newer_format",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Unreadable => "unreadable",
            ErrorKind::NotALink => "not_a_link",
            ErrorKind::NewerLink => "newer_link",
            ErrorKind::DamagedLink => "damaged_link",
        }
    }

    /// A heading: what happened.
    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::Empty => "The file is empty",
            ErrorKind::NotASnapshot => "This is not a procsnap snapshot",
            ErrorKind::Truncated => "The snapshot is truncated or damaged",
            ErrorKind::TooLarge | ErrorKind::TooManyEntries => "This snapshot is too large to open",
            ErrorKind::BadManifest => "The snapshot's manifest is damaged",
            ErrorKind::NewerFormat => "This snapshot comes from a newer procsnap",
            ErrorKind::Cancelled => "Opening was cancelled",
            ErrorKind::Unreadable => "The file could not be read",
            ErrorKind::NotALink => "This is not a procsnap report link",
            ErrorKind::NewerLink => "This link comes from a newer procsnap",
            ErrorKind::DamagedLink => "This report link is damaged",
        }
    }

    /// What to do about it.
    pub fn hint(self) -> &'static str {
        match self {
            ErrorKind::Empty => "Copy the snapshot again; the copy may have failed.",
            ErrorKind::NotASnapshot => {
                "Open the .procsnap.tar.gz file written by `procsnap collect` (or a copy of /proc/net/tcp)."
            }
            ErrorKind::Truncated => {
                "The file ends early or is corrupt: copy it again (in binary mode) and compare its size with the original."
            }
            ErrorKind::TooLarge | ErrorKind::TooManyEntries => {
                "It unpacks beyond the viewer's safety limits. Use `procsnap report FILE` on the command line."
            }
            ErrorKind::BadManifest => {
                "procsnap.json inside the archive is not valid; take a new snapshot with `procsnap collect`."
            }
            ErrorKind::NewerFormat => {
                "Open it with a newer version of this viewer, or use the procsnap binary that wrote it."
            }
            ErrorKind::Cancelled => "Open the snapshot again.",
            ErrorKind::Unreadable => "Check that the file still exists and is readable, then try again.",
            ErrorKind::NotALink | ErrorKind::NewerLink | ErrorKind::DamagedLink => {
                "Ask for the link again, or for the snapshot file itself."
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Empty => write!(f, "the file is empty"),
            Error::NotASnapshot { detail } => write!(
                f,
                "not a procsnap snapshot ({detail}); expected a .tar.gz or .tar made by `procsnap collect`, or a copy of a /proc/net table"
            ),
            Error::Truncated { detail } => write!(
                f,
                "the snapshot is truncated or corrupt ({detail}); copy the file again and compare its size"
            ),
            Error::TooLarge { limit_bytes } => write!(
                f,
                "the snapshot unpacks to more than {} MiB, the limit; refusing it (a gzip bomb, or raise the limit)",
                limit_bytes / (1024 * 1024)
            ),
            Error::TooLargeForBrowser { limit_bytes } => write!(
                f,
                "too large for the browser: use procsnap report (the snapshot unpacks to more than {} MiB, what a browser tab can hold)",
                limit_bytes / (1024 * 1024)
            ),
            Error::TooManyEntries { limit } => write!(
                f,
                "the archive has more than {limit} entries, the limit; refusing it (a tar bomb, or raise the limit)"
            ),
            Error::BadManifest { detail } => {
                write!(f, "the manifest procsnap.json is invalid: {detail}")
            }
            Error::NewerFormat { found, supported } => write!(
                f,
                "the snapshot uses format version {found}, newer than this procsnap reads (up to {supported}); upgrade procsnap"
            ),
            Error::Cancelled => write!(f, "decoding was cancelled"),
        }
    }
}

impl std::error::Error for Error {}

/// An `io::Error` with a fixed message, for the readers that speak io. Why not
/// `io::Error::new(kind, "…")`: that boxes the text as a `String` error whose `Debug` is str's,
/// which brings core's Unicode tables (4 KB) into the viewer.
pub fn io_error(kind: std::io::ErrorKind, message: &'static str) -> std::io::Error {
    std::io::Error::new(kind, Message(message))
}

struct Message(&'static str);

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Message {}
