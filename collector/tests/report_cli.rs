//! `procsnap report` as a user runs it: formats, inputs, exit codes and error lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn procsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsnap")).args(args).output().expect("runs procsnap")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("procsnap-report-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example_file(dir: &std::path::Path) -> PathBuf {
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 2000,
        client_time_wait: 300,
        established: 40,
        seed: 9,
    });
    let path = dir.join("example.procsnap.tar.gz");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// `procsnap report - --format FORMAT` with `file` as its standard input: read in order, never
/// at offsets.
fn report_from_stdin(file: &Path, format: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_procsnap"))
        .args(["report", "-", "--format", format])
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .expect("runs procsnap");
    stdout(&o)
}

#[test]
fn three_formats_of_one_snapshot() {
    let dir = scratch("formats");
    let file = example_file(&dir);
    let f = file.to_str().unwrap();

    let netstat = stdout(&procsnap(&["report", f, "--format", "netstat"]));
    assert!(netstat.starts_with("Active Internet connections (only servers)\n"));
    // The example is the seed's CentOS 6 host: its redhat-release picks the centos6 flavour.
    assert!(netstat.contains(
        "tcp        0      0 :::81                       :::*                        LISTEN      3200/httpd          \n"
    ));
    assert!(netstat.contains("Active UNIX domain sockets (only servers)\n"));
    assert!(!netstat.contains("TIME_WAIT"), "netstat -l never shows TIME_WAIT rows");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&procsnap(&["report", f, "--format", "json"]))).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["time_wait"]["count"], 2300);
    assert_eq!(json["time_wait"]["by_local_port"][0]["port"], 81);
    assert_eq!(json["host"]["hostname"], "web81.example");

    let text = stdout(&procsnap(&["report", f]));
    assert!(text.contains("2300 sockets"), "{text}");
    assert!(text.contains("Why netstat -nlp is slow here"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn extracted_directory_and_stdin_give_the_same_netstat() {
    let dir = scratch("dir");
    let file = example_file(&dir);
    let from_file = stdout(&procsnap(&["report", file.to_str().unwrap(), "--format", "netstat"]));

    let out = dir.join("extracted");
    std::fs::create_dir_all(&out).unwrap();
    let gz = std::fs::File::open(&file).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(gz)).unpack(&out).unwrap();
    let from_dir = stdout(&procsnap(&["report", out.to_str().unwrap(), "--format", "netstat"]));
    assert_eq!(from_file, from_dir);
    let from_proc_dir =
        stdout(&procsnap(&["report", out.join("proc").to_str().unwrap(), "--format", "netstat"]));
    assert_eq!(from_file, from_proc_dir);

    assert_eq!(from_file, report_from_stdin(&file, "netstat"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn assert_one_line_error(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn bad_inputs_exit_with_documented_codes() {
    let dir = scratch("bad");
    assert_one_line_error(&procsnap(&["report", "/nonexistent/x.tar.gz"]), 3, "cannot read");
    let png = dir.join("picture.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    assert_one_line_error(&procsnap(&["report", png.to_str().unwrap()]), 4, "looks like a PNG");
    let empty = dir.join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_one_line_error(&procsnap(&["report", empty.to_str().unwrap()]), 4, "empty");
    let file = example_file(&dir);
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_one_line_error(&procsnap(&["report", cut.to_str().unwrap()]), 4, "truncated");
    assert_one_line_error(&procsnap(&["report", file.to_str().unwrap(), "--max-bytes", "1000"]), 4, "limit");
    assert_one_line_error(&procsnap(&["report"]), 2, "missing SNAPSHOT");
    assert_one_line_error(&procsnap(&["report", "x", "--format", "xml"]), 2, "unknown format");
    assert_one_line_error(&procsnap(&["frobnicate"]), 2, "unknown command");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_and_version() {
    let o = procsnap(&["report", "--help"]);
    assert!(stdout(&o).contains("EXIT CODES"));
    assert!(stdout(&procsnap(&["--version"])).starts_with("procsnap "));
}

#[test]
fn link_format_prints_a_link_the_core_codec_opens() {
    let dir = scratch("link");
    let file = example_file(&dir);
    let f = file.to_str().unwrap();
    let out = stdout(&procsnap(&[
        "report",
        f,
        "--format",
        "link",
        "--redact",
        "addresses,args,hostname",
        "--base-url",
        "http://127.0.0.1:8080/",
    ]));
    let link = out.trim_end();
    assert!(link.starts_with("http://127.0.0.1:8080/#r=1."), "{link}");
    let opened = procsnap_core::share::decode(link).unwrap();
    assert_eq!(opened.shared.unwrap().redactions, ["addresses", "args", "hostname"]);
    assert_eq!(opened.time_wait.count, 2300);
    assert!(opened.host.hostname.is_none());
    let bad = procsnap(&["report", f, "--format", "link", "--redact", "passwords"]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bare table large enough to be parsed in two halves (8 MiB and more, on a machine with two
/// cores) gives the JSON and netstat text of the same bytes read in order from standard input:
/// damaged rows in both halves and rows read twice across them included.
#[test]
fn a_large_bare_table_read_in_halves_matches_standard_input() {
    let dir = scratch("halves");
    let mut table = procsnap_core::synth::tcp_table(70_000, 0.9, 5);
    let lines: Vec<usize> = table.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i).collect();
    for at in [lines[lines.len() * 3 / 4], lines[500]] {
        table.splice(at + 1..at + 1, b"  12: damaged\n".iter().copied());
    }
    let again = table[lines[0] + 1..lines[30] + 1].to_vec();
    table.extend_from_slice(&again);
    assert!(table.len() > 9 << 20, "{} bytes", table.len());
    let path = dir.join("tcp");
    std::fs::write(&path, &table).unwrap();
    for format in ["json", "netstat"] {
        let from_file = stdout(&procsnap(&["report", path.to_str().unwrap(), "--format", format]));
        let s = report_from_stdin(&path, format);
        assert_eq!(from_file, s, "{format}");
        if format == "json" {
            assert!(
                s.contains("rows read twice") && s.contains("malformed row"),
                "the diagnostics are in the report"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
