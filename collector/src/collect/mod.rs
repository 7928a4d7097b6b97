//! `procsnap collect`: capture what `netstat -nlp` reads into a snapshot (format v1).
//!
//! Two threads: this one walks /proc and reads files in large chunks (the time goes into the
//! kernel generating the text), the writer thread hashes, tars and compresses them
//! ([`archive`]). Chunks travel through a bounded channel and come back for reuse, so memory
//! stays flat however big `/proc/net/tcp` is (the writer keeps only the compressed form of the
//! file in flight).
//!
//! Order of work, as netstat: the process walk first (ascending pid, then ascending fd: the
//! owner of a shared socket is the first holder seen), then the tables, then the sysctls, and the
//! manifest `procsnap.json` as the **last** entry, since it holds every file's hash.

mod archive;
mod count;
mod host;

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use flate2::Compression;
use procsnap_core::layout::{self, ProcessFile};
use procsnap_core::manifest::{CaptureTimes, FileRecord, Manifest, WalkStats};

use crate::exit;
use archive::SnapshotWriter;
use count::RowCounter;
use host::Utc;

const HELP: &str = "\
procsnap collect — capture the socket state netstat reads into a snapshot

USAGE:
    procsnap collect [-o FILE | -o -]

OPTIONS:
    -o, --output FILE   write the snapshot to FILE (via a temporary file beside it, renamed
                        at the end); `-` streams it to stdout.
                        Default: ./HOST-YYYYmmddTHHMMSSZ.procsnap.tar.gz
    -h, --help          this text

Run as root to see every socket's owner. Exit status: 0 ok, 2 usage, 3 /proc unreadable,
5 output failed, 130/143 interrupted (SIGINT/SIGTERM); no partial file is ever left.
";

/// Bytes per chunk handed to the writer. A seq_file read returns at most a page of whole rows,
/// whatever we ask for, so this mostly sets the hand-off granularity.
const CHUNK: usize = 256 * 1024;
/// A chunk is handed over once less than this is free in it, so that every read asks for far
/// more than the page of rows a seq_file read returns: a request smaller than one row would make
/// the kernel split the row across two reads.
const READ_MIN: usize = 64 * 1024;
/// Chunks in flight between the threads: bounds memory at about 4 MiB.
const IN_FLIGHT: usize = 16;
/// After the first SIGINT/SIGTERM the capture stops at its next read; if it is stuck in the
/// kernel (a `cmdline` read on a hung process can block) the watcher cleans up after this long.
const GRACE: Duration = Duration::from_secs(3);
/// Captures taking longer than this print a progress line, then again at this interval.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

pub fn main(args: Vec<OsString>) -> u8 {
    match run(args) {
        Ok(()) => exit::OK,
        Err(Fail { code, msg }) => {
            if !msg.is_empty() {
                eprintln!("procsnap collect: {msg}");
            }
            code
        }
    }
}

struct Fail {
    code: u8,
    msg: String,
}

fn fail(code: u8, msg: impl Into<String>) -> Fail {
    Fail { code, msg: msg.into() }
}

/// Why the capture stopped early.
enum Halt {
    /// SIGINT or SIGTERM (the number).
    Signal(usize),
    /// The writer thread ended (an output error it reports itself).
    Writer,
    /// /proc itself could not be listed.
    Input(String),
}

enum Output {
    Stdout,
    File(PathBuf),
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Output>, Fail> {
    use lexopt::prelude::*;
    let usage = |e: lexopt::Error| fail(exit::USAGE, format!("{e} (see `procsnap collect --help`)"));
    let mut out = None;
    let mut p = lexopt::Parser::from_args(args);
    while let Some(arg) = p.next().map_err(usage)? {
        match arg {
            Short('o') | Long("output") => {
                let v = p.value().map_err(usage)?;
                out = Some(if v == "-" { Output::Stdout } else { Output::File(v.into()) });
            }
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(None);
            }
            _ => return Err(usage(arg.unexpected())),
        }
    }
    Ok(Some(out.unwrap_or(Output::File(PathBuf::new()))))
}

