//! Golden test (a): live loopback sockets, compared with the real `netstat -nlp` of this machine.
//!
//! The test process opens tcp, tcp6 (v4-mapped too), udp, udp6 and unix (path, abstract) sockets
//! on loopback; child processes (this same test binary, re-run as a helper) with odd program names
//! open more and share an inherited listening socket. Then, up to 5 times: real `netstat -nlp`,
//! snapshot of the live /proc (support::live_tree), real `netstat -nlp` again; when both netstat
//! runs agree, procsnap's output from the snapshot must equal them byte for byte.
//! Other processes on the machine may open or close sockets meanwhile: a changed netstat output,
//! or (with root) a snapshot that replays through netstat differently, means "try again".

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV6, TcpListener, TcpStream, UdpSocket};
use std::os::fd::OwnedFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

const CHILD_ENV: &str = "PROCSNAP_LIVE_CHILD";
const ATTEMPTS: usize = 5;

/// A helper child; killed and reaped on drop.
struct Helper {
    child: Child,
    _out: BufReader<ChildStdout>,
    pid: u32,
    tcp_port: u16,
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts this test binary as a helper (see `live_child_helper`) with the given argv[0]
/// (`None`: the real path of `exe`) and `shared` as its stdin and, if `twice`, its stderr too.
fn spawn_helper(exe: &std::path::Path, argv0: Option<&str>, shared: &TcpListener, twice: bool) -> Helper {
    let mut cmd = Command::new(exe);
    if let Some(a) = argv0 {
        cmd.arg0(a);
    }
    cmd.args(["live_child_helper", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::from(OwnedFd::from(shared.try_clone().expect("dup shared listener"))))
        .stdout(Stdio::piped());
    if twice {
        cmd.stderr(Stdio::from(OwnedFd::from(shared.try_clone().expect("dup shared listener"))));
    } else {
        cmd.stderr(Stdio::null());
    }
    let mut child = cmd.spawn().expect("spawn helper");
    let pid = child.id();
    let mut out = BufReader::new(child.stdout.take().expect("helper stdout"));
    let mut tcp_port = None;
    let mut line = String::new();
    // The helper prints READY within milliseconds or dies (EOF): bounded.
    while out.read_line(&mut line).expect("read helper stdout") > 0 {
        // libtest prints `test live_child_helper ... ` first, on the same line.
        if let Some((_, rest)) = line.trim().split_once("READY tcp=") {
            tcp_port = rest.parse().ok();
            break;
        }
        line.clear();
    }
    let tcp_port = tcp_port.unwrap_or_else(|| {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        panic!("helper {argv0:?} (pid {pid}) did not get ready: {line}{rest}")
    });
    Helper { child, _out: out, pid, tcp_port }
}

/// Not a test: the body of the helper processes `live_loopback_sockets` starts. Without the
/// environment variable it returns at once.
#[test]
#[ignore = "helper process for live_loopback_sockets; does nothing on its own"]
fn live_child_helper() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("helper tcp");
    let udp6 = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).expect("helper udp6");
    let name = format!("procsnap-golden-helper-{}", std::process::id());
    let unix = UnixListener::bind_addr(&UnixAddr::from_abstract_name(name.as_bytes()).unwrap())
        .expect("helper abstract unix");
    println!("READY tcp={}", tcp.local_addr().unwrap().port());
    let ppid = std::os::unix::process::parent_id();
    let start = Instant::now();
    // Lives until the test kills it, its parent goes away, or 5 minutes pass.
    while std::os::unix::process::parent_id() == ppid && start.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(100));
    }
    drop((tcp, udp6, unix));
}

