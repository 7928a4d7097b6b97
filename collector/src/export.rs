//! `procsnap export SNAPSHOT... --format parquet|ndjson|csv -o FILE [--table sockets|listeners]`:
//! the socket rows (or the listeners) of many snapshots as one table for an existing engine
//! (DuckDB, ClickHouse, Spark; docs/fleet.md). The rows come from core (`Session::records`,
//! the Sockets view's row model; the report's listeners); this is columns and file formats.
//!
//! Streaming: one snapshot is open at a time and its rows are written in batches of
//! [`BATCH`], so memory is one decoded snapshot plus one batch, however many snapshots there are.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::net::{IpAddr, Ipv4Addr};

use bytes::Bytes;
use procsnap_core::{DecodeOptions, Session};

use crate::cli::{self, Flag};
use crate::error::{self, Error};

/// Rows per batch (and per Parquet row group).
pub const BATCH: usize = 128 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Parquet,
    Ndjson,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Table {
    Sockets,
    Listeners,
}

#[derive(Clone, Copy)]
enum Opt {
    Format,
    Output,
    Table,
    MaxBytes,
    Help,
}

const FLAGS: &[Flag<Opt>] = &[
    Flag {
        kind: Opt::Format,
        short: Some('f'),
        long: "format",
        value: Some("parquet|ndjson|csv"),
        help: "the file format (required)",
    },
    Flag {
        kind: Opt::Output,
        short: Some('o'),
        long: "output",
        value: Some("FILE"),
        help: "where to write (required; - for standard output). Written to a temporary
               file beside it and renamed at the end: never a partial file",
    },
    Flag {
        kind: Opt::Table,
        short: None,
        long: "table",
        value: Some("sockets|listeners"),
        help: "sockets (default): one row per socket; listeners: one row per listening
               socket, as netstat -nlp lists them, with its owner and command line",
    },
    Flag {
        kind: Opt::MaxBytes,
        short: None,
        long: "max-bytes",
        value: Some("N"),
        help: "refuse archives that unpack to more than N bytes (default 1.5 GiB)",
    },
    Flag { kind: Opt::Help, short: Some('h'), long: "help", value: None, help: "this help" },
];

fn help() -> String {
    let cols = |t: &[(&str, Kind, &str)]| {
        t.iter().map(|(n, _, what)| format!("    {n:<12} {what}\n")).collect::<String>()
    };
    format!(
        "procsnap export — many snapshots as one table, for DuckDB, ClickHouse or Spark

USAGE:
    procsnap export SNAPSHOT... --format parquet|ndjson|csv -o FILE [--table sockets|listeners]

Each SNAPSHOT is anything `procsnap report` reads; they are read one at a time, so memory stays
that of the largest one. docs/fleet.md has queries over the result.

OPTIONS:
{}
SOCKETS TABLE (--table sockets):
{}
LISTENERS TABLE (--table listeners):
{}
EXIT CODES:
    0 success, 2 bad usage, 3 cannot read an input, 4 not a snapshot procsnap can decode,
    5 cannot write the output
",
        cli::options(FLAGS),
        cols(SOCKET_COLUMNS),
        cols(LISTENER_COLUMNS)
    )
}

/// A column's type: Parquet's (physical + logical), DuckDB's reading of it, JSON's and CSV's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// UTF-8 text (BYTE_ARRAY STRING).
    Str,
    /// INT64.
    I64,
    /// INT64 holding an unsigned 64-bit value (INTEGER(64,false): DuckDB's UBIGINT).
    U64,
    /// DOUBLE.
    F64,
    /// INT64 TIMESTAMP(MICROS, UTC); RFC 3339 text in NDJSON and CSV.
    Time,
}

/// The columns every row starts with: which snapshot it comes from.
macro_rules! snapshot_columns {
    () => {
        [
            ("source", Kind::Str, "the snapshot's file name"),
            ("host", Kind::Str, "the captured host's name (manifest)"),
            ("captured_at", Kind::Time, "when the capture started (UTC)"),
            ("netns", Kind::U64, "network namespace inode of the socket's table (null: not recorded)"),
        ]
    };
}

