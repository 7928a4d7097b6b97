//! TIME_WAIT: how much, where it comes from, how fast it is made, and how close clients are to
//! running out of ephemeral ports.
//!
//! TIME_WAIT rows have no inode (no process owns them), so they are attributed through their
//! local port: a port some process listens on means the server closed first (server side);
//! otherwise the socket was an outgoing connection (client side).

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;
use std::net::{IpAddr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::TopN;
use super::listeners::Listener;
use crate::proc::inet::TCP_LISTEN;
use crate::proc::sysctl::{self, Sysctl};
use crate::snapshot::Snapshot;

/// Linux keeps a socket in TIME_WAIT for TCP_TIMEWAIT_LEN, 60 s, whatever the sysctls say.
pub const TIME_WAIT_SECONDS: u32 = 60;
/// The kernel's default ephemeral range, assumed when the snapshot has no sysctl.
pub const DEFAULT_PORT_RANGE: (u16, u16) = (32768, 60999);
const TOP: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWait {
    pub count: u64,
    pub tcp_rows: u64,
    /// count / all TCP rows.
    pub share_of_tcp: f64,
    pub by_local_port: Vec<PortGroup>,
    /// TIME_WAIT sockets on local ports not listed in `by_local_port`.
    pub other_local_ports: u64,
    pub by_remote_addr: TopN,
    pub by_remote_port: TopN,
    /// Sockets by whole seconds of TIME_WAIT left: index 0 = under 1 s … 60 = 60 s or more.
    pub remaining_seconds: Vec<u64>,
    /// Connections closed per second that keep this many in TIME_WAIT (count / 60 s).
    pub close_rate_per_sec: f64,
    /// The same rate from the last 10 s only (sockets with 50 s or more left).
    pub recent_close_rate_per_sec: f64,
    pub port_range: (u16, u16),
    /// Whether `port_range` comes from the snapshot's sysctl (else the kernel default).
    pub port_range_captured: bool,
    pub port_pressure: Vec<PortPressure>,
    pub sysctls: Vec<Sysctl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortGroup {
    pub port: u16,
    pub count: u64,
    pub side: Side,
    /// The listener on this port: netstat's `PID/Program name`, when it has an owner.
    pub listener: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A process listens on this port: the server closed these connections first.
    Server,
    /// No listener: these were outgoing connections from this host.
    Client,
}

/// Ephemeral ports in use towards one destination from one local address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortPressure {
    pub local_addr: IpAddr,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    /// TCP sockets of this tuple with a local port in the ephemeral range, any state.
    pub sockets: u64,
    pub time_wait: u64,
    /// sockets / size of the ephemeral range.
    pub used_ratio: f64,
}

pub fn build(s: &Snapshot, listeners: &[Listener]) -> TimeWait {
    let listening: HashMap<u16, Option<String>> = listeners
        .iter()
        .filter(|l| l.proto.is_tcp() && l.state == TCP_LISTEN)
        .map(|l| {
            let owner =
                (l.netstat_program.as_bytes() != b"-").then(|| l.netstat_program.lossy().into_owned());
            (l.local_port, owner)
        })
        .fold(HashMap::new(), |mut m, (port, owner)| {
            let slot = m.entry(port).or_insert(None);
            if slot.is_none() {
                *slot = owner;
            }
            m
        });

    let range_value = s.sysctl("net.ipv4.ip_local_port_range").and_then(sysctl::port_range);
    let port_range = range_value.unwrap_or(DEFAULT_PORT_RANGE);
    let range_size = (port_range.1 - port_range.0) as u64 + 1;

    let hz = s.user_hz.max(1);
    let mut count = 0u64;
    let mut tcp_rows = 0u64;
    // Ports index arrays directly: cheaper than hashing a million times.
    let mut by_port = vec![0u64; 65536];
    let mut by_rport = vec![0u64; 65536];
    // Keyed by the address as 128 bits: hashing and comparing an `IpAddr` enum costs twice as much.
    let mut by_raddr: FxHashMap<u128, u64> = FxHashMap::default();
    let mut remaining = vec![0u64; TIME_WAIT_SECONDS as usize + 1];
    let mut tuples: FxHashMap<(IpAddr, IpAddr, u16), (u64, u64)> = FxHashMap::default();

    for r in s.inet.iter().filter(|r| r.table.is_tcp()) {
        tcp_rows += 1;
        let tw = r.is_time_wait();
        if tw {
            count += 1;
            by_port[r.local_port as usize] += 1;
            *by_raddr.entry(addr_bits(r.remote_addr)).or_default() += 1;
            by_rport[r.remote_port as usize] += 1;
            let secs = (r.timer_ticks / hz).min(TIME_WAIT_SECONDS);
            remaining[secs as usize] += 1;
        }
        if r.remote_port != 0
            && (port_range.0..=port_range.1).contains(&r.local_port)
            && !listening.contains_key(&r.local_port)
        {
            let t = tuples
                .entry((r.local_addr.to_canonical(), r.remote_addr.to_canonical(), r.remote_port))
                .or_default();
            t.0 += 1;
            t.1 += tw as u64;
        }
    }

    let mut ports: Vec<(u16, u64)> = nonzero_ports(&by_port).collect();
    ports.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let other_local_ports = ports.iter().skip(TOP).map(|p| p.1).sum();
    let by_local_port = ports
        .into_iter()
        .take(TOP)
        .map(|(port, n)| match listening.get(&port) {
            Some(owner) => PortGroup { port, count: n, side: Side::Server, listener: owner.clone() },
            None => PortGroup { port, count: n, side: Side::Client, listener: None },
        })
        .collect();

    let mut pressure: Vec<PortPressure> = tuples
        .into_iter()
        .map(|((l, r, p), (n, tw))| PortPressure {
            local_addr: l,
            remote_addr: r,
            remote_port: p,
            sockets: n,
            time_wait: tw,
            used_ratio: n as f64 / range_size as f64,
        })
        .collect();
    pressure.sort_by(|a, b| {
        b.sockets.cmp(&a.sockets).then_with(|| {
            (a.local_addr, a.remote_addr, a.remote_port).cmp(&(b.local_addr, b.remote_addr, b.remote_port))
        })
    });
    pressure.truncate(10);

    let recent: u64 = remaining[50..].iter().sum();
    TimeWait {
        count,
        tcp_rows,
        share_of_tcp: if tcp_rows == 0 { 0.0 } else { count as f64 / tcp_rows as f64 },
        by_local_port,
        other_local_ports,
        by_remote_addr: TopN::from_counts(
            sorted(by_raddr).into_iter().map(|(bits, n)| (Ipv6Addr::from_bits(bits).to_canonical(), n)),
            TOP,
        ),
        by_remote_port: TopN::from_counts(nonzero_ports(&by_rport), TOP),
        remaining_seconds: remaining,
        close_rate_per_sec: count as f64 / TIME_WAIT_SECONDS as f64,
        recent_close_rate_per_sec: recent as f64 / 10.0,
        port_range,
        port_range_captured: range_value.is_some(),
        port_pressure: pressure,
        sysctls: s.sysctls.clone(),
    }
}

/// An address as 128 bits, IPv4 as IPv4-mapped (the same host either way).
fn addr_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().to_bits(),
        IpAddr::V6(v6) => v6.to_bits(),
    }
}

fn nonzero_ports(counts: &[u64]) -> impl Iterator<Item = (u16, u64)> + '_ {
    counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(p, n)| (p as u16, *n))
}

/// Deterministic order before ranking (hash map order is arbitrary).
fn sorted<K: Ord + Copy>(m: FxHashMap<K, u64>) -> BTreeMap<K, u64> {
    m.into_iter().collect()
}
