//! TIME_WAIT: how much, where it comes from, how fast it is made, and how close clients are to
//! running out of ephemeral ports.
//!
//! TIME_WAIT rows have no inode (no process owns them), so they are attributed through their
//! local port: a port some process listens on means the server closed first (server side);
//! otherwise the socket was an outgoing connection (client side).

use rustc_hash::FxHashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::TopN;
use super::listeners::Listener;
use crate::proc::inet::{TCP_LISTEN, TCP_TIME_WAIT};
use crate::proc::inet_rows::{InetTable, PackedRow};
use crate::proc::sysctl::{self, Sysctl};
use crate::snapshot::Snapshot;
use crate::sort::count_runs;
use crate::types::ByteOrder;

/// Linux keeps a socket in TIME_WAIT for TCP_TIMEWAIT_LEN, 60 s, whatever the sysctls say.
pub const TIME_WAIT_SECONDS: u32 = 60;
/// The kernel's default ephemeral range, assumed when the snapshot has no sysctl.
pub const DEFAULT_PORT_RANGE: (u16, u16) = (32768, 60999);
const TOP: usize = 20;
/// TIME_WAIT rows kept as a list before the per-port arrays are made (see `Accumulator::few`).
const DENSE_AFTER: usize = 1024;

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
    /// The listening port (server side), or 0 for all client-side ports together.
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

/// Gathers the TIME_WAIT figures in the report's single pass over the rows. The listeners are
/// found in the same pass, so what depends on them (attribution, which ports are ephemeral) is
/// settled in [`Accumulator::finish`].
pub struct Accumulator {
    port_range: (u16, u16),
    port_range_captured: bool,
    hz: u32,
    count: u64,
    tcp_rows: u64,
    /// The first TIME_WAIT rows as (local port, remote port, ticks left). Most tables have few
    /// or none, and two 65,536-slot arrays cost more to zero and to scan than a short list;
    /// past [`DENSE_AFTER`] rows they move into the arrays below.
    few: Vec<(u16, u16, u32)>,
    // Ports index arrays directly: cheaper than hashing a million times. Empty until dense.
    by_port: Vec<u32>,
    by_rport: Vec<u32>,
    // Remote IPv4 addresses are appended and counted once at the end (radix sort + runs):
    // a hash map with ~10^5 distinct clients costs a cache miss per row, this a sequential write.
    remote_v4: Vec<u32>,
    /// `remote_v4` counted so far ([`Accumulator::count_remotes`]): (address, rows), ascending.
    remote_runs: Vec<(u32, u64)>,
    by_raddr6: FxHashMap<u128, u64>,
    /// TIME_WAIT rows by ticks left, up to 60 s worth; larger values (never seen: the timer
    /// is 60 s) are kept one by one in `more_ticks`.
    ticks: Vec<u32>,
    more_ticks: Vec<u32>,
    /// Connected TCP rows whose local port is in the ephemeral range: port-pressure candidates,
    /// kept until the listeners are known (a listener's port is not ephemeral).
    outgoing: Vec<Outgoing>,
}

/// What port pressure needs of a connected row.
struct Outgoing {
    local_addr: IpAddr,
    remote_addr: IpAddr,
    local_port: u16,
    remote_port: u16,
    time_wait: bool,
}

impl Accumulator {
    pub fn new(s: &Snapshot) -> Accumulator {
        Accumulator::for_rows(s, s.inet.tables().iter().filter(|t| t.kind().is_tcp()).map(|t| t.len()).sum())
    }

    /// An accumulator for at most `tcp_rows` TCP rows of `s`.
    pub fn for_rows(s: &Snapshot, tcp_rows: usize) -> Accumulator {
        let range_value = s.sysctl("net.ipv4.ip_local_port_range").and_then(sysctl::port_range);
        Accumulator {
            port_range: range_value.unwrap_or(DEFAULT_PORT_RANGE),
            port_range_captured: range_value.is_some(),
            hz: s.params.user_hz.max(1),
            count: 0,
            tcp_rows: 0,
            few: Vec::new(),
            by_port: Vec::new(),
            by_rport: Vec::new(),
            // At most one per TCP row, reserved whole: doubling would briefly need 2.5× the memory
            // (and wasm memory never shrinks). Capacity never written is not resident.
            remote_v4: Vec::with_capacity(tcp_rows),
            remote_runs: Vec::new(),
            by_raddr6: FxHashMap::default(),
            ticks: Vec::new(),
            more_ticks: Vec::new(),
            outgoing: Vec::new(),
        }
    }