const SOCKET_COLUMNS: &[(&str, Kind, &str)] = &{
    let s = snapshot_columns!();
    [
        s[0],
        s[1],
        s[2],
        s[3],
        ("proto", Kind::Str, "the table: tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6, unix"),
        ("state", Kind::Str, "netstat's state name (TIME_WAIT, LISTEN, ESTABLISHED…)"),
        ("local_addr", Kind::Str, "local address (unix: the socket's path)"),
        ("local_port", Kind::I64, "local port (unix: null)"),
        ("remote_addr", Kind::Str, "remote address (unix: null)"),
        ("remote_port", Kind::I64, "remote port (unix: null)"),
        ("inode", Kind::U64, "socket inode (0: TIME_WAIT and not yet accepted)"),
        ("uid", Kind::I64, "the row's uid (unix: null)"),
        ("pid", Kind::I64, "netstat's owner pid (null: no owner seen)"),
        ("program", Kind::Str, "the owner's program name"),
        ("timer_s", Kind::F64, "seconds left on the row's timer (TIME_WAIT's among them; null: none)"),
    ]
};

const LISTENER_COLUMNS: &[(&str, Kind, &str)] = &{
    let s = snapshot_columns!();
    [
        s[0],
        s[1],
        s[2],
        s[3],
        ("proto", Kind::Str, "the table (tcp, tcp6, udp…, unix)"),
        ("state", Kind::Str, "netstat's state name (LISTEN; UDP: empty, as netstat)"),
        ("local_addr", Kind::Str, "address listened on (unix: the path)"),
        ("local_port", Kind::I64, "port listened on (unix: null)"),
        ("recv_q", Kind::I64, "netstat's Recv-Q (unix: null)"),
        ("send_q", Kind::I64, "netstat's Send-Q (unix: null)"),
        ("inode", Kind::U64, "socket inode"),
        ("uid", Kind::I64, "the row's uid (unix: null)"),
        ("pid", Kind::I64, "netstat's owner pid"),
        ("program", Kind::Str, "netstat's program name"),
        ("command", Kind::Str, "the owner's full command line, arguments separated by spaces"),
        ("holders", Kind::I64, "processes holding the socket"),
    ]
};

/// One batch of rows of one snapshot, column by column. The first [`SNAPSHOT_COLUMNS`] columns
/// are the snapshot's (`meta`), the same on every row, so they are not stored per row; text is
/// kept in one buffer per batch (`text`), so a row costs no allocation.
struct Batch {
    len: usize,
    /// Columns from [`SNAPSHOT_COLUMNS`] on.
    cols: Vec<Column>,
    text: Vec<u8>,
    meta: Arc<Meta>,
    /// The last local address, remote address and program written, for [`Batch::repeat`].
    last: [Option<(u128, Text)>; 3],
}

/// Columns every table starts with (source, host, captured_at, netns): [`Meta`]'s.
const SNAPSHOT_COLUMNS: usize = 4;

