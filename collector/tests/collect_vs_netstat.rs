//! collect → report equals the live `netstat -nlp` taken at the same moment, byte for byte, for
//! the binary and for the POSIX-sh fallback collector.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::process::Command;

use common::*;

fn live_netstat() -> Option<String> {
    let out = Command::new("netstat").arg("-nlp").env("LC_ALL", "C").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn report_netstat(snap: &std::path::Path) -> String {
    let out = Command::new(BIN).args(["report"]).arg(snap).args(["--format", "netstat"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `capture` (which writes `snap`) between two live netstat runs until both agree (other
/// processes on the host may open or close sockets meanwhile), then compares the report.
fn matches_live(tag: &str, capture: impl Fn(&std::path::Path) -> std::process::Output) {
    if live_netstat().is_none() {
        skip_netstat("netstat not installed");
        return;
    }
    let dir = TempDir::new(tag);
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp6 = TcpListener::bind("[::1]:0").ok();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ports =
        [Some(tcp.local_addr().unwrap().port()), tcp6.as_ref().map(|l| l.local_addr().unwrap().port())];
    let me = format!("{}/", std::process::id());
    for attempt in 0..5 {
        let snap = dir.path().join(format!("s{attempt}.tar.gz"));
        let before = live_netstat().unwrap();
        let out = capture(&snap);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let after = live_netstat().unwrap();
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
        assert_eq!(report_netstat(&snap), before);
        return;
    }
    panic!("live netstat never stable across a capture in 5 attempts");
}

#[test]
fn collect_then_report_equals_live_netstat() {
    matches_live("vs-netstat", |snap| Command::new(BIN).args(["collect", "-o"]).arg(snap).output().unwrap());
}

#[test]
fn fallback_script_then_report_equals_live_netstat() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");
    matches_live("vs-netstat-sh", |snap| {
        Command::new("sh").arg(script).arg("-o").arg(snap).output().unwrap()
    });
}
