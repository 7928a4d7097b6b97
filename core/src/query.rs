//! Row queries: filter, sort and page every socket row of a snapshot, for the viewer's Sockets
//! table, and the same rows as CSV for its export. The rows stay where the snapshot is (the
//! worker); a caller gets one page at a time, or the CSV bytes of the whole selection.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::proc::inet::InetSocket;
use crate::proc::unix::UnixSocket;
use crate::snapshot::Snapshot;

/// Rows in one page at most, whatever the query asks.
pub const MAX_PAGE: u32 = 2000;

/// Rows in one CSV export at most: the bytes pass through the page's memory (about 100 bytes a
/// row, twice), which a browser tab does not give back.
pub const MAX_CSV_ROWS: u64 = 1_000_000;

/// Every value [`SocketRow::proto`] takes, in netstat's table order: the protocol filter's list.
pub const PROTOS: [&str; 9] = ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6", "unix"];

/// Every value [`SocketRow::state`] takes: TCP's states, then what UDP and raw rows add
/// (`UNCONN`, as `ss` says it), then unix rows' (`UNCONNECTED` where netstat prints nothing).
/// The state filter's list.
pub const STATES: [&str; 18] = [
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "UNCONN",
    "UNCONNECTED",
    "CONNECTING",
    "CONNECTED",
    "DISCONNECTING",
    "FREE",
    "UNKNOWN",
];

/// The column rows are sorted by. Equal keys keep file order, in either direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    /// Table order, then file order: how netstat reads them.
    #[default]
    File,
    Proto,
    /// IPv4 before IPv6 (numerically), then the port; unix paths after them.
    Local,
    Remote,
    State,
    RecvQ,
    SendQ,
    /// Seconds left on the row's timer; rows without a running timer first.
    Timer,
    Inode,
    Uid,
    /// The program name, then the pid; rows without an owner first.
    Program,
}

/// Which socket rows to return: filters are ANDed; empty means "any".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RowQuery {
    /// Echoed in the answer so the caller can drop out-of-order pages.
    pub seq: u32,
    /// A table file name (`tcp`, `udp6`, `unix`…, see [`PROTOS`]).
    pub proto: String,
    /// One of [`STATES`]; `LISTEN` selects listening unix sockets too.
    pub state: String,
    /// Substring of the local or remote address.
    pub addr: String,
    /// Local or remote port.
    pub port: Option<u16>,
    pub pid: Option<u32>,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: u64,
    pub limit: u32,
}

impl RowQuery {
    /// The same rows as `other`, in the same order (paging aside).
    pub fn same_filter(&self, other: &RowQuery) -> bool {
        self.proto == other.proto
            && self.state == other.state
            && self.addr == other.addr
            && self.port == other.port
            && self.pid == other.pid
            && self.sort == other.sort
            && self.descending == other.descending
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RowPage {
    pub seq: u32,
    /// Rows matching the filters.
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<SocketRow>,
}

/// One socket row as the Sockets table shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SocketRow {
    pub proto: String,
    pub local: String,
    pub remote: String,
    pub state: String,
    /// Bytes waiting to be read (a LISTEN row: connections waiting to be accepted); `None` for
    /// unix rows, whose table has no queues.
    pub recv_q: Option<u32>,
    /// Bytes not yet acknowledged by the peer.
    pub send_q: Option<u32>,
    /// The running timer as `netstat -o` names it: `off`, `on` (retransmit), `keepalive`,
    /// `timewait`, `probe` (zero window); empty for unix rows.
    pub timer: String,
    /// Seconds left on that timer, at the capturing host's USER_HZ; `None` when none runs.
    pub timer_s: Option<f64>,
    pub inode: u64,
    pub uid: u32,
    /// netstat's owner: the first holder whose command line could be read.
    pub pid: Option<u32>,
    pub program: String,
    /// The network namespace (`net:[INODE]`) whose table holds the socket, when the snapshot
    /// records it: with every namespace shown at once, rows of two namespaces can be alike.
    #[serde(default)]
    pub netns: Option<u64>,
}

/// Indices of the rows matching `q`'s filters, numbered Internet rows first, then unix rows,
/// in `q`'s order.
pub fn select(s: &Snapshot, q: &RowQuery) -> Vec<u32> {
    let mut rows = matching(s, q);
    sort(s, &mut rows, q.sort, q.descending);
    rows
}

/// Indices of the rows matching `q`'s filters, in file order.
pub fn matching(s: &Snapshot, q: &RowQuery) -> Vec<u32> {
    let mut out = Vec::new();
    let want_unix = q.proto.is_empty() || q.proto == "unix";
    let want_inet = q.proto != "unix";
    if want_inet {
        for (i, r) in s.inet.iter().enumerate() {
            if inet_matches(s, &r, q) {
                out.push(i as u32);
            }
        }
    }
    // Unix rows have no ports.
    if want_unix && q.port.is_none() {
        let base = s.inet.len();
        for (i, u) in s.unix.iter().enumerate() {
            let ok = (q.state.is_empty() || unix_state(u) == q.state)
                && (q.addr.is_empty() || u.path.lossy().contains(&q.addr))
                && q.pid.is_none_or(|p| s.owners.holders(u.inode).iter().any(|h| h.pid == p));
            if ok {
                out.push((base + i) as u32);
            }
        }
    }
    out
}

/// One sort key for every column (a single comparison, so the sort is compiled once): a class,
/// a number, bytes, a second number. Ascending, `None`s come first.
type Key<'a> = (u8, u128, &'a [u8], u64);

