//! The /proc walk: reads what a snapshot holds and streams it to the writer thread
//! ([`super::archive`]) in large chunks.
//!
//! Order of work, as netstat: the process walk first (ascending pid, then ascending fd: the
//! owner of a shared socket is the first holder seen), then the tables, then the sysctls.
//!
//! Each process is read through a descriptor of its `/proc/PID` directory, opened once: if the
//! process exits and its pid is reused by another process during the walk, reads through the old
//! descriptor fail (ENOENT/ESRCH) instead of returning the newcomer's fds or command line, so one
//! process's sockets are never attributed to another.

use std::ffi::{CStr, CString};
use std::fs::{self, File};
use std::io::{self, ErrorKind, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::{Duration, Instant};

use procsnap_core::layout::{self, ProcessFile};
use procsnap_core::manifest::{NetnsRecord, WalkStats};

use super::archive::Msg;
use super::count::RowCounter;

/// Bytes per chunk handed to the writer. A seq_file read returns at most a page of whole rows,
/// whatever we ask for, so this mostly sets the hand-off granularity.
pub const CHUNK: usize = 256 * 1024;
/// A chunk is handed over once less than this is free in it, so that every read asks for far
/// more than the page of rows a seq_file read returns: a request smaller than one row would make
/// the kernel split the row across two reads.
const READ_MIN: usize = 64 * 1024;
/// Captures taking longer than this print a progress line, then again at this interval.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// Members of a namespace tried in turn for its tables when earlier ones have exited.
const MEMBER_CANDIDATES: usize = 8;

/// A network namespace seen in the walk.
struct Netns {
    inode: u64,
    processes: u64,
    /// The first members in pid order, the candidates for reading its tables.
    members: Vec<u32>,
}

/// Why the capture stopped early.
pub enum Halt {
    /// SIGINT or SIGTERM (the number).
    Signal(usize),
    /// The writer thread ended (an output error it reports itself).
    Writer,
    /// /proc itself could not be listed.
    Input(String),
}

pub struct Capturer<'a> {
    pub tx: SyncSender<Msg>,
    pub recycle: Receiver<Vec<u8>>,
    /// A chunk buffer not handed to the writer (see `file`).
    spare: Vec<u8>,
    stop: &'a AtomicUsize,
    started: Instant,
    next_progress: Instant,
    pub bytes_read: u64,
    pub rows: u64,
    pub time_wait: u64,
    /// Capture every network namespace (`false`: `--netns self`, the collector's own only).
    pub all_netns: bool,
    /// The collector's own namespace inode.
    own_netns: Option<u64>,
    /// Namespaces in order of first sight; index by inode in `netns_index` (B-trees: no hasher
    /// code in the capture-only binary).
    netns: Vec<Netns>,
    netns_index: std::collections::BTreeMap<u64, usize>,
    /// Pids whose `ns/net` link is in the archive.
    linked: std::collections::BTreeSet<u32>,
    /// The namespaces as the manifest lists them, filled by `capture_all`.
    pub namespaces: Vec<NetnsRecord>,
    /// Rows and TIME_WAIT of the other namespaces' tables.
    pub ns_rows: u64,
    pub ns_time_wait: u64,
}

/// How reading one file went, when the capture as a whole goes on.
enum Read1 {
    Stored,
    /// Could not be opened or read; nothing of it was stored.
    Failed(io::Error),
}

impl<'a> Capturer<'a> {
    pub fn new(
        tx: SyncSender<Msg>,
        recycle: Receiver<Vec<u8>>,
        stop: &'a AtomicUsize,
        started: Instant,
    ) -> Self {
        Capturer {
            tx,
            recycle,
            spare: Vec::new(),
            stop,
            started,
            next_progress: started + PROGRESS_EVERY,
            bytes_read: 0,
            rows: 0,
            time_wait: 0,
            all_netns: true,
            own_netns: None,
            netns: Vec::new(),
            netns_index: Default::default(),
            linked: Default::default(),
            namespaces: Vec::new(),
            ns_rows: 0,
            ns_time_wait: 0,
        }
    }

