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
    if let Some(r) = s.inet.get(i) {
        let (pid, program) = owner(s, r.inode);
        return Some(SocketRow {
            proto: r.table.file_name().to_string(),
            local: endpoint(r.local_addr, r.local_port),
            remote: endpoint(r.remote_addr, r.remote_port),
            state: r.state_name().to_string(),
            inode: r.inode,
            uid: r.uid,
            pid,
            program,
        });
    }
    let u = s.unix.get(i - s.inet.len())?;
    let (pid, program) = owner(s, u.inode);
    Some(SocketRow {
        proto: "unix".into(),
        local: u.path.lossy().into_owned(),
        remote: String::new(),
        state: unix_state(u).into(),
        inode: u.inode,
        uid: 0,
        pid,
        program,
    })
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

fn owner(s: &Snapshot, inode: u64) -> (Option<u32>, String) {
    match s.owners.netstat_owner(inode) {
        Some((pid, program)) => (Some(pid), String::from_utf8_lossy(program).into_owned()),
        None => (None, String::new()),
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