fn key(s: &Snapshot, i: usize, by: SortKey) -> Key<'_> {
    let num = |v: Option<u64>| (u8::from(v.is_some()), u128::from(v.unwrap_or(0)), &[][..], 0);
    let addr = |ip: IpAddr, port: u16| match ip {
        IpAddr::V4(a) => (0, u128::from(u32::from(a)), &[][..], u64::from(port)),
        IpAddr::V6(a) => (1, u128::from(a), &[][..], u64::from(port)),
    };
    let owner = |inode: u64| match s.owners.netstat_owner(inode) {
        Some((pid, program)) => (1, 0, program, u64::from(pid)),
        None => (0, 0, &[][..], 0),
    };
    let name = |n: &'static str| (0, 0, n.as_bytes(), 0);
    if let Some(r) = s.inet.get(i) {
        return match by {
            SortKey::File => num(Some(i as u64)),
            SortKey::Proto => name(r.table.file_name()),
            SortKey::Local => addr(r.local_addr, r.local_port),
            SortKey::Remote => addr(r.remote_addr, r.remote_port),
            SortKey::State => name(r.state_name()),
            SortKey::RecvQ => num(Some(r.rx_queue.into())),
            SortKey::SendQ => num(Some(r.tx_queue.into())),
            SortKey::Timer => num((r.timer != 0).then_some(r.timer_ticks.into())),
            SortKey::Inode => num(Some(r.inode)),
            SortKey::Uid => num(Some(r.uid.into())),
            SortKey::Program => owner(r.inode),
        };
    }
    let Some(u) = s.unix.get(i - s.inet.len()) else { return num(None) };
    match by {
        SortKey::File => num(Some(i as u64)),
        SortKey::Proto => name("unix"),
        SortKey::Local => (2, 0, u.path.as_bytes(), 0),
        SortKey::Remote => (2, 0, &[][..], 0),
        SortKey::State => name(unix_state(u)),
        SortKey::RecvQ | SortKey::SendQ | SortKey::Timer => num(None),
        SortKey::Inode => num(Some(u.inode)),
        SortKey::Uid => num(Some(0)),
        SortKey::Program => owner(u.inode),
    }
}

/// Sorts `rows` ([`matching`]'s numbering) by `by`; equal keys keep file order either way.
pub fn sort(s: &Snapshot, rows: &mut [u32], by: SortKey, descending: bool) {
    if by == SortKey::File {
        if descending {
            rows.reverse();
        }
        return;
    }
    let keys: Vec<Key<'_>> = rows.iter().map(|&i| key(s, i as usize, by)).collect();
    let order = crate::sort::order(keys.len(), &|a, b| {
        let o = keys[a].cmp(&keys[b]);
        if descending { o.reverse() } else { o }
    });
    let sorted: Vec<u32> = order.iter().map(|&k| rows[k as usize]).collect();
    rows.copy_from_slice(&sorted);
}

