//! The code of the two command-line programs: `procsnap` (collect + report) and the
//! capture-only `procsnap-collect`. The capture (`collect`) links only `procsnap_core::manifest`
//! types and constant tables, never the decoder, so `procsnap-collect` stays small; `report` is
//! only reached from `procsnap`.

pub mod cli;
pub mod collect;
pub mod error;
pub mod report;

pub use error::{Error, exit};
