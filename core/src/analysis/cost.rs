//! Cost of `netstat -nlp` on the captured host: what it must read and do to print a few lines,
//! against what `ss -nlt` and `sockstat` would have cost. Told with numbers, as in the seed story.

use serde::{Deserialize, Serialize};

use super::volume::StateCounts;
use crate::layout::TableKind;
use crate::proc::fdlink;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// The tables netstat -nlp reads, in its order.
    pub files: Vec<FileCost>,
    pub bytes_read: u64,
    /// Rows netstat parses (every row, TIME_WAIT included).
    pub rows_parsed: u64,
    /// Rows it prints.
    pub rows_shown: u64,
    /// `read(2)` calls at the host's page size.
    pub read_calls: u64,
    pub page_size: u32,
    pub walk: WalkCost,
    /// Time the kernel took to produce these files on capture, when the manifest has it.
    pub capture_micros: Option<u64>,
    /// Rows `ss -nlt` would receive: the kernel filters by state, so only listeners.
    pub ss_rows: u64,
    /// Bytes of `sockstat` + `sockstat6`, all `ss -s` reads to learn the TIME_WAIT count.
    pub sockstat_bytes: u64,
    /// The explanation, one sentence each.
    pub story: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileCost {
    pub path: String,
    pub bytes: u64,
    pub rows: u64,
    pub read_calls: u64,
    pub capture_micros: Option<u64>,
}

/// The /proc walk netstat -p adds before it prints anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkCost {
    /// Processes it visits (every process on the host).
    pub processes: u64,
    /// `opendir` calls: /proc and each /proc/PID/fd.
    pub dir_opens: u64,
    /// `readlink` calls: one per open fd of every process.
    pub readlinks: u64,
    /// `/proc/PID/cmdline` reads: one per process holding a socket.
    pub cmdline_reads: u64,
    /// `/proc/PID/attr/current` opens (SELinux context): one per socket fd.
    pub selinux_reads: u64,
    /// `manifest` when counted during capture; `snapshot` when only socket holders are known
    /// (then the numbers are lower bounds).
    pub source: String,
}

pub fn build(s: &Snapshot, counts: &StateCounts, rows_shown: usize) -> Cost {
    let recorded = |path: &str| {
        s.manifest.as_ref().and_then(|m| m.files.iter().find(|f| f.path == path)).and_then(|f| f.micros)
    };
    let netstat_order = TableKind::INET.into_iter().chain([TableKind::Unix]);
    let files: Vec<FileCost> = netstat_order
        .filter_map(|kind| {
            let t = s.tables.iter().find(|t| t.kind == kind)?;
            let path = format!("proc/net/{}", kind.file_name());
            Some(FileCost {
                capture_micros: recorded(&path),
                path,
                bytes: t.bytes,
                rows: t.lines.saturating_sub(1),
                read_calls: t.page_reads,
            })
        })
        .collect();
    let bytes_read = files.iter().map(|f| f.bytes).sum();
    let rows_parsed = files.iter().map(|f| f.rows).sum();
    let read_calls = files.iter().map(|f| f.read_calls).sum();
    let capture_micros = files.iter().map(|f| f.capture_micros).sum::<Option<u64>>();

    let socket_fds: u64 = s
        .processes
        .values()
        .map(|p| p.fds.iter().filter(|(_, t)| fdlink::socket_inode(t.as_bytes()).is_some()).count() as u64)
        .sum();
    let holders = s.processes.values().filter(|p| !p.fds.is_empty()).count() as u64;
    let walk = match s.manifest.as_ref().and_then(|m| m.walk.as_ref()) {
        Some(w) => WalkCost {
            processes: w.pids_seen,
            dir_opens: 1 + w.pids_seen,
            readlinks: w.fds_read,
            cmdline_reads: holders,
            selinux_reads: w.socket_links,
            source: "manifest".into(),
        },
        None => WalkCost {
            processes: holders,
            dir_opens: 1 + holders,
            readlinks: socket_fds,
            cmdline_reads: holders,
            selinux_reads: socket_fds,
            source: "snapshot".into(),
        },
    };
    let listen = |st: u8| st == crate::proc::inet::TCP_LISTEN;
    let ss_rows = counts.count(TableKind::Tcp, listen) + counts.count(TableKind::Tcp6, listen);
    let tw = |st: u8| st == crate::proc::inet::TCP_TIME_WAIT;
    let time_wait = counts.count(TableKind::Tcp, tw) + counts.count(TableKind::Tcp6, tw);
    let sockstat_bytes = s
        .tables
        .iter()
        .filter(|t| matches!(t.kind, TableKind::Sockstat | TableKind::Sockstat6))
        .map(|t| t.bytes)
        .sum();

    let mut cost = Cost {
        files,
        bytes_read,
        rows_parsed,
        rows_shown: rows_shown as u64,
        read_calls,
        page_size: s.params.page_size,
        walk,
        capture_micros,
        ss_rows,
        sockstat_bytes,
        story: Vec::new(),
    };
    cost.story = story(time_wait, &cost);
    cost
}

/// The explanation, from the figures alone (share links carry the figures, not the sentences).
pub fn story(tw: u64, c: &Cost) -> Vec<String> {
    let mut out = Vec::new();
    let parsed = count(c.rows_parsed, "row", "rows");
    let bytes = crate::format::bytes(c.bytes_read);
    out.push(if c.rows_shown == 0 {
        format!("netstat -nlp reads {bytes} of /proc/net text and parses all {parsed} to print no listening socket at all.")
    } else {
        format!(
            "To print {}, netstat -nlp reads {bytes} of /proc/net text and parses all {parsed}: {} for every row it shows.",
            count(c.rows_shown, "listening socket", "listening sockets"),
            count(c.rows_parsed / c.rows_shown, "row", "rows"),
        )
    });
    if tw > 0 {
        out.push(format!(
            "{} of those rows ({:.0}%) are TIME_WAIT: closed connections no process owns, which netstat must still read and parse before -l throws them away.",
            tw,
            100.0 * tw as f64 / c.rows_parsed.max(1) as f64
        ));
    }
    out.push(format!(
        "It reads them {} bytes at a time: {}, each making the kernel format another page of rows.",
        c.page_size,
        count(c.read_calls, "read call", "read calls")
    ));
    if let Some(us) = c.capture_micros {
        out.push(format!(
            "On capture the kernel took {:.1} ms just to produce these files; netstat pays that, plus its own parsing, every time it runs.",
            us as f64 / 1000.0
        ));
    }
    let w = &c.walk;
    let qualifier = if w.source == "manifest" { "" } else { "at least " };
    out.push(format!(
        "Before printing anything, -p walks /proc: {qualifier}{}, {qualifier}{}, {} and {}.",
        count(w.processes, "process", "processes"),
        count(w.readlinks, "readlink call", "readlink calls"),
        count(w.cmdline_reads, "cmdline read", "cmdline reads"),
        count(w.selinux_reads, "SELinux context read", "SELinux context reads")
    ));
    out.push(format!(
        "ss -nlt asks the kernel over netlink for listening sockets only: it receives {} and never sees TIME_WAIT. To count TIME_WAIT, ss -s reads sockstat ({}).",
        count(c.ss_rows, "row", "rows"),
        crate::format::bytes(c.sockstat_bytes)
    ));
    out
}

/// `1 row`, `2 rows`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
