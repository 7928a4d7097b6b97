//! Every network namespace in one capture, checked against the real thing: namespaces made by
//! the test itself (`unshare --net`, loopback only inside), each with listeners and thousands of
//! TIME_WAIT; `report --format netstat --netns INODE` equals `nsenter --net=/proc/PID/ns/net
//! netstat -nlp` for each, from the archive, the plain tar and the extracted directory, for the
//! binary and the sh fallback; a namespace whose last process exits during the walk; a run as
//! `nobody` (its own namespace only, and the report says so).

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

const TW_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/tw-sockets.py");
const SH_COLLECTOR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");

/// Processes the test started; killed and reaped however the test ends (their namespaces go
/// with them: nothing else holds them).
struct Kids(Vec<Child>);

impl Drop for Kids {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A network namespace of the test: its first process, inode, and what it made.
struct Ns {
    pid: u32,
    inode: u64,
    listen_port: u16,
    time_wait: u64,
}

fn netns_of(pid: u32) -> u64 {
    let t = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    procsnap_core::layout::netns_inode(t.as_os_str().as_encoded_bytes()).unwrap()
}

fn can_run() -> bool {
    let ok = |c: &str, a: &[&str]| Command::new(c).args(a).output().is_ok_and(|o| o.status.success());
    if !is_root() || !ok("unshare", &["--net", "true"]) || !ok("nsenter", &["--version"]) {
        skip("needs root, unshare --net and nsenter");
        return false;
    }
    if live_netstat_text().is_none() || !Path::new("/usr/bin/python3").exists() {
        skip("needs netstat and /usr/bin/python3");
        return false;
    }
    true
}

/// A new namespace (`lo` up, `port_range` set inside when given) whose first process listens
/// on 127.0.0.1:`port` and leaves `count` server-side TIME_WAIT sockets, then holds.
fn namespace(kids: &mut Kids, port: u16, count: u32, port_range: Option<&str>) -> Ns {
    let range = port_range
        .map_or(String::new(), |r| format!("echo '{r}' >/proc/sys/net/ipv4/ip_local_port_range && "));
    let script = format!(
        "ip link set lo up && {range}exec /usr/bin/python3 {TW_SCRIPT} --count {count} --addrs 4 --port {port} --seconds 30 --hold 300"
    );
    let mut child = Command::new("unshare")
        .args(["--net", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let pid = child.id();
    kids.0.push(child);
    let made: u64 = line.trim().parse().unwrap_or_else(|_| panic!("tw-sockets.py said {line:?}"));
    assert_eq!(made, u64::from(count), "all connections made");
    Ns { pid, inode: netns_of(pid), listen_port: port, time_wait: made }
}

/// A second process in `ns`'s namespace with a UDP socket and a unix listener of its own.
fn second_member(kids: &mut Kids, ns: &Ns, dir: &Path) -> u32 {
    let sock = dir.join(format!("ns-{}.sock", ns.inode));
    let py = format!(
        "import socket,sys,time\nu=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);u.bind(('127.0.0.1',{}))\nx=socket.socket(socket.AF_UNIX);x.bind({:?});x.listen(1)\nprint('ready',flush=True)\ntime.sleep(300)\n",
        ns.listen_port + 1,
        sock.to_str().unwrap()
    );
    let mut child = Command::new("nsenter")
        .arg(format!("--net=/proc/{}/ns/net", ns.pid))
        .args(["/usr/bin/python3", "-c", &py])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let pid = child.id();
    kids.0.push(child);
    pid
}

fn nsenter_netstat(pid: u32) -> String {
    let out = Command::new("nsenter")
        .arg(format!("--net=/proc/{pid}/ns/net"))
        .args(["netstat", "-nlp"])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn report(snap: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("report").arg(snap).args(args).output().unwrap()
}

fn report_ok(snap: &Path, args: &[&str]) -> String {
    let out = report(snap, args);
    assert!(out.status.success(), "report {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The three input forms of one capture: the archive, the plain tar, the extracted directory.
fn forms(gz: &Path) -> Vec<PathBuf> {
    let tar = gz.with_extension("").with_extension("tar");
    let raw = {
        use std::io::Read;
        let mut v = Vec::new();
        flate2::read::GzDecoder::new(&std::fs::read(gz).unwrap()[..]).read_to_end(&mut v).unwrap();
        v
    };
    std::fs::write(&tar, raw).unwrap();
    let dir = gz.with_extension("").with_extension("d");
    std::fs::create_dir_all(&dir).unwrap();
    let ok = Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&dir).status().unwrap().success();
    assert!(ok, "tar -xf");
    vec![gz.to_path_buf(), tar, dir]
}

fn json(snap: &Path, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&report_ok(snap, &a)).unwrap()
}

fn ns_entry(j: &serde_json::Value, inode: u64) -> serde_json::Value {
    j["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["inode"].as_u64() == Some(inode))
        .unwrap_or_else(|| panic!("namespace {inode} not in {}", j["namespaces"]))
        .clone()
}

/// TIME_WAIT rows of a captured table, counted independently of procsnap.
fn time_wait_rows(table: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(table);
    text.lines().skip(1).filter(|l| l.split_whitespace().nth(3) == Some("06")).count() as u64
}

#[test]
fn every_namespace_reports_as_nsenter_netstat_prints_it() {
    if !can_run() {
        return;
    }
    let dir = Scratch::new("netns");
    let mut kids = Kids(Vec::new());
    let a = namespace(&mut kids, 18301, 3000, Some("20000 20999"));
    let b = namespace(&mut kids, 18311, 2000, None);
    let b2 = second_member(&mut kids, &b, dir.path());
    let own = netns_of(std::process::id());
    assert!(a.inode != own && b.inode != own && a.inode != b.inode);

    let captures: [(&str, Capture<'_>); 2] = [
        ("binary", &|snap| Command::new(BIN).args(["collect", "-o"]).arg(snap).output().unwrap()),
        ("sh", &|snap| Command::new("sh").arg(SH_COLLECTOR).arg("-o").arg(snap).output().unwrap()),
    ];
    for (name, capture) in captures {
        // The namespaces hold only the test's processes: what nsenter's netstat prints is stable,
        // and checked to be so across the capture.
        let before = [nsenter_netstat(a.pid), nsenter_netstat(b.pid)];
        let snap = dir.path().join(format!("{name}.procsnap.tar.gz"));
        let out = capture(&snap);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            before,
            [nsenter_netstat(a.pid), nsenter_netstat(b.pid)],
            "namespaces changed during the capture"
        );
        assert!(before[0].contains(&format!("127.0.0.1:{} ", a.listen_port)), "{}", before[0]);
        assert!(before[1].contains(&format!("{b2}/python3")), "{}", before[1]);

        let entries = read_archive(&std::fs::read(&snap).unwrap());
        let m: procsnap_core::manifest::Manifest =
            serde_json::from_slice(&entries.last().unwrap().data).unwrap();
        if name == "binary" {
            check_snapshot(&entries);
        }
        let host = m.namespaces.iter().find(|n| n.host).expect("own namespace listed");
        assert_eq!(host.inode, own);
        for ns in [&a, &b] {
            let r = m.namespaces.iter().find(|n| n.inode == ns.inode).expect("namespace listed");
            let member = r.pid.expect("a member whose tables were read");
            assert!(!r.vanished && !r.host);
            assert_eq!(netns_of(member), ns.inode);
            // The real /proc path, so `tar xzf` users find the namespace's tables where /proc has them.
            let tcp = entry(&entries, &format!("proc/{member}/net/tcp")).expect("the member's tcp table");
            assert_eq!(time_wait_rows(&tcp.data), ns.time_wait, "{name}: TIME_WAIT rows in the capture");
            let link = entry(&entries, &format!("proc/{member}/ns/net")).expect("the member's ns link");
            assert_eq!(link.symlink.as_deref(), Some(format!("net:[{}]", ns.inode).as_bytes()));
        }
        // The namespace's own sysctls, read inside it (the sh fallback needs nsenter for them).
        let a_member = m.namespaces.iter().find(|n| n.inode == a.inode).unwrap().pid.unwrap();
        let range = entry(&entries, &format!("proc/{a_member}/sys/net/ipv4/ip_local_port_range")).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&range.data).split_whitespace().collect::<Vec<_>>(),
            ["20000", "20999"]
        );

        for form in forms(&snap) {
            let what = format!("{name} {}", form.display());
            for (ns, live) in [(&a, &before[0]), (&b, &before[1])] {
                let got = report_ok(&form, &["--format", "netstat", "--netns", &ns.inode.to_string()]);
                assert_eq!(&got, live, "{what}: netns {}", ns.inode);
            }
            // The collector's own namespace, by inode, is what the report shows without --netns.
            assert_eq!(
                report_ok(&form, &["--format", "netstat", "--netns", &own.to_string()]),
                report_ok(&form, &["--format", "netstat"]),
                "{what}"
            );
            let j = json(&form, &[]);
            let list = j["namespaces"].as_array().unwrap();
            assert!(list.len() >= 3, "{what}: {list:?}");
            assert_eq!(list[0]["inode"].as_u64(), Some(own), "{what}: own first");
            assert!(list[0]["host"].as_bool().unwrap() && list[0]["selected"].as_bool().unwrap());
            for ns in [&a, &b] {
                let n = ns_entry(&j, ns.inode);
                assert_eq!(n["time_wait"].as_u64(), Some(ns.time_wait), "{what}: {n}");
                assert_eq!(n["host"].as_bool(), Some(false));
                assert!(
                    n["pids"].as_array().unwrap().iter().any(|p| p.as_u64() == Some(u64::from(ns.pid))),
                    "{n}"
                );
                // Listeners as netstat -nlp counts them: every line after the two headers of each section.
                let live = if ns.inode == a.inode { &before[0] } else { &before[1] };
                let shown =
                    live.lines().filter(|l| !l.starts_with("Active") && !l.starts_with("Proto")).count();
                assert_eq!(n["listeners"].as_u64(), Some(shown as u64), "{what}: {n}");
            }
            let nb = ns_entry(&j, b.inode);
            assert!(nb["pids"].as_array().unwrap().iter().any(|p| p.as_u64() == Some(u64::from(b2))), "{nb}");
            // Port range and pressure are the namespace's own.
            assert_eq!(ns_entry(&j, a.inode)["port_range"], serde_json::json!([20000, 20999]), "{what}");

            // --netns in the other formats: the whole report is that namespace's.
            let ja = json(&form, &["--netns", &a.inode.to_string()]);
            assert_eq!(ja["time_wait"]["count"].as_u64(), Some(a.time_wait), "{what}");
            assert_eq!(ja["time_wait"]["port_range"], serde_json::json!([20000, 20999]));
            assert!(ns_entry(&ja, a.inode)["selected"].as_bool().unwrap());
            let text = report_ok(&form, &["--netns", &b.inode.to_string()]);
            assert!(text.contains(&format!("network namespace net:[{}]", b.inode)), "{text}");
            assert!(text.contains(&format!("{} sockets", b.time_wait)), "{text}");
            let text = report_ok(&form, &[]);
            assert!(text.contains("Network namespaces (") && text.contains(&a.inode.to_string()), "{text}");
            // --netns all: every namespace at once, each listener labelled, the counts added up.
            let jall = json(&form, &["--netns", "all"]);
            let summaries = j["namespaces"].as_array().unwrap();
            let tw_sum: u64 = summaries.iter().map(|n| n["time_wait"].as_u64().unwrap()).sum();
            assert_eq!(jall["time_wait"]["count"].as_u64(), Some(tw_sum), "{what}: all");
            let listeners = jall["listeners"].as_array().unwrap();
            for ns in [&a, &b] {
                assert!(
                    listeners.iter().any(|l| l["netns"].as_u64() == Some(ns.inode)
                        && l["local_port"].as_u64() == Some(u64::from(ns.listen_port))),
                    "{what}: net:[{}]'s listener in --netns all",
                    ns.inode
                );
            }
            let all_netstat = report_ok(&form, &["--format", "netstat", "--netns", "all"]);
            for ns in [&a, &b] {
                let want = format!("127.0.0.1:{} ", ns.listen_port);
                assert!(all_netstat.contains(&want), "{what}: {want} in\n{all_netstat}");
            }
            // A share link carries the summaries.
            let link = report_ok(&form, &["--format", "link", "--redact", "all"]);
            let jl = json(Path::new(link.trim()), &[]);
            assert_eq!(ns_entry(&jl, b.inode)["time_wait"].as_u64(), Some(b.time_wait), "{what}: link");
        }
        // An inode the snapshot does not hold is a usage error naming those it does.
        let out = report(&snap, &["--netns", "12345"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no network namespace 12345") && err.contains(&a.inode.to_string()), "{err}");
    }

    // A live /proc read as a directory: every namespace through its first member, the same way.
    for ns in [&a, &b] {
        let live = nsenter_netstat(ns.pid);
        let got = report_ok(Path::new("/proc"), &["--format", "netstat", "--netns", &ns.inode.to_string()]);
        assert_eq!(got, live, "live /proc, netns {}", ns.inode);
    }
    let j = json(Path::new("/proc"), &[]);
    assert_eq!(j["namespaces"][0]["inode"].as_u64(), Some(own), "the own namespace of a live /proc");

    // --netns self: today's single-namespace capture.
    let snap = dir.path().join("self.tar.gz");
    let out = Command::new(BIN).args(["collect", "--netns", "self", "-o"]).arg(&snap).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries = read_archive(&std::fs::read(&snap).unwrap());
    assert!(
        !entries.iter().any(|e| e.path.contains("/ns/net") || e.path.contains(&format!("{}/net/", a.pid)))
    );
    let j = json(&snap, &[]);
    assert_eq!(j["namespaces"].as_array().unwrap().len(), 1);
    assert!(j["namespace_note"].as_str().unwrap().contains("--netns self"), "{}", j["namespace_note"]);

    // Not root: only its own namespace, and the report says so.
    if can_become_nobody() {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN, "collect", "-o", "-"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("not root: only the network namespaces of this user's processes"),
            "{stderr}"
        );
        let snap = dir.path().join("nobody.tar.gz");
        std::fs::write(&snap, &out.stdout).unwrap();
        let j = json(&snap, &[]);
        let list = j["namespaces"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["inode"].as_u64(), Some(own));
        assert!(j["namespace_note"].as_str().unwrap().contains("without root"), "{}", j["namespace_note"]);
        let text = report_ok(&snap, &[]);
        assert!(text.contains("captured without root (uid 65534): only the network namespaces"), "{text}");
        let out = report(&snap, &["--netns", &a.inode.to_string()]);
        assert_eq!(out.status.code(), Some(2));
    } else {
        skip("setpriv not installed: no run as nobody");
    }
}

#[test]
fn a_namespace_whose_last_process_exits_during_the_walk_is_counted_not_fatal() {
    if !can_run() {
        return;
    }
    if !strace_works() {
        skip("strace cannot trace here: no way to hold the walk in one process");
        return;
    }
    let mut kids = Kids(Vec::new());
    // The namespace's only process, then a slower one after it in pid order: 4000 fds, each
    // readlink delayed under strace, keep the walk there while the test ends the first.
    let lone = Command::new("unshare").args(["--net", "sleep", "300"]).spawn().unwrap();
    let lone_pid = lone.id();
    kids.0.push(lone);
    std::thread::sleep(Duration::from_millis(50));
    let inode = netns_of(lone_pid);
    let mut slow = Command::new("/usr/bin/python3")
        .args(["-c", "import os,sys,time\nk=[os.open('/dev/null',os.O_RDONLY) for _ in range(4000)]\nprint('ready',flush=True)\ntime.sleep(300)\n"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let slow_pid = slow.id();
    let mut line = String::new();
    BufReader::new(slow.stdout.take().unwrap()).read_line(&mut line).unwrap();
    kids.0.push(slow);
    if slow_pid < lone_pid {
        skip("pids wrapped between the two processes");
        return;
    }

    let dir = Scratch::new("netns-vanish");
    let snap = dir.path().join("s.tar.gz");
    let tracer = slow_collect(300).arg("-o").arg(&snap).stderr(Stdio::piped()).spawn().unwrap();
    let tracer_pid = tracer.id();
    // The collector reads the slow process's fds through a descriptor of /proc/SLOW/fd: once
    // that is open, the walk is past the lone process. End it there.
    let want = PathBuf::from(format!("/proc/{slow_pid}/fd"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut killed = false;
    while Instant::now() < deadline && !killed {
        if let Some(collector) = child_of(tracer_pid) {
            if let Ok(fds) = std::fs::read_dir(format!("/proc/{collector}/fd")) {
                if fds.flatten().any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == want)) {
                    let lone = &mut kids.0[0];
                    lone.kill().unwrap();
                    lone.wait().unwrap();
                    killed = true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = tracer.wait_with_output().unwrap();
    assert!(killed, "never saw the walk in the slow process");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("vanished"), "{stderr}");

    let entries = read_archive(&std::fs::read(&snap).unwrap());
    let m = check_snapshot(&entries);
    let r = m.namespaces.iter().find(|n| n.inode == inode).expect("the namespace is listed");
    assert!(r.vanished && r.pid.is_none() && r.processes == 1, "{r:?}");
    assert!(m.walk.as_ref().unwrap().netns_vanished >= 1);
    assert!(!entries.iter().any(|e| e.path == format!("proc/{lone_pid}/net/tcp")));
    for form in forms(&snap) {
        let j = json(&form, &[]);
        assert_eq!(ns_entry(&j, inode)["vanished"].as_bool(), Some(true), "{}", form.display());
        assert!(j["namespace_note"].as_str().unwrap().contains("vanished"), "{}", j["namespace_note"]);
        let out = report(&form, &["--netns", &inode.to_string()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("exited before its tables were captured"));
        assert!(report_ok(&form, &[]).contains("vanished"));
    }
}
