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
    /// A short stable name for the kind of error, used by the JSON output and the viewer.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Empty => "empty",
            Error::NotASnapshot { .. } => "not_a_snapshot",
            Error::Truncated { .. } => "truncated",
            Error::TooLarge { .. } => "too_large",
            Error::TooManyEntries { .. } => "too_many_entries",
            Error::BadManifest { .. } => "bad_manifest",
            Error::NewerFormat { .. } => "newer_format",
            Error::Cancelled => "cancelled",
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
