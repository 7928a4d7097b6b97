//! The one helper module of the collector's integration tests (every test file includes it,
//! and not every test uses every helper).
//!
//! * [`Tree`]: a builder for synthetic snapshot trees (`proc/net/*`, `proc/PID/fd/N` symlinks,
//!   `proc/PID/{cmdline,comm,status}`), materialised on tmpfs so that a directory listing reads
//!   back in ascending numeric order, like the real `/proc`.
//! * Row formatters that write exactly what the kernel writes: `procsnap_core::synth::kernel_text`.
//! * [`real_netstat`]: runs the installed `LC_ALL=C netstat -nlp` with the tree bind-mounted on
//!   `/proc` in a private mount namespace (needs root and `unshare`).
//! * [`procsnap_netstat`]: runs `procsnap report SNAPSHOT --format netstat`.
//! * [`assert_same`]: byte comparison with a readable line diff.
//! * Running the collector ([`BIN`], [`COLLECT_BIN`]) and reading its archive back with the
//!   standard `tar`/`flate2` decoders ([`read_archive`], [`check_snapshot`]).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read as _};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use procsnap_core::manifest::Manifest;
use sha2::{Digest, Sha256};

// Kernel text formats: core's writers (one per format, shared with core's own tests)
#[allow(unused_imports)] // not every test file writes tables
pub use procsnap_core::synth::kernel_text::*;

// ---------------------------------------------------------------------------------------------
// Snapshot trees
// ---------------------------------------------------------------------------------------------

/// One process of a synthetic snapshot.
#[derive(Clone, Debug)]
pub struct Proc {
    pub pid: u32,
    /// `None`: no cmdline file (the process vanished between its fd walk and the cmdline read).
    pub cmdline: Option<Vec<u8>>,
    pub comm: Vec<u8>,
    /// Real `status` bytes (live snapshots); `None`: a minimal one is written.
    pub status: Option<Vec<u8>>,
    /// fd number → link target (`socket:[N]`, `[0000]:N`, or anything else).
    pub fds: Vec<(u32, String)>,
}

/// A synthetic snapshot: files under `proc/` and processes.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    /// Path relative to `proc/` → content.
    pub files: Vec<(String, Vec<u8>)>,
    pub procs: Vec<Proc>,
}

impl Tree {
    pub fn new() -> Self {
        Tree::default()
    }

    /// Sets `proc/<rel>` (replacing an earlier one).
    pub fn file(mut self, rel: &str, content: impl Into<Vec<u8>>) -> Self {
        self.files.retain(|(p, _)| p != rel);
        self.files.push((rel.to_string(), content.into()));
        self
    }

    /// Adds a process whose cmdline is the given argv joined with NULs (NUL-terminated, like the
    /// kernel writes it); comm is argv[0]'s basename cut to 15 bytes.
    pub fn proc(mut self, pid: u32, argv: &[&[u8]], fds: &[(u32, &str)]) -> Self {
        let mut cmdline = Vec::new();
        for a in argv {
            cmdline.extend_from_slice(a);
            cmdline.push(0);
        }
        let argv0 = argv.first().copied().unwrap_or(b"");
        let base = argv0.rsplit(|&b| b == b'/').next().unwrap_or(argv0);
        let comm = base.iter().copied().take(15).collect();
        self.procs.push(Proc {
            pid,
            cmdline: Some(cmdline),
            comm,
            status: None,
            fds: fds.iter().map(|&(n, t)| (n, t.to_string())).collect(),
        });
        self
    }

    /// Adds a process with raw cmdline bytes (`None`: no cmdline file at all).
    pub fn proc_raw(mut self, pid: u32, cmdline: Option<&[u8]>, comm: &[u8], fds: &[(u32, &str)]) -> Self {
        self.procs.push(Proc {
            pid,
            cmdline: cmdline.map(<[u8]>::to_vec),
            comm: comm.to_vec(),
            status: None,
            fds: fds.iter().map(|&(n, t)| (n, t.to_string())).collect(),
        });
        self
    }

