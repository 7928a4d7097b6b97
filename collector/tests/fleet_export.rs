//! `procsnap export` as a user runs it: rows agree with the report, every format holds the
//! same rows, errors are one line and leave no file behind. (The DuckDB queries over exports:
//! fleet_duckdb.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn procsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsnap")).args(args).output().expect("runs procsnap")
}

fn stdout(o: &Output) -> Vec<u8> {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    o.stdout.clone()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("procsnap-fleet-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example(dir: &Path) -> PathBuf {
    let o = procsnap_core::synth::SeedStory {
        server_time_wait: 1500,
        client_time_wait: 300,
        established: 25,
        seed: 3,
    };
    let path = dir.join("example.procsnap.tar.gz");
    std::fs::write(&path, procsnap_core::synth::seed_story(&o)).unwrap();
    path
}

#[test]
fn ndjson_rows_agree_with_the_report_and_csv_holds_the_same() {
    let dir = scratch("rows");
    let f = example(&dir);
    let f = f.to_str().unwrap();
    let report: Value =
        serde_json::from_slice(&stdout(&procsnap(&["report", f, "--format", "json"]))).unwrap();
    let nd =
        String::from_utf8(stdout(&procsnap(&["export", f, f, "--format", "ndjson", "-o", "-"]))).unwrap();
    let rows: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let per_copy =
        report["volume"]["inet_rows"].as_u64().unwrap() + report["volume"]["unix_rows"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, 2 * per_copy);
    let tw = rows.iter().filter(|r| r["state"] == "TIME_WAIT").count() as u64;
    assert_eq!(tw, 2 * report["time_wait"]["count"].as_u64().unwrap());
    let r0 = &rows[0];
    assert_eq!(r0["source"], "example.procsnap.tar.gz");
    assert_eq!(r0["host"], "web81.example");
    assert_eq!(r0["captured_at"], "2026-11-27T03:00:00.000Z");
    assert!(r0["netns"].is_null());
    // Every listener of the report is a LISTEN row with its owner.
    for l in report["listeners"].as_array().unwrap().iter().filter(|l| l["state_name"] == "LISTEN") {
        let row = rows
            .iter()
            .find(|r| r["inode"] == l["inode"] && r["state"] == "LISTEN")
            .unwrap_or_else(|| panic!("no row for {l}"));
        assert_eq!(row["local_port"], l["local_port"]);
        let program = l["netstat_program"].as_str().unwrap();
        assert_eq!(format!("{}/{}", row["pid"], row["program"].as_str().unwrap()), program, "{row}");
    }
    // TIME_WAIT timers: seconds, at most 60 (USER_HZ 100 in the example).
    let timers: Vec<f64> =
        rows.iter().filter(|r| r["state"] == "TIME_WAIT").map(|r| r["timer_s"].as_f64().unwrap()).collect();
    assert!(timers.iter().all(|t| (0.0..=60.0).contains(t)), "{:?}", &timers[..5]);
    assert!(
        rows.iter().any(|r| r["proto"] == "unix" && r["local_addr"] == "/var/run/dbus/system_bus_socket")
    );

    let csv = String::from_utf8(stdout(&procsnap(&["export", f, f, "--format", "csv", "-o", "-"]))).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "source,host,captured_at,netns,proto,state,local_addr,local_port,remote_addr,remote_port,inode,uid,pid,program,timer_s"
    );
    assert_eq!(lines.count(), rows.len());

    // Listeners: the report's, Internet then unix.
    let nd = String::from_utf8(stdout(&procsnap(&[
        "export",
        f,
        "--table",
        "listeners",
        "--format",
        "ndjson",
        "-o",
        "-",
    ])))
    .unwrap();
    let ls: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let want =
        report["listeners"].as_array().unwrap().len() + report["unix_listeners"].as_array().unwrap().len();
    assert_eq!(ls.len(), want);
    let http = ls.iter().find(|l| l["local_port"] == 81).unwrap();
    assert_eq!(
        (&http["program"], &http["command"], &http["holders"]),
        (&"httpd".into(), &"/usr/sbin/httpd".into(), &5.into())
    );

    // Parquet to a file: a Parquet file (magic at both ends), nothing left beside it.
    let out = dir.join("out.parquet");
    stdout(&procsnap(&["export", f, "--format", "parquet", "-o", out.to_str().unwrap()]));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1") && bytes.len() > 1000);
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_are_one_line_and_leave_nothing_behind() {
    let dir = scratch("errors");
    let f = example(&dir);
    let f = f.to_str().unwrap();
    let out = dir.join("x.parquet");
    let o = out.to_str().unwrap();
    let link = String::from_utf8(stdout(&procsnap(&["report", f, "--format", "link"]))).unwrap();
    let link = link.trim();
    let junk = dir.join("junk");
    std::fs::write(&junk, b"not a snapshot\0\0\0").unwrap();
    let junk = junk.to_str().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["export", f, "-o", o], 2, "missing --format"),
        (&["export", f, "--format", "parquet"], 2, "missing -o FILE"),
        (&["export", "--format", "csv", "-o", o], 2, "missing SNAPSHOT"),
        (&["export", f, "--format", "xlsx", "-o", o], 2, "unknown format"),
        (&["export", f, "--table", "hosts", "--format", "csv", "-o", o], 2, "unknown table"),
        (
            &["export", f, "/nonexistent.tar.gz", "--format", "parquet", "-o", o],
            3,
            "cannot read /nonexistent.tar.gz",
        ),
        (&["export", f, junk, "--format", "parquet", "-o", o], 4, "junk"),
        (&["export", link, "--format", "parquet", "-o", o], 4, "carries no socket rows"),
        (&["export", f, "--format", "csv", "-o", "/nonexistent/dir/x.csv"], 5, "cannot create"),
    ];
    for (args, code, msg) in cases {
        let r = procsnap(args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.starts_with("procsnap export: ") && err.contains(msg), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        // A failed export (here after a good first snapshot) leaves no file, temporary or not.
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{args:?} left {names:?}");
    }
    // A link's listeners export (the report it carries has them).
    stdout(&procsnap(&["export", link, "--table", "listeners", "--format", "csv", "-o", o]));
    assert!(std::fs::read_to_string(&out).unwrap().lines().count() > 5);
    let _ = std::fs::remove_dir_all(&dir);
}
