//! Row queries: filter and page every socket row of a snapshot, for the viewer's Sockets table.
//! The rows stay where the snapshot is (the worker); a caller gets one page at a time.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::proc::inet::InetSocket;
use crate::proc::unix::UnixSocket;
use crate::snapshot::Snapshot;

/// Rows in one page at most, whatever the query asks.
pub const MAX_PAGE: u32 = 2000;

/// Which socket rows to return: filters are ANDed; empty means "any".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RowQuery {
    /// Echoed in the answer so the caller can drop out-of-order pages.
    pub seq: u32,
    /// A table file name (`tcp`, `udp6`, `unix`…).
    pub proto: String,
    /// netstat's state name (`TIME_WAIT`); `LISTEN` selects listening unix sockets too.
    pub state: String,
    /// Substring of the local or remote address.
    pub addr: String,
    /// Local or remote port.
    pub port: Option<u16>,
    pub pid: Option<u32>,
    pub offset: u64,
    pub limit: u32,
}

impl RowQuery {
    /// The same rows as `other` (paging aside).
    pub fn same_filter(&self, other: &RowQuery) -> bool {
        self.proto == other.proto
            && self.state == other.state
            && self.addr == other.addr
            && self.port == other.port
            && self.pid == other.pid
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
    pub inode: u64,
    pub uid: u32,
    /// netstat's owner: the first holder whose command line could be read.
    pub pid: Option<u32>,
    pub program: String,
}

/// Indices of the rows matching `q`'s filters, numbered Internet rows first, then unix rows.
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
    // Unix rows have no ports; of the states, only "listening" is asked for.
    if want_unix && q.port.is_none() && (q.state.is_empty() || q.state == "LISTEN") {
        let base = s.inet.len();
        for (i, u) in s.unix.iter().enumerate() {
            let ok = (q.state.is_empty() || u.is_listening())
                && (q.addr.is_empty() || u.path.lossy().contains(&q.addr))
                && q.pid.is_none_or(|p| s.owners.holders(u.inode).iter().any(|h| h.pid == p));
            if ok {
                out.push((base + i) as u32);
            }
        }
    }
    out
}

/// The page of `matched` (from [`matching`]) that `q` asks for.
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

/// Row `i` ([`matching`]'s numbering).
pub fn row(s: &Snapshot, i: usize) -> Option<SocketRow> {
    let r = match s.inet.get(i) {
        Some(r) => inet_record(s, &r),
        None => unix_record(s, s.unix.get(i - s.inet.len())?),
    };
    Some(SocketRow::from(&r))
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
