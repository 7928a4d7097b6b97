//! `procsnap collect` against a moving system: not root, processes coming and going during the
//! walk, and SIGINT/SIGTERM in the middle of a capture.
//!
//! A capture here takes milliseconds, too fast to interrupt on purpose. To make it slow without
//! a test hook in the binary, the slow cases run it under `strace`, which delays every
//! `readlink` (the fd walk) by a fixed time.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::*;

#[test]
fn not_root_captures_what_it_can_and_says_owners_may_be_missing() {
    if !can_become_nobody() {
        println!("skipped: needs root and setpriv to switch to nobody");
        return;
    }
    let dir = Scratch::new("nobody");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN, "collect", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let entries = read_archive(&out.stdout);
    let m = check_snapshot(&entries);
    assert_eq!(m.host.uid, Some(65534));
    let w = m.walk.unwrap();
    // pid 1 (and this test, run as root) cannot be read by nobody.
    assert!(w.pids_unreadable >= 1, "{w:?}");
    assert!(w.pids_unreadable <= w.pids_seen);
    assert!(stderr.contains("not root") && stderr.contains("no owner"), "{stderr}");
    // Nobody's tables are still complete: they do not depend on permissions.
    assert!(entry(&entries, "proc/net/tcp").is_some() && entry(&entries, "proc/net/unix").is_some());
    // No fd of a process it could not read is in the archive.
    assert!(entry(&entries, &format!("proc/{}/cmdline", std::process::id())).is_none());
}

/// Starts short-lived (30 ms) processes until `stop`, at most 3000 of them.
fn churn(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        let mut n = 0;
        let mut kids = Vec::new();
        while !stop.load(Ordering::SeqCst) && n < 3000 {
            let mut c = Command::new("sleep");
            c.arg("0.03").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            if let Ok(k) = c.spawn() {
                kids.push(k);
                n += 1;
            }
            kids.retain_mut(|k| !matches!(k.try_wait(), Ok(Some(_))));
            std::thread::sleep(Duration::from_millis(2));
        }
        for mut k in kids {
            let _ = k.kill();
            let _ = k.wait();
        }
        n
    })
}

#[test]
fn processes_starting_and_exiting_during_the_walk_are_counted_not_fatal() {
    let stop = Arc::new(AtomicBool::new(false));
    let spawner = churn(stop.clone());
    std::thread::sleep(Duration::from_millis(100));

    // Plain runs: always succeed and always produce a consistent snapshot.
    for _ in 0..5 {
        let out = Command::new(BIN).args(["collect", "-o", "-"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        check_snapshot(&read_archive(&out.stdout));
    }

    // A slowed walk (each readlink +3 ms) outlives the 30 ms processes it listed: they must be
    // counted as vanished.
    if strace_works() {
        // This test's pid is lower than the churn's, so its 300 fds (≥ 0.9 s) are walked first.
        let _pad = pad_fds(300);
        let out = slow_collect(3000).args(["-o", "-"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let m = check_snapshot(&read_archive(&out.stdout));
        let w = m.walk.unwrap();
        assert!(w.pids_vanished >= 1, "{w:?}");
    } else {
        println!("skipped the slowed walk: strace cannot trace here");
    }
    stop.store(true, Ordering::SeqCst);
    assert!(spawner.join().unwrap() > 10, "the churn really ran");
}

fn interrupt(sig: &str, code: i32) {
    if !strace_works() {
        println!("skipped: strace cannot trace here");
        return;
    }
    let dir = Scratch::new("sig");
    // At least 300 × 20 ms of walk, whatever else runs on the host.
    let _pad = pad_fds(300);
    let target = dir.path().join("x.tar.gz");
    let tracer = slow_collect(20_000).arg("-o").arg(&target).stderr(Stdio::piped()).spawn().unwrap();
    // Wait until the collector runs and its temporary file exists, then signal it (not strace).
    let t = Instant::now();
    let collector = loop {
        if let (Some(pid), false) = (child_of(tracer.id()), dir.names().is_empty()) {
            break pid;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "collector never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    let names = dir.names();
    assert!(names[0].starts_with(".x.tar.gz.") && names[0].ends_with(".tmp"), "{names:?}");
    std::thread::sleep(Duration::from_millis(200));
    let st = Command::new("kill").args([&format!("-{sig}"), &collector.to_string()]).status().unwrap();
    assert!(st.success());
    let out = tracer.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(&format!("interrupted by SIG{sig}")), "{stderr}");
    assert!(dir.names().is_empty(), "left behind: {:?}", dir.names());
}

#[test]
fn sigint_during_capture_leaves_no_file() {
    interrupt("INT", 130);
}

#[test]
fn sigterm_during_capture_leaves_no_file() {
    interrupt("TERM", 143);
}

#[test]
fn long_capture_prints_progress_then_one_summary() {
    if !strace_works() {
        println!("skipped: strace cannot trace here");
        return;
    }
    // At least 300 × 8 ms = 2.4 s of walk: past the 2 s after which progress is shown.
    let _pad = pad_fds(300);
    let out = slow_collect(8000).args(["-o", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 2, "{stderr}");
    assert!(lines[0].starts_with("procsnap: ") && lines[0].contains(" read so far, reading "), "{stderr}");
    let summary = lines.last().unwrap();
    assert!(summary.contains(" rows, ") && summary.ends_with(" ms"), "{stderr}");
    check_snapshot(&read_archive(&out.stdout));
}
