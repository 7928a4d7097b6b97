//! The cost model against the real thing: in a private network and pid namespace (hermetic: only
//! this test's sockets and processes), with ≥ 20,000 loopback TIME_WAIT in tcp and tcp6 and
//! listeners in both, `procsnap collect`, then the real `netstat -nlp` under `strace -f` twice —
//! plainly, and with stdout on a pty (`script -qc`) so it writes line by line. The report's read
//! calls per table, readlink calls, directory opens, cmdline and SELinux-context opens and its
//! two largest stalls (table bytes read between two writes) must agree within 3%. And `dd
//! bs=1024` under strace checks the 1 KiB read model of centos6/busybox on this kernel.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::*;

/// Makes the sockets (TIME_WAIT on the server side: the server closes first; distinct 4-tuples
/// so none revives another), pads its fds so the walk is not tiny, writes the count and holds.
const SOCKETS_PY: &str = r#"
import socket, sys, time
n, out, hold = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
def time_wait(fam, host, port, srcs, base):
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port)); srv.listen(4096)
    for made in range(n):
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind((srcs[made % len(srcs)], base + made // len(srcs)))
        c.connect((host, port)); s, _ = srv.accept(); s.close(); c.recv(1); c.close()
    return srv
keep = [time_wait(socket.AF_INET, "127.0.0.1", 18080, ["127.0.0.%d" % i for i in range(2, 10)], 10000),
        time_wait(socket.AF_INET6, "::1", 18081, ["::1"], 20000)]
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM); l.bind(("0.0.0.0", 22)); l.listen(5); keep.append(l)
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
l6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); l6.bind(("::", 22)); l6.listen(5); keep.append(l6)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 5353)); keep.append(u)
pad = [open("/dev/null") for _ in range(1000)]
open(out, "w").write("%d\n" % (2 * n))
time.sleep(hold)
"#;

/// Runs inside `unshare --net --pid --fork --mount-proc`: $1 dir, $2 TIME_WAIT per family,
/// $3 procsnap. 200 sleepers give the walk enough processes that the few which differ between
/// the capture and netstat's run (procsnap, strace, script) stay well under 3%.
const RUN_SH: &str = r#"
set -eu
D=$1; N=$2; BIN=$3
ip link set lo up
/usr/bin/python3 "$D/sockets.py" "$N" "$D/made" 120 &
PY=$!
for i in $(seq 200); do sleep 120 & done
for i in $(seq 1200); do [ -s "$D/made" ] && break; kill -0 "$PY"; sleep 0.1; done
[ -s "$D/made" ]
"$BIN" collect -o "$D/snap.tar.gz"
T="-f -qq -e trace=openat,open,read,readv,write,close,readlink,readlinkat"
LC_ALL=C strace $T -o "$D/plain.trace" netstat -nlp > "$D/plain.out"
LC_ALL=C script -qc "strace $T -o $D/pty.trace netstat -nlp" /dev/null > "$D/pty.out"
strace -qq -e trace=openat,read -o "$D/dd.trace" dd if=/proc/net/tcp of=/dev/null bs=1024 2>/dev/null
kill "$PY"
"#;

/// What one strace of netstat counted.
#[derive(Debug, Default)]
struct Traced {
    reads: BTreeMap<String, u64>,
    readlinks: u64,
    dir_opens: u64,
    cmdline_opens: u64,
    selinux_opens: u64,
    /// (read calls, bytes) of /proc/net tables between consecutive writes to stdout.
    gaps: Vec<(u64, u64)>,
}

fn parse_trace(path: &Path) -> Traced {
    let text = std::fs::read_to_string(path).unwrap();
    let mut t = Traced::default();
    let mut fds: BTreeMap<i64, String> = BTreeMap::new();
    let (mut gap_reads, mut gap_bytes) = (0, 0);
    for line in text.lines() {
        // `PID call(args) = ret …`
        let Some((_, rest)) = line.trim_start().split_once(char::is_whitespace) else { continue };
        let Some((call, args)) = rest.trim_start().split_once('(') else { continue };
        // strace pads short calls so that `=` lines up: `read(3, "", 4096)        = 0`.
        let Some((args, ret)) = args.rsplit_once(" = ") else { continue };
        let Some(args) = args.trim_end().strip_suffix(')') else { continue };
        let ret: i64 = ret.split_whitespace().next().and_then(|r| r.parse().ok()).unwrap_or(-1);
        let quoted = args.split('"').nth(1).unwrap_or("").to_string();
        let fd: i64 = args.split(',').next().and_then(|f| f.trim().parse().ok()).unwrap_or(-1);
        match call {
            "openat" | "open" => {
                if args.contains("O_DIRECTORY") {
                    t.dir_opens += 1;
                }
                if quoted.ends_with("/cmdline") {
                    t.cmdline_opens += 1;
                }
                if quoted.ends_with("/attr/current") {
                    t.selinux_opens += 1;
                }
                if ret >= 0 {
                    fds.insert(ret, quoted);
                }
            }
            "close" => {
                fds.remove(&fd);
            }
            "read" | "readv" => {
                if let Some(p) = fds.get(&fd).filter(|p| p.starts_with("/proc/net/")) {
                    *t.reads.entry(p.trim_start_matches('/').to_string()).or_default() += 1;
                    gap_reads += 1;
                    gap_bytes += ret.max(0) as u64;
                }
            }
            "readlink" | "readlinkat" => t.readlinks += 1,
            "write" if fd == 1 => {
                t.gaps.push((gap_reads, gap_bytes));
                (gap_reads, gap_bytes) = (0, 0);
            }
            _ => {}
        }
    }
    t
}

