//! procsnap-core: decode a procsnap snapshot into a report.
//!
//! Pure: bytes and options in, typed results out. No file, clock, network or web API, so the same
//! code runs in the CLI and in the browser (wasm32). The modules form layers, each importing only
//! from those below it (`tests/layering.rs` enforces it):
//!
//! ```text
//! leaves    types, raw_text, error, digest, format,   shared types, SHA-256, number formatting,
//!           flavour                                    the netstat builds and their facts
//! layout    layout, manifest                           every path a snapshot may hold; the manifest
//! input     archive          │ proc                    gzip/tar/bare → entries │ one parser per file
//! model     snapshot, join, files                      assembly, socket owners, integrity
//! analysis  analysis::*                                one per question
//! report    report, diff                               what every caller shows; two reports compared
//! output    render, share, query                       text/JSON/netstat, links, row pages
//! session   session                                    the API the CLI, the worker and tests call
//! ```
//! `synth` (example and test snapshots) sits beside `input`: it writes archives from the layout.
//!
//! ```
//! use procsnap_core::Session;
//! let table = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n";
//! let session = Session::open(table, &Default::default(), &mut |_| true).unwrap();
//! assert_eq!(session.report().listeners.len(), 1);
//! assert!(String::from_utf8_lossy(&session.netstat()).contains("127.0.0.1:8080"));
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(procsnap_speed, feature(optimize_attribute))]

// leaves
pub mod digest;
pub mod error;
pub mod flavour;
pub mod format;
#[cfg(feature = "flate")]
pub mod gzip;
pub mod raw_text;
pub mod sort;
pub mod types;
// layout
pub mod json;
pub mod layout;
pub mod manifest;
// input
pub mod archive;
pub mod proc;
pub mod synth;
// model
pub mod files;
pub mod join;
pub mod snapshot;
// analysis and report
pub mod analysis;
pub mod diff;
pub mod report;
// output
pub mod query;
pub mod render;
pub mod share;
// the API
pub mod session;

pub use archive::{Container, Entry, EntryKind, Limits};
pub use error::{Error, ErrorKind};
pub use flavour::{Flavour, NetstatChoice};
pub use layout::TableKind;
pub use raw_text::RawText;
pub use report::Report;
pub use session::{OpenError, Session};
pub use snapshot::{DecodeOptions, Snapshot};
pub use types::{ByteOrder, Diagnostic, HostParams, Progress};
