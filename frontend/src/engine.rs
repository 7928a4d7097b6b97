//! Worker-side glue to `procsnap-core`: decode bytes, build the report, page rows.
//!
//! The decoded [`Snapshot`] stays here, in the worker: the page gets the report (small) and asks
//! for rows a page at a time, so a million-socket snapshot never becomes a million DOM nodes or
//! a million objects on the page's heap.

use std::net::{IpAddr, SocketAddr};

use procsnap_core::proc::inet::InetSocket;
use procsnap_core::synth::{SeedStory, seed_story};
use procsnap_core::{DecodeOptions, Error, Progress, Snapshot};

use crate::protocol::{JobId, OpenError, Opened, Response, RowPage, RowQuery, SocketRow};

/// Small archive files whose text the Files view shows (the manifest, sysctls, cmdlines…).
const MAX_SHOWN_FILE: usize = 64 * 1024;
/// Upper bound on all shown file text sent to the page.
const MAX_SHOWN_TOTAL: usize = 4 * 1024 * 1024;

pub struct Session {
    /// `None` for a report opened from a share link: it has no rows.
    snapshot: Option<Snapshot>,
    report: procsnap_core::Report,
    opened: Opened,
    /// Indices of rows matching the last filter, so paging the same filter is cheap.
    /// Rows are numbered inet first, then unix.
    filtered: Option<(RowQuery, Vec<u32>)>,
    /// The input, kept until its files are hashed ([`Session::verify`]).
    unverified: Option<Vec<u8>>,
}

type ProgressCb<'a> = &'a mut dyn FnMut(f64, f64, f64);

/// Decodes `bytes` and builds the report. The manifest's hashes are checked afterwards, by
/// [`Session::verify`], so the report is not kept waiting.
pub fn open(name: String, bytes: Vec<u8>, progress: ProgressCb) -> Result<Session, OpenError> {
    let t0 = now();
    progress(0.0, bytes.len() as f64, 0.0);
    let options = DecodeOptions { skip_hashes: true, ..Default::default() };
    let snapshot = procsnap_core::decode_with_progress(&bytes, &options, &mut |p: Progress| {
        progress(p.bytes_done as f64, p.bytes_total as f64, p.rows as f64);
        true
    })
    .map_err(|e| explain(&name, &e))?;
    let t_decode = now();
    let report = snapshot.report();
    log_timing(&name, bytes.len(), t0, t_decode, now());
    let opened = opened_for(name, bytes.len() as u64, &report, Some(&snapshot), t0)?;
    let needs_hashes = report.files.iter().any(|f| f.manifest_sha256.is_some());
    Ok(Session {
        snapshot: Some(snapshot),
        report,
        opened,
        filtered: None,
        unverified: needs_hashes.then_some(bytes),
    })
}

/// Opens a share link (`#r=1.…`, or the whole link): the report it carries, without rows.
pub fn open_link(text: &str) -> Result<Session, OpenError> {
    let t0 = now();
    let report = procsnap_core::share::decode(text).map_err(|e| OpenError {
        title: match e {
            procsnap_core::share::LinkError::NewerVersion { .. } => {
                "This link comes from a newer procsnap".into()
            }
            procsnap_core::share::LinkError::NotALink => "This is not a procsnap report link".into(),
            _ => "This report link is damaged".into(),
        },
        detail: e.to_string(),
        hint: "Ask for the link again, or for the snapshot file itself.".into(),
    })?;
    let name = match &report.host.hostname {
        Some(h) => format!("shared report of {h}"),
        None => "shared report".into(),
    };
    let opened = opened_for(name, text.len() as u64, &report, None, t0)?;
    Ok(Session { snapshot: None, report, opened, filtered: None, unverified: None })
}

fn opened_for(
    name: String,
    input_bytes: u64,
    report: &procsnap_core::Report,
    snapshot: Option<&Snapshot>,
    t0: f64,
) -> Result<Opened, OpenError> {
    let netstat = procsnap_core::render::netstat(report);
    let text = procsnap_core::render::text(report);
    let mut budget = MAX_SHOWN_TOTAL;
    let small_files = snapshot
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
    let rows = snapshot.map_or(0, |s| (s.inet.len() + s.unix.len()) as u64);
    Ok(Opened {
        job: 0,
        name,
        input_bytes,
        report: Some(Box::new(report.clone())),
        netstat,
        text,
        rows,
        decode_ms: now() - t0,
        small_files,
    })
}

