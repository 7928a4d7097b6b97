//! docs/fleet.md's DuckDB queries, run by the real DuckDB (PyPI `duckdb`, installed by
//! scripts/setup.sh into target/duckdb-venv) over `procsnap export` of 22 snapshots: 10
//! synthetic hosts on two days and two real captures of this machine. Every answer is checked
//! against the snapshots' own `procsnap report --format json` and `procsnap diff`.
//!
//! Without DuckDB the test says so and passes, unless CI is set (then it fails).

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn procsnap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procsnap")).args(args).output().expect("runs procsnap")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(&procsnap(args))).unwrap()
}

fn duckdb_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PROCSNAP_DUCKDB_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/duckdb-venv/bin/python");
    let ok = Command::new(&p)
        .args(["-c", "import duckdb"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(p)
}

/// The `-- fleet-query: NAME` blocks of docs/fleet.md.
fn doc_queries() -> BTreeMap<String, String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fleet.md")).unwrap();
    let mut out = BTreeMap::new();
    for block in doc.split("```sql\n").skip(1) {
        let sql = block.split("```").next().unwrap();
        let name = sql.lines().next().and_then(|l| l.strip_prefix("-- fleet-query: ")).expect("named query");
        out.insert(name.trim().to_string(), sql.to_string());
    }
    out
}

/// Runs each query with DuckDB in `dir`; rows as JSON objects (column → value).
fn duckdb(python: &Path, dir: &Path, queries: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Value>> {
    const SCRIPT: &str = r#"
import duckdb, json, sys
queries = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
out = {}
for name, sql in queries.items():
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    out[name] = [dict(zip(cols, row)) for row in cur.fetchall()]
json.dump(out, sys.stdout, default=str)
"#;
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), queries).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "duckdb: {}", String::from_utf8_lossy(&o.stderr));
    let v: BTreeMap<String, Vec<Value>> = serde_json::from_slice(&o.stdout).unwrap();
    v
}

struct Host {
    name: String,
    day: u32,
    file: PathBuf,
}

/// The synthetic fleet: web0…web9 on 2026-11-27 and -28. web2 and web9 exhaust their ports to
/// the database on the 28th; web3 starts Redis on the 28th, web8 runs it on both days; web7's
/// memcached is gone on the 28th.
fn fleet(dir: &Path) -> Vec<Host> {
    let mut hosts = Vec::new();
    for i in 0..10u32 {
        for day in [27u32, 28] {
            let second = day == 28;
            let mut extra: Vec<(u16, Vec<u8>)> = Vec::new();
            if i == 8 || (i == 3 && second) {
                extra.push((6379, b"/usr/bin/redis-server\0*:6379\0".to_vec()));
            }
            if i == 7 && !second {
                extra.push((11211, b"/usr/bin/memcached\0-p\x0011211\0".to_vec()));
            }
            let story = procsnap_core::synth::SeedStory {
                server_time_wait: 300 + 137 * i as usize + if second { 200 } else { 0 },
                client_time_wait: if second && (i == 2 || i == 9) {
                    16_000 + 100 * i as usize
                } else {
                    100 + 50 * i as usize
                },
                established: 20,
                seed: u64::from(i * 2 + day),
            };
            let v = procsnap_core::synth::Variant {
                hostname: format!("web{i}.example"),
                capture_start: format!("2026-11-{day}T03:{i:02}:00.000Z"),
                extra_listeners: extra,
            };
            let file = dir.join(format!("web{i}-202611{day}.procsnap.tar.gz"));
            std::fs::write(&file, procsnap_core::synth::seed_story_as(&story, &v)).unwrap();
            hosts.push(Host { name: format!("web{i}.example"), day, file });
        }
    }
    hosts
}

