//! The session: the one API the CLI, the viewer's worker and the tests call. Open bytes (or a
//! share link) with options and progress, get the report, check hashes later, page through
//! rows, make links, render. Errors come with the words a person acts on ([`OpenError`]).

use serde::{Deserialize, Serialize};

use crate::archive::{self, Container, Entry};
use crate::diff::{Diff, Sources};
use crate::error::{Error, ErrorKind};
use crate::query::{self, RowPage, RowQuery};
use crate::render;
use crate::report::{self, Report};
use crate::share::{self, LinkError, Redaction};
use crate::snapshot::{self, DecodeOptions, Snapshot};
use crate::types::{Progress, ProgressFn};

pub use crate::share::looks_like_link;

/// An opened snapshot (or share link) and its report.
pub struct Session {
    /// `None` for a report opened from a share link: it has no rows.
    snapshot: Option<Snapshot>,
    report: Report,
    /// Rows matching the last filter, in its order, so paging through the same filter is cheap.
    filtered: Option<(RowQuery, Vec<u32>)>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("rows", &self.row_count())
            .field("listeners", &self.report.listeners.len())
            .field("shared", &self.report.shared.is_some())
            .finish()
    }
}

impl Session {
    /// Decode a snapshot (`.tar.gz`, `.tar`, or a bare /proc/net table) and build its report.
    /// `progress` returning `false` cancels with [`Error::Cancelled`].
    pub fn open(
        bytes: &[u8],
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Session, Error> {
        Ok(Session::from_snapshot(snapshot::decode(bytes, options, progress)?))
    }

    /// [`Session::open`] from a reader (a file, standard input), never holding the input whole.
    /// `total_bytes` (0 when unknown) is for progress.
    pub fn open_reader(
        input: &mut dyn std::io::Read,
        total_bytes: u64,
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Session, Error> {
        Ok(Session::from_snapshot(snapshot::decode_reader(input, total_bytes, options, progress)?))
    }

    /// [`Session::open_reader`] for input readable at any offset (a file): a large bare table
    /// is parsed in two halves at once when [`DecodeOptions::fork`] lends threads
    /// ([`snapshot::decode_at`]).
    pub fn open_at(
        src: &dyn crate::types::ReadAt,
        size: u64,
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Session, Error> {
        Ok(Session::from_snapshot(snapshot::decode_at(src, size, options, progress)?))
    }

    /// Files a caller reads one by one (a directory), through a [`snapshot::Builder`].
    pub fn open_built(builder: snapshot::Builder, options: &DecodeOptions) -> Result<Session, Error> {
        Ok(Session::from_snapshot(builder.finish(Container::Directory, options)?))
    }

    /// Entries gathered by the caller: the CLI reads an extracted directory this way.
    pub fn open_entries(entries: Vec<Entry<'_>>, options: &DecodeOptions) -> Result<Session, Error> {
        let s = Snapshot::from_entries(Container::Directory, entries, options, &mut |_: Progress| true)?;
        Ok(Session::from_snapshot(s))
    }

    /// A share link (`…#r=1.…`, the fragment, or its value): the report it carries, no rows.
    #[cfg(feature = "flate")]
    pub fn open_link(text: &str) -> Result<Session, LinkError> {
        Ok(Session { snapshot: None, report: share::decode(text)?, filtered: None })
    }

    /// [`Session::open_link`] from the link's payload, inflated by the caller from
    /// [`share::zlib_of`] (the viewer's worker, with the browser's zlib).
    pub fn open_link_payload(inflated: &[u8]) -> Result<Session, LinkError> {
        Ok(Session { snapshot: None, report: share::decode_payload(inflated)?, filtered: None })
    }

    /// A tar fed piece by piece ([`snapshot::TarDecoder`]): the viewer's worker feeds what the
    /// browser inflates.
    pub fn open_tar(decoder: snapshot::TarDecoder, progress: &mut ProgressFn<'_>) -> Result<Session, Error> {
        Ok(Session::from_snapshot(decoder.finish(progress)?))
    }

    /// The built-in example: the seed story's host, generated and decoded.
    #[cfg(feature = "flate")]
    pub fn example(options: &DecodeOptions) -> Session {
        let bytes = crate::synth::seed_story(&crate::synth::SeedStory::default());
        Session::open(&bytes, options, &mut |_| true).expect("the built-in example decodes")
    }

    fn from_snapshot(mut snapshot: Snapshot) -> Session {
        let mut report = report::build_all(&mut snapshot);
        render::netstat::name_stalls(&mut report);
        Session { snapshot: Some(snapshot), report, filtered: None }
    }

    /// Rebuild the report for another netstat flavour (the viewer's picker; `None`: the one
    /// release files imply). A share link's report keeps its flavour: it has no rows to
    /// rebuild from, and `false` says so.
    pub fn set_netstat(&mut self, flavour: Option<crate::flavour::Flavour>) -> bool {
        let Some(mut snapshot) = self.snapshot.take() else { return false };
        snapshot.netstat = match flavour {
            Some(f) => f.chosen(),
            None => crate::snapshot::implied_netstat(&snapshot.host_files),
        };
        let hashes_checked = self.report.files.clone();
        let diagnostics = self.report.diagnostics.clone();
        *self = Session::from_snapshot(snapshot);
        // Hashes checked since the decode stay checked.
        self.report.files = hashes_checked;
        self.report.diagnostics = diagnostics;
        true
    }

    /// Make network namespace `net:[inode]` the one the report describes (`None`: the
    /// collector's own), in every format; the per-namespace list stays whole. A share link's
    /// report has no rows to rebuild from: only its own namespace can be chosen.
    pub fn set_netns(&mut self, inode: Option<u64>) -> Result<(), String> {
        let known = || {
            let list: Vec<String> =
                self.report.namespaces.iter().filter_map(|n| n.inode).map(|i| i.to_string()).collect();
            if list.is_empty() {
                "none are listed".to_string()
            } else {
                format!("it holds {}", list.join(", "))
            }
        };
        let Some(snapshot) = &self.snapshot else {
            let current = self.report.namespaces.iter().find(|n| n.selected).and_then(|n| n.inode);
            return match inode {
                None => Ok(()),
                Some(i) if Some(i) == current => Ok(()),
                Some(i) => Err(format!(
                    "network namespace {i}: a share link carries one namespace's report and the others' summaries only"
                )),
            };
        };
        let index = match inode {
            None => 0,
            Some(i) => snapshot
                .netns_index(i)
                .ok_or_else(|| format!("no network namespace {i} in this snapshot; {}", known()))?,
        };
        if snapshot.namespaces[index].vanished {
            return Err(format!(
                "network namespace {}: its processes exited before its tables were captured",
                inode.unwrap_or(0)
            ));
        }
        if index == snapshot.selected && !snapshot.all {
            return Ok(());
        }
        self.rebuild(|s| s.select_netns(index), |i| i == index);
        Ok(())
    }

    /// Make the report describe every network namespace at once (the viewer's "all"): every
    /// namespace's listeners, each with its `netns`, its rows, TIME_WAIT and cost added up
    /// (see `Snapshot::select_all`); the per-namespace list stays whole, every entry selected.
    /// A snapshot of one namespace stays as it is; a share link's report cannot.
    pub fn set_netns_all(&mut self) -> Result<(), String> {
        let Some(snapshot) = &self.snapshot else {
            return Err("a share link carries one namespace's report and the others' summaries only".into());
        };
        if snapshot.all || snapshot.namespaces.len() < 2 {
            return Ok(());
        }
        let vanished: Vec<bool> = snapshot.namespaces.iter().map(|n| n.vanished).collect();
        self.rebuild(Snapshot::select_all, |i| !vanished[i]);
        Ok(())
    }

    /// Every namespace is in the report at once ([`Session::set_netns_all`]).
    pub fn netns_all(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| s.all)
    }

    /// The report again after `select` changed the snapshot's tables; the namespace summaries,
    /// checked hashes and diagnostics are kept, `selected(i)` marks the summaries shown.
    fn rebuild(&mut self, select: impl FnOnce(&mut Snapshot), selected: impl Fn(usize) -> bool) {
        let Some(mut snapshot) = self.snapshot.take() else { return };
        select(&mut snapshot);
        let hashes_checked = self.report.files.clone();
        let diagnostics = self.report.diagnostics.clone();
        let summaries = std::mem::take(&mut self.report.namespaces);
        let mut report = report::build(&snapshot);
        render::netstat::name_stalls(&mut report);
        report.files = hashes_checked;
        report.diagnostics = diagnostics;
        report.namespaces = summaries;
        for (i, n) in report.namespaces.iter_mut().enumerate() {
            n.selected = selected(i);
        }
        *self = Session { snapshot: Some(snapshot), report, filtered: None };
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn into_report(self) -> Report {
        self.report
    }

    /// The decoded snapshot; `None` for a share link.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// Whether [`Session::verify`] has anything to check: files whose hash the manifest records
    /// were not hashed during the decode.
    pub fn needs_verify(&self) -> bool {
        self.report.files.iter().any(|f| f.manifest_sha256.is_some() && f.sha256.is_none())
    }

    /// Check the files of `bytes` (the input this session was opened from) against the
    /// manifest's SHA-256, after a decode that skipped hashing: the report's files and
    /// diagnostics are updated. Returns how many files differ.
    pub fn verify(&mut self, bytes: &[u8], progress: &mut ProgressFn<'_>) -> Result<usize, Error> {
        let hashes = archive::hash_files(bytes, &Default::default(), progress)?;
        Ok(self.report.check_hashes(&hashes))
    }

    /// [`Session::verify`] reading the input again from `input` (`total_bytes`, 0 when
    /// unknown, is for progress): the viewer's worker does not keep the file for this.
    pub fn verify_reader(
        &mut self,
        input: &mut dyn std::io::Read,
        total_bytes: u64,
        progress: &mut ProgressFn<'_>,
    ) -> Result<usize, Error> {
        let hashes = archive::hash_files_reader(input, total_bytes, &Default::default(), progress)?;
        Ok(self.report.check_hashes(&hashes))
    }

    /// Record hashes the caller computed of this session's input ([`archive::TarHashes`]) against
    /// the manifest: the report's files and diagnostics are updated. Returns how many differ.
    pub fn check_hashes(&mut self, hashes: &[(String, String)]) -> usize {
        self.report.check_hashes(hashes)
    }

    /// Every socket row there is (0 for a share link).
    pub fn row_count(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| (s.inet.len() + s.unix.len()) as u64)
    }

    /// A page of the rows matching `q` (none for a share link).
    pub fn rows(&mut self, q: &RowQuery) -> RowPage {
        match self.selection(q) {
            Some((s, matched)) => query::page(s, matched, q),
            None => RowPage { seq: q.seq, ..Default::default() },
        }
    }

    /// Every row matching `q` (paging aside, at most [`query::MAX_CSV_ROWS`]), in its order, as
    /// CSV ([`query::csv`]); the header alone for a share link.
    pub fn rows_csv(&mut self, q: &RowQuery) -> Vec<u8> {
        match self.selection(q) {
            Some((s, matched)) => query::csv(s, matched),
            None => format!("{}\r\n", query::CSV_HEADER).into_bytes(),
        }
    }

    /// The rows `q` selects, in its order, kept for the next call with the same filter.
    fn selection(&mut self, q: &RowQuery) -> Option<(&Snapshot, &[u32])> {
        let s = self.snapshot.as_ref()?;
        if !matches!(&self.filtered, Some((prev, _)) if prev.same_filter(q)) {
            self.filtered = Some((q.clone(), query::select(s, q)));
        }
        Some((s, self.filtered.as_ref().map(|(_, m)| m.as_slice()).unwrap_or_default()))
    }

    /// The value after `#r=` of a share link to this report.
    #[cfg(feature = "flate")]
    pub fn share_fragment(&self, redaction: Redaction) -> String {
        share::encode(&self.report, redaction)
    }

    /// The share link's payload before compression ([`share::payload`]), for a caller that
    /// compresses with its own zlib and finishes with [`share::fragment_value_of`].
    pub fn share_payload(&self, redaction: Redaction) -> Vec<u8> {
        share::payload(&self.report, redaction)
    }

    /// A whole share link: `base` (the viewer's address, may be empty) + `#r=…`.
    #[cfg(feature = "flate")]
    pub fn share_link(&self, base: &str, redaction: Redaction) -> String {
        share::link(base, &self.report, redaction)
    }

    /// What `LC_ALL=C netstat -nlp` would have printed, byte for byte.
    pub fn netstat(&self) -> Vec<u8> {
        render::netstat_bytes(&self.report)
    }

    /// The human summary.
    pub fn text(&self) -> String {
        render::text(&self.report)
    }

    /// The report as JSON (schema: `docs/report-json.md`).
    pub fn json(&self) -> String {
        render::json(&self.report)
    }

    /// Every socket row, typed, for an export (none for a share link).
    pub fn records(&self) -> impl Iterator<Item = query::SocketRecord<'_>> + '_ {
        self.snapshot.iter().flat_map(query::records)
    }

    /// The network namespace inode of the rows [`Session::records`] yields and the report
    /// describes (see [`Session::set_netns`]), when the snapshot records it.
    pub fn netns(&self) -> Option<u64> {
        if self.netns_all() {
            return None;
        }
        self.report.namespaces.iter().find(|n| n.selected).and_then(|n| n.inode)
    }

    /// Every namespace whose rows can be selected: `None` for the collector's own, then the
    /// others' inodes (vanished ones, which have no tables, left out).
    pub fn netns_list(&self) -> Vec<Option<u64>> {
        let mut out = vec![None];
        out.extend(
            self.report
                .namespaces
                .iter()
                .filter(|n| !n.host && !n.vanished)
                .map(|n| n.inode)
                .filter(Option::is_some),
        );
        out
    }
}

/// What changed from `old` to `new` (either may be a share link's report: a diff needs no
/// rows), each in the namespace selected with [`Session::set_netns`]; `sources` names the two
/// inputs.
pub fn diff(old: &Session, new: &Session, sources: Sources<'_>) -> Diff {
    let mut d = crate::diff::diff(&old.report, &new.report, sources, old.netns());
    let inodes = |s: &Session| -> Vec<u64> {
        let mut v: Vec<u64> = s.report.namespaces.iter().filter_map(|n| n.inode).collect();
        crate::sort::sort(&mut v);
        v.dedup();
        v
    };
    let (a, b) = (inodes(old), inodes(new));
    d.namespaces_appeared = b.iter().copied().filter(|i| a.binary_search(i).is_err()).collect();
    d.namespaces_gone = a.iter().copied().filter(|i| b.binary_search(i).is_err()).collect();
    d
}

/// The viewer's comparison of two open snapshots, whichever was opened first: the earlier
/// capture is OLD (by capture start; when either lacks one, `a` is OLD), and `b` is compared in
/// the namespace `a` shows — its own host namespace when `a` shows the host, every namespace
/// when `a` shows all, else the same inode when `b` has it (else `b`'s host).
pub fn compare(a: (&Session, &str), b: (&mut Session, &str)) -> Diff {
    let (a, a_name) = a;
    let (b, b_name) = b;
    let shown = a.report.namespaces.iter().find(|n| n.selected);
    let wanted = shown.filter(|n| !n.host).and_then(|n| n.inode);
    if a.netns_all() {
        let _ = b.set_netns_all();
    } else if b.set_netns(wanted).is_err() {
        // Not in `b`: its host namespace (always there).
        let _ = b.set_netns(None);
    }
    let at = |s: &Session| s.report.host.capture_start.as_deref().and_then(crate::diff::rfc3339_seconds);
    let b_first = matches!((at(a), at(b)), (Some(x), Some(y)) if y < x);
    if b_first {
        diff(b, a, Sources { old: b_name, new: a_name })
    } else {
        diff(a, b, Sources { old: a_name, new: b_name })
    }
}

/// Why an input could not be opened, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenError {
    pub kind: ErrorKind,
    /// Short heading, e.g. "This is not a procsnap snapshot".
    pub title: String,
    /// The decoder's own message, naming the input.
    pub detail: String,
    /// What to do about it.
    pub hint: String,
}

impl OpenError {
    fn of(kind: ErrorKind, detail: String) -> OpenError {
        OpenError { kind, title: kind.title().into(), detail, hint: kind.hint().into() }
    }

    /// A snapshot `name` failed to decode.
    pub fn snapshot(name: &str, e: &Error) -> OpenError {
        OpenError::of(e.kind(), format!("{name}: {e}"))
    }

    /// A share link failed to open.
    pub fn link(e: &LinkError) -> OpenError {
        OpenError::of(e.kind(), e.to_string())
    }

    /// `name` could not be read (`why`: the platform's message).
    pub fn unreadable(name: &str, why: &str) -> OpenError {
        OpenError::of(ErrorKind::Unreadable, format!("{name}: {why}"))
    }

    /// `name` is larger than this reader accepts (`limit` bytes), before any decoding.
    pub fn too_large(name: &str, size: u64, limit: u64) -> OpenError {
        OpenError::of(
            ErrorKind::TooLarge,
            format!(
                "{name}: {} is larger than the {} this viewer opens",
                crate::format::bytes(size),
                crate::format::bytes(limit)
            ),
        )
    }
}
