//! The report: what the CLI prints and the viewer shows, one implementation for both.
//!
//! Serialised as JSON by `procsnap report --format json`; the schema is documented in
//! `docs/report-json.md` and versioned by [`SCHEMA_VERSION`]: fields may be added within a
//! version, never removed or renamed.

use serde::{Deserialize, Serialize};

use crate::analysis::cost::RowPosition;
use crate::analysis::listeners::Listener as ListenerRow;
use crate::analysis::namespaces::NamespaceSummary;
use crate::analysis::{
    cost::Cost,
    listeners::{Listener, UnixListener},
    timewait::TimeWait,
    volume::Volume,
};
use crate::archive::Container;
use crate::files::{self, FileInfo};
use crate::flavour::NetstatChoice;
use crate::manifest::WalkStats;
use crate::proc::inet_rows::{InetTable, PackedRow};
use crate::snapshot::Snapshot;
use crate::types::{ByteOrder, Diagnostic};

pub const SCHEMA_VERSION: u32 = 1;

/// Diagnostics beyond this many are counted, not listed.
const MAX_DIAGNOSTICS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub host: Host,
    /// What `netstat -nlp` lists in its Internet section, in its order.
    pub listeners: Vec<Listener>,
    /// What `netstat -nlp` lists in its UNIX section, in its order.
    pub unix_listeners: Vec<UnixListener>,
    /// The unix table had an Inode column (netstat prints `-` and the inode as path otherwise).
    pub unix_has_inode: bool,
    pub volume: Volume,
    pub time_wait: TimeWait,
    pub cost: Cost,
    pub files: Vec<FileInfo>,
    pub walk: Option<WalkStats>,
    pub diagnostics: Diagnostics,
    /// Present when this report was opened from a share link.
    #[serde(default)]
    pub shared: Option<SharedInfo>,
    /// The netstat flavour `listeners`' program names, the netstat text and the cost follow,
    /// and why it was chosen. (Default, for links made before flavours: net-tools 2.10.)
    #[serde(default)]
    pub netstat: NetstatChoice,
    /// Every network namespace of the snapshot, the collector's own first; the rest of the
    /// report describes the one marked `selected`.
    #[serde(default)]
    pub namespaces: Vec<NamespaceSummary>,
    /// Why the namespace list may be incomplete (not root, `--netns self`, vanished ones).
    #[serde(default)]
    pub namespace_note: Option<String>,
}

/// Marks a report opened from a share link, and summarises what the link left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedInfo {
    pub link_version: u32,
    /// What was redacted: `addresses`, `args`, `hostname`.
    pub redactions: Vec<String>,
    pub files: u64,
    pub file_bytes: u64,
    pub hashes_checked: u64,
    pub hash_mismatches: u64,
}

impl Report {
    /// Record file hashes computed after the report (see [`crate::archive::hash_files`]) for the
    /// files whose SHA-256 the manifest records; a mismatch becomes a diagnostic, as in a decode
    /// that hashed. Returns how many files differ.
    pub fn check_hashes(&mut self, hashes: &[(String, String)]) -> usize {
        let differ = files::record_hashes(&mut self.files, hashes);
        for d in &differ {
            self.diagnostics.total += 1;
            if self.diagnostics.items.len() < MAX_DIAGNOSTICS {
                self.diagnostics.items.push(d.clone());
            }
        }
        differ.len()
    }
}

/// Facts about the captured host and the capture, from the manifest when there is one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Host {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub arch: Option<String>,
    pub byte_order: Option<ByteOrder>,
    pub user_hz: u32,
    pub page_size: u32,
    pub uid: Option<u32>,
    /// `hidepid=` of the captured host's /proc, when set: other users' processes were hidden.
    #[serde(default)]
    pub proc_hidepid: Option<String>,
    pub tool: Option<String>,
    pub format_version: Option<u32>,
    pub capture_start: Option<String>,
    pub capture_end: Option<String>,
    pub capture_duration_us: Option<u64>,
    pub container: Option<Container>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Diagnostics {
    pub total: u64,
    /// The first ones, in file order.
    pub items: Vec<Diagnostic>,
}

