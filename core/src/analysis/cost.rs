//! Cost of `netstat -nlp` on the captured host: what it must read and do to print a few lines,
//! against what `ss -nlt` and `sockstat` would have cost. Told with numbers, as in the seed story.

use serde::{Deserialize, Serialize};

use super::listeners::{Listener, UnixListener};
use super::volume::StateCounts;
use crate::flavour::Flavour;
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
    /// The netstat flavour these figures are for (its read size and tables).
    #[serde(default)]
    pub flavour: Flavour,
    /// Bytes per `read(2)` call of that flavour: 1024 for centos6 and busybox, a page for 2.x.
    #[serde(default)]
    pub read_size: u32,
    /// Whether SELinux was enabled on the captured host (`None`: the snapshot cannot tell).
    #[serde(default)]
    pub selinux_enabled: Option<bool>,
    /// The kernel predates 2.6.36 (commit a8b690f98baf): every read of /proc/net/tcp re-walks
    /// the hash table from its start, so reading costs grow with rows².
    #[serde(default)]
    pub quadratic_reads: bool,
    /// netstat's time on this host: what was measured on capture, what is estimated.
    #[serde(default)]
    pub time: Option<TimeEstimate>,
    /// Where netstat's output pauses, in print order (the gaps between two printed lines that
    /// read anything); the biggest lead the text report.
    #[serde(default)]
    pub stalls: Vec<Stall>,
}

/// netstat's time reading the tables, split into what was measured and what is estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeEstimate {
    /// The kernel's time producing the files on capture (the manifest's per-file timing), when
    /// recorded: measured, for the collector's large reads.
    pub measured_ms: Option<f64>,
    /// The per-call cost of netstat's smaller reads, estimated at a fixed cost per call.
    pub per_call_ms: f64,
    /// Old kernels only: the re-walk on every read of tcp/tcp6, estimated at a cost per row
    /// skipped calibrated on the seed's `strace -c` (4,154 reads in 8.97 s).
    pub rewalk_ms: f64,
    /// When the capture has no timing: the kernel's formatting at a nominal rate per byte.
    pub nominal_ms: f64,
    pub total_ms: f64,
}

/// One pause in netstat's output: what it reads between two printed lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stall {
    /// The line printed just before the pause, as the flavour prints it (without its newline);
    /// `None` before the first line.
    pub after: Option<String>,
    /// That line's number in netstat's output (1-based); `None` before the first.
    #[serde(default)]
    pub after_line: Option<u64>,
    /// Table bytes read before the next line.
    pub bytes: u64,
    /// Rows read (and dropped by -l) before the next line.
    pub rows: u64,
    pub time_wait_rows: u64,
    pub read_calls: u64,
    pub estimated_ms: f64,
}

/// Where a shown row sits in its table: its index among the rows and the TIME_WAIT rows before
/// it, gathered in the report's one pass over the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowPosition {
    pub row: u64,
    pub time_wait_before: u64,
}

/// Cost of one `read(2)` call beyond the kernel's formatting (syscall, copy): nominal.
const PER_CALL_US: f64 = 1.0;
/// The kernel's formatting of /proc/net rows when the capture has no timing: nominal.
const NOMINAL_NS_PER_BYTE: f64 = 5.0;
/// Pre-2.6.36 re-walk, per row skipped: the seed's 4,154 reads of 1 KiB (~28,000 rows of 150
/// bytes) took 8.97 s; a walk skipping r·6 rows on read r sums to 8.97 s at ~150 ns a row.
const REWALK_NS_PER_ROW: f64 = 150.0;

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
    /// SELinux contexts read from `/proc/PID/attr/current`: one per socket fd, only where
    /// SELinux was enabled.
    pub selinux_reads: u64,
    /// `/proc/PID/attr/current` opens: a net-tools build with SELinux support opens it for
    /// every socket fd whether or not SELinux is enabled (strace of Debian's 2.10 on a host
    /// without it: the open succeeds, the read fails with EINVAL); busybox never does.
    #[serde(default)]
    pub selinux_opens: u64,
    /// `manifest` when counted during capture; `snapshot` when only socket holders are known
    /// (then the numbers are lower bounds).
    pub source: String,
}