/// The page of `matched` (from [`select`]) that `q` asks for.
pub fn page(s: &Snapshot, matched: &[u32], q: &RowQuery) -> RowPage {
    let start = (q.offset.min(matched.len() as u64)) as usize;
    let end = (start + q.limit.min(MAX_PAGE) as usize).min(matched.len());
    RowPage {
        seq: q.seq,
        total: matched.len() as u64,
        offset: start as u64,
        rows: matched[start..end].iter().filter_map(|&i| row(s, i as usize)).collect(),
    }
}

/// The CSV header: one column per [`SocketRow`] field, addresses split from their ports.
/// `netns` is last: it was added after the others (empty when the snapshot does not say).
pub const CSV_HEADER: &str = "proto,local_address,local_port,remote_address,remote_port,state,recv_q,send_q,timer,timer_s,inode,uid,pid,program,netns";

/// `matched` (from [`select`], at most [`MAX_CSV_ROWS`] of them) as RFC 4180 CSV with
/// [`CSV_HEADER`], lines ending in CRLF. Unix rows have their path as local address and empty
/// ports, queues and timer. Values are written as they are (no spreadsheet-formula escaping):
/// the file is data for tools, and a cell can hold a program name that starts with `-`.
pub fn csv(s: &Snapshot, matched: &[u32]) -> Vec<u8> {
    let rows = &matched[..matched.len().min(MAX_CSV_ROWS as usize)];
    let mut out = String::with_capacity(CSV_HEADER.len() + 2 + rows.len() * 96);
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let netns = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for &i in rows {
        let Some(r) = row(s, i as usize) else { continue };
        let (local, local_port) = split_endpoint(&r.local, r.proto != "unix");
        let (remote, remote_port) = split_endpoint(&r.remote, r.proto != "unix");
        for (n, field) in [
            &r.proto,
            local,
            local_port,
            remote,
            remote_port,
            &r.state,
            &opt(r.recv_q),
            &opt(r.send_q),
            &r.timer,
            // Hundredths: USER_HZ is 100 on every common architecture.
            &r.timer_s.map(|t| crate::format::fixed(t, 2)).unwrap_or_default(),
            &r.inode.to_string(),
            &r.uid.to_string(),
            &opt(r.pid),
            &r.program,
            &netns(r.netns),
        ]
        .into_iter()
        .enumerate()
        {
            if n > 0 {
                out.push(',');
            }
            csv_field(&mut out, field);
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// `1.2.3.4:80` → (`1.2.3.4`, `80`), `[::1]:80` → (`::1`, `80`); a unix path stays whole.
fn split_endpoint(e: &str, inet: bool) -> (&str, &str) {
    match e.rsplit_once(':') {
        Some((host, port)) if inet => (host.trim_start_matches('[').trim_end_matches(']'), port),
        _ => (e, ""),
    }
}

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\r', '\n']) || v.starts_with(' ') || v.ends_with(' ') {
        let _ = write!(out, "\"{}\"", v.replace('"', "\"\""));
    } else {
        out.push_str(v);
    }
}

/// Row `i` ([`matching`]'s numbering).
pub fn row(s: &Snapshot, i: usize) -> Option<SocketRow> {
    let Some(r) = s.inet.get(i) else {
        let u = s.unix.get(i - s.inet.len())?;
        return Some(SocketRow {
            netns: u.netns.or(s.selected_netns()),
            ..SocketRow::from(&unix_record(s, u))
        });
    };
    let record = inet_record(s, &r);
    // What the table shows beyond an export record: queues and the timer's kind and seconds.
    Some(SocketRow {
        recv_q: Some(r.rx_queue),
        send_q: Some(r.tx_queue),
        timer: timer_name(r.timer).into(),
        timer_s: record.timer_ticks.map(|t| f64::from(t) / f64::from(s.params.user_hz.max(1))),
        netns: s.inet.netns_of(i).or(s.selected_netns()),
        ..SocketRow::from(&record)
    })
}

/// One socket with every field an export carries; the Sockets table's [`SocketRow`] is made
/// from it. Borrowed and unformatted, so a million of them cost no allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketRecord<'a> {
    /// The table's file name (`tcp`, `udp6`, `unix`…).
    pub proto: &'static str,
    /// netstat's state name (`TIME_WAIT`); unix: `LISTEN` or `UNCONNECTED` where netstat
    /// prints another word or none (see [`SocketRow`]).
    pub state: &'static str,
    /// Internet rows: the addresses and ports; unix rows: `path` instead.
    pub local: Option<(IpAddr, u16)>,
    pub remote: Option<(IpAddr, u16)>,
    pub path: Option<&'a [u8]>,
    pub inode: u64,
    /// The row's uid column (unix rows have none).
    pub uid: Option<u32>,
    /// netstat's owner: the first holder whose command line could be read, and its program.
    pub pid: Option<u32>,
    pub program: Option<&'a [u8]>,
    /// Time left on the row's timer (TIME_WAIT, retransmit, keepalive…), in clock ticks of the
    /// host's USER_HZ; `None` when no timer runs.
    pub timer_ticks: Option<u32>,
}

