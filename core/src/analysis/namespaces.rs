//! Network namespaces: one summary per namespace (containers, pods), each from that namespace's
//! own tables and sysctls, so its TIME_WAIT, listeners and ephemeral-port pressure are its own.

use serde::{Deserialize, Serialize};

use super::timewait::{PortPressure, TimeWait};
use super::volume::Volume;
use crate::proc::cgroup::ContainerId;
use crate::proc::process::Process;
use crate::snapshot::Snapshot;

/// One network namespace, as the report's `namespaces[]` lists it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NamespaceSummary {
    /// The number in `net:[INODE]` (what `--netns` takes); `null` when the snapshot does not say.
    pub inode: Option<u64>,
    /// The collector's own namespace (`netstat -nlp` on the host shows this one).
    pub host: bool,
    /// The namespace the rest of the report describes.
    pub selected: bool,
    /// The member process whose tables were captured (`null` for the collector's own).
    pub member_pid: Option<u32>,
    /// Socket-holding processes in it, ascending.
    pub pids: Vec<u32>,
    /// Processes the capture saw in it (from the manifest).
    pub processes: Option<u64>,
    /// The container of its processes (the first named by a cgroup), when known.
    pub container: Option<ContainerId>,
    /// Every distinct container its processes belong to (a pod's containers share a namespace).
    pub containers: Vec<ContainerId>,
    /// Internet and unix socket rows.
    pub sockets: u64,
    pub time_wait: u64,
    /// Rows `netstat -nlp` prints for it (Internet and unix).
    pub listeners: u64,
    pub port_range: (u16, u16),
    pub port_range_captured: bool,
    /// The tuple closest to running out of ephemeral ports, if any.
    pub port_pressure: Option<PortPressure>,
    /// Listed by the capture, but every member exited before its tables were read.
    pub vanished: bool,
}

/// The summary of namespace `index` of `s`, from the analyses of its tables (`s` has it
/// selected); `members`: its processes ([`members`]).
pub fn summary(
    s: &Snapshot,
    index: usize,
    members: &[&Process],
    volume: &Volume,
    tw: &TimeWait,
    listeners: u64,
) -> NamespaceSummary {
    let n = &s.namespaces[index];
    let pids: Vec<u32> = members.iter().map(|p| p.pid).collect();
    let mut containers: Vec<ContainerId> = Vec::new();
    for p in members {
        if let Some(c) = &p.container {
            if !containers.contains(c) {
                containers.push(c.clone());
            }
        }
    }
    NamespaceSummary {
        inode: n.inode,
        host: n.host,
        selected: index == s.selected,
        member_pid: n.member,
        pids,
        processes: n.processes,
        container: containers.first().cloned(),
        containers,
        sockets: volume.inet_rows + volume.unix_rows,
        time_wait: tw.count,
        listeners,
        port_range: tw.port_range,
        port_range_captured: tw.port_range_captured,
        port_pressure: tw.port_pressure.iter().max_by(|a, b| a.used_ratio.total_cmp(&b.used_ratio)).cloned(),
        vanished: n.vanished,
    }
}

/// The summary of a namespace without tables (vanished): who was in it, no sockets.
pub fn without_tables(s: &Snapshot, index: usize, members: &[&Process]) -> NamespaceSummary {
    let n = &s.namespaces[index];
    NamespaceSummary {
        inode: n.inode,
        host: n.host,
        selected: index == s.selected,
        member_pid: n.member,
        pids: members.iter().map(|p| p.pid).collect(),
        processes: n.processes,
        port_range: super::timewait::DEFAULT_PORT_RANGE,
        vanished: n.vanished,
        ..Default::default()
    }
}

/// The processes of every namespace, by namespace index, in one pass: those whose
/// `proc/PID/ns/net` names it; in a snapshot without namespace links, every process is the
/// collector's own namespace's.
pub fn members(s: &Snapshot) -> Vec<Vec<&Process>> {
    let mut out = vec![Vec::new(); s.namespaces.len()];
    // A later duplicate wins, as with a map; a sorted `Vec` (see `sort::last_wins`).
    let by_inode = crate::sort::last_wins(
        s.namespaces.iter().enumerate().filter_map(|(i, n)| Some((n.inode?, i))).collect(),
    );
    let any_links = s.processes.values().any(|p| p.netns.is_some());
    for p in s.processes.values() {
        let at = match p.netns {
            Some(ino) => crate::sort::lookup(&by_inode, &ino).copied(),
            None if !any_links => s.namespaces.iter().position(|n| n.host),
            None => None,
        };
        if let Some(i) = at {
            out[i].push(p);
        }
    }
    out
}

/// What the list of namespaces cannot show by itself: why it may be incomplete.
pub fn note(s: &Snapshot) -> Option<String> {
    let m = s.manifest.as_ref()?;
    // A snapshot without the list comes from an older collector: nothing to say beyond its report.
    if m.namespaces.is_empty() {
        return None;
    }
    let vanished = s.namespaces.iter().filter(|n| n.vanished).count();
    let mut parts = Vec::new();
    if m.netns_scope.as_deref() == Some("self") {
        parts.push("captured with --netns self: only the collector's own network namespace".to_string());
    } else if m.host.uid.is_some_and(|u| u != 0) {
        parts.push(format!(
            "captured without root (uid {}): only the network namespaces of processes this user could read — normally just the collector's own; run as root on the node to see every container's",
            m.host.uid.unwrap_or(0)
        ));
    }
    if vanished > 0 {
        parts.push(format!(
            "{vanished} network namespace{} vanished during the capture (every member exited before its tables were read)",
            if vanished == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn postcard_round_trip() {
        let n = super::NamespaceSummary { inode: Some(5), pids: vec![1, 2], ..Default::default() };
        let b = postcard::to_allocvec(&n).unwrap();
        let back: Result<super::NamespaceSummary, _> = postcard::from_bytes(&b);
        assert_eq!(back.unwrap(), n);
    }
}
