//! The snapshot is readable by the real tools after a plain `tar xzf`:
//! `PROC_ROOT=./proc ss -nltu` reads its tables, and netstat replayed on the extracted tree (bind
//! mounted over /proc in a private mount namespace) prints what the live netstat printed.
//!
//! netstat gives a socket held by several processes to the first one its directory walk meets;
//! real /proc lists pids and fds in ascending order. So the replay tree is copied onto a tmpfs in
//! reverse archive order: tmpfs lists entries newest first, which gives ascending order back.

mod support;

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;

use support::*;

fn netstat(replay: Option<(&Path, &Path, &Path)>) -> Option<String> {
    let out = match replay {
        None => Command::new("netstat").arg("-nlp").env("LC_ALL", "C").output().ok()?,
        // (extracted tree, list of its paths in reverse archive order, empty dir for the tmpfs)
        Some((tree, reversed, tmp)) => Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", REPLAY, "sh"])
            .args([tmp, tree, reversed])
            .env("LC_ALL", "C")
            .output()
            .ok()?,
    };
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

const REPLAY: &str = r#"mount -t tmpfs tmpfs "$1" &&
    tar -C "$2" -cf - --no-recursion -T "$3" | tar -C "$1" -xf - &&
    mount --bind "$1/proc" /proc && exec netstat -nlp"#;

fn extract(dir: &Path, snap: &str) -> std::path::PathBuf {
    let x = dir.join("x");
    std::fs::create_dir(&x).unwrap();
    let st = Command::new("tar").arg("xzf").arg(dir.join(snap)).current_dir(&x).status().unwrap();
    assert!(st.success());
    x.join("proc")
}

#[test]
fn ss_reads_the_extracted_tables() {
    let dir = Scratch::new("ss");
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let out = collect(&["-o", "s.tar.gz"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Closed now: if ss still shows it, it read the snapshot, not the live kernel.
    drop(tcp);
    let proc_dir = extract(dir.path(), "s.tar.gz");
    let Ok(out) = Command::new("ss").arg("-nltu").env("PROC_ROOT", &proc_dir).output() else {
        skip("ss not installed");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.lines().any(|l| l.starts_with("tcp") && l.contains(&format!("127.0.0.1:{port} "))),
        "{text}"
    );
}

#[test]
fn netstat_replayed_on_the_extracted_tree_equals_live_netstat() {
    if !is_root() || netstat(None).is_none() {
        skip("needs root (mount namespace) and netstat");
        return;
    }
    let dir = Scratch::new("replay");
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let _tcp6 = TcpListener::bind("[::1]:0").ok();
    let _udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let me = format!("{}/", std::process::id());
    // Other processes on the host may open or close sockets meanwhile: retry until the live
    // netstat is the same before and after the capture.
    for attempt in 0..5 {
        let before = netstat(None).unwrap();
        let snap = format!("s{attempt}.tar.gz");
        let out = collect(&["-o", &snap], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let after = netstat(None).unwrap();
        if before != after {
            continue;
        }
        assert!(
            before.lines().any(|l| l.contains(&format!("127.0.0.1:{port} ")) && l.contains(&me)),
            "{before}"
        );
        let proc_dir = extract(dir.path(), &snap);
        let tree = proc_dir.parent().unwrap();
        let entries = read_archive(&std::fs::read(dir.path().join(&snap)).unwrap());
        let reversed: Vec<&str> = entries.iter().rev().map(|e| e.path.as_str()).collect();
        let list = dir.path().join(format!("reversed{attempt}"));
        std::fs::write(&list, reversed.join("\n") + "\n").unwrap();
        let tmp = dir.path().join(format!("tmpfs{attempt}"));
        std::fs::create_dir(&tmp).unwrap();
        let Some(replay) = netstat(Some((tree, &list, &tmp))) else {
            skip("cannot mount a tmpfs and bind-mount it over /proc in a private mount namespace");
            return;
        };
        assert_eq!(replay, before);
        return;
    }
    panic!("live netstat never stable across a capture in 5 attempts");
}
