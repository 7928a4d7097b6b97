//! The collector under what /proc really does on busy hosts: a process with 100,000 open fds,
//! a 1 MiB command line, a pid reused by another process during the walk, a reader closing
//! stdout early, and /proc mounted with hidepid=2 for a non-root user.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};

use support::*;

/// A python3 child listening on a loopback port; killed on drop.
struct Holder {
    child: Child,
    port: u16,
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `/usr/bin/python3 -c SCRIPT ARGS…`; the script prints the port it listens on, then
/// waits for stdin to close.
fn holder(script: &str, args: &[String]) -> Option<Holder> {
    let py = "/usr/bin/python3";
    if !std::path::Path::new(py).exists() {
        skip("no /usr/bin/python3");
        return None;
    }
    let mut child = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| panic!("holder said {line:?}"));
    Some(Holder { child, port })
}

const LISTEN: &str = "import socket,sys
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()
";
const READY: &str = "print(s.getsockname()[1], flush=True); sys.stdin.read()\n";

fn collect_to(bin: &str, args: &[&str], dir: &Scratch) -> std::process::Output {
    let mut c = Command::new(bin);
    if bin == BIN {
        c.arg("collect");
    }
    c.args(args).current_dir(dir.path()).output().unwrap()
}

fn owner_line(netstat: &str, port: u16) -> &str {
    let want = format!("127.0.0.1:{port} ");
    netstat.lines().find(|l| l.contains(&want)).unwrap_or_else(|| panic!("no :{port} in\n{netstat}"))
}

/// How many of `pid`'s fds are sockets, read independently of the collector.
fn socket_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter(|e| {
            let t = std::fs::read_link(e.as_ref().unwrap().path()).unwrap_or_default();
            t.to_string_lossy().starts_with("socket:[")
        })
        .count()
}