#[derive(Clone, Copy)]
enum Text {
    Static(&'static [u8]),
    /// A range of the batch's `text`.
    Span(u32, u32),
}

enum Column {
    Str(Vec<Option<Text>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

impl Batch {
    fn new(columns: &[(&str, Kind, &str)], meta: Arc<Meta>) -> Batch {
        let cols = columns[SNAPSHOT_COLUMNS..]
            .iter()
            .map(|(_, k, _)| match k {
                Kind::Str => Column::Str(Vec::with_capacity(BATCH)),
                Kind::I64 | Kind::U64 | Kind::Time => Column::Int(Vec::with_capacity(BATCH)),
                Kind::F64 => Column::Float(Vec::with_capacity(BATCH)),
            })
            .collect();
        Batch { len: 0, cols, text: Vec::with_capacity(BATCH * 32), meta, last: [None; 3] }
    }
    fn clear(&mut self) {
        self.len = 0;
        self.text.clear();
        self.last = [None; 3];
        for c in &mut self.cols {
            match c {
                Column::Str(v) => v.clear(),
                Column::Int(v) => v.clear(),
                Column::Float(v) => v.clear(),
            }
        }
    }
    /// Column `i` of the table (counting the snapshot's columns).
    fn col(&mut self, i: usize) -> &mut Column {
        &mut self.cols[i - SNAPSHOT_COLUMNS]
    }
    fn str(&mut self, i: usize, v: Option<Text>) {
        match self.col(i) {
            Column::Str(c) => c.push(v),
            _ => unreachable!("column {i} is text"),
        }
    }
    fn int(&mut self, i: usize, v: Option<i64>) {
        match self.col(i) {
            Column::Int(c) => c.push(v),
            _ => unreachable!("column {i} is an integer"),
        }
    }
    fn float(&mut self, i: usize, v: Option<f64>) {
        match self.col(i) {
            Column::Float(c) => c.push(v),
            _ => unreachable!("column {i} is a float"),
        }
    }
    /// Text written into the batch's buffer by `write` (made valid UTF-8).
    fn text(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Text {
        let start = self.text.len();
        write(&mut self.text);
        if std::str::from_utf8(&self.text[start..]).is_err() {
            let fixed = String::from_utf8_lossy(&self.text[start..]).into_owned();
            self.text.truncate(start);
            self.text.extend_from_slice(fixed.as_bytes());
        }
        Text::Span(start as u32, (self.text.len() - start) as u32)
    }
    /// [`Batch::text`], unless `key` is what slot `slot` last held: text that repeats from
    /// row to row (the server's own address, one process's program) is written once.
    fn repeat(&mut self, slot: usize, key: u128, write: impl FnOnce(&mut Vec<u8>)) -> Text {
        if let Some((k, t)) = self.last[slot]
            && k == key
        {
            return t;
        }
        let t = self.text(write);
        self.last[slot] = Some((key, t));
        t
    }
    fn bytes(&self, t: &Text) -> &[u8] {
        match *t {
            Text::Static(s) => s,
            Text::Span(a, n) => &self.text[a as usize..(a + n) as usize],
        }
    }
}

/// What every row of one snapshot shares.
struct Meta {
    source: String,
    host: Option<String>,
    /// Microseconds since 1970, and the text as the manifest wrote it.
    captured_at: Option<(i64, String)>,
    netns: Option<u64>,
    user_hz: f64,
}

impl Meta {
    fn of(session: &Session, source: &str) -> Meta {
        let h = &session.report().host;
        let captured_at = h.capture_start.as_ref().and_then(|t| {
            let s = procsnap_core::diff::rfc3339_seconds(t)?;
            Some(((s * 1e6).round() as i64, t.clone()))
        });
        Meta {
            source: source.to_string(),
            host: h.hostname.clone(),
            captured_at,
            netns: session.netns(),
            user_hz: f64::from(h.user_hz.max(1)),
        }
    }
}

/// An address as Rust's `Display` writes it, without the formatting machinery for the
/// common cases (IPv4 and IPv4-mapped IPv6: the bulk of a busy server's rows).
fn ip_text(ip: IpAddr, out: &mut Vec<u8>) {
    fn v4(a: Ipv4Addr, out: &mut Vec<u8>) {
        for (i, o) in a.octets().into_iter().enumerate() {
            if i > 0 {
                out.push(b'.');
            }
            if o >= 100 {
                out.push(b'0' + o / 100);
            }
            if o >= 10 {
                out.push(b'0' + o / 10 % 10);
            }
            out.push(b'0' + o % 10);
        }
    }
    match ip {
        IpAddr::V4(a) => v4(a, out),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(m) => {
                out.extend_from_slice(b"::ffff:");
                v4(m, out);
            }
            None => {
                let _ = write!(out, "{a}");
            }
        },
    }
}

fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_bits()) | 1 << 127,
        IpAddr::V6(a) => a.to_bits(),
    }
}