/// Milliseconds from the browser clock; 0 in native unit tests.
fn now() -> f64 {
    if cfg!(target_arch = "wasm32") { js_sys::Date::now() } else { 0.0 }
}

/// Where the worker's time went, in the worker's console (for measuring, not for users).
fn log_timing(name: &str, input: usize, t0: f64, t_decode: f64, t_report: f64) {
    if cfg!(target_arch = "wasm32") {
        web_sys::console::info_1(
            &format!(
                "procsnap worker: {name} ({input} bytes): decode {:.0} ms, report {:.0} ms",
                t_decode - t0,
                t_report - t_decode
            )
            .into(),
        );
    }
}

/// Generates the built-in example (the seed story) and decodes it.
pub fn open_example(progress: ProgressCb) -> Result<Session, OpenError> {
    let bytes = seed_story(&SeedStory::default());
    open("example.procsnap.tar.gz".into(), bytes, progress)
}

/// Turns a decode error into a title, the decoder's message and what to do.
pub fn explain(name: &str, e: &Error) -> OpenError {
    let (title, hint) = match e.kind() {
        "empty" => ("The file is empty", "Copy the snapshot again; the copy may have failed."),
        "not_a_snapshot" => (
            "This is not a procsnap snapshot",
            "Open the .procsnap.tar.gz file written by `procsnap collect` (or a copy of /proc/net/tcp).",
        ),
        "truncated" => (
            "The snapshot is truncated or damaged",
            "The file ends early or is corrupt: copy it again (in binary mode) and compare its size with the original.",
        ),
        "too_large" | "too_many_entries" => (
            "This snapshot is too large to open",
            "It unpacks beyond the viewer's safety limits. Use `procsnap report FILE` on the command line.",
        ),
        "bad_manifest" => (
            "The snapshot's manifest is damaged",
            "procsnap.json inside the archive is not valid; take a new snapshot with `procsnap collect`.",
        ),
        "newer_format" => (
            "This snapshot comes from a newer procsnap",
            "Open it with a newer version of this viewer, or use the procsnap binary that wrote it.",
        ),
        "cancelled" => ("Opening was cancelled", "Open the snapshot again."),
        _ => ("The snapshot could not be opened", "Check the file, or try `procsnap report FILE`."),
    };
    OpenError { title: title.into(), detail: format!("{name}: {e}"), hint: hint.into() }
}

impl Session {
    pub fn opened(&self, job: u32) -> Opened {
        Opened { job, ..self.opened.clone() }
    }

    /// Hash the input's files against the manifest, once: the report's files and diagnostics
    /// updated, or `None` when there is nothing (left) to check.
    pub fn verify(&mut self, job: JobId) -> Option<Response> {
        let bytes = self.unverified.take()?;
        let hashes = procsnap_core::archive::hash_files(&bytes, &Default::default(), &mut |_| true).ok()?;
        self.report.check_hashes(&hashes);
        let text = procsnap_core::render::text(&self.report);
        self.opened.text = text.clone();
        Some(Response::Verified {
            job,
            files: self.report.files.clone(),
            diagnostics: self.report.diagnostics.clone(),
            text,
        })
    }

    /// The fragment value of a share link to this report (`procsnap_core::share`).
    pub fn share(&self, redaction: procsnap_core::share::Redaction) -> String {
        procsnap_core::share::encode(&self.report, redaction)
    }

    pub fn rows(&mut self, q: &RowQuery) -> RowPage {
        let same = matches!(&self.filtered, Some((prev, _)) if same_filter(prev, q));
        if !same {
            let idx = self.matching(q);
            self.filtered = Some((q.clone(), idx));
        }
        let idx = &self.filtered.as_ref().expect("set above").1;
        let start = (q.offset as usize).min(idx.len());
        let end = (start + q.limit.min(2000) as usize).min(idx.len());
        RowPage {
            seq: q.seq,
            total: idx.len() as u64,
            offset: start as u64,
            rows: idx[start..end].iter().map(|&i| self.row(i as usize)).collect(),
        }
    }

