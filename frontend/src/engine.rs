//! Worker-side glue to `procsnap-core`'s session: open, verify, page rows, share.
//!
//! The decoded snapshot stays here, in the worker: the page gets the report (small) and asks
//! for rows a page at a time, so a million-socket snapshot never becomes a million DOM nodes or
//! a million objects on the page's heap.

use procsnap_core::share::Redaction;
use procsnap_core::snapshot::TarDecoder;
use procsnap_core::{DecodeOptions, Progress};

use crate::format::fixed;
use crate::protocol::{JobId, OpenError, Opened, Response, RowPage, RowQuery};

/// Small archive files whose text the Files view shows (the manifest, sysctls, cmdlines…).
const MAX_SHOWN_FILE: usize = 64 * 1024;
/// Upper bound on all shown file text sent to the page.
const MAX_SHOWN_TOTAL: usize = 4 * 1024 * 1024;

pub struct Session {
    core: procsnap_core::Session,
    opened: Opened,
    /// The input, kept until its files are hashed ([`Session::verify`]).
    unverified: Option<Box<dyn Input>>,
}

/// What a snapshot is opened from, read once to decode and once more to check its hashes: bytes
/// in memory, or (in the worker) the picked file itself, read a slice at a time so that it never
/// sits whole in wasm memory, which never shrinks (`agent::BlobInput`).
pub trait Input {
    /// Its size in bytes (for progress).
    fn size(&self) -> u64;
    /// Its bytes from the start.
    fn reader(&self) -> Box<dyn std::io::Read + '_>;
    /// It as a browser `Blob` (the worker's inflater reads it); natively, `None`.
    fn blob(&self) -> Option<web_sys::Blob> {
        None
    }
    /// Whether it starts as gzip does (then the worker inflates it with the browser's zlib).
    fn is_gzip(&self) -> bool {
        let mut head = [0u8; 2];
        std::io::Read::read_exact(&mut self.reader(), &mut head).is_ok()
            && head == procsnap_core::archive::GZIP_MAGIC
    }
}

impl Input for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn blob(&self) -> Option<web_sys::Blob> {
        if !cfg!(target_arch = "wasm32") {
            return None;
        }
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(self.as_slice()));
        web_sys::Blob::new_with_u8_array_sequence(&parts).ok()
    }
    fn reader(&self) -> Box<dyn std::io::Read + '_> {
        Box::new(self.as_slice())
    }
}

/// Called with core's progress as the decode goes.
type ProgressCb<'a> = &'a mut dyn FnMut(Progress);

/// Decodes `input` and builds the report. The manifest's hashes are checked afterwards, by
/// [`Session::verify`], so the report is not kept waiting.
pub fn open(name: String, input: Box<dyn Input>, progress: ProgressCb) -> Result<Session, OpenError> {
    let t0 = now();
    let size = input.size();
    progress(Progress { bytes_done: 0, bytes_total: size, rows: 0 });
    let core =
        procsnap_core::Session::open_reader(&mut input.reader(), size, &options(), &mut |p: Progress| {
            progress(p);
            true
        })
        .map_err(|e| OpenError::snapshot(&name, &e))?;
    Ok(opened_session(name, input, core, t0))
}

/// The tab has less memory than the CLI: refuse what would not fit, with a message. Hashes are
/// checked after the report is shown ([`Session::verify`]).
fn options() -> DecodeOptions {
    DecodeOptions { skip_hashes: true, limits: procsnap_core::Limits::browser(), ..Default::default() }
}

/// Where the tar of a gzip snapshot of `size` bytes goes, as the worker inflates it with the
/// browser's zlib (`agent::inflate`); [`open_tar`] finishes it.
pub fn tar_decoder(size: u64) -> TarDecoder {
    TarDecoder::new(&options(), true, size)
}

/// [`open`] for a gzip snapshot whose tar `decoder` was fed (since `t0`, [`now`]).
pub fn open_tar(
    name: String,
    input: Box<dyn Input>,
    decoder: TarDecoder,
    t0: f64,
) -> Result<Session, OpenError> {
    let core = procsnap_core::Session::open_tar(decoder, &mut |_| true)
        .map_err(|e| OpenError::snapshot(&name, &e))?;
    Ok(opened_session(name, input, core, t0))
}