/// Where batches go: one implementation per format. A batch is taken (its text buffer moves
/// into the Parquet values) and left cleared.
trait Writer {
    fn batch(&mut self, b: &mut Batch) -> io::Result<()>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

struct Args {
    inputs: Vec<PathBuf>,
    format: Format,
    output: PathBuf,
    table: Table,
    options: DecodeOptions,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Args>, String> {
    let mut p = lexopt::Parser::from_args(args);
    let mut inputs = Vec::new();
    let (mut format, mut output, mut table) = (None, None, Table::Sockets);
    let mut options = DecodeOptions::default();
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        let Some(opt) = cli::find(FLAGS, &arg) else {
            match arg {
                lexopt::Arg::Value(v) => inputs.push(PathBuf::from(v)),
                other => return Err(other.unexpected().to_string()),
            }
            continue;
        };
        if let Opt::Help = opt {
            return Ok(None);
        }
        let v = p.value().map_err(|e| e.to_string())?;
        match opt {
            Opt::Help => unreachable!("handled above"),
            Opt::Format => {
                format = Some(match cli::utf8(v, "format")?.as_str() {
                    "parquet" => Format::Parquet,
                    "ndjson" => Format::Ndjson,
                    "csv" => Format::Csv,
                    other => return Err(format!("unknown format {other:?}; use parquet, ndjson or csv")),
                })
            }
            Opt::Output => output = Some(PathBuf::from(v)),
            Opt::Table => {
                table = match cli::utf8(v, "table")?.as_str() {
                    "sockets" => Table::Sockets,
                    "listeners" => Table::Listeners,
                    other => return Err(format!("unknown table {other:?}; use sockets or listeners")),
                }
            }
            Opt::MaxBytes => {
                options.limits.max_total_bytes =
                    cli::utf8(v, "max-bytes")?.parse().map_err(|_| "--max-bytes takes a number of bytes")?;
            }
        }
    }
    if inputs.is_empty() {
        return Err("missing SNAPSHOT (one or more)".into());
    }
    if inputs.iter().filter(|i| i.as_os_str() == "-").count() > 1 {
        return Err("standard input (-) can be read only once".into());
    }
    let format = format.ok_or("missing --format parquet|ndjson|csv")?;
    let output = output.ok_or("missing -o FILE (or -o - for standard output)")?;
    Ok(Some(Args { inputs, format, output, table, options }))
}

pub fn main(args: Vec<OsString>) -> u8 {
    error::status("procsnap export", run(args))
}

fn run(args: Vec<OsString>) -> Result<(), Error> {
    let Some(args) = error::parsed("export", parse_args(args), help)? else { return Ok(()) };
    let mut out = Output::create(&args.output)?;
    let columns = match args.table {
        Table::Sockets => SOCKET_COLUMNS,
        Table::Listeners => LISTENER_COLUMNS,
    };
    let result = write_all(&args, columns, &mut out);
    match result {
        Ok(()) => out.commit(),
        Err(e) => {
            out.discard();
            Err(e)
        }
    }
}

fn write_all(args: &Args, columns: &'static [(&str, Kind, &str)], out: &mut Output) -> Result<(), Error> {
    let cannot_write = |e: io::Error| Error::output(format!("cannot write {}: {e}", args.output.display()));
    let sink = out.writer().map_err(cannot_write)?;
    let mut w: Box<dyn Writer> = match args.format {
        Format::Parquet => Box::new(parquet_out::Parquet::new(sink, columns).map_err(cannot_write)?),
        Format::Ndjson => Box::new(Ndjson { out: BufWriter::with_capacity(1 << 20, sink), columns }),
        Format::Csv => {
            Box::new(Csv::new(BufWriter::with_capacity(1 << 20, sink), columns).map_err(cannot_write)?)
        }
    };
    // Hashes are checked by `procsnap report`; an export only reads rows.
    let options = DecodeOptions { skip_hashes: true, ..args.options.clone() };
    for input in &args.inputs {
        let mut session = crate::report::open(input, &options)?;
        let source = crate::diff::source_name(input);
        if args.table == Table::Sockets && session.snapshot().is_none() {
            return Err(Error::format(format!(
                "{}: a share link carries no socket rows (--table listeners exports its listeners)",
                input.display()
            )));
        }
        // Every network namespace's rows, each labelled with its inode: the collector's own
        // first, then each other one the snapshot captured (a share link: its one namespace).
        let namespaces = if session.snapshot().is_some() { session.netns_list() } else { vec![None] };
        for ns in namespaces {
            if session.snapshot().is_some() {
                session.set_netns(ns).map_err(|e| Error::format(format!("{}: {e}", input.display())))?;
            }
            let mut batch = Batch::new(columns, Arc::new(Meta::of(&session, &source)));
            let mut flush = |b: &mut Batch| -> Result<(), Error> {
                w.batch(b).map_err(cannot_write)?;
                b.clear();
                Ok(())
            };
            match args.table {
                Table::Sockets => sockets(&session, &mut batch, &mut flush)?,
                Table::Listeners => listeners(&session, &mut batch, &mut flush)?,
            }
            if batch.len > 0 {
                flush(&mut batch)?;
            }
        }
        // The snapshot is dropped here, before the next one is read.
    }
    w.finish().map_err(cannot_write)
}

fn sockets(
    session: &Session,
    batch: &mut Batch,
    flush: &mut dyn FnMut(&mut Batch) -> Result<(), Error>,
) -> Result<(), Error> {
    let user_hz = batch.meta.user_hz;
    for r in session.records() {
        batch.str(4, Some(Text::Static(r.proto.as_bytes())));
        batch.str(5, Some(Text::Static(r.state.as_bytes())));
        match (r.local, r.path) {
            (Some((ip, port)), _) => {
                let t = batch.repeat(0, ip_key(ip), |o| ip_text(ip, o));
                batch.str(6, Some(t));
                batch.int(7, Some(i64::from(port)));
            }
            (None, path) => {
                // An unnamed unix socket has no address: null, not an empty string.
                let t = path.filter(|p| !p.is_empty()).map(|p| batch.text(|o| o.extend_from_slice(p)));
                batch.str(6, t);
                batch.int(7, None);
            }
        }
        match r.remote {
            Some((ip, port)) => {
                let t = batch.repeat(1, ip_key(ip), |o| ip_text(ip, o));
                batch.str(8, Some(t));
                batch.int(9, Some(i64::from(port)));
            }
            None => {
                batch.str(8, None);
                batch.int(9, None);
            }
        }
        batch.int(10, Some(r.inode as i64));
        batch.int(11, r.uid.map(i64::from));
        batch.int(12, r.pid.map(i64::from));
        // A process's sockets are listed together: its program's text is written once per run.
        let program =
            r.program.map(|p| batch.repeat(2, u128::from(r.pid.unwrap_or(0)), |o| o.extend_from_slice(p)));
        batch.str(13, program);
        batch.float(14, r.timer_ticks.map(|t| f64::from(t) / user_hz));
        batch.len += 1;
        if batch.len == BATCH {
            flush(batch)?;
        }
    }
    Ok(())
}

fn listeners(
    session: &Session,
    batch: &mut Batch,
    flush: &mut dyn FnMut(&mut Batch) -> Result<(), Error>,
) -> Result<(), Error> {
    let r = session.report();
    fn owner(
        batch: &mut Batch,
        field: &[u8],
        holders: &[procsnap_core::analysis::listeners::HolderInfo],
    ) -> (Option<i64>, Option<Text>, Option<Text>) {
        let text = String::from_utf8_lossy(field);
        let Some((pid, program)) = text.split_once('/') else { return (None, None, None) };
        let pid: Option<i64> = pid.parse().ok();
        let program = batch.text(|o| o.extend_from_slice(program.as_bytes()));
        let command =
            holders.iter().find(|h| Some(i64::from(h.pid)) == pid).and_then(|h| h.cmdline.as_ref()).map(
                |c| {
                    batch.text(|o| {
                        for (i, a) in c.iter().enumerate() {
                            if i > 0 {
                                o.push(b' ');
                            }
                            o.extend_from_slice(a.as_bytes());
                        }
                    })
                },
            );
        (pid, Some(program), command)
    }
    for l in &r.listeners {
        let (pid, program, command) = owner(batch, l.netstat_program.as_bytes(), &l.holders);
        batch.str(4, Some(Text::Static(l.proto.file_name().as_bytes())));
        let state = batch.text(|o| o.extend_from_slice(l.state_name.as_bytes()));
        batch.str(5, Some(state));
        let addr = batch.text(|o| ip_text(l.local_addr, o));
        batch.str(6, Some(addr));
        batch.int(7, Some(i64::from(l.local_port)));
        batch.int(8, Some(i64::from(l.recv_q)));
        batch.int(9, Some(i64::from(l.send_q)));
        batch.int(10, Some(l.inode as i64));
        batch.int(11, Some(i64::from(l.uid)));
        batch.int(12, pid);
        batch.str(13, program);
        batch.str(14, command);
        batch.int(15, Some(l.holders.len() as i64));
        batch.len += 1;
        if batch.len == BATCH {
            flush(batch)?;
        }
    }
    for u in &r.unix_listeners {
        let (pid, program, command) = owner(batch, u.netstat_program.as_bytes(), &u.holders);
        batch.str(4, Some(Text::Static(b"unix")));
        batch.str(5, Some(Text::Static(b"LISTEN")));
        let path = (!u.path.is_empty()).then(|| batch.text(|o| o.extend_from_slice(u.path.as_bytes())));
        batch.str(6, path);
        batch.int(7, None);
        batch.int(8, None);
        batch.int(9, None);
        batch.int(10, Some(u.inode as i64));
        batch.int(11, None);
        batch.int(12, pid);
        batch.str(13, program);
        batch.str(14, command);
        batch.int(15, Some(u.holders.len() as i64));
        batch.len += 1;
        if batch.len == BATCH {
            flush(batch)?;
        }
    }
    Ok(())
}

/// The output file: a temporary file beside it, renamed when everything is written (as
/// `collect` does), or standard output.
struct Output {
    target: Option<PathBuf>,
    tmp: Option<PathBuf>,
    file: Option<std::fs::File>,
}

impl Output {
    fn create(path: &Path) -> Result<Output, Error> {
        if path.as_os_str() == "-" {
            return Ok(Output { target: None, tmp: None, file: None });
        }
        let name = path
            .file_name()
            .ok_or_else(|| Error::usage(format!("-o {}: not a file name", path.display())))?;
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::output(format!("cannot create {}: {e}", tmp.display())))?;
        Ok(Output { target: Some(path.to_path_buf()), tmp: Some(tmp), file: Some(file) })
    }