    fn matching(&self, q: &RowQuery) -> Vec<u32> {
        let Some(s) = &self.snapshot else { return Vec::new() };
        let mut out = Vec::new();
        let want_unix = q.proto.is_empty() || q.proto == "unix";
        let want_inet = q.proto != "unix";
        if want_inet {
            for (i, r) in s.inet.iter().enumerate() {
                if inet_matches(s, &r, q) {
                    out.push(i as u32);
                }
            }
        }
        if want_unix && q.port.is_none() && (q.state.is_empty() || q.state == "LISTEN") {
            let base = s.inet.len();
            for (i, u) in s.unix.iter().enumerate() {
                let listening = u.flags & procsnap_core::proc::unix::SO_ACCEPTCON != 0;
                let ok = (q.state.is_empty() || listening)
                    && (q.addr.is_empty() || u.path.lossy().contains(&q.addr))
                    && q.pid.is_none_or(|p| s.owners.holders(u.inode).iter().any(|h| h.pid == p));
                if ok {
                    out.push((base + i) as u32);
                }
            }
        }
        out
    }

    fn row(&self, i: usize) -> SocketRow {
        let Some(s) = &self.snapshot else { return SocketRow::default() };
        if let Some(r) = s.inet.get(i) {
            let (pid, program) = owner(s, r.inode);
            SocketRow {
                proto: r.table.file_name().to_string(),
                local: endpoint(r.local_addr, r.local_port),
                remote: endpoint(r.remote_addr, r.remote_port),
                state: r.state_name().to_string(),
                inode: r.inode,
                uid: r.uid,
                pid,
                program,
            }
        } else {
            let u = &s.unix[i - s.inet.len()];
            let (pid, program) = owner(s, u.inode);
            let listening = u.flags & procsnap_core::proc::unix::SO_ACCEPTCON != 0;
            SocketRow {
                proto: "unix".into(),
                local: u.path.lossy().into_owned(),
                remote: String::new(),
                state: if listening { "LISTEN".into() } else { unix_state(u.state).into() },
                inode: u.inode,
                uid: 0,
                pid,
                program,
            }
        }
    }
}

fn owner(s: &Snapshot, inode: u64) -> (Option<u32>, String) {
    let field = s.owners.netstat_field(inode);
    let text = String::from_utf8_lossy(field);
    match text.split_once('/') {
        Some((pid, prog)) => (pid.parse().ok(), prog.to_string()),
        None => (None, String::new()),
    }
}

fn endpoint(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

fn unix_state(st: u32) -> &'static str {
    match st {
        0 => "FREE",
        1 => "UNCONNECTED",
        2 => "CONNECTING",
        3 => "CONNECTED",
        4 => "DISCONNECTING",
        _ => "UNKNOWN",
    }
}

fn same_filter(a: &RowQuery, b: &RowQuery) -> bool {
    a.proto == b.proto && a.state == b.state && a.addr == b.addr && a.port == b.port && a.pid == b.pid
}

fn inet_matches(s: &Snapshot, r: &InetSocket, q: &RowQuery) -> bool {
    (q.proto.is_empty() || r.table.file_name() == q.proto)
        && (q.state.is_empty() || r.state_name() == q.state)
        && q.port.is_none_or(|p| r.local_port == p || r.remote_port == p)
        && q.pid.is_none_or(|p| s.owners.holders(r.inode).iter().any(|h| h.pid == p))
        && (q.addr.is_empty()
            || r.local_addr.to_string().contains(&q.addr)
            || r.remote_addr.to_string().contains(&q.addr))
}

#[cfg(test)]
mod tests {
    use procsnap_core::synth::{SeedStory, seed_story};

    use super::*;

    fn example() -> Session {
        let bytes = seed_story(&SeedStory::default());
        open("example".into(), bytes, &mut |_, _, _| {}).expect("the example decodes")
    }