    /// Writes the tree under `root` (which gets `proc/` inside). Pid directories and fd links are
    /// created in *descending* numeric order: tmpfs lists a directory in reverse creation order,
    /// so they read back ascending, as the real `/proc` lists them. The read-back order is checked.
    pub fn write(&self, root: &Path) -> io::Result<PathBuf> {
        let proc_dir = root.join("proc");
        fs::create_dir_all(proc_dir.join("net"))?;
        for (rel, content) in &self.files {
            let p = proc_dir.join(rel);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&p, content)?;
        }
        let mut procs: Vec<&Proc> = self.procs.iter().collect();
        procs.sort_by_key(|p| std::cmp::Reverse(p.pid));
        for p in &procs {
            let pd = proc_dir.join(p.pid.to_string());
            fs::create_dir(&pd)?;
            // The same three files the snapshot format keeps; status is minimal but real-shaped.
            if let Some(c) = &p.cmdline {
                fs::write(pd.join("cmdline"), c)?;
            }
            let mut comm = p.comm.clone();
            if !comm.ends_with(b"\n") {
                comm.push(b'\n');
            }
            fs::write(pd.join("comm"), &comm)?;
            if let Some(status) = &p.status {
                fs::write(pd.join("status"), status)?;
            } else {
                let mut status = b"Name:\t".to_vec();
                status.extend_from_slice(&p.comm);
                status.extend_from_slice(
                format!(
                    "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{0}\nNgid:\t0\nPid:\t{0}\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
                    p.pid
                )
                .as_bytes(),
            );
                fs::write(pd.join("status"), &status)?;
            }
            let fd_dir = pd.join("fd");
            fs::create_dir(&fd_dir)?;
            let mut fds: Vec<&(u32, String)> = p.fds.iter().collect();
            fds.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
            for (n, target) in fds {
                symlink(target, fd_dir.join(n.to_string()))?;
            }
        }
        check_ascending(&proc_dir, |name| name.bytes().all(|b| b.is_ascii_digit()))?;
        for p in &procs {
            check_ascending(&proc_dir.join(p.pid.to_string()).join("fd"), |_| true)?;
        }
        Ok(proc_dir)
    }
}

/// Checks that the numeric entries of `dir` read back (in readdir order, as netstat sees them)
/// in ascending numeric order. If not, the replay would not model the real /proc.
fn check_ascending(dir: &Path, keep: impl Fn(&str) -> bool) -> io::Result<()> {
    let mut seen = Vec::new();
    for e in fs::read_dir(dir)? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if keep(&name) {
            seen.push(name.parse::<u64>().unwrap_or(u64::MAX));
        }
    }
    if seen.windows(2).any(|w| w[0] > w[1]) {
        return Err(io::Error::other(format!(
            "{} lists its entries as {seen:?}, not ascending: the scratch directory is not on tmpfs \
             (set PROCSNAP_TEST_TMP to a tmpfs directory such as /dev/shm)",
            dir.display()
        )));
    }
    Ok(())
}

/// A scratch directory on tmpfs, removed on drop.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var_os("PROCSNAP_TEST_TMP").map(PathBuf::from).unwrap_or_else(|| {
            let shm = PathBuf::from("/dev/shm");
            if shm.is_dir() { shm } else { std::env::temp_dir() }
        });
        let path = base.join(format!(
            "procsnap-golden-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            tag
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create scratch directory");
        Scratch { path }
    }
}

