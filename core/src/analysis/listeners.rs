//! Listeners: exactly the rows `netstat -nlp` keeps (net-tools 2.10 rules), with every holder.
//!
//! - tcp, tcp6: the remote *port* is 0 (the state is not checked);
//! - udp, udplite, raw (and their v6 tables): the remote *address* is all zeros;
//! - unix: state UNCONNECTED with the listening flag.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

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
        netstat_program: RawText(s.owners.netstat_field(r.inode).to_vec()),
        holders: holders(s, r.inode),
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
        path: u.path.clone(),
        netstat_program: RawText(if s.unix_has_inode {
            s.owners.netstat_field(u.inode).to_vec()
        } else {
            b"-".to_vec()
        }),
        holders: holders(s, u.inode),
    }
}

/// The unix rows netstat -l shows.
pub fn unix(s: &Snapshot) -> Vec<UnixListener> {
    s.unix.iter().filter(|u| u.is_listening()).map(|u| unix_listener(s, u)).collect()
}