/// Whether a kernel release (`2.6.32-754.el6.x86_64`) predates 2.6.36.
pub fn before_2_6_36(release: &str) -> bool {
    let mut parts = release.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty());
    let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
    match (next(), next(), next()) {
        (Some(a), Some(b), c) => (a, b, c.unwrap_or(0)) < (2, 6, 36),
        _ => false,
    }
}

/// Bytes one `read(2)` of `size` returns from a /proc/net table of `line_len`-byte rows, on a
/// kernel with `page`-byte seq_file buffers (checked with strace, see `docs/netstat-compat.md`):
/// a read smaller than the page is filled to its size (a row cut at its end continues in the
/// next read); a page-sized read gets the whole rows that fit in the page.
pub fn bytes_per_read(size: u32, page: u32, line_len: f64) -> f64 {
    if size < page || line_len <= 0.0 {
        size.max(1) as f64
    } else {
        ((page as f64 / line_len).floor().max(1.0)) * line_len
    }
}

/// `read(2)` calls for a table of `bytes` read `size` bytes at a time (see [`bytes_per_read`]),
/// the one that returns 0 included. `page_reads`: the exact count at the page size, from the
/// lines' lengths.
pub fn read_calls(bytes: u64, lines: u64, size: u32, page: u32, page_reads: u64) -> u64 {
    if size >= page && page_reads > 0 {
        return page_reads;
    }
    let per = bytes_per_read(size, page, bytes as f64 / lines.max(1) as f64);
    (bytes as f64 / per).ceil() as u64 + 1
}

/// Running totals of what netstat has read, at the moment it writes a line.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    reads: u64,
    bytes: u64,
    /// Rows read but not printed.
    dropped: u64,
    time_wait: u64,
    ms: f64,
}

/// One table as netstat reads it.
struct TableRead {
    bytes: u64,
    rows: u64,
    time_wait: u64,
    /// Mean line length (rows are near fixed-width), to place a row in the file.
    line_len: f64,
    /// Bytes each read returns.
    per_read: f64,
    /// All the reads of the table, the final one returning 0 included.
    reads: u64,
    ms_per_byte: f64,
    /// tcp/tcp6 on a kernel before 2.6.36: read `r` re-walks the rows before it.
    rewalk: bool,
}

impl TableRead {
    /// Reads and bytes consumed once the line ending at `end` has been read.
    fn reads_to(&self, end: u64) -> (u64, u64) {
        let reads = ((end as f64 / self.per_read).ceil() as u64).clamp(1, self.reads);
        (reads, ((reads as f64 * self.per_read) as u64).min(self.bytes))
    }

    /// Estimated ms for the first `reads` calls returning `bytes`.
    fn ms(&self, reads: u64, bytes: u64) -> f64 {
        let mut ms = bytes as f64 * self.ms_per_byte + reads as f64 * PER_CALL_US / 1000.0;
        if self.rewalk && reads > 1 {
            let rows_per_read = self.per_read / self.line_len.max(1.0);
            // Read r skips the r·rows_per_read rows before it: Σ r = reads(reads−1)/2.
            let skipped = rows_per_read * (reads * (reads - 1)) as f64 / 2.0;
            ms += skipped * REWALK_NS_PER_ROW / 1e6;
        }
        ms
    }
}

/// At most this many stalls are kept (the largest, listed in print order).
const MAX_STALLS: usize = 20;