impl From<&SocketRecord<'_>> for SocketRow {
    fn from(r: &SocketRecord<'_>) -> SocketRow {
        let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let ep = |e: Option<(IpAddr, u16)>| e.map(|(ip, port)| endpoint(ip, port));
        SocketRow {
            proto: r.proto.to_string(),
            local: ep(r.local).unwrap_or_else(|| text(r.path)),
            remote: ep(r.remote).unwrap_or_default(),
            state: r.state.to_string(),
            inode: r.inode,
            uid: r.uid.unwrap_or(0),
            pid: r.pid,
            program: text(r.program),
            ..Default::default()
        }
    }
}

/// Every socket of the snapshot, Internet rows first (tables in netstat's order), then unix.
pub fn records(s: &Snapshot) -> impl Iterator<Item = SocketRecord<'_>> + '_ {
    s.inet.iter().map(move |r| inet_record(s, &r)).chain(s.unix.iter().map(move |u| unix_record(s, u)))
}

fn inet_record<'a>(s: &'a Snapshot, r: &InetSocket) -> SocketRecord<'a> {
    let owner = s.owners.netstat_owner(r.inode);
    SocketRecord {
        proto: r.table.file_name(),
        state: r.state_name(),
        local: Some((r.local_addr, r.local_port)),
        remote: Some((r.remote_addr, r.remote_port)),
        path: None,
        inode: r.inode,
        uid: Some(r.uid),
        pid: owner.map(|o| o.0),
        program: owner.map(|o| o.1),
        timer_ticks: (r.timer != 0).then_some(r.timer_ticks),
    }
}

fn unix_record<'a>(s: &'a Snapshot, u: &'a UnixSocket) -> SocketRecord<'a> {
    let owner = s.owners.netstat_owner(u.inode);
    SocketRecord {
        proto: "unix",
        state: unix_state(u),
        local: None,
        remote: None,
        path: Some(u.path.as_bytes()),
        inode: u.inode,
        uid: None,
        pid: owner.map(|o| o.0),
        program: owner.map(|o| o.1),
        timer_ticks: None,
    }
}

/// `netstat -o`'s timer names (net-tools `lib/inet.c`).
fn timer_name(timer: u8) -> &'static str {
    match timer {
        0 => "off",
        1 => "on",
        2 => "keepalive",
        3 => "timewait",
        4 => "probe",
        _ => "unknown",
    }
}

/// netstat's state word, with the two the table needs a word for where netstat prints
/// another or none: listening is `LISTEN` as for TCP, unconnected `UNCONNECTED`.
fn unix_state(u: &UnixSocket) -> &'static str {
    if u.is_listening() {
        return "LISTEN";
    }
    match u.state_name() {
        "" => "UNCONNECTED",
        name => name,
    }
}

fn endpoint(ip: IpAddr, port: u16) -> String {
    SocketAddr::new(ip, port).to_string()
}

fn inet_matches(s: &Snapshot, r: &InetSocket, q: &RowQuery) -> bool {
    (q.proto.is_empty() || r.table.file_name() == q.proto)
        && (q.state.is_empty() || r.state_name() == q.state)
        && q.port.is_none_or(|p| r.local_port == p || r.remote_port == p)
        && q.pid.is_none_or(|p| s.owners.holders(r.inode).iter().any(|h| h.pid == p))
        && (q.addr.is_empty()
            || r.local_addr.to_string().contains(&q.addr)
            || r.remote_addr.to_string().contains(&q.addr))
}
