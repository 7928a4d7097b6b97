//! procsnap-core: decode a procsnap snapshot into a report.
//!
//! Pure: bytes and options in, typed results out. No file, clock, network or web API, so the same
//! code runs in the CLI and in the browser (wasm32). Data flows one way:
//!
//! ```text
//! bytes ─► archive entries ─► parsed tables ─► joined snapshot ─► report ─► text / JSON / netstat
//! (archive)                  (proc::*)        (join)             (analysis::*)  (render::*)
//! ```
#![forbid(unsafe_code)]

pub mod manifest;

/// Byte order of the host that wrote the /proc files: decides how hex addresses are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    #[default]
    Little,
    Big,
}
