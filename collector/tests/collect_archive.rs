//! `procsnap collect` end to end: what lands in the archive, stdout streaming, and output
//! failures that must leave nothing behind.

mod support;

use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixListener;
use std::process::Command;

use support::*;

fn fd_link(fd: i32) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap().as_os_str().as_bytes().to_vec()
}

/// Sockets this test process holds while the collector runs, and what the archive must say
/// about them.
struct Held {
    _tcp: TcpListener,
    _udp: UdpSocket,
    _unix: UnixListener,
    tcp_port: u16,
    /// (fd, `socket:[inode]`) of each.
    links: Vec<(i32, Vec<u8>)>,
}

fn hold_sockets(dir: &std::path::Path) -> Held {
    use std::os::fd::AsRawFd;
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let unix = UnixListener::bind(dir.join("sock")).unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let links = [tcp.as_raw_fd(), udp.as_raw_fd(), unix.as_raw_fd()].map(|fd| (fd, fd_link(fd))).to_vec();
    Held { _tcp: tcp, _udp: udp, _unix: unix, tcp_port, links }
}

/// Everything the archive must show about this process and its sockets.
fn check_held(entries: &[Entry], held: &Held) {
    let me = std::process::id();
    for (fd, link) in &held.links {
        let e = entry(entries, &format!("proc/{me}/fd/{fd}")).expect("our socket fd is captured");
        assert_eq!(e.symlink.as_ref(), Some(link));
    }
    let cmdline = std::fs::read(format!("/proc/{me}/cmdline")).unwrap();
    assert_eq!(entry(entries, &format!("proc/{me}/cmdline")).unwrap().data, cmdline);
    let comm = std::fs::read(format!("/proc/{me}/comm")).unwrap();
    assert_eq!(entry(entries, &format!("proc/{me}/comm")).unwrap().data, comm);
    assert!(entry(entries, &format!("proc/{me}/status")).unwrap().data.starts_with(b"Name:"));

    // The listener's row is in the table: local 127.0.0.1:port, state LISTEN, our inode.
    let inode = String::from_utf8_lossy(&held.links[0].1)
        .trim_start_matches("socket:[")
        .trim_end_matches(']')
        .to_string();
    let tcp = String::from_utf8_lossy(&entry(entries, "proc/net/tcp").expect("tcp table").data).into_owned();
    let local = format!("0100007F:{:04X}", held.tcp_port);
    let row = tcp.lines().find(|l| l.contains(&local)).expect("listener row");
    let f: Vec<&str> = row.split_whitespace().collect();
    assert_eq!((f[3], f[9]), ("0A", inode.as_str()), "{row}");
    assert!(tcp.starts_with("  sl  local_address"));

    for p in ["proc/net/udp", "proc/net/unix", "proc/net/sockstat", "proc/sys/net/core/somaxconn"] {
        assert!(entry(entries, p).is_some(), "{p} captured");
    }
    let range = &entry(entries, "proc/sys/net/ipv4/ip_local_port_range").unwrap().data;
    assert_eq!(range, &std::fs::read("/proc/sys/net/ipv4/ip_local_port_range").unwrap());
}

