//! `procsnap diff` as a user runs it: between two real captures of this machine (a loopback
//! listener opened, another closed in between), and between synthetic snapshots whose TIME_WAIT
//! differs by known amounts.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn procsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsnap")).args(args).output().expect("runs procsnap")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("procsnap-fleet-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn collect(out: &Path) {
    stdout(&procsnap(&["collect", "-o", out.to_str().unwrap()]));
}

fn listed(list: &Value, port: u16) -> Option<&Value> {
    list.as_array().unwrap().iter().find(|l| l["key"]["proto"] == "tcp" && l["key"]["port"] == port)
}

#[test]
fn names_the_listener_that_appeared_and_the_one_that_went_between_two_captures() {
    let dir = scratch("live");
    let (old, new) = (dir.join("old.procsnap.tar.gz"), dir.join("new.procsnap.tar.gz"));
    let stays = TcpListener::bind("127.0.0.1:0").unwrap();
    let goes = TcpListener::bind("127.0.0.1:0").unwrap();
    collect(&old);
    let comes = TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_port = goes.local_addr().unwrap().port();
    drop(goes);
    collect(&new);
    let (stay_port, new_port) = (stays.local_addr().unwrap().port(), comes.local_addr().unwrap().port());
    let pid = std::process::id();

    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let text = stdout(&procsnap(&["diff", o, n]));
    // Each changed listener by its port and owner (this test process: the collector runs as root).
    let appeared = format!("+ appeared tcp 127.0.0.1:{new_port}  pid {pid} ");
    let went = format!("- went     tcp 127.0.0.1:{gone_port}  pid {pid} ");
    assert!(text.contains(&appeared), "no {appeared:?} in\n{text}");
    assert!(text.contains(&went), "no {went:?} in\n{text}");
    assert!(!text.contains(&format!("127.0.0.1:{stay_port} ")), "unchanged listener listed:\n{text}");
    assert!(text.contains("old: old.procsnap.tar.gz ("), "{text}");
    assert!(text.contains(" between the captures"), "{text}");

    let json: Value = serde_json::from_str(&stdout(&procsnap(&["diff", o, n, "--format", "json"]))).unwrap();
    let l = &json["listeners"];
    let a = listed(&l["appeared"], new_port).unwrap_or_else(|| panic!("{new_port} not appeared: {l}"));
    let g = listed(&l["gone"], gone_port).unwrap_or_else(|| panic!("{gone_port} not gone: {l}"));
    for x in [a, g] {
        assert_eq!(x["key"]["address"], "127.0.0.1");
        assert_eq!(x["owners"][0]["pid"], pid);
        assert!(!x["owners"][0]["program"].as_str().unwrap().is_empty(), "{x}");
    }
    for list in ["appeared", "gone", "changed"] {
        assert!(listed(&l[list], stay_port).is_none(), "{stay_port} in {list}: {l}");
    }
    // Seconds apart, NEW after OLD.
    let between = json["seconds_between"].as_f64().unwrap();
    assert!((0.0..600.0).contains(&between), "{between}");
    assert_eq!(json["old"]["hostname"], json["new"]["hostname"]);
    drop((stays, comes));
    let _ = std::fs::remove_dir_all(&dir);
}

fn story(dir: &Path, name: &str, server_tw: usize, client_tw: usize, start: &str) -> PathBuf {
    let o = procsnap_core::synth::SeedStory {
        server_time_wait: server_tw,
        client_time_wait: client_tw,
        established: 30,
        seed: server_tw as u64,
    };
    let path = dir.join(name);
    let v = procsnap_core::synth::Variant { capture_start: start.into(), ..Default::default() };
    std::fs::write(&path, procsnap_core::synth::seed_story_as(&o, &v)).unwrap();
    path
}

fn report_json(path: &Path) -> Value {
    serde_json::from_str(&stdout(&procsnap(&["report", path.to_str().unwrap(), "--format", "json"]))).unwrap()
}

