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
#[derive(Debug)]
pub struct Loaded {
    pub opened: Opened,
    pub report: Report,
    /// The worker is still checking the manifest's hashes (they arrive after the report).
    pub hashes_pending: bool,
}

/// A `Loaded` changes only as a whole: a new job, or its hashes checked (which also rewrites the
/// text report). Comparing those instead of the whole report keeps a deep `PartialEq` of
/// `Report` (and its code) out of the page.
impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        self.opened.job == other.opened.job
            && self.opened.name == other.opened.name
            && self.hashes_pending == other.hashes_pending
            && self.opened.text == other.opened.text
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Idle,
    Loading { job: JobId, name: String },
    Ready(Rc<Loaded>),
    Failed(OpenError),
}

/// The CSV the worker made of the Sockets view's rows, as an object URL (revoked when dropped).
pub struct CsvFile {
    /// The query's `seq`: the view offers the file for the filter it was made for.
    pub seq: u32,
    pub rows: u64,
    pub total: u64,
    pub url: gloo_file::ObjectUrl,
}

impl PartialEq for CsvFile {
    fn eq(&self, other: &Self) -> bool {
        self.url.to_string() == other.url.to_string()
    }
}
