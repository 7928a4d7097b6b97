//! The bad-input corpus (tests/corpus, written by scripts/make-corpus.py): `procsnap report` on
//! each file gives the outcome tests/corpus/expected.tsv names, never panics, and stays within
//! time and memory bounds.
//!
//! Memory: every run is under `prlimit --as` (address space, which the kernel enforces: an
//! allocation past it fails and Rust aborts with "memory allocation … failed", so a file that
//! needs more memory than the bound fails its row). Address space rather than peak RSS because
//! it is enforced, needs no root and no /usr/bin/time, and covers memory allocated but never
//! touched (a huge `Vec::with_capacity` is exactly the bomb to catch).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Address-space bound for one `procsnap report` run. The input files are at most a few MB; the
/// decoder's own guards (1.5 GiB total, 500:1 gzip ratio past 64 MiB) must keep it well below.
const MEMORY_LIMIT: u64 = 768 << 20;
/// Wall time bound for one run of a debug build (the slowest file, a million-entry tar, takes
/// ~6 s with the inflate and tar crates optimised in the dev profile; see the root Cargo.toml).
const TIME_LIMIT: Duration = Duration::from_secs(20);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

/// The message each typed error starts with in the CLI (from `procsnap_core::Error`'s Display).
fn kind_message(kind: &str) -> &'static str {
    match kind {
        "empty" => "the file is empty",
        "not_a_snapshot" => "not a procsnap snapshot",
        "truncated" => "truncated or corrupt",
        "too_large" => "unpacks to more than",
        "too_many_entries" => "entries, the limit",
        "bad_manifest" => "the manifest procsnap.json is invalid",
        "newer_format" => "newer than this procsnap reads",
        other => panic!("expected.tsv names an unknown outcome {other:?}"),
    }
}

struct Row {
    file: String,
    exit: i32,
    outcome: String,
    substring: String,
}

fn expected() -> Vec<Row> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.tsv")).expect("tests/corpus/expected.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 3, "bad expected.tsv line {l:?}");
            Row {
                file: f[0].to_string(),
                exit: f[1].parse().expect("exit code"),
                outcome: f[2].to_string(),
                substring: f.get(3).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn prlimit() -> &'static str {
    let ok =
        Command::new("prlimit").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    assert!(ok, "the corpus test needs prlimit (util-linux) to bound memory");
    "prlimit"
}

/// Run `procsnap report FILE ARGS…` under the memory bound, killing it at the time bound.
fn report(file: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(prlimit())
        .arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_procsnap"))
        .arg("report")
        .arg(file)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs procsnap under prlimit");
    // Drain both pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = start.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        took,
    }
}

/// What is wrong with this run, if anything.
fn check(row: &Row, args: &[&str], run: &Run) -> Option<String> {
    let what = format!("{} {}", row.file, args.join(" "));
    if run.took > TIME_LIMIT {
        return Some(format!("{what}: took {:?}, over {TIME_LIMIT:?} (killed)", run.took));
    }
    if run.code == Some(101) || run.stderr.contains("panicked") {
        return Some(format!("{what}: PANIC: {}", run.stderr));
    }
    if run.stderr.contains("memory allocation") || run.code.is_none() {
        return Some(format!(
            "{what}: exceeded the memory bound or was killed: {:?} {}",
            run.code, run.stderr
        ));
    }
    if run.code != Some(row.exit) {
        return Some(format!("{what}: exit {:?}, expected {}; stderr: {}", run.code, row.exit, run.stderr));
    }
    if row.outcome == "ok" {
        // The substring is about the default (text) report; the other formats must just succeed.
        if args.is_empty() && !run.stdout.contains(&row.substring) {
            return Some(format!("{what}: stdout lacks {:?}", row.substring));
        }
    } else {
        let msg = kind_message(&row.outcome);
        if !run.stderr.contains(msg) || !run.stderr.contains(&row.substring) {
            return Some(format!("{what}: stderr lacks {msg:?} / {:?}: {}", row.substring, run.stderr));
        }
        if !run.stdout.is_empty() {
            return Some(format!("{what}: printed a report for a failed decode"));
        }
    }
    None
}

#[test]
fn every_corpus_file_gives_its_expected_outcome() {
    let rows = expected();
    assert!(rows.len() >= 30, "the corpus has {} files, want at least 30", rows.len());
    // Every file in the directory is listed, and every listed file exists.
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "expected.tsv")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = rows.iter().map(|r| r.file.clone()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/corpus and expected.tsv disagree: run scripts/make-corpus.py");

    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for row in &rows {
        let path = corpus_dir().join(&row.file);
        // Every renderer for files that decode; the default (text) for the rest.
        let formats: &[&[&str]] = if row.outcome == "ok" {
            &[&[], &["--format", "json"], &["--format", "netstat"], &["--format", "link", "--redact", "all"]]
        } else {
            &[&[]]
        };
        for args in formats {
            let run = report(&path, args);
            if run.took > slowest.0 {
                slowest = (run.took, row.file.clone());
            }
            if let Some(f) = check(row, args, &run) {
                failures.push(f);
            }
        }
    }
    eprintln!("corpus: {} files, slowest {} in {:?}", rows.len(), slowest.1, slowest.0);
    assert!(failures.is_empty(), "{} corpus failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn bad_links_do_not_open() {
    for row in expected().iter().filter(|r| r.file.ends_with(".link")) {
        let text = std::fs::read_to_string(corpus_dir().join(&row.file)).unwrap();
        let err = procsnap_core::share::decode(&text).expect_err("a bad link must not open");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn the_checks_can_fail() {
    // A row whose expectation is wrong must be reported, and a panic must be recognised.
    let row = Row { file: "x".into(), exit: 0, outcome: "ok".into(), substring: "listen".into() };
    let panic = Run {
        code: Some(101),
        stdout: String::new(),
        stderr: "thread 'main' panicked".into(),
        took: Duration::ZERO,
    };
    assert!(check(&row, &[], &panic).unwrap().contains("PANIC"));
    let wrong = Run {
        code: Some(4),
        stdout: String::new(),
        stderr: "the file is empty".into(),
        took: Duration::ZERO,
    };
    assert!(check(&row, &[], &wrong).is_some());
    let slow = Run { code: Some(0), stdout: "listen".into(), stderr: String::new(), took: TIME_LIMIT * 2 };
    assert!(check(&row, &[], &slow).is_some());
    assert!(check(&row, &[], &Run { took: Duration::ZERO, ..slow }).is_none());
}
