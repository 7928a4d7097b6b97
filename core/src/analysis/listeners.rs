//! Listeners: exactly the rows `netstat -nlp` keeps (net-tools 2.10 rules), with every holder.
//!
//! - tcp, tcp6: the remote *port* is 0 (the state is not checked);
//! - udp, udplite, raw (and their v6 tables): the remote *address* is all zeros;
//! - unix: state UNCONNECTED with the listening flag.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::flavour::Flavour;
use crate::layout::TableKind;
use crate::proc::inet::InetSocket;
use crate::proc::unix::UnixSocket;
use crate::raw_text::RawText;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub proto: TableKind,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    pub state: u8,
    pub state_name: String,
    /// netstat's Recv-Q (the rx queue; for LISTEN, the accept backlog in use).
    pub recv_q: u32,
    pub send_q: u32,
    pub uid: u32,
    pub inode: u64,
    /// netstat's `PID/Program name` text (`-` when unknown).
    pub netstat_program: RawText,
    pub holders: Vec<HolderInfo>,
    /// The network namespace (`net:[INODE]`) whose table holds the socket, when the snapshot
    /// records it: with every namespace shown at once, (proto, address, port) is no longer unique.
    #[serde(default)]
    pub netns: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnixListener {
    pub refcount: u32,
    pub protocol: u32,
    pub flags: u32,
    pub sock_type: u32,
    pub state: u32,
    pub inode: u64,
    pub path: RawText,
    pub netstat_program: RawText,
    pub holders: Vec<HolderInfo>,
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderInfo {
    pub pid: u32,
    pub fd: u32,
    /// `comm` (15 chars at most, what `ss -p` shows).
    pub comm: Option<RawText>,
    /// The full command line, arguments separated.
    pub cmdline: Option<Vec<RawText>>,
    pub uid: Option<u32>,
}

/// netstat's `-l` rule for Internet rows.
pub fn netstat_shows(row: &InetSocket) -> bool {
    if row.table.is_tcp() { row.remote_port == 0 } else { row.remote_addr.is_unspecified() }
}

pub fn holders(s: &Snapshot, inode: u64) -> Vec<HolderInfo> {
    s.owners
        .holders(inode)
        .iter()
        .map(|h| {
            let p = s.processes.get(&h.pid);
            HolderInfo {
                pid: h.pid,
                fd: h.fd,
                comm: p.and_then(|p| p.comm.clone()),
                cmdline: p
                    .and_then(|p| p.cmdline.as_ref())
                    .map(|c| crate::proc::process::cmdline_args(c.as_bytes())),
                uid: p.and_then(|p| p.uid),
            }
        })
        .collect()
}

/// The `PID/Program name` text of the snapshot's flavour: the owner is the same for every
/// flavour (the first holder in /proc order with a readable cmdline); the name's rule differs.
fn netstat_field(s: &Snapshot, inode: u64) -> Vec<u8> {
    let flavour = s.netstat.flavour;
    let Some((pid, _)) = s.owners.netstat_owner(inode) else { return b"-".to_vec() };
    let Some(cmdline) = s.processes.get(&pid).and_then(|p| p.cmdline.as_ref()) else {
        return s.owners.netstat_field(inode);
    };
    let mut field = format!("{pid}/").into_bytes();
    field.extend_from_slice(flavour.program_name(cmdline.as_bytes()));
    // Every flavour: `snprintf(buf, 20, …)`, at most 19 bytes, cut by bytes.
    field.truncate(19);
    field
}

pub fn inet_listener(s: &Snapshot, r: &InetSocket) -> Listener {
    Listener {
        proto: r.table,
        local_addr: r.local_addr,
        local_port: r.local_port,
        remote_addr: r.remote_addr,
        remote_port: r.remote_port,
        state: r.state,
        state_name: r.state_name().to_string(),
        recv_q: r.rx_queue,
        send_q: r.tx_queue,
        uid: r.uid,
        inode: r.inode,
        netstat_program: RawText(netstat_field(s, r.inode)),
        holders: holders(s, r.inode),
        netns: None,
    }
}

fn unix_listener(s: &Snapshot, u: &UnixSocket) -> UnixListener {
    UnixListener {
        refcount: u.refcount,
        protocol: u.protocol,
        flags: u.flags,
        sock_type: u.sock_type,
        state: u.state,
        inode: u.inode,
        // An abstract name padded with NULs (RHEL 5's kernel prints all of sun_path) ends, for
        // netstat and here, at its first NUL.
        path: match u.path.as_bytes().iter().position(|&b| b == 0) {
            Some(n) => RawText(u.path.as_bytes()[..n].to_vec()),
            None => u.path.clone(),
        },
        netstat_program: RawText(if s.unix_has_inode { netstat_field(s, u.inode) } else { b"-".to_vec() }),
        holders: holders(s, u.inode),
    }
}

/// The unix rows netstat -l shows.
pub fn unix(s: &Snapshot) -> Vec<UnixListener> {
    s.unix.iter().filter(|u| u.is_listening()).map(|u| unix_listener(s, u)).collect()
}

/// Which of the report's listeners (netstat's table order) a flavour prints: 1.60 and busybox
/// skip udplite; Red Hat's builds hide a TCP row whose addresses and ports equal an earlier
/// one's in the same table (SO_REUSEPORT groups show once).
pub fn printed(flavour: Flavour, listeners: &[Listener]) -> Vec<bool> {
    let mut seen = std::collections::HashSet::new();
    listeners
        .iter()
        .map(|l| match l.proto {
            TableKind::Udplite | TableKind::Udplite6 => flavour.reads_udplite(),
            TableKind::Tcp | TableKind::Tcp6 if flavour.hides_duplicate_tcp() => {
                seen.insert((l.proto, l.local_addr, l.local_port, l.remote_addr, l.remote_port))
            }
            _ => true,
        })
        .collect()
}