fn opened_session(name: String, input: Box<dyn Input>, core: procsnap_core::Session, t0: f64) -> Session {
    let size = input.size();
    log_timing(&name, size, t0, now());
    let opened = opened_for(name, size, &core, t0);
    let unverified = core.needs_verify().then_some(input);
    Session { core, opened, unverified }
}

/// Opens a share link (`#r=1.…`, or the whole link): the report it carries, without rows.
#[cfg(not(target_arch = "wasm32"))]
pub fn open_link(text: &str) -> Result<Session, OpenError> {
    let t0 = now();
    let core = procsnap_core::Session::open_link(text).map_err(|e| OpenError::link(&e))?;
    Ok(link_session(core, text.len() as u64, t0))
}

/// [`open_link`] from the link's payload, which the worker inflated with the browser's zlib
/// from `share::zlib_of` of a link of `text_len` characters.
pub fn open_link_payload(text_len: u64, payload: &[u8], t0: f64) -> Result<Session, OpenError> {
    let core = procsnap_core::Session::open_link_payload(payload).map_err(|e| OpenError::link(&e))?;
    Ok(link_session(core, text_len, t0))
}

fn link_session(core: procsnap_core::Session, text_len: u64, t0: f64) -> Session {
    let name = match &core.report().host.hostname {
        Some(h) => format!("shared report of {h}"),
        None => "shared report".into(),
    };
    let opened = opened_for(name, text_len, &core, t0);
    Session { core, opened, unverified: None }
}

/// Generates the built-in example (the seed story) and decodes it.
pub fn open_example(progress: ProgressCb) -> Result<Session, OpenError> {
    // A plain tar: compressing it only to inflate it again would cost time and a deflate
    // compressor in the module.
    let bytes = procsnap_core::synth::seed_story_tar(&procsnap_core::synth::SeedStory::default());
    open("example.procsnap.tar".into(), Box::new(bytes), progress)
}

fn opened_for(name: String, input_bytes: u64, core: &procsnap_core::Session, t0: f64) -> Opened {
    let mut budget = MAX_SHOWN_TOTAL;
    let small_files = core
        .snapshot()
        .iter()
        .flat_map(|s| s.files.iter())
        .filter_map(|f| {
            let c = f.content.as_ref()?;
            if c.len() > MAX_SHOWN_FILE || c.len() > budget {
                return None;
            }
            budget -= c.len();
            Some((f.path.clone(), String::from_utf8_lossy(c).into_owned()))
        })
        .collect();
    Opened {
        job: 0,
        name,
        input_bytes,
        netstat: String::from_utf8_lossy(&core.netstat()).into_owned(),
        text: core.text(),
        rows: core.row_count(),
        decode_ms: now() - t0,
        small_files,
    }
}

/// Milliseconds from the browser clock; 0 in native unit tests.
pub fn now() -> f64 {
    if cfg!(target_arch = "wasm32") { js_sys::Date::now() } else { 0.0 }
}

/// Where the worker's time went, in the worker's console (for measuring, not for users).
fn log_timing(name: &str, input: u64, t0: f64, t_report: f64) {
    if cfg!(target_arch = "wasm32") {
        web_sys::console::info_1(
            &format!(
                "procsnap worker: {name} ({input} bytes): decode + report {} ms",
                fixed(t_report - t0, 0)
            )
            .into(),
        );
    }
}

impl Session {
    pub fn opened(&self, job: u32) -> Opened {
        Opened { job, ..self.opened.clone() }
    }

    /// The report as core holds it (tests).
    #[cfg(test)]
    pub fn report(&self) -> &procsnap_core::Report {
        self.core.report()
    }

    /// [`Response::Opened`] for `job`: what [`Session::opened`] says and the report.
    pub fn answer(&self, job: u32) -> Response {
        Response::Opened(Box::new(self.opened(job)), Box::new(self.core.report().clone().into()))
    }

