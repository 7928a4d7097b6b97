//! Renderers: the report as netstat text, as a human summary, as JSON.

pub mod addr;
pub mod diff;
pub mod netstat;
pub mod text;

pub use netstat::{netstat_bytes, netstat_lines};

/// What `LC_ALL=C netstat -nlp` would have printed, as text (invalid UTF-8 in program names or
/// paths becomes U+FFFD; use [`netstat_bytes`] for the exact bytes).
pub fn netstat(report: &crate::report::Report) -> String {
    String::from_utf8_lossy(&netstat_bytes(report)).into_owned()
}

/// The human summary.
pub fn text(report: &crate::report::Report) -> String {
    text::render(report)
}

/// The report as pretty JSON (schema: `docs/report-json.md`).
pub fn json(report: &crate::report::Report) -> String {
    serde_json::to_string_pretty(report).expect("a Report always serialises")
}

/// `procsnap diff`'s text.
pub fn diff_text(d: &crate::diff::Diff) -> String {
    diff::render(d)
}

/// A diff as pretty JSON (schema: `docs/fleet.md`).
pub fn diff_json(d: &crate::diff::Diff) -> String {
    serde_json::to_string_pretty(d).expect("a Diff always serialises")
}
