//! Helpers shared by the collector's integration tests: run the real binary, read the archive
//! back with the standard `tar`/`flate2` decoders, and check it against the manifest.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use procsnap_core::manifest::Manifest;
use sha2::{Digest, Sha256};

pub const BIN: &str = env!("CARGO_BIN_EXE_procsnap");

pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// Whether this test can run a command as `nobody`: root, and util-linux `setpriv` installed.
pub fn can_become_nobody() -> bool {
    is_root() && Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Skips a test that needs the real netstat/ss (and root for the replay). With
/// `PROCSNAP_REQUIRE_NETSTAT` set, as CI does, that is a failure instead of a skip.
pub fn skip_netstat(why: &str) {
    if std::env::var_os("PROCSNAP_REQUIRE_NETSTAT").is_some() {
        panic!("PROCSNAP_REQUIRE_NETSTAT is set but this test cannot run: {why}");
    }
    println!("skipped: {why}");
}

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "procsnap-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
    let mut last_key = (0u32, 0u32);
    for e in entries.iter().filter(|e| e.symlink.is_some()) {
        let t = e.symlink.as_ref().unwrap();
        assert!(t.starts_with(b"socket:[") || t.starts_with(b"[0000]:"), "{}", e.path);
        let parts: Vec<&str> = e.path.split('/').collect();
        assert_eq!((parts.len(), parts[0], parts[2]), (4, "proc", "fd"), "{}", e.path);
        let key = (parts[1].parse::<u32>().unwrap(), parts[3].parse::<u32>().unwrap());
        assert!(key > last_key, "ascending pid then fd: {key:?} after {last_key:?}");
        last_key = key;
    }
    let walk = m.walk.as_ref().expect("walk stats");
    let links = entries.iter().filter(|e| e.symlink.is_some()).count() as u64;
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