#[test]
fn collect_to_file_writes_complete_snapshot_and_nothing_else() {
    let dir = Scratch::new("file");
    let held = hold_sockets(dir.path());
    let out = collect(&["-o", "snap.tar.gz"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // One summary line: rows, TIME_WAIT, bytes, milliseconds.
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.contains("warning")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(" rows, ") && lines[0].contains(" TIME_WAIT, ") && lines[0].ends_with(" ms"));
    assert_eq!(dir.names(), ["snap.tar.gz", "sock"], "no temporary file left");

    let gz = std::fs::read(dir.path().join("snap.tar.gz")).unwrap();
    let entries = read_archive(&gz);
    let m = check_snapshot(&entries);
    check_held(&entries, &held);

    let h = &m.host;
    let little = cfg!(target_endian = "little");
    assert_eq!(h.byte_order.as_deref(), Some(if little { "little" } else { "big" }));
    assert_eq!(
        h.kernel.as_deref().unwrap(),
        std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap().trim()
    );
    assert_eq!(
        h.hostname.as_deref().unwrap(),
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim()
    );
    assert_eq!(h.uid, Some(if is_root() { 0 } else { h.uid.unwrap() }));
    assert!(h.user_hz.unwrap() > 0 && h.page_size.unwrap() >= 4096);
    // The snapshot is private: it holds command lines.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("snap.tar.gz")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    // `gzip -t` and GNU tar read it too.
    let st = Command::new("tar").args(["tzf", "snap.tar.gz"]).current_dir(dir.path()).output().unwrap();
    assert!(st.status.success());
    assert_eq!(String::from_utf8_lossy(&st.stdout).lines().count(), entries.len());
}

#[test]
fn default_name_is_host_and_utc_time() {
    let dir = Scratch::new("default");
    let out = collect(&[], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names = dir.names();
    assert_eq!(names.len(), 1, "{names:?}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let rest = names[0].strip_prefix(&format!("{}-", host.trim())).expect("starts with the host name");
    // YYYYmmddTHHMMSSZ.procsnap.tar.gz
    let (stamp, ext) = rest.split_at(16);
    assert_eq!(ext, ".procsnap.tar.gz");
    assert!(stamp.as_bytes()[8] == b'T' && stamp.ends_with('Z'));
    assert!(stamp.chars().filter(|c| c.is_ascii_digit()).count() == 14, "{stamp}");
    check_snapshot(&read_archive(&std::fs::read(dir.path().join(&names[0])).unwrap()));
}

#[test]
fn dash_o_dash_streams_to_stdout_and_writes_no_file() {
    let dir = Scratch::new("stdout");
    let held = hold_sockets(dir.path());
    let out = collect(&["-o", "-"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(dir.names(), ["sock"]);
    let entries = read_archive(&out.stdout);
    check_snapshot(&entries);
    check_held(&entries, &held);
}

#[test]
fn unwritable_output_dir_fails_cleanly_and_leaves_nothing() {
    let dir = Scratch::new("ro");
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let target = ro.join("x.tar.gz");
    if is_root() && !can_become_nobody() {
        println!("skipped: root ignores directory permissions and setpriv is not installed");
        return;
    }
    let out = if is_root() {
        // Root ignores directory permissions: run as nobody against a root-owned 0755 directory.
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN, "collect", "-o"])
            .arg(&target)
            .output()
            .unwrap()
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        Command::new(BIN).args(["collect", "-o"]).arg(&target).output().unwrap()
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(&target.display().to_string()) && stderr.contains("ermission denied"),
        "{stderr}"
    );
    assert!(std::fs::read_dir(&ro).unwrap().next().is_none(), "nothing left behind");
}

#[test]
fn missing_output_dir_and_bad_flags() {
    let dir = Scratch::new("missing");
    let out = collect(&["-o", "no/such/dir/x.tar.gz"], dir.path());
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir/x.tar.gz"));
    let out = collect(&["-o", "."], dir.path());
    assert_eq!(out.status.code(), Some(5), "a directory is not an output file");
    let out = collect(&["--frobnicate"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = collect(&["-o"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(dir.names().is_empty());
}

#[test]
fn full_disk_fails_cleanly_and_leaves_nothing() {
    if !is_root() {
        println!("skipped: needs root to mount a tiny tmpfs");
        return;
    }
    let dir = Scratch::new("enospc");
    // A private mount namespace with a 64 KiB tmpfs filled to the brim: every write fails.
    let script = r#"mount -t tmpfs -o size=64k tmpfs "$1" || exit 99
        cat /dev/zero > "$1/fill" 2>/dev/null
        "$2" collect -o "$1/x.tar.gz"; rc=$?
        echo "rc=$rc"; ls -A "$1""#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(BIN)
        .output()
        .unwrap();
    if out.status.code() == Some(99) || !out.status.success() {
        println!("skipped: cannot mount tmpfs here: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["rc=5", "fill"], "{stderr}");
    assert!(stderr.contains("x.tar.gz: No space left on device"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