fn within(what: &str, model: u64, real: u64) {
    let tolerance = (real as f64 * 0.03).max(0.0);
    assert!(
        (model as f64 - real as f64).abs() <= tolerance,
        "{what}: the model says {model}, strace counted {real} (more than 3% apart)"
    );
}

fn tools_missing() -> Option<String> {
    if !is_root() {
        return Some("needs root for unshare and strace".into());
    }
    for tool in ["netstat", "strace", "script", "unshare", "ip", "dd"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Some(format!("{tool} is not installed (scripts/setup.sh installs it)"));
        }
    }
    if !strace_works() {
        return Some("strace cannot trace here".into());
    }
    None
}

#[test]
fn cost_model_agrees_with_strace_of_netstat() {
    if let Some(why) = tools_missing() {
        skip(&why);
        return;
    }
    let dir = Scratch::new("strace");
    std::fs::write(dir.path().join("sockets.py"), SOCKETS_PY).unwrap();
    std::fs::write(dir.path().join("run.sh"), RUN_SH).unwrap();
    let per_family = 11_000; // 22,000 TIME_WAIT in all
    let out = Command::new("unshare")
        .args(["--net", "--pid", "--fork", "--mount-proc", "bash"])
        .arg(dir.path().join("run.sh"))
        .arg(dir.path())
        .arg(per_family.to_string())
        .arg(BIN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let report = Command::new(BIN)
        .arg("report")
        .arg(dir.path().join("snap.tar.gz"))
        .args(["--format", "json", "--netstat", "net-tools-2.10"])
        .output()
        .unwrap();
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let cost = &json["cost"];
    assert!(json["time_wait"]["count"].as_u64().unwrap() >= 20_000, "{}", json["time_wait"]["count"]);

    // The netstat we traced printed what the report says it would.
    let plain_out = std::fs::read(dir.path().join("plain.out")).unwrap();
    let netstat = Command::new(BIN)
        .arg("report")
        .arg(dir.path().join("snap.tar.gz"))
        .args(["--format", "netstat", "--netstat", "net-tools-2.10"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&netstat.stdout), String::from_utf8_lossy(&plain_out));

    for (name, traced) in [
        ("plain", parse_trace(&dir.path().join("plain.trace"))),
        ("pty", parse_trace(&dir.path().join("pty.trace"))),
    ] {
        for f in cost["files"].as_array().unwrap() {
            let path = f["path"].as_str().unwrap();
            let real = traced.reads.get(path).copied().unwrap_or(0);
            within(&format!("{name}: read calls on {path}"), f["read_calls"].as_u64().unwrap(), real);
        }
        assert_eq!(
            traced.reads.len(),
            cost["files"].as_array().unwrap().len(),
            "{name}: tables netstat read {:?}",
            traced.reads.keys()
        );
        let walk = &cost["walk"];
        within(&format!("{name}: readlink calls"), walk["readlinks"].as_u64().unwrap(), traced.readlinks);
        within(&format!("{name}: directory opens"), walk["dir_opens"].as_u64().unwrap(), traced.dir_opens);
        within(
            &format!("{name}: cmdline opens"),
            walk["cmdline_reads"].as_u64().unwrap(),
            traced.cmdline_opens,
        );
        within(
            &format!("{name}: SELinux-context opens"),
            walk["selinux_opens"].as_u64().unwrap(),
            traced.selinux_opens,
        );
    }

    // The two largest stalls, from the line-by-line run.
    let pty = parse_trace(&dir.path().join("pty.trace"));
    let mut real: Vec<(u64, u64)> = pty.gaps.clone();
    real.sort_by_key(|s| std::cmp::Reverse(s.1));
    let mut model: Vec<(u64, u64)> = cost["stalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["read_calls"].as_u64().unwrap(), s["bytes"].as_u64().unwrap()))
        .collect();
    model.sort_by_key(|s| std::cmp::Reverse(s.1));
    assert!(real.len() >= 2 && model.len() >= 2, "real {real:?} model {model:?}");
    for i in 0..2 {
        within(&format!("stall {} bytes", i + 1), model[i].1, real[i].1);
        within(&format!("stall {} read calls", i + 1), model[i].0, real[i].0);
    }
    // Each of the two follows a listener line and is mostly TIME_WAIT.
    let stalls = cost["stalls"].as_array().unwrap();
    for s in stalls.iter().filter(|s| s["bytes"].as_u64() >= Some(real[1].1 / 2)) {
        assert!(s["after"].as_str().unwrap().contains("LISTEN"), "{s}");
        assert!(s["time_wait_rows"].as_u64().unwrap() >= per_family as u64 - 10, "{s}");
    }

    // 1 KiB reads (centos6, busybox): dd bs=1024 reads /proc/net/tcp as their stdio does.
    let dd = std::fs::read_to_string(dir.path().join("dd.trace")).unwrap();
    let dd_reads = dd.lines().filter(|l| l.starts_with("read(0,")).count() as u64;
    let centos6 = Command::new(BIN)
        .arg("report")
        .arg(dir.path().join("snap.tar.gz"))
        .args(["--format", "json", "--netstat", "centos6"])
        .output()
        .unwrap();
    let centos6: serde_json::Value = serde_json::from_slice(&centos6.stdout).unwrap();
    assert_eq!(centos6["cost"]["read_size"], 1024);
    let tcp =
        centos6["cost"]["files"].as_array().unwrap().iter().find(|f| f["path"] == "proc/net/tcp").unwrap();
    within("1 KiB reads of proc/net/tcp", tcp["read_calls"].as_u64().unwrap(), dd_reads);
}