impl Scratch {
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The names in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(&self.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("PROCSNAP_KEEP_SCRATCH").is_none() {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Writes `procsnap.json` (if any) and `proc/` of `root` into a gzip-compressed tar at `out` (symlinks kept as symlinks,
/// entries in directory order, which for the tmpfs trees is the reverse of creation order).
pub fn tar_gz(root: &Path, out: &Path) -> io::Result<()> {
    let f = fs::File::create(out)?;
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Deterministic);
    let manifest = root.join("procsnap.json");
    if manifest.is_file() {
        b.append_path_with_name(&manifest, "procsnap.json")?;
    }
    b.append_dir_all("proc", root.join("proc"))?;
    b.into_inner()?.finish()?;
    Ok(())
}

/// Writes `root`'s `procsnap.json` and `proc/` as a plain (uncompressed) tar the way a streaming
/// collector would: regular files and symlinks only, no directory entries, in ascending order
/// (numeric for pid and fd names).
pub fn tar_plain(root: &Path, out: &Path) -> io::Result<()> {
    fn walk(dir: &Path, rel: &str, acc: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
        for e in fs::read_dir(dir)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{rel}/{name}");
            if e.file_type()?.is_dir() {
                walk(&e.path(), &rel, acc)?;
            } else {
                acc.push((rel, e.path()));
            }
        }
        Ok(())
    }
    let mut entries = Vec::new();
    walk(&root.join("proc"), "proc", &mut entries)?;
    // Sort key: each path component, numbers by value before names.
    let key = |p: &str| -> Vec<(u8, u64, String)> {
        p.split('/')
            .map(|c| match c.parse::<u64>() {
                Ok(n) => (0, n, String::new()),
                Err(_) => (1, 0, c.to_string()),
            })
            .collect()
    };
    entries.sort_by_key(|(rel, _)| key(rel));
    let mut b = tar::Builder::new(fs::File::create(out)?);
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Deterministic);
    let manifest = root.join("procsnap.json");
    if manifest.is_file() {
        b.append_path_with_name(&manifest, "procsnap.json")?;
    }
    for (rel, path) in entries {
        b.append_path_with_name(&path, &rel)?;
    }
    b.into_inner()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running netstat and procsnap
// ---------------------------------------------------------------------------------------------

/// Whether the real netstat can be replayed here; `Err` says why not.
pub fn replay_available() -> Result<(), String> {
    let status = fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?");
    if euid != "0" {
        return Err(format!("not root (euid {euid}): cannot bind-mount over /proc"));
    }
    netstat_version()?;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if !out.status.success() {
        return Err(format!("`unshare -m` fails here: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(())
}

/// `netstat --version`'s first line, or why netstat cannot be run.
pub fn netstat_version() -> Result<String, String> {
    let out = Command::new("netstat")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run netstat: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_string())
}

/// Prints why a real-netstat test is skipped. If `PROCSNAP_REQUIRE_NETSTAT` is set (CI), a
/// missing prerequisite is a failure instead.
pub fn skip(why: &str) {
    if std::env::var_os("PROCSNAP_REQUIRE_NETSTAT").is_some() {
        panic!("PROCSNAP_REQUIRE_NETSTAT is set but the real netstat cannot be run: {why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// Replays `proc_dir` through the installed netstat: `/proc` is bind-mounted from it in a private
/// mount namespace and `LC_ALL=C netstat -nlp` runs there. Returns (stdout, stderr).
pub fn real_netstat(proc_dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind \"$1\" /proc && exec netstat -nlp")
        .arg("sh")
        .arg(proc_dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .expect("run unshare + netstat");
    assert!(
        out.status.success(),
        "replaying {} through netstat failed ({}): {}",
        proc_dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, out.stderr)
}

/// The live `LC_ALL=C netstat -nlp` (stdout).
pub fn live_netstat() -> Vec<u8> {
    let out = Command::new("netstat")
        .arg("-nlp")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .expect("run netstat");
    assert!(out.status.success(), "netstat -nlp failed: {}", out.status);
    out.stdout
}

/// `procsnap report SNAPSHOT --format netstat`.
pub fn procsnap_report(snapshot: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsnap"))
        .arg("report")
        .arg(snapshot)
        .args(["--format", "netstat"])
        .stdin(Stdio::null())
        .output()
        .expect("run procsnap")
}

/// stdout of `procsnap report SNAPSHOT --format netstat`; panics with its stderr if it fails.
pub fn procsnap_netstat(snapshot: &Path) -> Vec<u8> {
    let out = procsnap_report(snapshot);
    assert!(
        out.status.success(),
        "`procsnap report {} --format netstat` failed ({}): {}",
        snapshot.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `procsnap report - --format netstat [extra...]` with `input` on stdin (`-` = standard input).
pub fn procsnap_netstat_args(snapshot: &OsStr, extra: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_procsnap"))
        .arg("report")
        .arg(snapshot)
        .args(["--format", "netstat"])
        .args(extra)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run procsnap");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("procsnap stdin");
        let input = input.to_vec();
        // Written from a thread so a large input cannot deadlock against a full stdout pipe.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.wait_with_output().expect("wait for procsnap");
    assert!(
        out.status.success(),
        "`procsnap report {} --format netstat {}` failed ({}): {}",
        snapshot.to_string_lossy(),
        extra.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Renders bytes for a diff: valid UTF-8 shown as is, other bytes as `\xNN`; trailing spaces
/// made visible with a `$` at the end of each line.
fn show_line(l: &[u8]) -> String {
    let mut s = String::new();
    for chunk in l.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s.push('$');
    s
}

/// A line diff (LCS) between `expected` and `got`; empty when they are equal.
pub fn diff(expected: &[u8], got: &[u8]) -> String {
    let a: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let b: Vec<&[u8]> = got.split_inclusive(|&b| b == b'\n').collect();
    let strip = |l: &[u8]| -> Vec<u8> { l.strip_suffix(b"\n").unwrap_or(l).to_vec() };
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            let _ = writeln!(out, "  {}", show_line(&strip(a[i])));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "- {}", show_line(&strip(a[i])));
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", show_line(&strip(b[j])));
            j += 1;
        }
    }
    if !expected.ends_with(b"\n") || !got.ends_with(b"\n") {
        let _ = writeln!(
            out,
            "(final newline: netstat {}, procsnap {})",
            expected.ends_with(b"\n"),
            got.ends_with(b"\n")
        );
    }
    out
}

/// Asserts `got` (procsnap) equals `expected` (real netstat) byte for byte.
pub fn assert_same(case: &str, expected: &[u8], got: &[u8]) {
    if expected != got {
        panic!(
            "{case}: `procsnap report --format netstat` differs from real `netstat -nlp`\n\
             (- netstat, + procsnap, `$` marks line ends)\n{}",
            diff(expected, got)
        );
    }
}

/// Writes `tree`, replays it through real netstat (or, without root or netstat, takes the
/// recorded output from `tests/fixtures/netstat/CASE.out`), and checks procsnap on the snapshot directory
/// (the parent of `proc/`), on a `.tar.gz` of it (directory order, pids descending), on a plain
/// `.tar` (files and links only, ascending), and on the `.tar.gz` given on standard input (`-`).
/// Returns netstat's (stdout, stderr) for extra checks by the caller when netstat really ran.
pub fn check_tree(case: &str, tree: &Tree) -> Option<(Vec<u8>, Vec<u8>)> {
    let fixture = fixture_path(case);
    let scratch = Scratch::new(case);
    let root = scratch.path.join("snap");
    let proc_dir = tree.write(&root).expect("write snapshot tree");
    let (expected, stderr, replayed) = match replay_available() {
        Ok(()) => {
            let (out, err) = real_netstat(&proc_dir);
            if std::env::var_os("PROCSNAP_UPDATE_FIXTURES").is_some() {
                fs::create_dir_all(fixture.parent().unwrap()).expect("create fixtures directory");
                fs::write(&fixture, &out).expect("write fixture");
            } else if fs::read(&fixture).is_ok_and(|f| f != out) {
                eprintln!(
                    "note: {case}: the installed netstat ({}) prints differently from the stored \
                     fixture {} (recorded with net-tools 2.10); the real netstat is what counts",
                    netstat_version().unwrap_or_default(),
                    fixture.display()
                );
            }
            (out, err, true)
        }
        Err(why) => match fs::read(&fixture) {
            // No root or no netstat here: fall back to what net-tools 2.10 printed for this very
            // tree, recorded on a machine where the replay ran.
            Ok(stored) if std::env::var_os("PROCSNAP_REQUIRE_NETSTAT").is_none() => {
                eprintln!(
                    "note: {case}: {why}; comparing with the stored netstat output {}",
                    fixture.display()
                );
                (stored, Vec::new(), false)
            }
            _ => {
                skip(&why);
                return None;
            }
        },
    };
    if std::env::var_os("PROCSNAP_SHOW_NETSTAT").is_some() {
        eprintln!(
            "--- {case}: real netstat stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(&stderr)
        );
    }
    let got_dir = procsnap_netstat(&root);
    // The `proc/` directory itself, as one would point at /proc.
    let got_proc_dir = procsnap_netstat(&proc_dir);
    let tgz = scratch.path.join(format!("{case}.procsnap.tar.gz"));
    tar_gz(&root, &tgz).expect("write .tar.gz");
    let got_tgz = procsnap_netstat(&tgz);
    let tar = scratch.path.join(format!("{case}.procsnap.tar"));
    tar_plain(&root, &tar).expect("write .tar");
    let got_tar = procsnap_netstat(&tar);
    assert_same(&format!("{case} (directory)"), &expected, &got_dir);
    assert_same(&format!("{case} (its proc/ directory)"), &expected, &got_proc_dir);
    assert_same(&format!("{case} (.tar.gz)"), &expected, &got_tgz);
    assert_same(&format!("{case} (.tar)"), &expected, &got_tar);
    if have("tar") {
        // Made by hand with GNU tar: `./`-prefixed paths, directory entries, tmpfs order.
        let by_hand = scratch.path.join(format!("{case}.by-hand.tar.gz"));
        let st = Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-czf")
            .arg(&by_hand)
            .arg(".")
            .status()
            .expect("run tar");
        assert!(st.success(), "tar -czf failed");
        assert_same(&format!("{case} (tar -czf of ./)"), &expected, &procsnap_netstat(&by_hand));
    }
    let tgz_bytes = fs::read(&tgz).expect("read .tar.gz");
    let got_stdin = procsnap_netstat_args(OsStr::new("-"), &[], Some(&tgz_bytes));
    assert_same(&format!("{case} (.tar.gz on stdin)"), &expected, &got_stdin);
    replayed.then_some((expected, stderr))
}

/// Where the netstat output recorded for a replay case is kept (`PROCSNAP_UPDATE_FIXTURES=1`
/// rewrites them from the real netstat).
pub fn fixture_path(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/netstat").join(format!("{case}.out"))
}

/// Shorthand for a `socket:[N]` link target.
pub fn sock(inode: u64) -> String {
    format!("socket:[{inode}]")
}

/// Whether `name` resolves on `PATH`.
pub fn have(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

// ---------------------------------------------------------------------------------------------
// Live snapshots
// ---------------------------------------------------------------------------------------------

/// Captures the live `/proc` as the snapshot format v1 describes it (until `procsnap collect`
/// exists): the `/proc/net` tables as read, and for every pid holding a socket its socket fd links
/// (readlink text) and its cmdline, comm and status. Pids and fds are walked in ascending order.
/// Processes that vanish or cannot be read mid-walk are skipped, as netstat skips them.
pub fn live_tree() -> Tree {
    let mut tree = Tree::new();
    // What the snapshot format keeps: core's layout registry, as the collector walks it.
    for f in &procsnap_core::layout::NET_FILES {
        if let Ok(bytes) = fs::read(Path::new("/proc/net").join(f.name)) {
            tree = tree.file(&format!("net/{}", f.name), bytes);
        }
    }
    let mut pids: Vec<u32> = fs::read_dir("/proc")
        .expect("read /proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let pd = PathBuf::from(format!("/proc/{pid}"));
        let Ok(rd) = fs::read_dir(pd.join("fd")) else {
            continue;
        };
        let mut fds: Vec<u32> = rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
        fds.sort_unstable();
        let links: Vec<(u32, String)> = fds
            .into_iter()
            .filter_map(|n| {
                let t = fs::read_link(pd.join("fd").join(n.to_string())).ok()?;
                let t = t.to_str()?.to_string();
                procsnap_core::layout::is_socket_link(t.as_bytes()).then_some((n, t))
            })
            .collect();
        if links.is_empty() {
            continue;
        }
        let (Ok(cmdline), Ok(comm), Ok(status)) =
            (fs::read(pd.join("cmdline")), fs::read(pd.join("comm")), fs::read(pd.join("status")))
        else {
            continue;
        };
        tree.procs.push(Proc { pid, cmdline: Some(cmdline), comm, status: Some(status), fds: links });
    }
    tree
}

/// Reads a snapshot archive (`.tar.gz` or `.tar`) back into a [`Tree`], so that it can be written
/// in /proc order and replayed through netstat: `proc/net/*` and other files as files,
/// `proc/PID/fd/N` symlinks as fd links, `proc/PID/{cmdline,comm,status}` as process files.
pub fn tree_from_archive(path: &Path) -> io::Result<Tree> {
    use std::io::Read as _;
    let bytes = fs::read(path)?;
    let mut raw = Vec::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut raw)?;
    } else {
        raw = bytes;
    }
    let mut tree = Tree::new();
    let mut procs: std::collections::BTreeMap<u32, Proc> = std::collections::BTreeMap::new();
    let mut ar = tar::Archive::new(&raw[..]);
    for entry in ar.entries()? {
        let mut e = entry?;
        let name = e.path()?.to_string_lossy().trim_start_matches("./").to_string();
        let Some(rel) = name.strip_prefix("proc/") else { continue };
        let parts: Vec<&str> = rel.split('/').collect();
        let pid = parts[0].parse::<u32>().ok();
        let kind = e.header().entry_type();
        if let Some(pid) = pid {
            let p = procs.entry(pid).or_insert_with(|| Proc {
                pid,
                cmdline: None,
                comm: Vec::new(),
                status: None,
                fds: Vec::new(),
            });
            match (&parts[1..], kind) {
                (["fd", n], tar::EntryType::Symlink) => {
                    let target = e.link_name()?.map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
                    p.fds.push((n.parse().map_err(io::Error::other)?, target));
                }
                ([file], tar::EntryType::Regular) => {
                    let mut data = Vec::new();
                    e.read_to_end(&mut data)?;
                    match *file {
                        "cmdline" => p.cmdline = Some(data),
                        "comm" => p.comm = data,
                        "status" => p.status = Some(data),
                        _ => {}
                    }
                }
                _ => {}
            }
        } else if kind == tar::EntryType::Regular {
            let mut data = Vec::new();
            e.read_to_end(&mut data)?;
            tree = tree.file(rel, data);
        }
    }
    tree.procs = procs.into_values().collect();
    Ok(tree)
}

// ---------------------------------------------------------------------------------------------
// Running the collector and reading its archives
// ---------------------------------------------------------------------------------------------

/// The full binary (collect + report).
pub const BIN: &str = env!("CARGO_BIN_EXE_procsnap");
/// The capture-only binary (`procsnap-collect`): same flags and archive as `procsnap collect`.
pub const COLLECT_BIN: &str = env!("CARGO_BIN_EXE_procsnap-collect");

pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// Whether this test can run a command as `nobody`: root, and util-linux `setpriv` installed.
pub fn can_become_nobody() -> bool {
    is_root() && Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success())
}

pub fn collect(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN).arg("collect").args(args).current_dir(dir).output().unwrap()
}

#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub symlink: Option<Vec<u8>>,
    pub data: Vec<u8>,
}

pub fn read_archive(gz: &[u8]) -> Vec<Entry> {
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut tar_bytes).expect("valid gzip");
    let mut a = tar::Archive::new(&tar_bytes[..]);
    let mut out = Vec::new();
    for e in a.entries().expect("valid tar") {
        let mut e = e.expect("valid tar entry");
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let symlink = match e.header().entry_type() {
            tar::EntryType::Symlink => Some(e.link_name_bytes().unwrap().into_owned()),
            tar::EntryType::Regular => None,
            t => panic!("unexpected entry type {t:?} for {path}"),
        };
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.push(Entry { path, symlink, data });
    }
    out
}

/// Checks the invariants every snapshot must hold and returns the manifest:
/// manifest last; every regular file listed once with matching size and SHA-256; symlinks are
/// socket links only; pids ascending, fds ascending within a pid; each socket-holding pid has
/// its cmdline/comm/status unless it vanished.
pub fn check_snapshot(entries: &[Entry]) -> Manifest {
    let last = entries.last().expect("non-empty archive");
    assert_eq!(last.path, "procsnap.json", "manifest is the last entry");
    let m: Manifest = serde_json::from_slice(&last.data).expect("manifest parses");
    assert_eq!(m.format.as_deref(), Some("procsnap"));
    assert_eq!(m.format_version, 1);
    assert!(m.tool.as_deref().unwrap().starts_with("procsnap "));
    let files: Vec<&Entry> = entries[..entries.len() - 1].iter().filter(|e| e.symlink.is_none()).collect();
    assert_eq!(files.len(), m.files.len(), "one manifest record per file");
    for (e, r) in files.iter().zip(&m.files) {
        assert_eq!(e.path, r.path);
        assert_eq!(Some(e.data.len() as u64), r.bytes, "{}", e.path);
        let h: String = Sha256::digest(&e.data).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Some(h), r.sha256, "{}", e.path);
        assert!(r.reads.unwrap() >= 1 && r.micros.is_some());
    }
    // Namespace links (`proc/PID/ns/net` → `net:[INODE]`): one per pid, a namespace the
    // manifest lists; the fd links below are the socket links.
    let mut ns_pids = std::collections::BTreeSet::new();
    for e in entries.iter().filter(|e| e.path.ends_with("/ns/net")) {
        let t = e.symlink.as_deref().expect("ns/net is a symlink");
        let inode = procsnap_core::layout::netns_inode(t).unwrap_or_else(|| panic!("{}: {t:?}", e.path));
        assert!(m.namespaces.iter().any(|n| n.inode == inode), "{} names an unlisted namespace", e.path);
        let parts: Vec<&str> = e.path.split('/').collect();
        assert!(ns_pids.insert(parts[1].parse::<u32>().unwrap()), "{} twice", e.path);
    }
    let mut last_key = (0u32, 0u32);
    for e in entries.iter().filter(|e| e.symlink.is_some() && !e.path.ends_with("/ns/net")) {
        let t = e.symlink.as_ref().unwrap();
        assert!(t.starts_with(b"socket:[") || t.starts_with(b"[0000]:"), "{}", e.path);
        let parts: Vec<&str> = e.path.split('/').collect();
        assert_eq!((parts.len(), parts[0], parts[2]), (4, "proc", "fd"), "{}", e.path);
        let key = (parts[1].parse::<u32>().unwrap(), parts[3].parse::<u32>().unwrap());
        assert!(key > last_key, "ascending pid then fd: {key:?} after {last_key:?}");
        last_key = key;
    }
    let walk = m.walk.as_ref().expect("walk stats");
    let links = entries.iter().filter(|e| e.symlink.is_some() && !e.path.ends_with("/ns/net")).count() as u64;
    assert_eq!(walk.socket_links, links);
    assert!(walk.pids_seen >= 1 && walk.fds_read >= walk.socket_links);
    let c = &m.capture;
    assert!(
        c.start.as_deref().unwrap().ends_with('Z')
            && c.end.as_deref().unwrap() >= c.start.as_deref().unwrap()
    );
    m
}

pub fn entry<'a>(entries: &'a [Entry], path: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.path == path)
}