/// The per-row work of [`build`] over one chunk of rows. A function called once per chunk, not
/// once for all rows: in WebAssembly, V8 runs a long call in baseline code to its end and
/// optimises a function only for its later calls.
#[inline(never)]
#[allow(clippy::too_many_arguments)] // one call per chunk, its accumulators passed apart for speed
fn rows_pass(
    t: &InetTable,
    chunk: &[PackedRow],
    order: ByteOrder,
    counts: &mut crate::analysis::volume::StateCounts,
    tw: &mut crate::analysis::timewait::Accumulator,
    shown: &mut Vec<crate::proc::inet::InetSocket>,
    positions: &mut Vec<RowPosition>,
    at: &mut RowPosition,
) {
    let kind = t.kind();
    let tcp = kind.is_tcp();
    counts.add_rows(kind, chunk.len());
    for p in chunk {
        counts.add(kind, p.state);
        if tcp {
            tw.add(t, p, order);
            if p.remote_port == 0 {
                shown.push(t.unpack(p, order));
                positions.push(*at);
            }
            at.time_wait_before += (p.state == crate::proc::inet::TCP_TIME_WAIT) as u64;
        } else if t.remote_is_unspecified(p) {
            shown.push(t.unpack(p, order));
            positions.push(*at);
        }
        at.row += 1;
    }
}

/// Rows from which the report's pass is split across the threads the host lent.
const SPLIT_FROM_ROWS: usize = 1 << 17;

/// The threads for the report's pass over `rows` rows, if it is worth splitting.
fn split_fork(s: &Snapshot, rows: usize) -> Option<&'static dyn crate::types::Fork> {
    // WebAssembly here has no threads (its fork is always `None`): without this the merge
    // would only add to the viewer's download.
    if cfg!(target_family = "wasm") {
        return None;
    }
    s.fork.filter(|_| rows >= SPLIT_FROM_ROWS)
}

/// What [`build`] gathers from the rows, over a run of chunks in table order: all of them, or
/// one thread's half ([`RowsPass::append`] joins two halves).
struct RowsPass {
    counts: crate::analysis::volume::StateCounts,
    tw: crate::analysis::timewait::Accumulator,
    /// The rows netstat shows, their positions in their tables and their namespaces.
    shown: Vec<crate::proc::inet::InetSocket>,
    positions: Vec<RowPosition>,
    shown_netns: Vec<Option<u64>>,
    /// The kind of the first and of the last table passed, whether they differ, and the
    /// position after the last row passed.
    first_kind: Option<crate::layout::TableKind>,
    kind: Option<crate::layout::TableKind>,
    changed_kind: bool,
    at: RowPosition,
    /// Shown rows before the run's first change of table kind: a later half's positions of
    /// these count from the half's start, not from their table's.
    first_kind_shown: usize,
}

