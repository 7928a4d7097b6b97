//! The page's state types, which the views import (never `app.rs`, which wires them: the
//! dependency runs app → components → state, with no cycle).

use std::rc::Rc;

use crate::protocol::{JobId, OpenError, Opened};
use procsnap_core::Report;

/// Where the bytes of a snapshot come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    File(web_sys::File),
    Url(String),
    Example,
    /// A share link's fragment (`#r=1.…`).
    Link(String),
}

/// A decoded snapshot: the worker's answer with its report parsed.
#[derive(Debug, PartialEq)]
pub struct Loaded {
    pub opened: Opened,
    pub report: Report,
    /// The worker is still checking the manifest's hashes (they arrive after the report).
    pub hashes_pending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Idle,
    Loading { job: JobId, name: String },
    Ready(Rc<Loaded>),
    Failed(OpenError),
}