fn run(args: Vec<OsString>) -> Result<(), Fail> {
    let Some(output) = parse_args(args)? else { return Ok(()) };
    let started = Instant::now();
    let start = Utc::now();
    let host = host::facts();

    // The temporary file's path, shared with the signal watcher so that either of them (whoever
    // gets there first) removes it.
    let tmp_slot: Arc<Mutex<Option<PathBuf>>> = Arc::new(Mutex::new(None));
    let stop = Arc::new(AtomicUsize::new(0));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_usize(sig, stop.clone(), sig as usize)
            .map_err(|e| fail(exit::OUTPUT, format!("cannot install signal handlers: {e}")))?;
    }
    let done = Arc::new(AtomicBool::new(false));
    spawn_watcher(stop.clone(), done.clone(), tmp_slot.clone());

    let (sink, final_path): (File, Option<PathBuf>) = match &output {
        Output::Stdout => {
            use std::io::IsTerminal;
            use std::os::fd::AsFd;
            if io::stdout().is_terminal() {
                return Err(fail(
                    exit::USAGE,
                    "refusing to write a gzip archive to a terminal; redirect stdout",
                ));
            }
            // Write straight to fd 1 (a dup of it), not through Stdout's line buffer.
            let fd = io::stdout().as_fd().try_clone_to_owned();
            let f = fd.map_err(|e| fail(exit::OUTPUT, format!("cannot use stdout: {e}")))?;
            (File::from(f), None)
        }
        Output::File(p) => {
            let target = if p.as_os_str().is_empty() {
                let name = host.hostname.as_deref().map_or("host".into(), host::file_safe);
                PathBuf::from(format!("{name}-{}.procsnap.tar.gz", start.compact()))
            } else {
                p.clone()
            };
            let (f, tmp) = create_temp(&target)?;
            *lock(&tmp_slot) = Some(tmp);
            (f, Some(target))
        }
    };
    let mut tmp = TempGuard(tmp_slot.clone());

    let dest = final_path.as_ref().map_or("stdout".to_string(), |p| p.display().to_string());
    let result = capture(sink, &dest, start, started, host, &stop);
    let outcome = match result {
        Ok(o) => o,
        Err(f) => {
            tmp.remove();
            done.store(true, Ordering::SeqCst);
            return Err(f);
        }
    };

    if let (Some(target), Some(tmp_path)) = (&final_path, tmp.path()) {
        // fsync before rename: after a crash the name points at complete data or nothing.
        let finish = outcome.file.sync_all().and_then(|_| fs::rename(&tmp_path, target));
        if let Err(e) = finish {
            tmp.remove();
            return Err(fail(exit::OUTPUT, format!("cannot write {}: {e}", target.display())));
        }
        tmp.disarm();
    }
    done.store(true, Ordering::SeqCst);

    let o = &outcome;
    eprintln!(
        "procsnap: {} rows, {} TIME_WAIT, {} read, {} written to {dest} in {} ms",
        o.rows,
        o.time_wait,
        human(o.bytes_read),
        human(o.written),
        started.elapsed().as_millis()
    );
    if o.uid != Some(0) && o.walk.pids_unreadable > 0 {
        eprintln!(
            "procsnap: warning: not root: {} of {} processes could not be read, so their sockets \
             will show no owner; run as root for complete owners",
            o.walk.pids_unreadable, o.walk.pids_seen
        );
    }
    Ok(())
}

/// Creates `.NAME.PID.tmp` beside `target`, readable by the owner only: a snapshot holds
/// command lines, which can carry secrets.
fn create_temp(target: &Path) -> Result<(File, PathBuf), Fail> {
    let err = |e: io::Error| fail(exit::OUTPUT, format!("cannot write {}: {e}", target.display()));
    if target.is_dir() {
        return Err(err(io::Error::from(ErrorKind::IsADirectory)));
    }
    let name = target.file_name().ok_or_else(|| err(io::Error::from(ErrorKind::InvalidInput)))?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let f = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp);
    Ok((f.map_err(err)?, tmp))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary file when the capture does not succeed, whatever the path out.
struct TempGuard(Arc<Mutex<Option<PathBuf>>>);