    /// Count one row of a TCP table.
    #[inline]
    pub fn add(&mut self, t: &InetTable, p: &PackedRow, order: ByteOrder) {
        self.tcp_rows += 1;
        let tw = p.state == TCP_TIME_WAIT;
        if tw {
            self.count += 1;
            self.count_time_wait(p.local_port, p.remote_port, p.timer_ticks);
            match t.remote_canonical(p, order) {
                Ok(v4) => self.remote_v4.push(v4),
                Err(v6) => *self.by_raddr6.entry(v6.to_bits()).or_default() += 1,
            }
        }
        let (lo, hi) = self.port_range;
        if p.remote_port != 0 && (lo..=hi).contains(&p.local_port) {
            let r = t.unpack(p, order);
            self.outgoing.push(Outgoing {
                local_addr: r.local_addr,
                remote_addr: r.remote_addr,
                local_port: r.local_port,
                remote_port: r.remote_port,
                time_wait: tw,
            });
        }
    }

    /// One TIME_WAIT row's ports and ticks: in the short list, or in the arrays once dense.
    #[inline]
    fn count_time_wait(&mut self, port: u16, rport: u16, ticks: u32) {
        if self.by_port.is_empty() {
            self.few.push((port, rport, ticks));
            if self.few.len() == DENSE_AFTER {
                self.make_dense();
            }
        } else {
            self.count_dense(port, rport, ticks);
        }
    }

    /// Sort and count the remote IPv4 addresses gathered so far, so that each thread of a
    /// split pass sorts its own before the two are merged (else [`Accumulator::finish`] does).
    pub fn count_remotes(&mut self) {
        if self.remote_v4.is_empty() {
            return;
        }
        let runs = count_runs(&mut self.remote_v4);
        self.remote_v4 = Vec::new();
        self.remote_runs = crate::sort::merge_runs(std::mem::take(&mut self.remote_runs), runs);
    }

    /// Add the figures of `later`, the next rows of the same snapshot counted apart (on another
    /// thread): the result is that of one accumulator fed every row in order.
    pub fn merge(&mut self, mut later: Accumulator) {
        self.count += later.count;
        self.tcp_rows += later.tcp_rows;
        if !later.by_port.is_empty() {
            if self.by_port.is_empty() {
                self.make_dense();
            }
            let add = |into: &mut [u32], from: &[u32]| into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
            add(&mut self.by_port, &later.by_port);
            add(&mut self.by_rport, &later.by_rport);
            add(&mut self.ticks, &later.ticks);
            self.more_ticks.append(&mut later.more_ticks);
        }
        for (port, rport, ticks) in std::mem::take(&mut later.few) {
            self.count_time_wait(port, rport, ticks);
        }
        self.count_remotes();
        later.count_remotes();
        self.remote_runs = crate::sort::merge_runs(std::mem::take(&mut self.remote_runs), later.remote_runs);
        for (addr, n) in later.by_raddr6 {
            *self.by_raddr6.entry(addr).or_default() += n;
        }
        self.outgoing.append(&mut later.outgoing);
    }

    fn make_dense(&mut self) {
        self.by_port = vec![0; 65536];
        self.by_rport = vec![0; 65536];
        self.ticks = vec![0; TIME_WAIT_SECONDS.saturating_mul(self.hz).min(1 << 20) as usize];
        for (port, rport, ticks) in std::mem::take(&mut self.few) {
            self.count_dense(port, rport, ticks);
        }
    }

    #[inline]
    fn count_dense(&mut self, port: u16, rport: u16, ticks: u32) {
        self.by_port[port as usize] += 1;
        self.by_rport[rport as usize] += 1;
        // Ticks are counted as they are (no division per row); seconds come in `finish`.
        match self.ticks.get_mut(ticks as usize) {
            Some(n) => *n += 1,
            None => self.more_ticks.push(ticks),
        }
    }

    /// TIME_WAIT rows per local (or remote) port, ascending by port, ports without any left out.
    fn port_counts(&self, remote: bool) -> Vec<(u16, u64)> {
        if !self.by_port.is_empty() {
            return nonzero_ports(if remote { &self.by_rport } else { &self.by_port }).collect();
        }
        let mut ports: Vec<u16> = self.few.iter().map(|&(l, r, _)| if remote { r } else { l }).collect();
        crate::sort::sort(&mut ports);
        let mut runs: Vec<(u16, u64)> = Vec::new();
        for port in ports {
            match runs.last_mut() {
                Some((last, n)) if *last == port => *n += 1,
                _ => runs.push((port, 1)),
            }
        }
        runs
    }