    pub fn capture_all(&mut self, walk: &mut WalkStats) -> Result<(), Halt> {
        let mut buf = [0u8; 64];
        self.own_netns = Dir::open(c"/proc/self")
            .ok()
            .and_then(|d| d.readlink(c"ns/net", &mut buf).ok().and_then(layout::netns_inode));
        let t = Instant::now();
        self.walk(walk)?;
        walk.micros = Some(t.elapsed().as_micros() as u64);

        for f in &layout::NET_FILES {
            let dst = layout::net_file_path(None, f.name);
            let src = format!("/{dst}");
            let is_table = f.table.is_some_and(|k| k.has_rows());
            let mut counter = is_table.then(|| RowCounter::new(f.table.is_some_and(|k| k.is_tcp())));
            match self.file(|| File::open(&src), &src, dst, counter.as_mut())? {
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
        // Sysctls and host files (os-release, SELinux state): archive path = path below `/`.
        let sysctls = layout::SYSCTLS.iter().map(|s| s.path);
        for path in sysctls.chain(layout::HOST_FILES.iter().map(|h| h.path)) {
            let src = format!("/{path}");
            match self.file(|| File::open(&src), &src, path.to_string(), None)? {
                Read1::Stored => {}
                Read1::Failed(e) if e.kind() == ErrorKind::NotFound => {}
                Read1::Failed(e) => eprintln!("procsnap: warning: skipped {src}: {e}"),
            }
        }
        if let Some(own) = self.own_netns {
            let processes = self.netns_index.get(&own).map_or(0, |&i| self.netns[i].processes);
            self.namespaces.push(NetnsRecord {
                inode: own,
                host: true,
                pid: None,
                processes,
                rows: Some(self.rows),
                vanished: false,
            });
        }
        if self.all_netns {
            self.other_namespaces(walk)?;
        }
        walk.netns_seen = self.namespaces.len() as u64;
        Ok(())
    }

    /// The tables of every namespace other than the collector's own, each through the first of
    /// its members still alive: `proc/PID/net/*` and the sysctls as seen inside it.
    fn other_namespaces(&mut self, walk: &mut WalkStats) -> Result<(), Halt> {
        // Without its own namespace's inode the collector cannot tell which one proc/net is.
        let Some(own) = self.own_netns else { return Ok(()) };
        let seen = std::mem::take(&mut self.netns);
        let mut target = [0u8; 64];
        let mut name = Num::default();
        for ns in seen.iter().filter(|n| n.inode != own) {
            let mut record = NetnsRecord {
                inode: ns.inode,
                processes: ns.processes,
                vanished: true,
                ..Default::default()
            };
            for &pid in &ns.members {
                self.check()?;
                // Through a pinned directory, checked to still be in that namespace: a pid
                // reused since the walk reads nothing, or its own namespace's tables.
                let Ok(dir) = Dir::open(name.c(pid, c"/proc/")) else { continue };
                if dir.readlink(c"ns/net", &mut target).ok().and_then(layout::netns_inode) != Some(ns.inode) {
                    continue;
                }
                let Ok(net) = dir.sub(c"net") else { continue };
                if !self.linked.contains(&pid) {
                    let t = format!("net:[{}]", ns.inode).into_bytes();
                    self.send(Msg::Link { path: layout::netns_link_path(pid), target: t })?;
                    self.linked.insert(pid);
                }
                let (mut rows, mut stored) = (0, 0);
                for f in &layout::NET_FILES {
                    let dst = layout::net_file_path(Some(pid), f.name);
                    let src = format!("/{dst}");
                    let is_table = f.table.is_some_and(|k| k.has_rows());
                    let mut counter = is_table.then(|| RowCounter::new(f.table.is_some_and(|k| k.is_tcp())));
                    let cname = CString::new(f.name).unwrap_or_default();
                    if let Read1::Stored = self.file(|| net.file(&cname), &src, dst, counter.as_mut())? {
                        stored += 1;
                        if let Some(c) = counter {
                            rows += c.rows;
                            self.ns_time_wait += c.time_wait;
                        }
                    }
                }
                if stored == 0 {
                    // Exited between the check and the reads: the next member, if any.
                    continue;
                }
                self.ns_rows += rows;
                for (path, data) in ns_sysctls(&dir, pid) {
                    self.small(path, &data)?;
                }
                record.pid = Some(pid);
                record.rows = Some(rows);
                record.vanished = false;
                break;
            }
            if record.vanished {
                walk.netns_vanished += 1;
            }
            self.namespaces.push(record);
        }
        Ok(())
    }

    /// A file whose bytes are already at hand (read on another thread).
    fn small(&mut self, path: String, data: &[u8]) -> Result<(), Halt> {
        self.bytes_read += data.len() as u64;
        self.send(Msg::Chunk(data.to_vec()))?;
        self.send(Msg::End { path, reads: 2, micros: 0 })
    }

    /// Notes the network namespace of `pid` (through its pinned directory); `holder`: it holds
    /// sockets, so its `ns/net` link goes into the archive.
    fn note_netns(&mut self, pid: u32, dir: &Dir, holder: bool) -> Result<(), Halt> {
        let mut buf = [0u8; 64];
        // Unreadable (another user's process, not root) or exited: not seen in any namespace.
        let Some(inode) = dir.readlink(c"ns/net", &mut buf).ok().and_then(layout::netns_inode) else {
            return Ok(());
        };
        let i = *self.netns_index.entry(inode).or_insert_with(|| {
            self.netns.push(Netns { inode, processes: 0, members: Vec::new() });
            self.netns.len() - 1
        });
        let ns = &mut self.netns[i];
        ns.processes += 1;
        if ns.members.len() < MEMBER_CANDIDATES {
            ns.members.push(pid);
        }
        // `--netns self` counts the processes of its own namespace and archives no link.
        if holder && self.all_netns {
            let target = format!("net:[{inode}]").into_bytes();
            self.send(Msg::Link { path: layout::netns_link_path(pid), target })?;
            self.linked.insert(pid);
        }
        Ok(())
    }

    /// Walks `/proc/PID/fd` for every pid, ascending, keeping socket links (the layout's rule),
    /// and stores the layout's per-process files of every pid that holds a socket.
    fn walk(&mut self, st: &mut WalkStats) -> Result<(), Halt> {
        let dir = fs::read_dir("/proc").map_err(|e| Halt::Input(format!("cannot list /proc: {e}")))?;
        let mut pids: Vec<u32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
        pids.sort_unstable();

        let mut fds: Vec<u32> = Vec::new();
        let mut links: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut name = Num::default();
        let mut target = [0u8; 64];
        for pid in pids {
            self.check()?;
            self.progress("the process table");
            st.pids_seen += 1;
            let opened = Dir::open(name.c(pid, c"/proc/")).and_then(|p| {
                let fd = p.sub(c"fd")?;
                Ok((p, fd))
            });
            let (proc_dir, fd_dir) = match opened {
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
            if fd_dir.numbers(&mut fds).is_err() {
                st.pids_vanished += 1;
                continue;
            }
            fds.sort_unstable();
            links.clear();
            let mut denied = false;
            let mut failed = false;
            for &fd in &fds {
                // Per fd, not per pid: a process can hold a million fds.
                self.check()?;
                st.fds_read += 1;
                match fd_dir.readlink(name.c(fd, c""), &mut target) {
                    Ok(t) => {
                        if layout::is_socket_link(t) {
                            links.push((fd, t.to_vec()));
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::PermissionDenied => denied = true,
                    // Closed since the listing, or the process is gone: skip it.
                    Err(_) => failed = true,
                }
            }
            // A failed readlink is usually an fd closed meanwhile; if the pinned directory is
            // gone too, the process exited (its pid may already belong to another one).
            if failed && links.is_empty() && proc_dir.sub(c"fd").is_err() {
                st.pids_vanished += 1;
                continue;
            }
            if denied && links.is_empty() {
                st.pids_unreadable += 1;
                continue;
            }
            if links.is_empty() {
                self.note_netns(pid, &proc_dir, false)?;
                continue;
            }
            st.socket_links += links.len() as u64;
            for (fd, target) in links.drain(..) {
                let path = layout::fd_link_path(pid, fd);
                self.send(Msg::Link { path, target })?;
            }
            self.note_netns(pid, &proc_dir, true)?;
            let mut vanished = false;
            for f in ProcessFile::ALL {
                let dst = layout::process_file_path(pid, f);
                let src = format!("/{dst}");
                let open = || proc_dir.file(&CString::new(f.file_name()).unwrap_or_default());
                if let Read1::Failed(_) = self.file(open, &src, dst, None)? {
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
    fn file(
        &mut self,
        open: impl FnOnce() -> io::Result<File>,
        src: &str,
        dst: String,
        mut counter: Option<&mut RowCounter>,
    ) -> Result<Read1, Halt> {
        // Only the open and read calls are timed: that is the kernel producing the text, which
        // is what the manifest's `micros` is meant to show (not our waits on the writer).
        let mut t = Instant::now();
        let mut f = match open() {
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
            let tenths = (now - self.started).as_millis() / 100;
            eprintln!(
                "procsnap: {}.{} s, {} read so far, reading {what}",
                tenths / 10,
                tenths % 10,
                super::human(self.bytes_read)
            );
        }
    }
}

/// The sysctls of the network namespace `dir` (a member's `/proc/PID`) is in, as archive path and
/// bytes. `/proc/sys/net` shows the namespace of the thread reading it, so a short-lived thread
/// joins the namespace (`setns`, which needs root) and reads them there; this thread never moves.
fn ns_sysctls(dir: &Dir, pid: u32) -> Vec<(String, Vec<u8>)> {
    let Ok(ns) = dir.at(c"ns/net", libc::O_RDONLY) else { return Vec::new() };
    let reader = std::thread::spawn(move || {
        // SAFETY: `ns` is an open namespace descriptor; setns moves only this thread.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for s in &layout::SYSCTLS {
            if let Ok(data) = fs::read(format!("/{}", s.path)) {
                out.push((layout::ns_sysctl_path(pid, s), data));
            }
        }
        out
    });
    reader.join().unwrap_or_default()
}

/// A directory descriptor; entries are opened relative to it (`openat`), never by path again.
struct Dir(OwnedFd);

impl Dir {
    fn open(path: &CStr) -> io::Result<Dir> {
        // SAFETY: `path` is NUL-terminated; open returns a new descriptor or -1.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        owned(fd).map(Dir)
    }

    fn at(&self, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
        // SAFETY: a valid directory descriptor and a NUL-terminated name.
        let fd = unsafe { libc::openat(self.0.as_raw_fd(), name.as_ptr(), flags | libc::O_CLOEXEC) };
        owned(fd)
    }

    fn sub(&self, name: &CStr) -> io::Result<Dir> {
        self.at(name, libc::O_RDONLY | libc::O_DIRECTORY).map(Dir)
    }

    fn file(&self, name: &CStr) -> io::Result<File> {
        self.at(name, libc::O_RDONLY).map(File::from)
    }

    /// The entries whose names are numbers (fds), in directory order.
    fn numbers(&self, out: &mut Vec<u32>) -> io::Result<()> {
        // fdopendir takes over a descriptor; give it a fresh one on the same directory so that
        // `self` stays usable, and closedir closes it.
        let fd = self.at(c".", libc::O_RDONLY | libc::O_DIRECTORY)?;
        let raw = std::os::fd::IntoRawFd::into_raw_fd(fd);
        // SAFETY: `raw` is an open directory descriptor we own; ownership passes to the stream.
        let d = unsafe { libc::fdopendir(raw) };
        if d.is_null() {
            let e = io::Error::last_os_error();
            // SAFETY: fdopendir failed, so the descriptor is still ours to close.
            unsafe { libc::close(raw) };
            return Err(e);
        }
        let mut result = Ok(());
        loop {
            // readdir returns NULL at the end and on error; errno tells them apart.
            // SAFETY: errno is thread-local; `d` is a valid stream until closedir below.
            unsafe { *libc::__errno_location() = 0 };
            let e = unsafe { libc::readdir(d) };
            if e.is_null() {
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(0) {
                    result = Err(err);
                }
                break;
            }
            // SAFETY: d_name of a returned entry is a NUL-terminated name.
            let n = unsafe { CStr::from_ptr((*e).d_name.as_ptr()) };
            if let Some(v) = parse_u32(n.to_bytes()) {
                out.push(v);
            }
        }
        // SAFETY: `d` came from fdopendir and is closed once.
        unsafe { libc::closedir(d) };
        result
    }

    /// The target of the symlink `name`, cut at `buf.len()` bytes (socket links are < 32).
    fn readlink<'b>(&self, name: &CStr, buf: &'b mut [u8]) -> io::Result<&'b [u8]> {
        // SAFETY: `buf` is writable for its length; readlinkat writes at most that much.
        let n = unsafe {
            libc::readlinkat(self.0.as_raw_fd(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(&buf[..n as usize])
    }
}

fn owned(fd: libc::c_int) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor just returned by the kernel, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A decimal number (with a prefix) as a C string, without allocating.
#[derive(Default)]
struct Num([u8; 32]);

impl Num {
    fn c(&mut self, n: u32, prefix: &CStr) -> &CStr {
        let p = prefix.to_bytes();
        self.0[..p.len()].copy_from_slice(p);
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let d = &digits[i..];
        let end = p.len() + d.len();
        self.0[p.len()..end].copy_from_slice(d);
        self.0[end] = 0;
        CStr::from_bytes_with_nul(&self.0[..=end]).unwrap_or(c"")
    }
}

/// A canonical decimal (what the kernel prints for pids and fds); no sign, no leading zero.
fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    s.iter().try_fold(0u32, |a, &b| {
        if b.is_ascii_digit() { a.checked_mul(10)?.checked_add(u32::from(b - b'0')) } else { None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_c_strings() {
        let mut n = Num::default();
        assert_eq!(n.c(0, c""), c"0");
        assert_eq!(n.c(4_294_967_295, c"/proc/"), c"/proc/4294967295");
        assert_eq!(parse_u32(b"123"), Some(123));
        assert_eq!(parse_u32(b"0"), Some(0));
        for bad in [&b""[..], b"01", b"-1", b"1a", b"4294967296", b"self"] {
            assert_eq!(parse_u32(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reads_own_fds_through_a_pinned_dir() {
        let me = Dir::open(c"/proc/self").unwrap();
        let fd = me.sub(c"fd").unwrap();
        let mut v = Vec::new();
        fd.numbers(&mut v).unwrap();
        assert!(v.contains(&0) || v.contains(&1) || v.contains(&2), "{v:?}");
        let mut buf = [0u8; 64];
        let raw = fd.0.as_raw_fd() as u32;
        let mut n = Num::default();
        let t = fd.readlink(n.c(raw, c""), &mut buf).unwrap();
        assert!(t.ends_with(b"/fd"), "{}", String::from_utf8_lossy(t));
        let mut s = String::new();
        me.file(c"comm").unwrap().read_to_string(&mut s).unwrap();
        assert!(!s.is_empty());
    }
}
