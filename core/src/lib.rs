//! procsnap-core: decode a procsnap snapshot into a report.
//!
//! Pure: bytes and options in, typed results out. No file, clock, network or web API, so the same
//! code runs in the CLI and in the browser (wasm32). Data flows one way:
//!
//! ```text
//! bytes ─► archive entries ─► parsed tables ─► joined snapshot ─► report ─► text / JSON / netstat
//! (archive)                  (proc::*)        (snapshot, join)   (analysis::*)  (render::*)
//! ```
//!
//! ```
//! let table = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n";
//! let snapshot = procsnap_core::decode(table, &Default::default()).unwrap();
//! let report = snapshot.report();
//! assert_eq!(report.listeners.len(), 1);
//! assert!(procsnap_core::render::netstat(&report).contains("127.0.0.1:8080"));
//! ```
#![forbid(unsafe_code)]

pub mod analysis;
pub mod archive;
mod error;
pub mod join;
pub mod manifest;
pub mod proc;
mod raw_text;
pub mod render;
pub mod report;
pub mod share;
pub mod snapshot;
pub mod synth;

pub use archive::{Container, Entry, EntryKind, Limits, Progress};
pub use error::Error;
pub use proc::TableKind;
pub use raw_text::RawText;
pub use report::Report;
pub use snapshot::Snapshot;

/// Byte order of the host that wrote the /proc files: decides how hex addresses are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    #[default]
    Little,
    Big,
}

/// A problem with one part of the input that did not stop the decode (a malformed row, an
/// unexpected header, a hash that does not match).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Archive path, e.g. `proc/net/tcp`.
    pub file: String,
    /// 1-based line number, 0 when it concerns the whole file.
    pub line: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &str, line: u32, message: &str) -> Diagnostic {
        Diagnostic { file: file.to_string(), line, message: message.to_string() }
    }
}

/// How to decode.
#[derive(Debug, Clone, Default)]
pub struct DecodeOptions {
    pub limits: Limits,
    /// Overrides the manifest's byte order (and the little-endian default for bare tables).
    pub byte_order: Option<ByteOrder>,
    /// Which table a bare file is, when its header cannot tell (udp, udplite and raw look alike).
    pub table_hint: Option<TableKind>,
    /// Skip checking SHA-256 of every file against the manifest (the viewer does it later).
    pub skip_hashes: bool,
}

/// Decode a snapshot: a `.tar.gz`, a `.tar`, or a bare copy of one /proc/net table.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Snapshot, Error> {
    decode_with_progress(bytes, options, &mut |_| true)
}

/// [`decode`], calling `progress` as it goes; if `progress` returns `false` the decode stops
/// with [`Error::Cancelled`].
pub fn decode_with_progress(
    bytes: &[u8],
    options: &DecodeOptions,
    progress: &mut archive::ProgressFn<'_>,
) -> Result<Snapshot, Error> {
    let streaming = archive::Streaming { hash: !options.skip_hashes };
    let (container, entries) =
        archive::read_streaming(bytes, &options.limits, options.table_hint, streaming, progress)?;
    Snapshot::from_entries(container, entries, options, progress)
}

/// Decode entries gathered by the caller (the CLI reads an extracted directory this way).
pub fn decode_entries(entries: Vec<Entry<'_>>, options: &DecodeOptions) -> Result<Snapshot, Error> {
    Snapshot::from_entries(Container::Directory, entries, options, &mut |_| true)
}
