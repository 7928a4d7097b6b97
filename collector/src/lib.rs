//! The code of the two command-line programs: `procsnap` (collect, report, diff, export) and the
//! capture-only `procsnap-collect`. The capture (`collect`) links only `procsnap_core::manifest`
//! types and constant tables, never the decoder, so `procsnap-collect` stays small; `report`,
//! `diff` and `export` are only reached from `procsnap`.

pub mod cli;
pub mod collect;
pub mod diff;
pub mod error;
#[cfg(feature = "export")]
pub mod export;
pub mod inflate_beside;
pub mod report;
pub mod threads;

pub use error::{Error, exit};