    #[test]
    fn hashes_are_checked_after_the_report_once() {
        let mut s = example();
        assert!(s.report.files.iter().any(|f| f.manifest_sha256.is_some() && f.sha256.is_none()));
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

    fn query(f: impl FnOnce(&mut RowQuery)) -> RowQuery {
        let mut q = RowQuery { seq: 1, limit: 50, ..Default::default() };
        f(&mut q);
        q
    }

    #[test]
    fn pages_every_row_and_filters_like_the_report() {
        let mut s = example();
        let report = *s.opened(7).report.unwrap();
        assert_eq!(s.opened(7).job, 7);
        let all = s.rows(&query(|_| {}));
        assert_eq!(all.total, s.opened.rows);
        assert_eq!(all.total, report.volume.inet_rows + report.volume.unix_rows);
        assert_eq!(all.rows.len(), 50);

        let tw = s.rows(&query(|q| q.state = "TIME_WAIT".into()));
        assert_eq!(tw.total, report.time_wait.count);

        let ssh = s.rows(&query(|q| {
            q.state = "LISTEN".into();
            q.port = Some(22);
        }));
        assert_eq!(ssh.total, 2, "sshd listens on tcp and tcp6");
        assert!(ssh.rows.iter().all(|r| r.program == "sshd" && r.pid == Some(2983)));

        let unix = s.rows(&query(|q| q.proto = "unix".into()));
        assert_eq!(unix.total, report.volume.unix_rows);
    }

    #[test]
    fn the_report_survives_the_worker_codec() {
        // The worker codec (`protocol::Postcard`): postcard of the message.
        for s in [
            example(),
            open_link(&format!("#r={}", example().share(procsnap_core::share::Redaction::ALL))).unwrap(),
        ] {
            let mut opened = s.opened(3);
            // File contents are `#[serde(skip)]` (the page gets small files in `small_files`).
            for f in &mut opened.report.as_mut().unwrap().files {
                f.content = None;
            }
            let msg = crate::protocol::Response::Opened(Box::new(opened.clone()));
            let bytes = postcard::to_allocvec(&msg).expect("encodes");
            let back: crate::protocol::Response = postcard::from_bytes(&bytes).expect("decodes");
            match back {
                crate::protocol::Response::Opened(o) => assert!(*o == opened, "the report changed"),
                _ => panic!("unexpected answer"),
            }
        }
    }

    #[test]
    fn paging_is_bounded_and_echoes_the_query() {
        let mut s = example();
        let q = query(|q| {
            q.seq = 9;
            q.offset = u64::MAX / 2;
        });
        let page = s.rows(&q);
        assert_eq!(page.seq, 9);
        assert!(page.rows.is_empty());
        assert_eq!(page.offset, page.total);
        let big = s.rows(&query(|q| q.limit = 1_000_000));
        assert_eq!(big.rows.len(), 2000, "a page is capped");
    }

    #[test]
    fn errors_have_a_title_and_a_hint() {
        let e =
            open("notes.txt".into(), b"hello, not a snapshot\n".to_vec(), &mut |_, _, _| {}).err().unwrap();
        assert_eq!(e.title, "This is not a procsnap snapshot");
        assert!(e.detail.starts_with("notes.txt: "));
        let bytes = seed_story(&SeedStory::default());
        let cut = open("cut".into(), bytes[..bytes.len() / 2].to_vec(), &mut |_, _, _| {}).err().unwrap();
        assert!(cut.title.contains("truncated"), "{cut:?}");
        let empty = open("empty".into(), Vec::new(), &mut |_, _, _| {}).err().unwrap();
        assert_eq!(empty.title, "The file is empty");
    }

    #[test]
    fn share_links_round_trip_without_rows() {
        let s = example();
        let fragment = s.share(procsnap_core::share::Redaction::ALL);
        let mut linked = open_link(&format!("http://127.0.0.1/#r={fragment}")).expect("link opens");
        let report = *linked.opened.report.clone().unwrap();
        assert!(report.shared.is_some());
        assert_eq!(report.host.hostname, None);
        assert_eq!(linked.opened.rows, 0);
        assert_eq!(linked.rows(&query(|_| {})).total, 0);
        let damaged = open_link(&format!("#r={}", &fragment[..fragment.len() / 2])).err().unwrap();
        assert_eq!(damaged.title, "This report link is damaged");
    }
}