impl RowsPass {
    /// The pass over `chunks`, gathering the TIME_WAIT figures into `tw`.
    fn run<'a>(
        s: &Snapshot,
        chunks: impl Iterator<Item = (&'a InetTable, &'a [PackedRow])>,
        tw: crate::analysis::timewait::Accumulator,
    ) -> RowsPass {
        let mut pass = RowsPass {
            counts: Default::default(),
            tw,
            shown: Vec::new(),
            positions: Vec::new(),
            shown_netns: Vec::new(),
            first_kind: None,
            kind: None,
            changed_kind: false,
            at: RowPosition::default(),
            first_kind_shown: 0,
        };
        let order = s.inet.byte_order();
        // Each shown row's namespace: its table's (every namespace at once), else the selected one's.
        let selected_netns = s.selected_netns();
        for (t, chunk) in chunks {
            // Tables of one kind from several namespaces (all at once) count as one file, read in turn.
            if pass.kind != Some(t.kind()) {
                if pass.kind.is_none() {
                    pass.first_kind = Some(t.kind());
                } else if !pass.changed_kind {
                    pass.changed_kind = true;
                    pass.first_kind_shown = pass.shown.len();
                }
                pass.at = RowPosition::default();
                pass.kind = Some(t.kind());
            }
            let RowsPass { counts, tw, shown, positions, at, .. } = &mut pass;
            rows_pass(t, chunk, order, counts, tw, shown, positions, at);
            pass.shown_netns.resize(pass.shown.len(), t.netns.or(selected_netns));
        }
        if !pass.changed_kind {
            pass.first_kind_shown = pass.shown.len();
        }
        pass
    }

    /// The pass over one thread's share of the chunks, `tw` sized to their TCP rows.
    fn over(s: &Snapshot, chunks: &[(&InetTable, &[PackedRow])]) -> RowsPass {
        let tcp_rows = chunks.iter().filter(|(t, _)| t.kind().is_tcp()).map(|(_, c)| c.len()).sum();
        let tw = crate::analysis::timewait::Accumulator::for_rows(s, tcp_rows);
        RowsPass::run(s, chunks.iter().copied(), tw)
    }

    /// Add `later`, the pass over the chunks after these: the result is one pass over both.
    fn append(&mut self, mut later: RowsPass) {
        let Some(later_first) = later.first_kind else { return };
        if self.first_kind.is_none() {
            *self = later;
            return;
        }
        self.counts.merge(&later.counts);
        self.tw.merge(later.tw);
        // A table (or run of tables of one kind) split between the halves: the later half's
        // positions in it count on from this half's.
        if self.kind == Some(later_first) {
            let at = self.at;
            let move_on = |p: &mut RowPosition| {
                p.row += at.row;
                p.time_wait_before += at.time_wait_before;
            };
            later.positions[..later.first_kind_shown].iter_mut().for_each(move_on);
            if !later.changed_kind {
                move_on(&mut later.at);
            }
        }
        // Appended to again, the shown rows before the first change of kind are still counted.
        if !self.changed_kind && self.kind == Some(later_first) {
            self.first_kind_shown += later.first_kind_shown;
        }
        self.changed_kind |= later.changed_kind || self.kind != Some(later_first);
        self.shown.append(&mut later.shown);
        self.positions.append(&mut later.positions);
        self.shown_netns.append(&mut later.shown_netns);
        self.kind = later.kind;
        self.at = later.at;
    }
}