    fn writer(&mut self) -> io::Result<Box<dyn Write + Send>> {
        Ok(match &self.file {
            Some(f) => Box::new(f.try_clone()?),
            None => Box::new(io::stdout()),
        })
    }

    fn commit(mut self) -> Result<(), Error> {
        let (Some(tmp), Some(target)) = (self.tmp.take(), self.target.take()) else { return Ok(()) };
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(|e| Error::output(format!("cannot write {}: {e}", target.display())))?;
        }
        std::fs::rename(&tmp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::output(format!("cannot rename {} to {}: {e}", tmp.display(), target.display()))
        })
    }

    fn discard(mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// NDJSON: one object per row, keys in column order, nulls as `null`.
struct Ndjson<W: Write> {
    out: W,
    columns: &'static [(&'static str, Kind, &'static str)],
}

/// The snapshot's columns of every row, as text: `"source":…,"netns":…`, made once per batch.
fn snapshot_fields(m: &Meta, json: bool) -> Vec<Vec<u8>> {
    let text = |s: Option<&str>| -> Vec<u8> {
        let mut v = Vec::new();
        match (s, json) {
            (Some(s), true) => json_string(&mut v, s.as_bytes()),
            (None, true) => v.extend_from_slice(b"null"),
            (Some(s), false) => csv_field(&mut v, s.as_bytes()),
            (None, false) => {}
        }
        v
    };
    vec![
        text(Some(&m.source)),
        text(m.host.as_deref()),
        text(m.captured_at.as_ref().map(|t| t.1.as_str())),
        m.netns
            .map(|n| n.to_string().into_bytes())
            .unwrap_or_else(|| if json { b"null".to_vec() } else { Vec::new() }),
    ]
}

impl<W: Write> Writer for Ndjson<W> {
    fn batch(&mut self, b: &mut Batch) -> io::Result<()> {
        let mut head = b"{".to_vec();
        for (i, f) in snapshot_fields(&b.meta, true).into_iter().enumerate() {
            let _ = write!(head, "{}\"{}\":", if i > 0 { "," } else { "" }, self.columns[i].0);
            head.extend_from_slice(&f);
        }
        let mut line = Vec::with_capacity(512);
        for row in 0..b.len {
            line.clear();
            line.extend_from_slice(&head);
            for (i, (name, kind, _)) in self.columns.iter().enumerate().skip(SNAPSHOT_COLUMNS) {
                line.extend_from_slice(b",\"");
                line.extend_from_slice(name.as_bytes());
                line.extend_from_slice(b"\":");
                match &b.cols[i - SNAPSHOT_COLUMNS] {
                    Column::Str(c) => match &c[row] {
                        Some(t) => json_string(&mut line, b.bytes(t)),
                        None => line.extend_from_slice(b"null"),
                    },
                    Column::Int(c) => match c[row] {
                        Some(n) if *kind == Kind::U64 => {
                            let _ = write!(line, "{}", n as u64);
                        }
                        Some(n) => {
                            let _ = write!(line, "{n}");
                        }
                        None => line.extend_from_slice(b"null"),
                    },
                    Column::Float(c) => match c[row] {
                        Some(f) if f.is_finite() => {
                            let _ = write!(line, "{f}");
                        }
                        _ => line.extend_from_slice(b"null"),
                    },
                }
            }
            line.extend_from_slice(b"}\n");
            self.out.write_all(&line)?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

fn json_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 || c == 0x7f => {
                let _ = write!(out, "\\u{c:04x}");
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
}

/// CSV (RFC 4180): a header line, fields quoted when they hold a comma, a quote or a line
/// break; a null is an empty field.
struct Csv<W: Write> {
    out: W,
    columns: &'static [(&'static str, Kind, &'static str)],
}

impl<W: Write> Csv<W> {
    fn new(mut out: W, columns: &'static [(&'static str, Kind, &'static str)]) -> io::Result<Csv<W>> {
        let header: Vec<&str> = columns.iter().map(|c| c.0).collect();
        writeln!(out, "{}", header.join(","))?;
        Ok(Csv { out, columns })
    }
}

impl<W: Write> Writer for Csv<W> {
    fn batch(&mut self, b: &mut Batch) -> io::Result<()> {
        let head = snapshot_fields(&b.meta, false).join(&b","[..]);
        let mut line = Vec::with_capacity(512);
        for row in 0..b.len {
            line.clear();
            line.extend_from_slice(&head);
            for (i, (_, kind, _)) in self.columns.iter().enumerate().skip(SNAPSHOT_COLUMNS) {
                line.push(b',');
                match &b.cols[i - SNAPSHOT_COLUMNS] {
                    Column::Str(c) => {
                        if let Some(t) = &c[row] {
                            csv_field(&mut line, b.bytes(t))
                        }
                    }
                    Column::Int(c) => match c[row] {
                        Some(n) if *kind == Kind::U64 => {
                            let _ = write!(line, "{}", n as u64);
                        }
                        Some(n) => {
                            let _ = write!(line, "{n}");
                        }
                        None => {}
                    },
                    Column::Float(c) => {
                        if let Some(f) = c[row].filter(|f| f.is_finite()) {
                            let _ = write!(line, "{f}");
                        }
                    }
                }
            }
            line.push(b'\n');
            self.out.write_all(&line)?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

fn csv_field(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &c in s {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

/// Parquet through the `parquet` crate's column writers: one row group per batch.
mod parquet_out {
    use super::*;
    use parquet::basic::{Compression, Encoding};
    use parquet::data_type::{ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
    use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
    use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
    use parquet::schema::parser::parse_message_type;

    pub struct Parquet {
        w: SerializedFileWriter<Box<dyn Write + Send>>,
        columns: &'static [(&'static str, Kind, &'static str)],
    }

    fn io_err(e: parquet::errors::ParquetError) -> io::Error {
        io::Error::other(e.to_string())
    }

    impl Parquet {
        pub fn new(
            out: Box<dyn Write + Send>,
            columns: &'static [(&'static str, Kind, &'static str)],
        ) -> io::Result<Parquet> {
            let mut message = String::from("message procsnap {\n");
            for (name, kind, _) in columns {
                let ty = match kind {
                    Kind::Str => "binary",
                    Kind::I64 => "int64",
                    Kind::U64 => "int64",
                    Kind::F64 => "double",
                    Kind::Time => "int64",
                };
                let logical = match kind {
                    Kind::Str => " (STRING)",
                    Kind::U64 => " (INTEGER(64,false))",
                    Kind::Time => " (TIMESTAMP(MICROS,true))",
                    Kind::I64 | Kind::F64 => "",
                };
                message.push_str(&format!("  optional {ty} {name}{logical};\n"));
            }
            message.push('}');
            let schema = Arc::new(parse_message_type(&message).map_err(io_err)?);
            let mut props = WriterProperties::builder()
                .set_writer_version(WriterVersion::PARQUET_1_0)
                // Snappy: fast, and every engine reads it.
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(BATCH))
                // Min/max per row group let an engine skip groups (a port, a time); per page
                // they cost a comparison per value for little more.
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .set_created_by(format!("procsnap {}", env!("CARGO_PKG_VERSION")));
            for (name, kind, _) in columns {
                if *kind == Kind::Str {
                    // Nobody filters addresses by range: no per-value string comparisons.
                    props = props.set_column_statistics_enabled((*name).into(), EnabledStatistics::None);
                }
            }
            // The remote side of a million TIME_WAIT rows rarely repeats: a dictionary there
            // costs a hash per row for no gain (the writer would fall back to plain anyway).
            for name in ["remote_addr", "remote_port", "timer_s"] {
                props = props
                    .set_column_dictionary_enabled(name.into(), false)
                    .set_column_encoding(name.into(), Encoding::PLAIN);
            }
            let w = SerializedFileWriter::new(out, schema, Arc::new(props.build())).map_err(io_err)?;
            Ok(Parquet { w, columns })
        }
    }

    /// Definition levels (1 present, 0 null) and the present values.
    fn split<T, U>(c: &[Option<T>], f: impl Fn(&T) -> U) -> (Vec<i16>, Vec<U>) {
        let mut defs = Vec::with_capacity(c.len());
        let mut vals = Vec::with_capacity(c.len());
        for v in c {
            match v {
                Some(v) => {
                    defs.push(1);
                    vals.push(f(v));
                }
                None => defs.push(0),
            }
        }
        (defs, vals)
    }

    /// `n` copies of one value (or of null), written a slice at a time.
    fn constant<T: DataType>(
        col: &mut SerializedColumnWriter<'_>,
        v: Option<T::T>,
        n: usize,
    ) -> io::Result<()>
    where
        T::T: Clone,
    {
        const STEP: usize = 4096;
        let defs = vec![i16::from(v.is_some()); STEP.min(n)];
        let vals: Vec<T::T> = v.map(|v| vec![v; STEP.min(n)]).unwrap_or_default();
        let mut left = n;
        while left > 0 {
            let k = left.min(STEP);
            let vals = if vals.is_empty() { &vals[..] } else { &vals[..k] };
            col.typed::<T>().write_batch(vals, Some(&defs[..k]), None).map_err(io_err)?;
            left -= k;
        }
        Ok(())
    }

    impl Writer for Parquet {
        fn batch(&mut self, b: &mut Batch) -> io::Result<()> {
            let text = Bytes::from(std::mem::take(&mut b.text));
            let value = |t: &Text| match *t {
                Text::Static(s) => ByteArray::from(Bytes::from_static(s)),
                Text::Span(a, n) => ByteArray::from(text.slice(a as usize..(a + n) as usize)),
            };
            let m = &b.meta;
            let mut rg = self.w.next_row_group().map_err(io_err)?;
            let mut i = 0;
            while let Some(mut col) = rg.next_column().map_err(io_err)? {
                let bytes = |s: &str| ByteArray::from(Bytes::copy_from_slice(s.as_bytes()));
                match i {
                    0 => constant::<ByteArrayType>(&mut col, Some(bytes(&m.source)), b.len)?,
                    1 => constant::<ByteArrayType>(&mut col, m.host.as_deref().map(bytes), b.len)?,
                    2 => constant::<Int64Type>(&mut col, m.captured_at.as_ref().map(|t| t.0), b.len)?,
                    3 => constant::<Int64Type>(&mut col, m.netns.map(|n| n as i64), b.len)?,
                    _ => match &b.cols[i - SNAPSHOT_COLUMNS] {
                        Column::Str(c) => {
                            let (defs, vals) = split(c, value);
                            col.typed::<ByteArrayType>()
                                .write_batch(&vals, Some(&defs), None)
                                .map_err(io_err)?;
                        }
                        Column::Int(c) => {
                            let (defs, vals) = split(c, |n: &i64| *n);
                            col.typed::<Int64Type>().write_batch(&vals, Some(&defs), None).map_err(io_err)?;
                        }
                        Column::Float(c) => {
                            let (defs, vals) = split(c, |f: &f64| *f);
                            col.typed::<DoubleType>()
                                .write_batch(&vals, Some(&defs), None)
                                .map_err(io_err)?;
                        }
                    },
                }
                col.close().map_err(io_err)?;
                i += 1;
            }
            debug_assert_eq!(i, self.columns.len());
            rg.close().map_err(io_err)?;
            Ok(())
        }
        fn finish(self: Box<Self>) -> io::Result<()> {
            self.w.close().map_err(io_err)?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_as_display_writes_them() {
        let cases = [
            "0.0.0.0",
            "127.0.0.1",
            "10.0.100.5",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:203.0.113.10",
            "::ffff:0.0.0.0",
            "::1.2.3.4",
            "2001:db8::1",
            "fe80::1:2:3:4",
            "::ffff:1.2.3.4:5",
        ];
        for c in cases {
            let Ok(ip) = c.parse::<IpAddr>() else { continue };
            let mut out = Vec::new();
            ip_text(ip, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), ip.to_string(), "{c}");
        }
        assert_ne!(ip_key("1.2.3.4".parse().unwrap()), ip_key("::1.2.3.4".parse().unwrap()));
    }
}