/// `procsnap collect -o FILE`: `Some(FILE)` on success, `None` while the collector is not built
/// (it says "not built yet"); any other failure fails the test.
fn collect(file: &std::path::Path) -> Option<std::path::PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_procsnap"))
        .arg("collect")
        .arg("-o")
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run procsnap collect");
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && err.contains("not built yet") {
        return None;
    }
    assert!(out.status.success(), "`procsnap collect -o {}` failed ({}): {err}", file.display(), out.status);
    Some(file.to_path_buf())
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn live_loopback_sockets() {
    if let Err(why) = netstat_version() {
        skip(&why);
        return;
    }
    let replay = replay_available();
    if let Err(why) = &replay {
        eprintln!("note: cannot replay snapshots through netstat ({why}); comparing with live netstat only");
    }
    let scratch = Scratch::new("live");

    // --- sockets of the test process itself -------------------------------------------------
    let tcp4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("tcp 127.0.0.1");
    let tcp6 = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).expect("tcp6 ::1");
    // An AF_INET6 listener on a v4-mapped address (tcp6 table, shown by netstat as plain IPv4),
    // with a connection from 127.0.0.1 that it accepts (v4-mapped peer; hidden by -l).
    // Loopback only: the machine's rules forbid binding the wildcard `::`.
    let mapped = TcpListener::bind(SocketAddrV6::new(Ipv4Addr::LOCALHOST.to_ipv6_mapped(), 0, 0, 0))
        .expect("tcp6 ::ffff:127.0.0.1");
    let mapped_port = mapped.local_addr().unwrap().port();
    let client = TcpStream::connect((Ipv4Addr::LOCALHOST, mapped_port)).expect("connect mapped");
    let (accepted, peer) = mapped.accept().expect("accept mapped");
    assert!(peer.ip().to_string().starts_with("::ffff:127.0.0.1"), "peer {peer}");
    // A listener with 3 connections waiting in its accept queue (Recv-Q 3, Send-Q the backlog).
    let backlog = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("backlog listener");
    let pending: Vec<TcpStream> =
        (0..3).map(|_| TcpStream::connect(backlog.local_addr().unwrap()).expect("connect pending")).collect();
    // TIME_WAIT rows (short rows, inode 0) in the table: closed by the client side first.
    for _ in 0..20 {
        let c = TcpStream::connect(tcp4.local_addr().unwrap()).expect("connect");
        let (s, _) = tcp4.accept().expect("accept");
        drop(c);
        drop(s);
    }
    let udp4 = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("udp 127.0.0.1");
    let udp6 = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).expect("udp6 ::1");
    // A connected udp socket: remote address set, hidden by -l.
    let udp_conn = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("udp connected");
    udp_conn.connect(udp4.local_addr().unwrap()).expect("udp connect");
    // unix listeners: a path with a space (netstat's %s stops there) and an abstract name.
    let sock_dir = scratch.path.join("unix dir");
    std::fs::create_dir_all(&sock_dir).unwrap();
    let unix_path = sock_dir.join("live.sock");
    let unix_fs = UnixListener::bind(&unix_path).expect("unix path listener");
    let abstract_name = format!("procsnap-golden-live-{}", std::process::id());
    let unix_abs = UnixListener::bind_addr(&UnixAddr::from_abstract_name(abstract_name.as_bytes()).unwrap())
        .expect("unix abstract listener");

    // --- helper processes with odd program names ----------------------------------------------
    let exe = std::env::current_exe().expect("current_exe");
    // A listening socket held only by helpers B and C (C on two fds): lowest pid wins.
    let shared = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("shared listener");
    let shared_port = shared.local_addr().unwrap().port();
    // A: started through a symlink whose name has spaces and is longer than 19 bytes.
    let bin_dir = scratch.path.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let long_name = bin_dir.join("my very long server name (live)");
    std::os::unix::fs::symlink(&exe, &long_name).expect("symlink helper");
    let mut helpers = vec![spawn_helper(&long_name, None, &shared, false)];
    // B: relative argv[0] with slashes (kept whole).
    helpers.push(spawn_helper(&exe, Some("./relative/dir/srv-b"), &shared, false));
    // C: argv[0] with spaces, not absolute (setproctitle style), holding `shared` twice.
    helpers.push(spawn_helper(&exe, Some("worker: idle process with spaces"), &shared, true));
    // D, E: absolute argv[0] whose basename is 2-byte UTF-8 characters, E with one ASCII byte
    // first: whatever the pid's length, the 19-byte PID/NAME cut splits a character in one of them.
    for prefix in ["", "x"] {
        let argv0 = format!("/opt/\u{fc}n\u{ef}c\u{f6}d\u{e9}/{prefix}{}", "\u{e6}".repeat(12));
        helpers.push(spawn_helper(&exe, Some(&argv0), &shared, false));
    }
    drop(shared);

    let ports = [
        tcp4.local_addr().unwrap().port(),
        tcp6.local_addr().unwrap().port(),
        mapped_port,
        udp4.local_addr().unwrap().port(),
        udp6.local_addr().unwrap().port(),
        shared_port,
    ];
    let helper_pids: Vec<u32> = helpers.iter().map(|h| h.pid).collect();

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        assert!(Instant::now() < deadline, "live test out of time: {last}");
        let before = live_netstat();
        let tree = live_tree();
        // procsnap also reads a /proc-like root directly: the live /proc itself.
        let from_proc = procsnap_netstat(std::path::Path::new("/proc"));
        // And, once it exists, a snapshot from `procsnap collect`.
        let collected = collect(&scratch.path.join(format!("collected{attempt}.procsnap.tar.gz")));
        let after = live_netstat();
        if before != after {
            last = format!(
                "attempt {attempt}: netstat changed while the snapshot was taken:\n{}",
                diff(&before, &after)
            );
            eprintln!("{last}");
            continue;
        }
        // The test's own sockets must be there, or this compares nothing of interest.
        for p in ports {
            assert!(contains(&before, &format!(":{p} ")), "port {p} missing from netstat");
        }
        for h in &helpers {
            assert!(contains(&before, &format!(":{} ", h.tcp_port)), "helper port {} missing", h.tcp_port);
        }
        assert!(contains(&before, &format!("127.0.0.1:{mapped_port} ")));
        let text0 = String::from_utf8_lossy(&before);
        let bl = text0
            .lines()
            .find(|l| l.contains(&format!("127.0.0.1:{} ", backlog.local_addr().unwrap().port())))
            .expect("backlog listener missing");
        assert!(bl.starts_with("tcp        3 "), "accept queue not shown as Recv-Q 3: {bl}");
        assert!(contains(&before, &format!("@{abstract_name}")));
        // The shared listener is attributed to the lowest helper pid.
        let lowest = helper_pids.iter().min().unwrap();
        let text = String::from_utf8_lossy(&before);
        let shared_line = text
            .lines()
            .find(|l| l.contains(&format!("127.0.0.1:{shared_port} ")))
            .expect("shared listener missing from netstat");
        assert!(
            shared_line.contains(&format!(" {lowest}/")),
            "shared listener not attributed to pid {lowest}: {shared_line}"
        );
        if std::env::var_os("PROCSNAP_SHOW_NETSTAT").is_some() {
            eprintln!("--- live netstat (attempt {attempt})\n{text}");
        }

        let root = scratch.path.join(format!("snap{attempt}"));
        let proc_dir = tree.write(&root).expect("write live snapshot");
        if replay.is_ok() {
            // Sanity check of the snapshot itself: replayed, it must read as the live host did.
            let (replayed, _) = real_netstat(&proc_dir);
            if replayed != before {
                last = format!(
                    "attempt {attempt}: the snapshot replays differently from live netstat (a race):\n{}",
                    diff(&before, &replayed)
                );
                eprintln!("{last}");
                continue;
            }
        }
        let got = procsnap_netstat(&root);
        assert_same("live (directory)", &before, &got);
        let tgz = scratch.path.join("live.procsnap.tar.gz");
        tar_gz(&root, &tgz).expect("write .tar.gz");
        assert_same("live (.tar.gz)", &before, &procsnap_netstat(&tgz));
        if from_proc != before {
            // Read in the same window as the snapshot, yet different: a transient socket, or a
            // bug in reading /proc directly. Try again; if it persists the test fails below.
            last = format!(
                "attempt {attempt}: `procsnap report /proc` differs from live netstat \
                 (- netstat, + procsnap):\n{}",
                diff(&before, &from_proc)
            );
            eprintln!("{last}");
            continue;
        }
        if let Some(file) = &collected {
            assert_same("live (procsnap collect)", &before, &procsnap_netstat(file));
            if replay.is_ok() {
                // The collected archive, unpacked in /proc order and replayed through netstat,
                // must read as the live host did: the collector captured what netstat needs.
                let unpacked = tree_from_archive(file).expect("read collected archive");
                let dir = scratch.path.join(format!("collected{attempt}"));
                let (replayed, _) = real_netstat(&unpacked.write(&dir).expect("unpack collected archive"));
                if replayed != before {
                    last = format!(
                        "attempt {attempt}: the `procsnap collect` archive replays through netstat \
                         differently from live netstat (- live, + replay):\n{}",
                        diff(&before, &replayed)
                    );
                    eprintln!("{last}");
                    continue;
                }
            }
        }
        eprintln!(
            "live: attempt {attempt}: procsnap equals netstat on the snapshot directory, its .tar.gz, \
             /proc{}",
            if collected.is_some() {
                " and `procsnap collect` (also replayed through netstat when root)"
            } else {
                " (procsnap collect not built yet)"
            }
        );
        drop((client, accepted, udp_conn, unix_fs, unix_abs, pending, backlog));
        drop(helpers);
        return;
    }
    panic!("no stable netstat output in {ATTEMPTS} attempts; last: {last}");
}