/// The report: every analysis of the snapshot, ready to render or to send to the viewer.
pub fn build(s: &Snapshot) -> Report {
    let m = s.manifest.as_ref();
    let host = Host {
        hostname: m.and_then(|m| m.host.hostname.clone()),
        kernel: m.and_then(|m| m.host.kernel.clone()),
        arch: m.and_then(|m| m.host.arch.clone()),
        byte_order: Some(s.params.byte_order),
        user_hz: s.params.user_hz,
        page_size: s.params.page_size,
        uid: m.and_then(|m| m.host.uid),
        proc_hidepid: m.and_then(|m| m.host.proc_hidepid.clone()),
        tool: m.and_then(|m| m.tool.clone()),
        format_version: m.map(|m| m.format_version),
        capture_start: m.and_then(|m| m.capture.start.clone()),
        capture_end: m.and_then(|m| m.capture.end.clone()),
        capture_duration_us: m.and_then(|m| m.capture.duration_us),
        container: Some(s.container),
    };
    // One pass over the rows finds the listeners and feeds every per-row analysis: on a
    // million-row snapshot each pass is mostly memory traffic, so fewer passes is most of the speed.
    // Every chunk of rows, tables in order. With threads lent, the later half is passed on the
    // other thread and the two passes are merged.
    let every_chunk = || s.inet.tables().iter().flat_map(|t| t.chunks().map(move |c| (t, c)));
    let rows = s.inet.tables().iter().map(InetTable::len).sum();
    let RowsPass { counts, tw, shown, positions, shown_netns, .. } = match split_fork(s, rows) {
        Some(fork) => {
            let chunks: Vec<_> = every_chunk().collect();
            let mut before = 0;
            let cut = chunks
                .iter()
                .position(|(_, c)| {
                    let reached = before >= rows / 2;
                    before += c.len();
                    reached
                })
                .unwrap_or(chunks.len());
            let (early, late) = chunks.split_at(cut);
            let (mut first, mut second) = (None, None);
            // Each half also sorts its TIME_WAIT remote addresses.
            let half = |chunks: &[(&InetTable, &[PackedRow])]| {
                let mut pass = RowsPass::over(s, chunks);
                pass.tw.count_remotes();
                Some(pass)
            };
            fork.both(&mut || first = half(early), &mut || second = half(late));
            let (Some(mut first), Some(second)) = (first, second) else { unreachable!("a fork runs both") };
            first.append(second);
            first
        }
        None => RowsPass::run(s, every_chunk(), crate::analysis::timewait::Accumulator::new(s)),
    };
    debug_assert!(shown.iter().all(crate::analysis::listeners::netstat_shows));
    let listeners: Vec<_> = shown
        .iter()
        .zip(shown_netns)
        .map(|(r, netns)| crate::analysis::listeners::Listener {
            netns,
            ..crate::analysis::listeners::inet_listener(s, r)
        })
        .collect();
    let unix_listeners = crate::analysis::listeners::unix(s);
    let volume = crate::analysis::volume::build(s, &counts);
    let time_wait = tw.finish(s, &listeners);
    let cost = crate::analysis::cost::build(s, &counts, &listeners, &positions, &unix_listeners);
    let mut diagnostics: Vec<Diagnostic> = s.diagnostics.iter().take(MAX_DIAGNOSTICS).cloned().collect();
    let mut total = s.diagnostics.len() as u64;
    if let Some(d) = byte_order_hint(s, &listeners) {
        total += 1;
        diagnostics.insert(0, d);
    }
    Report {
        schema_version: SCHEMA_VERSION,
        host,
        listeners,
        unix_listeners,
        unix_has_inode: s.unix_has_inode,
        volume,
        time_wait,
        cost,
        files: s.files.clone(),
        walk: m.and_then(|m| m.walk.clone()),
        diagnostics: Diagnostics { total, items: diagnostics },
        shared: None,
        netstat: s.netstat.clone(),
        namespaces: Vec::new(),
        namespace_note: crate::analysis::namespaces::note(s),
    }
}

/// [`build`] with every namespace's summary: `s`'s selected namespace is the report's, the
/// others are analysed one by one (each namespace's rows are passed once).
pub fn build_all(s: &mut Snapshot) -> Report {
    use crate::analysis::namespaces as ns;
    let mut report = build(s);
    let selected = s.selected;
    let mut summaries = Vec::with_capacity(s.namespaces.len());
    // The processes of each namespace, as pids (the borrow must not outlive the swaps below).
    let members: Vec<Vec<u32>> =
        ns::members(s).into_iter().map(|m| m.into_iter().map(|p| p.pid).collect()).collect();
    for (i, pids) in members.iter().enumerate() {
        let r;
        let analysed = if i == selected {
            Some(&report)
        } else if s.namespaces[i].vanished {
            // No tables: nothing to analyse (and a hostile list of thousands costs nothing).
            None
        } else {
            s.select_netns(i);
            r = build(s);
            Some(&r)
        };
        let procs: Vec<&crate::proc::process::Process> =
            pids.iter().filter_map(|p| s.processes.get(p)).collect();
        summaries.push(match analysed {
            Some(r) => {
                let shown = (r.listeners.len() + r.unix_listeners.len()) as u64;
                ns::summary(s, i, &procs, &r.volume, &r.time_wait, shown)
            }
            None => ns::without_tables(s, i, &procs),
        });
    }
    s.select_netns(selected);
    for (i, n) in summaries.iter_mut().enumerate() {
        n.selected = i == selected;
    }
    report.namespaces = summaries;
    report
}