    /// Hash the input's files against the manifest, once: the report's files and diagnostics
    /// updated, or `None` when there is nothing (left) to check.
    pub fn verify(&mut self, job: JobId) -> Option<Response> {
        let input = self.unverified.take()?;
        self.core.verify_reader(&mut input.reader(), input.size(), &mut |_| true).ok()?;
        Some(self.verified(job))
    }

    /// The input still to be checked against the manifest, taken: a gzip snapshot, which the
    /// worker inflates with the browser's zlib into `archive::TarHashes`, then [`Session::record_hashes`].
    pub fn take_unverified_gzip(&mut self) -> Option<Box<dyn Input>> {
        if self.unverified.as_ref()?.is_gzip() { self.unverified.take() } else { None }
    }

    /// Hashes of the input's files (from [`Session::take_unverified_gzip`]) checked against the manifest.
    pub fn record_hashes(&mut self, job: JobId, hashes: &[(String, String)]) -> Response {
        self.core.check_hashes(hashes);
        self.verified(job)
    }

    fn verified(&mut self, job: JobId) -> Response {
        let text = self.core.text();
        self.opened.text = text.clone();
        let report = self.core.report();
        Response::Verified { job, files: report.files.clone(), diagnostics: report.diagnostics.clone(), text }
    }

    /// Switch the report to network namespace `inode` (every view follows: report, netstat
    /// text, rows). An unknown or vanished one (the picker offers neither) leaves it as it is.
    pub fn set_netns(&mut self, job: JobId, choice: crate::protocol::NetnsChoice) -> Response {
        use crate::protocol::NetnsChoice;
        let chosen = match choice {
            NetnsChoice::Own => self.core.set_netns(None),
            NetnsChoice::Inode(i) => self.core.set_netns(Some(i)),
            NetnsChoice::All => self.core.set_netns_all(),
        };
        if chosen.is_ok() {
            let t0 = now();
            let fresh = opened_for(self.opened.name.clone(), self.opened.input_bytes, &self.core, t0);
            self.opened = Opened { small_files: std::mem::take(&mut self.opened.small_files), ..fresh };
        }
        self.answer(job)
    }

    /// What changed between this snapshot and `other` (see `procsnap_core::session::compare`).
    pub fn compare(&self, job: JobId, other: &mut Session) -> Response {
        let a = (&self.core, self.opened.name.as_str());
        let diff = procsnap_core::session::compare(a, (&mut other.core, other.opened.name.as_str()));
        Response::Compared { job, text: procsnap_core::render::diff_text(&diff) }
    }

    /// The share link's payload before compression: the worker compresses it with the browser's
    /// zlib (`agent::share_fragment`), so the module carries no deflate compressor.
    pub fn share_payload(&self, redaction: Redaction) -> Vec<u8> {
        self.core.share_payload(redaction)
    }

    pub fn rows(&mut self, q: &RowQuery) -> RowPage {
        self.core.rows(q)
    }

    /// The CSV of every row `q` selects, built here so the page never holds the rows.
    pub fn csv(&mut self, q: &RowQuery) -> Response {
        let total = self.core.rows(&RowQuery { limit: 0, ..q.clone() }).total;
        let bytes = self.core.rows_csv(q);
        Response::Csv { seq: q.seq, rows: total.min(procsnap_core::query::MAX_CSV_ROWS), total, bytes }
    }

    /// Re-render the report, netstat text and stalls for `flavour` (`None`: the snapshot's own).
    /// A share link keeps its flavour (it has no rows to re-render from).
    pub fn set_netstat(&mut self, flavour: Option<procsnap_core::Flavour>) {
        if self.core.set_netstat(flavour) {
            self.opened.netstat = String::from_utf8_lossy(&self.core.netstat()).into_owned();
            self.opened.text = self.core.text();
        }
    }
}