pub fn build(
    s: &Snapshot,
    counts: &StateCounts,
    listeners: &[Listener],
    positions: &[RowPosition],
    unix_listeners: &[UnixListener],
) -> Cost {
    let flavour = s.netstat.flavour;
    let read_size = flavour.read_size(s.params.page_size);
    let kernel = s.manifest.as_ref().and_then(|m| m.host.kernel.as_deref());
    let quadratic = kernel.is_some_and(before_2_6_36);
    let recorded = |path: &str| {
        s.manifest.as_ref().and_then(|m| m.files.iter().find(|f| f.path == path)).and_then(|f| f.micros)
    };
    let tw_state = |st: u8| st == crate::proc::inet::TCP_TIME_WAIT;
    let order: Vec<TableKind> = TableKind::INET
        .into_iter()
        .filter(|k| flavour.reads_udplite() || !matches!(k, TableKind::Udplite | TableKind::Udplite6))
        .chain([TableKind::Unix])
        .collect();
    let mut files = Vec::new();
    let mut reads_by_kind = Vec::new();
    for &kind in &order {
        let Some(t) = s.tables.iter().find(|t| t.kind == kind) else { continue };
        let path = format!("proc/net/{}", kind.file_name());
        let micros = recorded(&path);
        let rows = t.lines.saturating_sub(1);
        let line_len = t.bytes as f64 / t.lines.max(1) as f64;
        let reads = read_calls(t.bytes, t.lines, read_size, s.params.page_size, t.page_reads);
        reads_by_kind.push((
            kind,
            TableRead {
                bytes: t.bytes,
                rows,
                time_wait: if kind.is_tcp() { counts.count(kind, tw_state) } else { 0 },
                line_len,
                per_read: bytes_per_read(read_size, s.params.page_size, line_len),
                reads,
                ms_per_byte: match micros {
                    Some(us) if t.bytes > 0 => us as f64 / 1000.0 / t.bytes as f64,
                    _ => NOMINAL_NS_PER_BYTE / 1e6,
                },
                rewalk: quadratic && kind.is_tcp(),
            },
        ));
        files.push(FileCost { capture_micros: micros, path, bytes: t.bytes, rows, read_calls: reads });
    }
    let bytes_read = files.iter().map(|f| f.bytes).sum();
    let rows_parsed = files.iter().map(|f| f.rows).sum();
    let read_calls_total = files.iter().map(|f| f.read_calls).sum();
    let capture_micros = files.iter().map(|f| f.capture_micros).sum::<Option<u64>>();

    let stalls = stalls(flavour, &reads_by_kind, listeners, positions, s, unix_listeners.len());
    let time = {
        let (mut per_call, mut rewalk, mut formatting) = (0.0, 0.0, 0.0);
        for (_, t) in &reads_by_kind {
            let reads = t.reads;
            per_call += reads as f64 * PER_CALL_US / 1000.0;
            formatting += t.bytes as f64 * t.ms_per_byte;
            rewalk +=
                t.ms(reads, t.bytes) - t.bytes as f64 * t.ms_per_byte - reads as f64 * PER_CALL_US / 1000.0;
        }
        let measured_ms = capture_micros.map(|us| us as f64 / 1000.0);
        let nominal_ms = if measured_ms.is_some() { 0.0 } else { formatting };
        Some(TimeEstimate {
            measured_ms,
            per_call_ms: per_call,
            rewalk_ms: rewalk,
            nominal_ms,
            total_ms: measured_ms.unwrap_or(0.0) + nominal_ms + per_call + rewalk,
        })
    };

    let socket_fds: u64 = s
        .processes
        .values()
        .map(|p| p.fds.iter().filter(|(_, t)| fdlink::socket_inode(t.as_bytes()).is_some()).count() as u64)
        .sum();
    let holders = s.processes.values().filter(|p| !p.fds.is_empty()).count() as u64;
    // A snapshot that has etc/os-release comes from a collector that also looks for
    // sys/fs/selinux/enforce; without either it cannot tell.
    let selinux_enabled = if s.selinux_enabled() {
        Some(true)
    } else if s.host_files.is_empty() {
        None
    } else {
        Some(false)
    };
    let reads_selinux = selinux_enabled == Some(true) && flavour.reads_selinux();
    let walk = match s.manifest.as_ref().and_then(|m| m.walk.as_ref()) {
        Some(w) => WalkCost {
            processes: w.pids_seen,
            dir_opens: 1 + w.pids_seen,
            readlinks: w.fds_read,
            cmdline_reads: holders,
            selinux_reads: if reads_selinux { w.socket_links } else { 0 },
            selinux_opens: if flavour.reads_selinux() { w.socket_links } else { 0 },
            source: "manifest".into(),
        },
        None => WalkCost {
            processes: holders,
            dir_opens: 1 + holders,
            readlinks: socket_fds,
            cmdline_reads: holders,
            selinux_reads: if reads_selinux { socket_fds } else { 0 },
            selinux_opens: if flavour.reads_selinux() { socket_fds } else { 0 },
            source: "snapshot".into(),
        },
    };
    let listen = |st: u8| st == crate::proc::inet::TCP_LISTEN;
    let ss_rows = counts.count(TableKind::Tcp, listen) + counts.count(TableKind::Tcp6, listen);
    let time_wait = counts.count(TableKind::Tcp, tw_state) + counts.count(TableKind::Tcp6, tw_state);
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
        rows_shown: stalls.1,
        read_calls: read_calls_total,
        page_size: s.params.page_size,
        walk,
        capture_micros,
        ss_rows,
        sockstat_bytes,
        story: Vec::new(),
        flavour,
        read_size,
        selinux_enabled,
        quadratic_reads: quadratic,
        time,
        stalls: stalls.0,
    };
    cost.story = story(time_wait, &cost);
    cost
}