    pub fn finish(mut self, s: &Snapshot, listeners: &[Listener]) -> TimeWait {
        let mut listening: FxHashMap<u16, Option<String>> = FxHashMap::default();
        for l in listeners.iter().filter(|l| l.proto.is_tcp() && l.state == TCP_LISTEN) {
            let owner =
                (l.netstat_program.as_bytes() != b"-").then(|| l.netstat_program.lossy().into_owned());
            let slot = listening.entry(l.local_port).or_insert(None);
            if slot.is_none() {
                *slot = owner;
            }
        }
        let mut tuples: FxHashMap<(IpAddr, IpAddr, u16), (u64, u64)> = FxHashMap::default();
        for r in self.outgoing.iter().filter(|r| !listening.contains_key(&r.local_port)) {
            let key = (r.local_addr.to_canonical(), r.remote_addr.to_canonical(), r.remote_port);
            let t = tuples.entry(key).or_default();
            t.0 += 1;
            t.1 += r.time_wait as u64;
        }
        let range_size = (self.port_range.1 - self.port_range.0) as u64 + 1;
        // Server side: one group per listening port. Client side: one group for all the rest,
        // since each outgoing connection has its own ephemeral port and listing them one by one
        // says nothing (the port-pressure table breaks them down by destination instead).
        let mut groups: Vec<PortGroup> = Vec::new();
        let mut client = 0u64;
        for (port, n) in self.port_counts(false) {
            match listening.get(&port) {
                Some(owner) => {
                    groups.push(PortGroup { port, count: n, side: Side::Server, listener: owner.clone() })
                }
                None => client += n,
            }
        }
        if client > 0 {
            groups.push(PortGroup { port: 0, count: client, side: Side::Client, listener: None });
        }
        let all_local: u64 = groups.iter().map(|g| g.count).sum();
        crate::sort::keep_first(&mut groups, TOP, |a, b| b.count.cmp(&a.count).then(a.port.cmp(&b.port)));
        let other_local_ports = all_local - groups.iter().map(|g| g.count).sum::<u64>();
        let by_local_port = groups;

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
        crate::sort::keep_first(&mut pressure, 10, |a, b| {
            b.sockets.cmp(&a.sockets).then_with(|| {
                (a.local_addr, a.remote_addr, a.remote_port).cmp(&(
                    b.local_addr,
                    b.remote_addr,
                    b.remote_port,
                ))
            })
        });

        let by_remote_port = TopN::top(self.port_counts(true), TOP);
        // Counted already when the pass was split (`merge`; no row is added after
        // `count_remotes`), else here.
        let remote_runs = match self.remote_v4.is_empty() {
            true => std::mem::take(&mut self.remote_runs),
            false => count_runs(&mut self.remote_v4),
        };
        let remote_addrs: Vec<(IpAddr, u64)> = remote_runs
            .into_iter()
            .map(|(a, n)| (IpAddr::V4(Ipv4Addr::from_bits(a)), n))
            .chain(self.by_raddr6.into_iter().map(|(a, n)| (IpAddr::V6(Ipv6Addr::from_bits(a)), n)))
            .collect();
        let mut remaining = vec![0u64; TIME_WAIT_SECONDS as usize + 1];
        let ticks = self.ticks.iter().enumerate().map(|(t, &n)| (t as u32, n as u64));
        let one_by_one = self.more_ticks.iter().chain(self.few.iter().map(|(_, _, t)| t));
        for (t, n) in ticks.chain(one_by_one.map(|&t| (t, 1))).filter(|&(_, n)| n > 0) {
            remaining[(t / self.hz).min(TIME_WAIT_SECONDS) as usize] += n;
        }
        let recent: u64 = remaining[50..].iter().sum();
        TimeWait {
            count: self.count,
            tcp_rows: self.tcp_rows,
            share_of_tcp: if self.tcp_rows == 0 { 0.0 } else { self.count as f64 / self.tcp_rows as f64 },
            by_local_port,
            other_local_ports,
            by_remote_addr: TopN::top(remote_addrs, TOP),
            by_remote_port,
            remaining_seconds: remaining,
            close_rate_per_sec: self.count as f64 / TIME_WAIT_SECONDS as f64,
            recent_close_rate_per_sec: recent as f64 / 10.0,
            port_range: self.port_range,
            port_range_captured: self.port_range_captured,
            port_pressure: pressure,
            sysctls: s.sysctls.clone(),
        }
    }
}

fn nonzero_ports(counts: &[u32]) -> impl Iterator<Item = (u16, u64)> + '_ {
    counts.iter().enumerate().filter(|(_, n)| **n > 0).map(|(p, n)| (p as u16, *n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short list that holds the first TIME_WAIT rows gives the same figures as the
    /// per-port arrays, below, at and above the point where one turns into the other.
    #[test]
    fn few_rows_and_dense_arrays_agree() {
        for rows in [0, 40, DENSE_AFTER - 1, DENSE_AFTER + 2, 3 * DENSE_AFTER] {
            let table = crate::synth::tcp_table(rows + 2, 0.9, rows as u64 + 7);
            let s = crate::snapshot::decode(&table, &Default::default(), &mut |_| true).unwrap();
            let run = |dense: bool| {
                let mut acc = Accumulator::new(&s);
                if dense {
                    acc.make_dense();
                }
                for t in s.inet.tables() {
                    for p in t.chunks().flatten() {
                        acc.add(t, p, s.inet.byte_order());
                    }
                }
                acc.finish(&s, &[])
            };
            let (few, dense) = (run(false), run(true));
            assert_eq!(few, dense, "{rows} rows");
            assert!(rows < 40 || few.count > 30, "{rows} rows: {} in TIME_WAIT", few.count);
        }
    }
}