/// What is the worker's own: the hash check is deferred and done once, and the report survives
/// the page/worker codec. Opening, paging and sharing are core's (`core/tests/session.rs`).
// Native only: the tests make and open .tar.gz snapshots and links with core's own inflate,
// which the viewer's wasm build leaves out (the browser inflates there).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use procsnap_core::synth::{SeedStory, seed_story};

    use super::*;

    const ALL: Redaction = Redaction::ALL;

    fn example() -> Session {
        let bytes = seed_story(&SeedStory::default());
        open("example".into(), Box::new(bytes), &mut |_| {}).expect("the example decodes")
    }

    #[test]
    fn hashes_are_checked_after_the_report_once() {
        let mut s = example();
        assert!(s.core.report().files.iter().any(|f| f.manifest_sha256.is_some() && f.sha256.is_none()));
        let Some(Response::Verified { job, files, diagnostics, .. }) = s.verify(7) else {
            panic!("a snapshot with a manifest is verified")
        };
        assert_eq!(job, 7);
        let checked: Vec<_> = files.iter().filter(|f| f.manifest_sha256.is_some()).collect();
        assert!(!checked.is_empty());
        assert!(checked.iter().all(|f| f.sha256 == f.manifest_sha256), "{checked:?}");
        assert_eq!(diagnostics.total, 0);
        assert!(s.verify(8).is_none(), "only once");
    }

    /// A share fragment as the worker makes it without `CompressionStream` (stored zlib).
    fn stored_fragment(payload: &[u8]) -> String {
        procsnap_core::share::fragment_value_of(&procsnap_core::share::zlib_stored(payload))
    }

    #[test]
    fn the_report_survives_the_worker_codec() {
        // The worker codec (`protocol::Postcard`): postcard of the message.
        for s in
            [example(), open_link(&format!("#r={}", stored_fragment(&example().share_payload(ALL)))).unwrap()]
        {
            let bytes = postcard::to_allocvec(&s.answer(3)).expect("encodes");
            let back: crate::protocol::Response = postcard::from_bytes(&bytes).expect("decodes");
            match back {
                crate::protocol::Response::Opened(o, report) => {
                    assert!(*o == s.opened(3), "the message changed");
                    let mut sent = s.core.report().clone();
                    // File contents are `#[serde(skip)]` (the page gets small files in `small_files`).
                    sent.files.iter_mut().for_each(|f| f.content = None);
                    assert!(procsnap_core::Report::from(*report) == sent, "the report changed");
                }
                _ => panic!("unexpected answer"),
            }
        }
    }

    #[test]
    fn another_flavour_re_renders_what_the_page_gets_and_keeps_checked_hashes() {
        let mut s = example();
        let before = s.opened(1);
        assert_eq!(s.core.report().netstat.flavour, procsnap_core::Flavour::Centos6);
        assert!(s.verify(1).is_some());
        s.set_netstat(Some(procsnap_core::Flavour::NetTools210));
        let after = s.opened(2);
        let report = s.core.report();
        let mut cli = procsnap_core::Session::example(&Default::default());
        cli.set_netstat(Some(procsnap_core::Flavour::NetTools210));
        assert_eq!(report.cost.stalls, cli.report().cost.stalls);
        assert_eq!(after.netstat.as_bytes(), cli.netstat());
        assert_ne!(after.netstat, before.netstat);
        assert!(
            report
                .files
                .iter()
                .filter(|f| f.manifest_sha256.is_some())
                .all(|f| f.sha256 == f.manifest_sha256)
        );
        // Back to the snapshot's own choice.
        s.set_netstat(None);
        assert_eq!(s.opened(3).netstat, before.netstat);
    }

    #[test]
    fn the_csv_answer_counts_its_rows() {
        let mut s = example();
        let q = RowQuery { seq: 4, state: "LISTEN".into(), ..Default::default() };
        let Response::Csv { seq, rows, total, bytes } = s.csv(&q) else { panic!("a CSV answer") };
        // Five TCP listeners and two unix ones (the UDP sockets are UNCONN).
        assert_eq!((seq, rows, total), (4, 7, 7));
        assert_eq!(bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count(), 8);
    }
}