#[test]
fn time_wait_old_vs_new_agrees_with_each_report() {
    let dir = scratch("synth");
    let old = story(&dir, "a.procsnap.tar.gz", 3000, 200, "2026-11-27T03:00:00.000Z");
    let new = story(&dir, "b.procsnap.tar.gz", 500, 900, "2026-11-27T04:00:00.000Z");
    let (ro, rn) = (report_json(&old), report_json(&new));
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let d: Value = serde_json::from_str(&stdout(&procsnap(&["diff", o, n, "--format", "json"]))).unwrap();
    let tw = &d["time_wait"];
    assert_eq!(tw["old_count"], ro["time_wait"]["count"]);
    assert_eq!(tw["new_count"], rn["time_wait"]["count"]);
    assert_eq!(tw["old_count"], 3200);
    assert_eq!(tw["new_close_rate_per_sec"], rn["time_wait"]["close_rate_per_sec"]);
    assert_eq!(d["seconds_between"], 3600.0);
    // Port 81 (the web server, server side) moved most; the client side grew.
    let by_port = tw["by_local_port"].as_array().unwrap();
    assert_eq!(by_port[0]["key"], "81");
    assert_eq!((&by_port[0]["old"]["exact"], &by_port[0]["new"]["exact"]), (&3000.into(), &500.into()));
    let client = by_port.iter().find(|c| c["key"] == "client").unwrap();
    assert_eq!((&client["old"]["exact"], &client["new"]["exact"]), (&200.into(), &900.into()));
    // The database every client-side TIME_WAIT goes to.
    let db = tw["by_remote_addr"].as_array().unwrap().iter().find(|c| c["key"] == "10.0.1.20").unwrap();
    assert_eq!((&db["old"]["exact"], &db["new"]["exact"]), (&200.into(), &900.into()));
    // Same listeners with the same owners: nothing to list.
    let l = &d["listeners"];
    assert_eq!((l["appeared"].as_array().unwrap().len(), l["gone"].as_array().unwrap().len()), (0, 0));
    assert_eq!(l["changed"].as_array().unwrap().len(), 0, "{l}");
    assert_eq!(d["sysctls"].as_array().unwrap().len(), 0);

    let text = stdout(&procsnap(&["diff", o, n]));
    assert!(text.contains("TIME_WAIT: 3,200 → 1,400 (−1,800)"), "{text}");
    assert!(text.contains("1.0 h between the captures"), "{text}");
    assert!(text.contains("Listeners: 9 → 9 (0 appeared, 0 went, 0 changed)"), "{text}");

    // A share link carries a report, which is all a diff needs.
    let link = stdout(&procsnap(&["report", o, "--format", "link"]));
    let from_link: Value =
        serde_json::from_str(&stdout(&procsnap(&["diff", link.trim(), n, "--format", "json"]))).unwrap();
    // (A link keeps the top 10 of each breakdown, a report the top 20: the heads agree.)
    for k in ["old_count", "new_count", "by_local_port"] {
        assert_eq!(from_link["time_wait"][k], tw[k], "{k}");
    }
    assert_eq!(from_link["time_wait"]["by_remote_addr"][0], tw["by_remote_addr"][0]);
    assert_eq!(from_link["listeners"], d["listeners"]);
    assert_eq!(from_link["old"]["source"], "share link");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_usage_and_inputs_are_one_line_errors() {
    let dir = scratch("errors");
    let a = story(&dir, "a.procsnap.tar.gz", 10, 10, "2026-11-27T03:00:00.000Z");
    let a = a.to_str().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["diff", a], 2, "missing OLD and NEW"),
        (&["diff", a, a, "--format", "xml"], 2, "unknown format"),
        (&["diff", a, a, "--netns", "x"], 2, "--netns takes an inode number"),
        (&["diff", a, a, "--netns", "4026531840"], 2, "no network namespace 4026531840"),
        (&["diff", a, "/nonexistent/b.tar.gz"], 3, "cannot read /nonexistent/b.tar.gz"),
        (&["diff", "-", "-"], 2, "only one of OLD and NEW can be -"),
    ];
    for (args, code, msg) in cases {
        let o = procsnap(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.starts_with("procsnap diff: ") && err.contains(msg), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let not_snapshot = dir.join("junk");
    std::fs::write(&not_snapshot, b"\x1f\x8bnot gzip at all").unwrap();
    let o = procsnap(&["diff", a, not_snapshot.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A listener inside another network namespace (`unshare --net`): the diff of that namespace
/// (`--netns INODE`) names it, the default diff names the namespace that appeared, and the
/// export labels its rows with the namespace's inode.
#[test]
fn another_namespace_is_selected_by_its_inode() {
    use std::io::{BufRead, BufReader, Write};
    if Command::new("unshare").args(["--net", "true"]).status().map(|s| !s.success()).unwrap_or(true) {
        assert!(std::env::var_os("CI").is_none(), "CI: unshare --net must work (root)");
        eprintln!("skipped: unshare --net is not available");
        return;
    }
    let dir = scratch("netns");
    let snap = |n: &str| dir.join(format!("{n}.procsnap.tar.gz"));
    collect(&snap("before"));
    // In a new namespace: listen on 7001, then (on a line from us) on 7002 instead of 7001.
    let script = "import socket,sys\n\
a=socket.socket(); a.bind(('127.0.0.1',7001)); a.listen(); print('a', flush=True)\n\
sys.stdin.readline()\n\
b=socket.socket(); b.bind(('127.0.0.1',7002)); b.listen(); a.close(); print('b', flush=True)\n\
sys.stdin.readline()\n";
    let mut child = Command::new("unshare")
        .args(["--net", "/usr/bin/python3", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdin = child.stdin.take().unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "a");
    let link = std::fs::read_link(format!("/proc/{}/ns/net", child.id())).unwrap();
    let inode: u64 =
        link.to_str().unwrap().trim_start_matches("net:[").trim_end_matches(']').parse().unwrap();
    collect(&snap("one"));
    writeln!(stdin, "go").unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "b");
    collect(&snap("two"));
    writeln!(stdin, "go").unwrap();
    child.wait().unwrap();

    let path = |n: &str| snap(n).to_str().unwrap().to_string();
    let ns = inode.to_string();
    let d: Value = serde_json::from_str(&stdout(&procsnap(&[
        "diff",
        &path("before"),
        &path("one"),
        "--format",
        "json",
    ])))
    .unwrap();
    assert!(
        d["namespaces_appeared"].as_array().unwrap().contains(&inode.into()),
        "{}",
        d["namespaces_appeared"]
    );
    let text = stdout(&procsnap(&["diff", &path("one"), &path("two"), "--netns", &ns]));
    assert!(text.contains("+ appeared tcp 127.0.0.1:7002  pid "), "{text}");
    assert!(text.contains("- went     tcp 127.0.0.1:7001  pid "), "{text}");
    assert!(text.contains(&format!("network namespace {inode}")), "{text}");
    // The namespace is not in the capture made before it existed.
    let o = procsnap(&["diff", &path("before"), &path("one"), "--netns", &ns]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    // Export: the namespace's rows carry its inode.
    let nd = String::from_utf8(procsnap(&["export", &path("two"), "--format", "ndjson", "-o", "-"]).stdout)
        .unwrap();
    let rows: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.iter().any(|r| r["netns"] == inode && r["local_port"] == 7002 && r["state"] == "LISTEN"));
    assert!(!rows.iter().any(|r| r["netns"] != inode && r["local_port"] == 7002));
    let _ = std::fs::remove_dir_all(&dir);
}