/// The pauses in the flavour's output, and how many socket lines it prints. Lines are numbered
/// as [`crate::render::netstat_lines`] lists them: the two Internet header lines, the Internet
/// rows it prints, the two unix header lines, the unix rows (then RHEL's Bluetooth lines, which
/// read nothing). Headers are written before their section's tables are opened.
fn stalls(
    flavour: Flavour,
    tables: &[(TableKind, TableRead)],
    listeners: &[Listener],
    positions: &[RowPosition],
    s: &Snapshot,
    unix_count: usize,
) -> (Vec<Stall>, u64) {
    let printed = super::listeners::printed(flavour, listeners);
    let mut before = Mark::default();
    let mut prev = Mark::default();
    let mut prev_line: Option<u64> = None;
    let mut line = 0u64;
    let mut shown = 0u64;
    let mut out = Vec::new();
    let write =
        |at: Mark, out: &mut Vec<Stall>, line: &mut u64, prev: &mut Mark, prev_line: &mut Option<u64>| {
            *line += 1;
            if at.reads > prev.reads {
                out.push(Stall {
                    after: None,
                    after_line: *prev_line,
                    bytes: at.bytes - prev.bytes,
                    rows: at.dropped - prev.dropped,
                    time_wait_rows: at.time_wait - prev.time_wait,
                    read_calls: at.reads - prev.reads,
                    estimated_ms: at.ms - prev.ms,
                });
            }
            *prev = at;
            *prev_line = Some(*line);
        };
    // The Internet title and header.
    for _ in 0..2 {
        write(before, &mut out, &mut line, &mut prev, &mut prev_line);
    }
    let unix_positions: Vec<u64> =
        s.unix.iter().enumerate().filter(|(_, u)| u.is_listening()).map(|(i, _)| i as u64).collect();
    debug_assert_eq!(unix_positions.len(), unix_count);
    for (kind, t) in tables {
        if *kind == TableKind::Unix {
            for _ in 0..2 {
                write(before, &mut out, &mut line, &mut prev, &mut prev_line);
            }
        }
        let rows_here: Vec<(u64, u64)> = if *kind == TableKind::Unix {
            unix_positions.iter().map(|&r| (r, 0)).collect()
        } else {
            listeners
                .iter()
                .zip(positions)
                .zip(&printed)
                .filter(|((l, _), p)| l.proto == *kind && **p)
                .map(|((_, p), _)| (p.row, p.time_wait_before))
                .collect()
        };
        let mut printed_here = 0u64;
        for (row, tw) in rows_here {
            // Row `row` is line row+1 of the file (after the header); it ends at (row+2)·len.
            let end = ((row + 2) as f64 * t.line_len).round() as u64;
            let (reads, bytes) = t.reads_to(end.min(t.bytes));
            printed_here += 1;
            let at = Mark {
                reads: before.reads + reads,
                bytes: before.bytes + bytes,
                dropped: before.dropped + (row + 1) - printed_here,
                time_wait: before.time_wait + tw,
                ms: before.ms + t.ms(reads, bytes),
            };
            write(at, &mut out, &mut line, &mut prev, &mut prev_line);
        }
        let reads = t.reads;
        before = Mark {
            reads: before.reads + reads,
            bytes: before.bytes + t.bytes,
            dropped: before.dropped + t.rows - printed_here,
            time_wait: before.time_wait + t.time_wait,
            ms: before.ms + t.ms(reads, t.bytes),
        };
        shown += printed_here;
    }
    if !tables.iter().any(|(k, _)| *k == TableKind::Unix) {
        for _ in 0..2 {
            write(before, &mut out, &mut line, &mut prev, &mut prev_line);
        }
    }
    // What is read after the last line (the unix table's tail) delays the exit, not a line.
    if out.len() > MAX_STALLS {
        let mut keep: Vec<usize> = (0..out.len()).collect();
        crate::sort::keep_first(&mut keep, MAX_STALLS, |&a, &b| {
            out[b].bytes.cmp(&out[a].bytes).then(a.cmp(&b))
        });
        crate::sort::sort(&mut keep);
        out = keep.into_iter().map(|i| out[i].clone()).collect();
    }
    (out, shown)
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
            "{} of those rows ({}%) are TIME_WAIT: closed connections no process owns, which netstat must still read and parse before -l throws them away.",
            tw,
            crate::format::fixed(100.0 * tw as f64 / c.rows_parsed.max(1) as f64, 0)
        ));
    }
    out.push(format!(
        "It reads them {} bytes at a time: {}, each making the kernel format another {} of rows.",
        c.read_size_or_page(),
        count(c.read_calls, "read call", "read calls"),
        if c.read_size_or_page() < c.page_size { "KiB" } else { "page" }
    ));
    if c.quadratic_reads {
        out.push(
            "This kernel predates 2.6.36: every read of /proc/net/tcp walks the socket hash table again from the start, so each read is slower than the last and the whole read grows with the square of the rows.".into(),
        );
    }
    if let Some(us) = c.capture_micros {
        out.push(format!(
            "On capture the kernel took {} ms just to produce these files; netstat pays that, plus its own parsing, every time it runs.",
            crate::format::fixed(us as f64 / 1000.0, 1)
        ));
    }
    let w = &c.walk;
    let qualifier = if w.source == "manifest" { "" } else { "at least " };
    if w.source != "manifest" && w.processes == 0 {
        out.push("Before printing anything, -p walks /proc; this snapshot has no walk counters and no socket holders, so how many processes it visits is unknown.".into());
    } else {
        out.push(format!(
            "Before printing anything, -p walks /proc: {qualifier}{}, {qualifier}{}, {} and {}.",
            count(w.processes, "process", "processes"),
            count(w.readlinks, "readlink call", "readlink calls"),
            count(w.cmdline_reads, "cmdline read", "cmdline reads"),
            count(w.selinux_reads, "SELinux context read", "SELinux context reads")
        ));
    }
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

impl Cost {
    /// The read size; a report from before flavours has none and read a page.
    pub fn read_size_or_page(&self) -> u32 {
        if self.read_size == 0 { self.page_size } else { self.read_size }
    }
}
