//! Worker-side glue to `procsnap-core`: decode bytes, build the report, page rows.
//!
//! PLACEHOLDER until `procsnap_core::decode_with_progress` lands on main: accepts only gzip
//! input and produces an empty report, so the plumbing (worker, progress, errors) can be tested.

use crate::protocol::{OpenError, Opened, RowPage, RowQuery, SocketRow};
use crate::report::Report;

pub struct Session {
    name: String,
    input_bytes: u64,
    report_json: String,
    netstat: String,
    rows: Vec<SocketRow>,
    small_files: Vec<(String, String)>,
    decode_ms: f64,
    /// Indices of rows matching the last filter, so paging the same filter is cheap.
    filtered: Option<(RowQuery, Vec<u32>)>,
}

type Progress<'a> = &'a mut dyn FnMut(f64, f64, f64);

pub fn open(name: String, bytes: &[u8], progress: Progress) -> Result<Session, OpenError> {
    let t0 = js_sys::Date::now();
    progress(0.0, bytes.len() as f64, 0.0);
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(OpenError {
            title: "This is not a procsnap snapshot".into(),
            detail: format!("{name} does not start like a gzip or tar archive."),
            hint: "Open the .procsnap.tar.gz file written by `procsnap collect`.".into(),
        });
    }
    progress(bytes.len() as f64, bytes.len() as f64, 0.0);
    let report = Report::default();
    Ok(Session {
        name,
        input_bytes: bytes.len() as u64,
        report_json: serde_json::to_string(&report).unwrap_or_default(),
        netstat: String::new(),
        rows: Vec::new(),
        small_files: Vec::new(),
        decode_ms: js_sys::Date::now() - t0,
        filtered: None,
    })
}

pub fn open_example(progress: Progress) -> Result<Session, OpenError> {
    open("example".into(), &[0x1f, 0x8b], progress)
}

impl Session {
    pub fn opened(&self, job: u32) -> Opened {
        Opened {
            job,
            name: self.name.clone(),
            input_bytes: self.input_bytes,
            report_json: self.report_json.clone(),
            netstat: self.netstat.clone(),
            rows: self.rows.len() as u64,
            decode_ms: self.decode_ms,
            small_files: self.small_files.clone(),
        }
    }

    pub fn rows(&mut self, q: &RowQuery) -> RowPage {
        let same = matches!(&self.filtered, Some((prev, _)) if same_filter(prev, q));
        if !same {
            let idx = self
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| matches(r, q))
                .map(|(i, _)| i as u32)
                .collect();
            self.filtered = Some((q.clone(), idx));
        }
        let idx = &self.filtered.as_ref().expect("just set").1;
        let start = (q.offset as usize).min(idx.len());
        let end = (start + q.limit as usize).min(idx.len());
        RowPage {
            seq: q.seq,
            total: idx.len() as u64,
            offset: start as u64,
            rows: idx[start..end]
                .iter()
                .map(|&i| self.rows[i as usize].clone())
                .collect(),
        }
    }
}

fn same_filter(a: &RowQuery, b: &RowQuery) -> bool {
    a.proto == b.proto && a.state == b.state && a.addr == b.addr && a.port == b.port && a.pid == b.pid
}

fn matches(r: &SocketRow, q: &RowQuery) -> bool {
    (q.proto.is_empty() || r.proto == q.proto)
        && (q.state.is_empty() || r.state == q.state)
        && (q.addr.is_empty() || r.local.contains(&q.addr) || r.remote.contains(&q.addr))
        && q.pid.is_none_or(|p| r.pid == Some(p))
        && q.port.is_none_or(|p| {
            let p = format!(":{p}");
            r.local.ends_with(&p) || r.remote.ends_with(&p)
        })
}
