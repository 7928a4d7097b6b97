//! The POSIX-sh fallback collector writes a format-v1 snapshot: socket links only, in ascending
//! pid/fd order, the /proc files as read, a minimal manifest last, nothing partial left behind.

mod support;

use std::net::TcpListener;
use std::process::Command;

use procsnap_core::manifest::Manifest;
use support::*;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");

#[test]
fn fallback_writes_a_v1_snapshot() {
    use std::os::fd::AsRawFd;
    let dir = Scratch::new("fallback");
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let link = std::fs::read_link(format!("/proc/self/fd/{}", tcp.as_raw_fd())).unwrap();
    let out =
        Command::new("sh").arg(SCRIPT).args(["-o", "f.tar.gz"]).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(dir.names(), ["f.tar.gz"], "no temporary file left");
    let entries = read_archive(&std::fs::read(dir.path().join("f.tar.gz")).unwrap());

    let last = entries.last().unwrap();
    assert_eq!(last.path, "procsnap.json");
    let m: Manifest = serde_json::from_slice(&last.data).expect("manifest parses");
    assert_eq!((m.format.as_deref(), m.format_version), (Some("procsnap"), 1));
    assert!(m.tool.unwrap().starts_with("procsnap-collect.sh"));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(m.host.hostname.as_deref(), Some(host.trim()));
    let w = m.walk.unwrap();
    // Socket links; the namespace links (`proc/PID/ns/net`) are checked in collect_netns.rs.
    let links: Vec<&Entry> =
        entries.iter().filter(|e| e.symlink.is_some() && !e.path.ends_with("/ns/net")).collect();
    assert_eq!(w.socket_links, links.len() as u64);

    let mut last_key = (0u32, 0u32);
    for e in &links {
        let t = e.symlink.as_ref().unwrap();
        assert!(t.starts_with(b"socket:[") || t.starts_with(b"[0000]:"), "{}", e.path);
        let p: Vec<&str> = e.path.split('/').collect();
        let key = (p[1].parse().unwrap(), p[3].parse().unwrap());
        assert!(key > last_key, "ascending pid then fd: {key:?} after {last_key:?}");
        last_key = key;
    }
    let me = std::process::id();
    let mine = entry(&entries, &format!("proc/{me}/fd/{}", tcp.as_raw_fd())).expect("our listener's fd");
    assert_eq!(mine.symlink.as_deref(), Some(link.as_os_str().as_encoded_bytes()));
    assert_eq!(
        entry(&entries, &format!("proc/{me}/cmdline")).unwrap().data,
        std::fs::read("/proc/self/cmdline").unwrap()
    );
    for p in ["proc/net/tcp", "proc/net/unix", "proc/sys/net/ipv4/ip_local_port_range"] {
        assert!(entry(&entries, p).is_some_and(|e| !e.data.is_empty()), "{p}");
    }
}

#[test]
fn fallback_unwritable_output_leaves_nothing() {
    let dir = Scratch::new("fallback-ro");
    let out = Command::new("sh")
        .arg(SCRIPT)
        .args(["-o", "no/such/dir/f.tar.gz"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(dir.names().is_empty());
}

#[test]
fn fallback_sigterm_leaves_nothing() {
    let dir = Scratch::new("fallback-term");
    // 600 more fds to readlink (a process each): the walk lasts long enough to be interrupted.
    let _pad = pad_fds(600);
    let child = Command::new("sh")
        .arg(SCRIPT)
        .args(["-o", "f.tar.gz"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The temporary file appears before the walk starts.
    let t = std::time::Instant::now();
    while dir.names().is_empty() {
        assert!(t.elapsed().as_secs() < 20, "script never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(dir.names().is_empty(), "left behind: {:?}", dir.names());
}