#[test]
fn doc_queries_agree_with_each_report() {
    let Some(python) = duckdb_python() else {
        assert!(std::env::var_os("CI").is_none(), "CI: DuckDB is missing (scripts/setup.sh installs it)");
        eprintln!("fleet_duckdb: skipped, no DuckDB in target/duckdb-venv (run scripts/setup.sh)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("procsnap-fleet-duckdb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["in", "snapshots", "listeners"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let hosts = fleet(&dir.join("in"));
    // Two real captures, a loopback listener opened between them.
    let live = [dir.join("in/live-1.procsnap.tar.gz"), dir.join("in/live-2.procsnap.tar.gz")];
    stdout(&procsnap(&["collect", "-o", live[0].to_str().unwrap()]));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    stdout(&procsnap(&["collect", "-o", live[1].to_str().unwrap()]));
    drop(listener);

    // One export per day (and one of the live captures): the queries read them all by glob.
    let export = |files: Vec<&Path>, table: &str, out: &str| {
        let mut args = vec!["export"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let out = dir.join(out);
        args.extend(["--format", "parquet", "--table", table, "-o", out.to_str().unwrap()]);
        stdout(&procsnap(&args));
    };
    for day in [27, 28] {
        let files: Vec<&Path> = hosts.iter().filter(|h| h.day == day).map(|h| h.file.as_path()).collect();
        export(files.clone(), "sockets", &format!("snapshots/2026-11-{day}.parquet"));
        export(files, "listeners", &format!("listeners/2026-11-{day}.parquet"));
    }
    export(live.iter().map(PathBuf::as_path).collect(), "sockets", "snapshots/live.parquet");
    export(live.iter().map(PathBuf::as_path).collect(), "listeners", "listeners/live.parquet");

    let all: Vec<PathBuf> = hosts.iter().map(|h| h.file.clone()).chain(live.iter().cloned()).collect();
    assert!(all.len() >= 20);
    let reports: BTreeMap<String, Value> = all
        .iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_str().unwrap().to_string();
            (name, json_of(&["report", f.to_str().unwrap(), "--format", "json"]))
        })
        .collect();

    let mut queries = doc_queries();
    assert_eq!(
        queries.keys().map(String::as_str).collect::<Vec<_>>(),
        ["listeners_changed", "listens_on_port", "port_exhaustion", "time_wait_by_day", "time_wait_per_host"]
    );
    // The other formats hold the same rows: NDJSON and CSV of the 28th, counted by DuckDB too.
    let day2: Vec<&str> = hosts.iter().filter(|h| h.day == 28).map(|h| h.file.to_str().unwrap()).collect();
    for format in ["ndjson", "csv"] {
        let out = dir.join(format!("day2.{format}"));
        let mut args = vec!["export"];
        args.extend(&day2);
        args.extend(["--format", format, "-o", out.to_str().unwrap()]);
        stdout(&procsnap(&args));
    }
    queries.insert(
        "formats".into(),
        "SELECT 'parquet' AS f, count(*) AS n, count(*) FILTER (WHERE state = 'TIME_WAIT') AS tw, count(DISTINCT program) AS programs, sum(timer_s) AS timer FROM read_parquet('snapshots/2026-11-28.parquet')
         UNION ALL SELECT 'ndjson', count(*), count(*) FILTER (WHERE state = 'TIME_WAIT'), count(DISTINCT program), sum(timer_s) FROM read_json('day2.ndjson')
         UNION ALL SELECT 'csv', count(*), count(*) FILTER (WHERE state = 'TIME_WAIT'), count(DISTINCT program), sum(timer_s) FROM read_csv('day2.csv')
         ORDER BY f"
            .into(),
    );
    let got = duckdb(&python, &dir, &queries);

    // TIME_WAIT per host: every capture, TIME_WAIT and all rows as each report counts them.
    let per_host = &got["time_wait_per_host"];
    assert_eq!(per_host.len(), reports.len(), "{per_host:?}");
    for row in per_host {
        let r = &reports[row["source"].as_str().unwrap()];
        assert_eq!(row["time_wait"], r["time_wait"]["count"], "{row}");
        let rows = r["volume"]["inet_rows"].as_u64().unwrap() + r["volume"]["unix_rows"].as_u64().unwrap();
        assert_eq!(row["sockets"], rows, "{row}");
        assert_eq!(row["host"], r["host"]["hostname"], "{row}");
    }
    let tw_total: u64 = per_host.iter().map(|r| r["time_wait"].as_u64().unwrap()).sum();
    assert!(tw_total > 50_000, "{tw_total}");

    // Port exhaustion: exactly the captures whose report's busiest tuple uses over half the
    // range, with that tuple and its count.
    let mut expected = BTreeSet::new();
    for (name, r) in &reports {
        if let Some(p) = r["time_wait"]["port_pressure"].get(0)
            && p["used_ratio"].as_f64().unwrap() > 0.5
        {
            expected.insert((
                name.clone(),
                p["local_addr"].as_str().unwrap().to_string(),
                p["remote_addr"].as_str().unwrap().to_string(),
                p["remote_port"].as_u64().unwrap(),
                p["sockets"].as_u64().unwrap(),
            ));
        }
    }
    let exhausted: BTreeSet<_> = got["port_exhaustion"]
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["local_addr"].as_str().unwrap().to_string(),
                r["remote_addr"].as_str().unwrap().to_string(),
                r["remote_port"].as_u64().unwrap(),
                r["sockets"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(exhausted, expected);
    // Of the synthetic fleet, exactly the two hosts built to exhaust a tuple. The live captures
    // are this machine as it is: a test run just before (collect_churn's loopback connections,
    // TIME_WAIT for 60 s) can exhaust a tuple there too, and then both sides list it (above).
    let names: BTreeSet<&str> =
        exhausted.iter().map(|e| e.0.as_str()).filter(|n| !n.starts_with("live-")).collect();
    assert_eq!(names, BTreeSet::from(["web2-20261128.procsnap.tar.gz", "web9-20261128.procsnap.tar.gz"]));

    // Who listens on 6379: the reports' listeners on that port, with their programs.
    let mut expected = Vec::new();
    for (name, r) in &reports {
        for l in r["listeners"].as_array().unwrap().iter().filter(|l| l["local_port"] == 6379) {
            expected.push(json!([r["host"]["hostname"], name, l["netstat_program"]]));
        }
    }
    let mut listening: Vec<Value> = got["listens_on_port"]
        .iter()
        .map(|r| {
            let source = hosts
                .iter()
                .find(|h| {
                    h.name == r["host"]
                        && r["captured_at"].as_str().unwrap().starts_with(&format!("2026-11-{} ", h.day))
                })
                .unwrap();
            json!([
                r["host"],
                source.file.file_name().unwrap().to_str().unwrap(),
                format!("{}/{}", r["pid"], r["program"].as_str().unwrap())
            ])
        })
        .collect();
    listening.sort_by_key(|v| v.to_string());
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(listening, expected);
    assert_eq!(listening.len(), 3, "web3 on the 28th, web8 on both days");
    assert!(got["listens_on_port"].iter().all(|r| r["command"] == "/usr/bin/redis-server *:6379"));

    // What changed: per host, `procsnap diff` of its two days names the same listeners and
    // the same TIME_WAIT counts.
    let by_day: BTreeMap<&str, &Value> =
        got["time_wait_by_day"].iter().map(|r| (r["host"].as_str().unwrap(), r)).collect();
    assert_eq!(by_day.len(), 10);
    let mut changed_sql: BTreeSet<(String, String, u64)> = BTreeSet::new();
    for r in &got["listeners_changed"] {
        changed_sql.insert((
            r["host"].as_str().unwrap().to_string(),
            r["change"].as_str().unwrap().to_string(),
            r["local_port"].as_u64().unwrap(),
        ));
    }
    let mut changed_diff = BTreeSet::new();
    for i in 0..10 {
        let f = |day| hosts.iter().find(|h| h.name == format!("web{i}.example") && h.day == day).unwrap();
        let d = json_of(&[
            "diff",
            f(27).file.to_str().unwrap(),
            f(28).file.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let host = format!("web{i}.example");
        let row = by_day[host.as_str()];
        assert_eq!(
            (&row["day1"], &row["day2"]),
            (&d["time_wait"]["old_count"], &d["time_wait"]["new_count"]),
            "{host}"
        );
        for (list, change) in [("appeared", "appeared"), ("gone", "went")] {
            for l in d["listeners"][list].as_array().unwrap() {
                changed_diff.insert((host.clone(), change.to_string(), l["key"]["port"].as_u64().unwrap()));
            }
        }
        assert!(d["listeners"]["changed"].as_array().unwrap().is_empty());
    }
    assert_eq!(changed_sql, changed_diff);
    assert_eq!(
        changed_sql,
        BTreeSet::from([
            ("web3.example".to_string(), "appeared".to_string(), 6379),
            ("web7.example".to_string(), "went".to_string(), 11211),
        ])
    );

    // The same rows through NDJSON and CSV.
    let formats = &got["formats"];
    assert_eq!(formats.len(), 3);
    for f in &formats[1..] {
        for k in ["n", "tw", "programs"] {
            assert_eq!(f[k], formats[0][k], "{f} vs {}", formats[0]);
        }
        let (a, b) = (f["timer"].as_f64().unwrap(), formats[0]["timer"].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6 * b.max(1.0), "{a} vs {b}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