impl TempGuard {
    fn path(&self) -> Option<PathBuf> {
        lock(&self.0).clone()
    }
    fn remove(&mut self) {
        if let Some(p) = lock(&self.0).take() {
            let _ = fs::remove_file(p);
        }
    }
    fn disarm(&mut self) {
        lock(&self.0).take();
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Watches the stop flag the signal handlers set. The capture normally notices it at its next
/// read and cleans up itself; if it has not finished after `GRACE` (stuck in a read) this thread
/// removes the temporary file and exits. Polling keeps the handlers trivial (they only store a
/// number) and needs no self-pipe, whose socket would show up in the snapshot.
fn spawn_watcher(stop: Arc<AtomicUsize>, done: Arc<AtomicBool>, tmp: Arc<Mutex<Option<PathBuf>>>) {
    thread::spawn(move || {
        while stop.load(Ordering::SeqCst) == 0 {
            thread::sleep(Duration::from_millis(50));
        }
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            if done.load(Ordering::SeqCst) {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let sig = stop.load(Ordering::SeqCst);
        if let Some(p) = lock(&tmp).take() {
            let _ = fs::remove_file(p);
        }
        eprintln!("procsnap collect: interrupted and stuck in a read; no snapshot written");
        std::process::exit(128 + sig as i32);
    });
}

struct Outcome {
    file: File,
    written: u64,
    bytes_read: u64,
    rows: u64,
    time_wait: u64,
    uid: Option<u32>,
    walk: WalkStats,
}

enum Msg {
    Link {
        path: String,
        target: Vec<u8>,
    },
    Chunk(Vec<u8>),
    End {
        path: String,
        reads: u64,
        micros: u64,
    },
    /// Forget the data of a file whose read failed half way.
    Discard,
    Finish(Box<Manifest>),
}

fn capture(
    sink: File,
    dest: &str,
    start: Utc,
    started: Instant,
    host: procsnap_core::manifest::HostFacts,
    stop: &AtomicUsize,
) -> Result<Outcome, Fail> {
    let (tx, rx) = mpsc::sync_channel::<Msg>(IN_FLIGHT);
    let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
    let writer = thread::Builder::new()
        .name("writer".into())
        .spawn(move || write_snapshot(sink, start.secs, rx, recycle_tx))
        .map_err(|e| fail(exit::OUTPUT, format!("cannot start the writer thread: {e}")))?;

    let mut c = Capturer {
        tx,
        recycle: recycle_rx,
        spare: Vec::new(),
        stop,
        started,
        next_progress: started + PROGRESS_EVERY,
        bytes_read: 0,
        rows: 0,
        time_wait: 0,
    };
    let uid = host.uid;
    let mut walk = WalkStats::default();
    let halt = c.capture_all(&mut walk).err();
    let finished = match halt {
        None => {
            let end = Utc::now();
            let manifest = Manifest {
                format: Some("procsnap".into()),
                format_version: layout::FORMAT_VERSION,
                tool: Some(format!("procsnap {}", env!("CARGO_PKG_VERSION"))),
                host,
                capture: CaptureTimes {
                    start: Some(start.rfc3339()),
                    end: Some(end.rfc3339()),
                    duration_us: Some(started.elapsed().as_micros() as u64),
                },
                files: Vec::new(),
                walk: Some(walk.clone()),
            };
            c.tx.send(Msg::Finish(Box::new(manifest))).is_ok()
        }
        Some(_) => false,
    };
    let Capturer { tx, bytes_read, rows, time_wait, .. } = c;
    // Closing the channel without `Finish` tells the writer to stop.
    drop(tx);
    let written = match writer.join() {
        Ok(r) => r,
        Err(_) => Err(io::Error::other("writer thread failed")),
    };
    match (halt, written) {
        (Some(Halt::Signal(sig)), _) => {
            let name = if sig == signal_hook::consts::SIGTERM as usize { "SIGTERM" } else { "SIGINT" };
            Err(fail(128 + sig as u8, format!("interrupted by {name}; no snapshot written")))
        }
        (Some(Halt::Input(msg)), _) => Err(fail(exit::INPUT, msg)),
        (_, Err(e)) => Err(fail(exit::OUTPUT, format!("cannot write {dest}: {e}"))),
        (_, Ok(Some((file, written)))) if finished => {
            Ok(Outcome { file, written, bytes_read, rows, time_wait, uid, walk })
        }
        _ => Err(fail(exit::OUTPUT, "the writer stopped early")),
    }
}

/// The writer thread: turns messages into the archive. Returns the output and its size, or
/// `None` if the channel closed before `Finish` (the capture was abandoned).
fn write_snapshot(
    sink: File,
    mtime: u64,
    rx: Receiver<Msg>,
    recycle: Sender<Vec<u8>>,
) -> io::Result<Option<(File, u64)>> {
    let mut w = SnapshotWriter::new(sink, Compression::fast(), mtime)?;
    let mut files = Vec::new();
    for msg in rx {
        match msg {
            Msg::Link { path, target } => w.symlink(&path, &target)?,
            Msg::Chunk(buf) => {
                w.chunk(&buf)?;
                // The reader may be gone already; then the buffer is simply freed.
                let _ = recycle.send(buf);
            }
            Msg::Discard => w.discard(),
            Msg::End { path, reads, micros } => {
                let d = w.end_file(&path)?;
                files.push(FileRecord {
                    path,
                    bytes: Some(d.bytes),
                    reads: Some(reads),
                    micros: Some(micros),
                    sha256: Some(d.sha256),
                });
            }
            Msg::Finish(mut m) => {
                m.files = files;
                let json = serde_json::to_vec_pretty(&m).map_err(io::Error::other)?;
                w.chunk(&json)?;
                w.chunk(b"\n")?;
                w.end_file(layout::MANIFEST_PATH)?;
                return w.finish().map(Some);
            }
        }
    }
    Ok(None)
}

struct Capturer<'a> {
    tx: SyncSender<Msg>,
    recycle: Receiver<Vec<u8>>,
    /// A chunk buffer not handed to the writer (see `file`).
    spare: Vec<u8>,
    stop: &'a AtomicUsize,
    started: Instant,
    next_progress: Instant,
    bytes_read: u64,
    rows: u64,
    time_wait: u64,
}

/// How reading one file went, when the capture as a whole goes on.
enum Read1 {
    Stored,
    /// Could not be opened or read; nothing of it was stored.
    Failed(io::Error),
}

impl Capturer<'_> {
    fn capture_all(&mut self, walk: &mut WalkStats) -> Result<(), Halt> {
        let t = Instant::now();
        self.walk(walk)?;
        walk.micros = Some(t.elapsed().as_micros() as u64);

        for f in &layout::NET_FILES {
            let src = format!("/proc/net/{}", f.name);
            let is_table = f.table.is_some_and(|k| k.has_rows());
            let mut counter = is_table.then(|| RowCounter::new(f.table.is_some_and(|k| k.is_tcp())));
            match self.file(&src, layout::net_file_path(None, f.name), counter.as_mut())? {
                Read1::Stored => {
                    if let Some(c) = counter {
                        self.rows += c.rows;
                        self.time_wait += c.time_wait;
                    }
                }
                // No IPv6, no udplite: normal.
                Read1::Failed(e) if e.kind() == ErrorKind::NotFound => {}
                Read1::Failed(e) => eprintln!("procsnap: warning: skipped {src}: {e}"),
            }
        }
        let sysctls = layout::SYSCTLS.iter().map(|s| s.path);
        for path in sysctls.chain(layout::HOST_FILES.iter().map(|h| h.path)) {
            let src = format!("/{path}");
            match self.file(&src, path.to_string(), None)? {
                Read1::Stored => {}
                Read1::Failed(e) if e.kind() == ErrorKind::NotFound => {}
                Read1::Failed(e) => eprintln!("procsnap: warning: skipped {src}: {e}"),
            }
        }
        Ok(())
    }

    /// Walks `/proc/PID/fd` for every pid, ascending, keeping socket links, and stores
    /// `cmdline`, `comm` and `status` of every pid that holds a socket.
    fn walk(&mut self, st: &mut WalkStats) -> Result<(), Halt> {
        let dir = fs::read_dir("/proc").map_err(|e| Halt::Input(format!("cannot list /proc: {e}")))?;
        let mut pids: Vec<u32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
        pids.sort_unstable();

        let mut fds: Vec<u32> = Vec::new();
        let mut links: Vec<(u32, Vec<u8>)> = Vec::new();
        for pid in pids {
            self.check()?;
            self.progress("the process table");
            st.pids_seen += 1;
            let fd_dir = format!("/proc/{pid}/fd");
            let entries = match fs::read_dir(&fd_dir) {
                Ok(d) => d,
                Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                    st.pids_unreadable += 1;
                    continue;
                }
                // ENOENT (exited) or ESRCH-like errors of a dying process.
                Err(_) => {
                    st.pids_vanished += 1;
                    continue;
                }
            };
            fds.clear();
            fds.extend(entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()));
            fds.sort_unstable();
            links.clear();
            let mut denied = false;
            for &fd in &fds {
                // Per fd, not per pid: a process can hold a million fds.
                self.check()?;
                st.fds_read += 1;
                match fs::read_link(format!("{fd_dir}/{fd}")) {
                    Ok(t) => {
                        let t = t.as_os_str().as_bytes();
                        if layout::is_socket_link(t) {
                            links.push((fd, t.to_vec()));
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::PermissionDenied => denied = true,
                    // Closed since the listing: skip it.
                    Err(_) => {}
                }
            }
            if denied && links.is_empty() {
                st.pids_unreadable += 1;
                continue;
            }
            if links.is_empty() {
                continue;
            }
            st.socket_links += links.len() as u64;
            for (fd, target) in links.drain(..) {
                let path = layout::fd_link_path(pid, fd);
                self.send(Msg::Link { path, target })?;
            }
            let mut vanished = false;
            for f in ProcessFile::ALL {
                let dst = layout::process_file_path(pid, f);
                if let Read1::Failed(_) = self.file(&format!("/{dst}"), dst, None)? {
                    vanished = true;
                }
            }
            if vanished {
                st.pids_vanished += 1;
            }
        }
        Ok(())
    }

    /// Reads one file in large chunks and streams it to the writer.
    fn file(&mut self, src: &str, dst: String, mut counter: Option<&mut RowCounter>) -> Result<Read1, Halt> {
        // Only the open and read calls are timed: that is the kernel producing the text, which
        // is what the manifest's `micros` is meant to show (not our waits on the writer).
        let mut t = Instant::now();
        let mut f = match File::open(src) {
            Ok(f) => f,
            Err(e) => return Ok(Read1::Failed(e)),
        };
        let mut spent = t.elapsed();
        let mut reads = 0u64;
        let mut buf = self.buffer();
        let mut filled = 0;
        let mut sent_any = false;
        loop {
            self.check()?;
            if buf.len() - filled < READ_MIN {
                buf.truncate(filled);
                if let Some(c) = counter.as_deref_mut() {
                    c.feed(&buf);
                }
                self.send(Msg::Chunk(buf))?;
                sent_any = true;
                buf = self.buffer();
                filled = 0;
                self.progress(src);
            }
            reads += 1;
            t = Instant::now();
            let r = f.read(&mut buf[filled..]);
            spent += t.elapsed();
            match r {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    self.bytes_read += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.spare = buf;
                    if sent_any {
                        self.send(Msg::Discard)?;
                    }
                    return Ok(Read1::Failed(e));
                }
            }
        }
        if let Some(c) = counter {
            c.feed(&buf[..filled]);
            c.finish();
        }
        if filled < CHUNK / 4 {
            // A small tail (most files are a few hundred bytes): send a copy and keep the big
            // buffer, rather than zeroing a fresh 256 KiB for the next file.
            if filled > 0 {
                self.send(Msg::Chunk(buf[..filled].to_vec()))?;
            }
            self.spare = buf;
        } else {
            buf.truncate(filled);
            self.send(Msg::Chunk(buf))?;
        }
        let micros = spent.as_micros() as u64;
        self.send(Msg::End { path: dst, reads, micros })?;
        Ok(Read1::Stored)
    }

    /// A chunk buffer: the one kept from the last file, one the writer has finished with, or a
    /// new one.
    fn buffer(&mut self) -> Vec<u8> {
        let mut b = std::mem::take(&mut self.spare);
        if b.is_empty() {
            b = self.recycle.try_recv().unwrap_or_default();
        }
        b.resize(CHUNK, 0);
        b
    }

    fn send(&self, m: Msg) -> Result<(), Halt> {
        self.tx.send(m).map_err(|_| Halt::Writer)
    }

    fn check(&self) -> Result<(), Halt> {
        match self.stop.load(Ordering::Relaxed) {
            0 => Ok(()),
            sig => Err(Halt::Signal(sig)),
        }
    }

    fn progress(&mut self, what: &str) {
        let now = Instant::now();
        if now >= self.next_progress {
            self.next_progress = now + PROGRESS_EVERY;
            eprintln!(
                "procsnap: {:.1} s, {} read so far, reading {what}",
                (now - self.started).as_secs_f64(),
                human(self.bytes_read)
            );
        }
    }
}

/// Bytes for people: `812 B`, `19.6 MB`.
fn human(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}