/// The pid that `parent` spawned (used to signal the collector under strace).
pub fn child_of(parent: u32) -> Option<u32> {
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { continue };
        if status.lines().any(|l| l.strip_prefix("PPid:").map(str::trim) == Some(&parent.to_string())) {
            return Some(pid);
        }
    }
    None
}

/// Whether `strace` can trace here (installed and ptrace allowed): the signal and churn tests use
/// its syscall-delay injection to make a capture slow without any test hook in the binary.
pub fn strace_works() -> bool {
    Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "-e", "inject=readlink:delay_exit=1", "true"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Opens `n` extra fds in this process so that a walk slowed per `readlink` takes a predictable
/// minimum time even on a host with few processes (a fresh CI container).
pub fn pad_fds(n: usize) -> Vec<std::fs::File> {
    (0..n).map(|_| std::fs::File::open("/dev/null").unwrap()).collect()
}

/// The collector under strace, each `readlink` delayed by `micros`.
pub fn slow_collect(micros: u32) -> Command {
    let mut c = Command::new("strace");
    c.args([
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        &format!("inject=readlink,readlinkat:delay_enter={micros}"),
        BIN,
        "collect",
    ]);
    c
}

// ---------------------------------------------------------------------------------------------
// A capture compared with the live netstat
// ---------------------------------------------------------------------------------------------

/// The live `LC_ALL=C netstat -nlp` as text, or `None` when netstat is missing.
pub fn live_netstat_text() -> Option<String> {
    let out = Command::new("netstat").arg("-nlp").env("LC_ALL", "C").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn report_netstat(snap: &std::path::Path) -> String {
    let out = Command::new(BIN).args(["report"]).arg(snap).args(["--format", "netstat"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A capture command: writes the snapshot to the path it is given.
pub type Capture<'a> = &'a dyn Fn(&Path) -> Output;

/// Runs `capture` (which writes `snap`) between two live netstat runs until both agree (other
/// processes on the host may open or close sockets meanwhile), then compares the report.
pub fn matches_live(tag: &str, capture: impl Fn(&std::path::Path) -> std::process::Output) {
    matches_live_all(tag, &[&capture]);
}

/// Like [`matches_live`] with several collectors run back to back between the two netstat
/// runs: each one's report equals the live netstat, hence they equal one another.
pub fn matches_live_all(tag: &str, captures: &[Capture<'_>]) {
    if live_netstat_text().is_none() {
        skip("netstat not installed");
        return;
    }
    // One comparison at a time in this test process: the tests of one binary run in parallel
    // threads, and each one's own listeners opening and closing would change the others' live
    // netstat between their two runs (CI once saw five unstable attempts in a row).
    static LIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = Scratch::new(tag);
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp6 = std::net::TcpListener::bind("[::1]:0").ok();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let ports =
        [Some(tcp.local_addr().unwrap().port()), tcp6.as_ref().map(|l| l.local_addr().unwrap().port())];
    let me = format!("{}/", std::process::id());
    for attempt in 0..5 {
        let snaps: Vec<PathBuf> =
            (0..captures.len()).map(|i| dir.path().join(format!("s{attempt}-{i}.tar.gz"))).collect();
        let before = live_netstat_text().unwrap();
        for (capture, snap) in captures.iter().zip(&snaps) {
            let out = capture(snap);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        let after = live_netstat_text().unwrap();
        if before != after {
            continue;
        }
        // Our listeners are there, with this process as owner (root sees every owner).
        for (p, addr) in ports.iter().zip(["127.0.0.1", "::1"]) {
            if let Some(p) = p {
                let want = format!("{addr}:{p} ");
                assert!(
                    before.lines().any(|l| l.contains(&want) && (!is_root() || l.contains(&me))),
                    "{before}"
                );
            }
        }
        let udp_port = format!("127.0.0.1:{} ", udp.local_addr().unwrap().port());
        assert!(before.lines().any(|l| l.starts_with("udp") && l.contains(&udp_port)));
        for snap in &snaps {
            assert_eq!(report_netstat(snap), before);
        }
        return;
    }
    panic!("live netstat never stable across a capture in 5 attempts");
}