#[test]
fn a_process_with_100000_fds_is_walked_completely() {
    if !is_root() {
        skip("needs root to raise RLIMIT_NOFILE to 100,000+");
        return;
    }
    // One listening socket, dup'ed until the process holds 100,000 socket fds, or as many as
    // the hard RLIMIT_NOFILE allows where root lacks CAP_SYS_RESOURCE to raise it (this CI
    // container: 20,000). The count is printed; the assertion uses it.
    let script = format!(
        "{LISTEN}import os,resource
want=100000
soft,hard=resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE,(want+1000,want+1000))
except (ValueError, OSError):
    resource.setrlimit(resource.RLIMIT_NOFILE,(hard,hard)); want=min(want,hard-64)
keep=[os.dup(s.fileno()) for _ in range(want-1)]
print(want, file=sys.stderr, flush=True)
{READY}"
    );
    let Some(h) = holder(&script, &[]) else { return };
    let want = socket_fds(h.child.id());
    eprintln!("the holder has {want} socket fds");
    assert!(want >= 10_000, "{want}");
    let pid = h.child.id();
    let dir = Scratch::new("fds100k");
    let out = collect_to(COLLECT_BIN, &["-o", "s.tar.gz"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries = read_archive(&std::fs::read(dir.path().join("s.tar.gz")).unwrap());
    let m = check_snapshot(&entries);
    let prefix = format!("proc/{pid}/fd/");
    let links = entries.iter().filter(|e| e.path.starts_with(&prefix) && e.symlink.is_some()).count();
    assert_eq!(links, want);
    assert!(m.walk.unwrap().socket_links >= want as u64);
    let netstat = report_netstat(&dir.path().join("s.tar.gz"));
    assert!(owner_line(&netstat, h.port).contains(&format!("{pid}/python3")), "{netstat}");
}

#[test]
fn a_1_mib_command_line_is_stored_whole() {
    // 16 arguments of 64 KiB (one argument may hold at most 128 KiB).
    let args: Vec<String> = (0..16).map(|i| char::from(b'a' + i).to_string().repeat(65_536)).collect();
    let Some(h) = holder(&format!("{LISTEN}{READY}"), &args) else { return };
    let pid = h.child.id();
    let live = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(live.len() > 1 << 20, "{}", live.len());
    let dir = Scratch::new("cmdline1m");
    let out = collect_to(BIN, &["-o", "s.tar.gz"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries = read_archive(&std::fs::read(dir.path().join("s.tar.gz")).unwrap());
    check_snapshot(&entries);
    let stored = entry(&entries, &format!("proc/{pid}/cmdline")).expect("the holder's cmdline");
    assert!(stored.data == live, "stored {} bytes, live {}", stored.data.len(), live.len());
    if is_root() {
        let netstat = report_netstat(&dir.path().join("s.tar.gz"));
        assert!(owner_line(&netstat, h.port).contains(&format!("{pid}/python3")), "{netstat}");
    }
}

/// In a private pid namespace: process A (argv[0] `victim`) holds a listener; the collector is
/// slowed (strace delays each readlink under /proc/A/fd) so that A is killed in the middle of
/// its fd walk and its pid given to a new process B (argv[0] `impostor`, another listener)
/// through `ns_last_pid`. Nothing of B may be attributed to A's pid: not its fds, not its
/// command line.
#[test]
fn a_pid_reused_during_the_walk_is_not_attributed_to_the_newcomer() {
    if !is_root() || !strace_works() {
        skip("needs root (pid namespace, ns_last_pid) and a working strace");
        return;
    }
    let dir = Scratch::new("pidreuse");
    let script = r#"
set -u
OUT=$1 BIN=$2
HOLD="import socket,sys,time
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()
time.sleep(600)"
(exec -a victim /usr/bin/python3 -c "$HOLD") &
A=$!
i=0
until readlink /proc/$A/fd/3 2>/dev/null | grep -q socket; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "victim never listened" >&2; exit 90; }
    sleep 0.02
done
strace -qq -o /dev/null -P /proc/$A/fd -e trace=readlinkat,readlink \
    -e inject=readlinkat,readlink:delay_enter=300000 "$BIN" -o "$OUT" 2>"$OUT.err" &
C=$!
sleep 0.6
kill -9 $A
wait $A 2>/dev/null
echo $((A - 1)) >/proc/sys/kernel/ns_last_pid
(exec -a impostor /usr/bin/python3 -c "$HOLD") &
B=$!
echo "A=$A B=$B"
wait $C
rc=$?
kill $B
cat "$OUT.err" >&2
exit $rc
"#;
    let out_path = dir.path().join("s.tar.gz");
    let out = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "bash", "-c", script, "bash"])
        .arg(&out_path)
        .arg(COLLECT_BIN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let pids: Vec<&str> = stdout.trim().split(' ').map(|kv| kv.split('=').nth(1).unwrap_or("")).collect();
    assert_eq!(pids.len(), 2, "{stdout}");
    assert_eq!(pids[0], pids[1], "the test could not make the pid reused: {stdout}");
    let a = pids[0];

    let entries = read_archive(&std::fs::read(&out_path).unwrap());
    let m = check_snapshot(&entries);
    for e in &entries {
        assert!(
            !String::from_utf8_lossy(&e.data).contains("impostor"),
            "{} holds the newcomer's data",
            e.path
        );
    }
    assert!(
        entry(&entries, &format!("proc/{a}/cmdline")).is_none(),
        "the victim died before its cmdline was read"
    );
    assert!(m.walk.unwrap().pids_vanished >= 1, "the victim counts as vanished");
    let netstat = report_netstat(&out_path);
    assert!(!netstat.contains("/impostor") && !netstat.contains("/victim"), "{netstat}");
}

/// A pipe whose buffer holds only 4 KiB, so that a snapshot (~10 KiB) cannot fit in it.
fn small_pipe() -> (std::fs::File, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two new descriptors we then own.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fcntl on a descriptor we own; F_SETPIPE_SZ takes a size.
    unsafe { libc::fcntl(fds[1], libc::F_SETPIPE_SZ, 4096) };
    // SAFETY: each descriptor is owned by exactly one of the returned values.
    unsafe { (std::fs::File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

#[test]
fn stdout_closed_early_fails_with_a_clear_note_and_exit_5() {
    for bin in [BIN, COLLECT_BIN] {
        let dir = Scratch::new("headc");
        let (mut read_end, write_end) = small_pipe();
        let mut c = Command::new(bin);
        if bin == BIN {
            c.arg("collect");
        }
        // `procsnap collect -o - | head -c 100`
        let child = c
            .args(["-o", "-"])
            .current_dir(dir.path())
            .stdout(Stdio::from(write_end))
            .stderr(Stdio::piped())
            .spawn();
        let child = child.unwrap();
        // Our copy of the write end went into `Command`, which is dropped with `c`.
        drop(c);
        let mut head = [0u8; 100];
        read_end.read_exact(&mut head).unwrap();
        assert_eq!(&head[..2], &[0x1f, 0x8b], "gzip magic first");
        drop(read_end);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{bin}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("stdout was closed before the snapshot was complete"), "{stderr}");
        assert!(dir.names().is_empty(), "nothing written: {:?}", dir.names());
    }
    let _ = std::io::stdout().flush();
}

/// /proc mounted with hidepid=2 (a private mount in a mount namespace) and the collector run as
/// `nobody`: it sees only nobody's processes, says so in one note (no permission-denied noise),
/// records the mount option in the manifest, and nobody's own listener keeps its owner.
#[test]
fn hidepid_proc_as_non_root_captures_what_is_visible_and_says_why() {
    if !can_become_nobody() {
        skip("needs root and setpriv");
        return;
    }
    let dir = Scratch::new("hidepid");
    let root_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let root_port = root_listener.local_addr().unwrap().port();
    let script = r#"
set -eu
mount -t proc -o hidepid=2 proc /proc
exec setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/sh -c '
    /usr/bin/python3 -c "import socket,sys,time
s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)" >"$2/port" &
    P=$!
    i=0; until [ -s "$2/port" ]; do i=$((i+1)); [ $i -lt 250 ] || exit 91; sleep 0.02; done
    "$1" -o - >"$2/s.tar.gz"; rc=$?
    kill $P
    exit $rc' sh "$1" "$2"
"#;
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(COLLECT_BIN)
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("denied") && !stderr.contains("warning"), "{stderr}");
    let note: Vec<&str> = stderr.lines().filter(|l| l.contains("hidepid")).collect();
    assert_eq!(note.len(), 1, "{stderr}");
    assert!(note[0].contains("only") && note[0].contains("no owner"), "{stderr}");

    let snap = dir.path().join("s.tar.gz");
    let entries = read_archive(&std::fs::read(&snap).unwrap());
    let m = check_snapshot(&entries);
    assert_eq!(m.host.uid, Some(65534));
    assert!(matches!(m.host.proc_hidepid.as_deref(), Some("2" | "invisible")), "{:?}", m.host);
    let w = m.walk.unwrap();
    assert_eq!(w.pids_unreadable, 0, "hidden processes are not listed, so none is unreadable");
    // Every process in the snapshot is nobody's.
    for e in entries.iter().filter(|e| e.path.ends_with("/status")) {
        let uid =
            String::from_utf8_lossy(&e.data).lines().find(|l| l.starts_with("Uid:")).map(str::to_string);
        assert!(
            uid.as_deref().is_some_and(|l| l.split_whitespace().nth(2) == Some("65534")),
            "{}: {uid:?}",
            e.path
        );
    }
    let port: u16 = std::fs::read_to_string(dir.path().join("port")).unwrap().trim().parse().unwrap();
    let netstat = report_netstat(&snap);
    assert!(owner_line(&netstat, port).contains("/python3"), "{netstat}");
    assert!(owner_line(&netstat, root_port).trim_end().ends_with('-'), "{netstat}");
    // The report says why owners are missing, instead of a generic "not root".
    let text = std::process::Command::new(BIN).arg("report").arg(&snap).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("hidepid=") && text.contains("other users' sockets are hidden"), "{text}");
    assert!(!text.contains("some owners may be missing"), "{text}");
}