/// A big-endian capture read as little-endian shows loopback listeners as `1.0.0.127` (and
/// `::1` as `::100:0`): say so, since nothing else in the tables looks wrong.
fn byte_order_hint(s: &Snapshot, listeners: &[ListenerRow]) -> Option<Diagnostic> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let swapped_v4 = IpAddr::V4(Ipv4Addr::new(1, 0, 0, 127));
    let swapped_v6 = IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0x100, 0));
    let has = |ip: IpAddr| listeners.iter().any(|l| l.local_addr == ip);
    let (seen, order, other) = match s.params.byte_order {
        ByteOrder::Little => (has(swapped_v4) || has(swapped_v6), "little", "big"),
        ByteOrder::Big => (has(swapped_v4) || has(swapped_v6), "big", "little"),
    };
    let loopback = has(IpAddr::V4(Ipv4Addr::LOCALHOST)) || has(IpAddr::V6(Ipv6Addr::LOCALHOST));
    (seen && !loopback).then(|| {
        let table = listeners.iter().find(|l| l.local_addr == swapped_v4 || l.local_addr == swapped_v6);
        Diagnostic::new(
            &format!("proc/net/{}", table.map_or("tcp", |l| l.proto.file_name())),
            0,
            &format!(
                "listeners on 1.0.0.127 (or ::100:0) and none on loopback: this capture was probably made on a {other}-endian host and read as {order}-endian; try --byte-order {other}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pass over the rows in two halves, joined, is the pass in one: cut between any two
    /// chunks (between tables, inside a table of two chunks, with either half empty), and with
    /// the TIME_WAIT rows of a half few (listed) or many (counted in arrays) on either side.
    #[test]
    fn a_pass_in_two_halves_is_the_pass_in_one() {
        // tcp: 500 TIME_WAIT (few); tcp6: one whole chunk, then ~900 rows (few again).
        let story =
            crate::synth::SeedStory { server_time_wait: 66_000, client_time_wait: 500, ..Default::default() };
        let bytes = crate::synth::seed_story(&story);
        // One table of two chunks, with listeners in both: the second's positions count on.
        use crate::synth::kernel_text::{InetRow, tcp_table};
        use std::net::Ipv4Addr;
        let listener = |port: u16| InetRow::v4(Ipv4Addr::UNSPECIFIED, port, Ipv4Addr::UNSPECIFIED, 0, 0x0A);
        let mut rows: Vec<InetRow> = (0..70_000u32)
            .map(|i| InetRow::v4(Ipv4Addr::new(10, 0, 0, 5), 81, Ipv4Addr::from(0x0A40_0000 | i), 40_000, 6))
            .collect();
        for (at, port) in [(10, 22), (65_600, 8080), (69_999, 9090)] {
            rows[at] = listener(port).inode(7_000 + port as u64);
        }
        let bare = tcp_table(&rows).into_bytes();
        for (name, bytes) in [("seed story", bytes), ("bare table", bare)] {
            let s = crate::snapshot::decode(&bytes, &Default::default(), &mut |_| true).unwrap();
            let chunks: Vec<(&InetTable, &[PackedRow])> =
                s.inet.tables().iter().flat_map(|t| t.chunks().map(move |c| (t, c))).collect();
            let sizes: Vec<usize> = chunks.iter().map(|(_, c)| c.len()).collect();
            assert!(sizes.len() >= 2 && sizes.contains(&65_536), "{name}: {sizes:?}");
            let figures = |p: RowsPass| {
                let time_wait = p.tw.finish(&s, &[]);
                (p.counts, p.shown, p.positions, p.shown_netns, p.kind, p.at, time_wait)
            };
            let whole = figures(RowsPass::over(&s, &chunks));
            assert!(whole.1.len() >= 3 && whole.6.count > 60_000, "{name}: {} shown", whole.1.len());
            for cut in 0..=chunks.len() {
                let mut first = RowsPass::over(&s, &chunks[..cut]);
                first.append(RowsPass::over(&s, &chunks[cut..]));
                assert!(figures(first) == whole, "{name}: cut before chunk {cut} of {sizes:?}");
            }
        }
    }
}
