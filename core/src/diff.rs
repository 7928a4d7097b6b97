//! What changed between two snapshots: listeners that appeared, went or changed owner; TIME_WAIT
//! and its breakdowns old vs new; namespaces; sysctls; the time between the captures.
//!
//! Computed from two [`Report`]s (the report layer), so the CLI's `procsnap diff` and the
//! viewer's worker run the same code on what they already hold, and a diff costs two reports
//! plus a comparison of their summaries (no third pass over the rows). Breakdowns come from the
//! reports' top-N lists: a key listed in one report but not in the other's list has an exact
//! count only when the other list is complete, else it is known to be at most that list's
//! smallest count ([`Count::AtMost`]).

use serde::{Deserialize, Serialize};

use crate::analysis::TopN;
use crate::analysis::timewait::{PortGroup, Side};
use crate::report::Report;

/// Bumped only on an incompatible change; fields may be added within a version.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub schema_version: u32,
    pub old: Capture,
    pub new: Capture,
    /// new capture start − old capture start, in seconds (negative if NEW is older); `None`
    /// when either has no capture time (a bare table).
    pub seconds_between: Option<f64>,
    /// The inode of the network namespace compared (the collector's own unless `--netns`),
    /// when the snapshot records it.
    #[serde(default)]
    pub netns: Option<u64>,
    pub listeners: ListenerDiff,
    pub time_wait: TimeWaitDiff,
    /// Network namespaces (by inode) in NEW only / in OLD only.
    #[serde(default)]
    pub namespaces_appeared: Vec<u64>,
    #[serde(default)]
    pub namespaces_gone: Vec<u64>,
    /// Sysctls whose value differs (or that one snapshot lacks).
    pub sysctls: Vec<SysctlChange>,
}

/// Which snapshot: a name the caller gives (the file name) and the report's host facts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Capture {
    pub source: String,
    pub hostname: Option<String>,
    pub capture_start: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListenerDiff {
    pub old_count: u64,
    pub new_count: u64,
    /// In NEW, not in OLD (matched by protocol, address and port).
    pub appeared: Vec<ListenerAt>,
    /// In OLD, not in NEW.
    pub gone: Vec<ListenerAt>,
    /// In both, with another owner (pid, program or uid) or another number of sockets.
    pub changed: Vec<ListenerChange>,
}

/// How a listener is matched: `proto` is the table (`tcp`, `tcp6`, `udp`…, `unix`); unix
/// listeners are matched by path (port 0), unnamed ones are not compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ListenerKey {
    pub proto: String,
    pub address: String,
    pub port: u16,
}

/// One listening socket's owner, as netstat names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Owner {
    pub pid: Option<u32>,
    /// netstat's program name (`sshd`), empty when the owner is unknown.
    pub program: String,
    /// The socket's uid (unix sockets: the holder's, when known).
    pub uid: Option<u32>,
    /// The owner's full command line, arguments separated by spaces.
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerAt {
    pub key: ListenerKey,
    /// One per socket on this key (SO_REUSEPORT groups and UDP have several).
    pub owners: Vec<Owner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerChange {
    pub key: ListenerKey,
    pub old: Vec<Owner>,
    pub new: Vec<Owner>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeWaitDiff {
    pub old_count: u64,
    pub new_count: u64,
    pub old_close_rate_per_sec: f64,
    pub new_close_rate_per_sec: f64,
    pub old_recent_close_rate_per_sec: f64,
    pub new_recent_close_rate_per_sec: f64,
    /// Local port groups (a listening port, or all client-side ports as `client`), largest first.
    pub by_local_port: Vec<Change>,
    pub by_remote_addr: Vec<Change>,
}

/// One breakdown key, old vs new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub old: Count,
    pub new: Count,
}

/// A count from a top-N list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    Exact(u64),
    /// Not in that report's list, which is cut: at most this many (its smallest listed count).
    AtMost(u64),
}

impl Count {
    /// The count, or its bound.
    pub fn value(self) -> u64 {
        match self {
            Count::Exact(n) | Count::AtMost(n) => n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Names for the two inputs (their file names).
pub struct Sources<'a> {
    pub old: &'a str,
    pub new: &'a str,
}

/// The diff of two reports of one namespace (`netns`: its inode, when known). Namespaces that
/// appeared or went are filled by the session, which knows each snapshot's list.
pub fn diff(old: &Report, new: &Report, sources: Sources<'_>, netns: Option<u64>) -> Diff {
    let capture = |r: &Report, source: &str| Capture {
        source: source.to_string(),
        hostname: r.host.hostname.clone(),
        capture_start: r.host.capture_start.clone(),
    };
    let at = |r: &Report| r.host.capture_start.as_deref().and_then(rfc3339_seconds);
    let seconds_between = at(old).zip(at(new)).map(|(a, b)| b - a);
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        old: capture(old, sources.old),
        new: capture(new, sources.new),
        seconds_between,
        netns,
        listeners: listeners(old, new),
        time_wait: time_wait(old, new),
        namespaces_appeared: Vec::new(),
        namespaces_gone: Vec::new(),
        sysctls: sysctls(old, new),
    }
}

/// Every listener of a report by key (sorted, for `sort::lookup`), each socket's owner in
/// netstat's order.
fn listener_map(r: &Report) -> Vec<(ListenerKey, Vec<Owner>)> {
    let mut m: Vec<(ListenerKey, Owner)> = Vec::new();
    for l in &r.listeners {
        let key = ListenerKey {
            proto: l.proto.file_name().to_string(),
            address: l.local_addr.to_string(),
            port: l.local_port,
        };
        m.push((key, owner(l.netstat_program.as_bytes(), Some(l.uid), &l.holders)));
    }
    for u in r.unix_listeners.iter().filter(|u| !u.path.as_bytes().is_empty()) {
        let key = ListenerKey { proto: "unix".into(), address: u.path.lossy().into_owned(), port: 0 };
        let uid = u.holders.first().and_then(|h| h.uid);
        m.push((key, owner(u.netstat_program.as_bytes(), uid, &u.holders)));
    }
    // A stable sort keeps each key's owners in the order above.
    crate::sort::sort_by(&mut m, |a, b| a.0.cmp(&b.0));
    let mut grouped: Vec<(ListenerKey, Vec<Owner>)> = Vec::new();
    for (key, owner) in m {
        match grouped.last_mut() {
            Some((k, owners)) if *k == key => owners.push(owner),
            _ => grouped.push((key, vec![owner])),
        }
    }
    grouped
}

fn owner(
    netstat_program: &[u8],
    uid: Option<u32>,
    holders: &[crate::analysis::listeners::HolderInfo],
) -> Owner {
    let text = String::from_utf8_lossy(netstat_program);
    let (pid, program) = match text.split_once('/') {
        Some((pid, program)) => (pid.parse().ok(), program.to_string()),
        None => (None, String::new()),
    };
    let command = holders
        .iter()
        .find(|h| Some(h.pid) == pid)
        .and_then(|h| h.cmdline.as_ref())
        .map(|c| c.iter().map(|a| a.lossy().into_owned()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    Owner { pid, program, uid, command }
}

fn listeners(old: &Report, new: &Report) -> ListenerDiff {
    let (a, b) = (listener_map(old), listener_map(new));
    let mut d = ListenerDiff {
        old_count: (old.listeners.len() + old.unix_listeners.len()) as u64,
        new_count: (new.listeners.len() + new.unix_listeners.len()) as u64,
        ..Default::default()
    };
    for (key, owners) in &a {
        match crate::sort::lookup(&b, key) {
            None => d.gone.push(ListenerAt { key: key.clone(), owners: owners.clone() }),
            Some(now) if !same_owners(owners, now) => {
                d.changed.push(ListenerChange { key: key.clone(), old: owners.clone(), new: now.clone() })
            }
            Some(_) => {}
        }
    }
    for (key, owners) in &b {
        if crate::sort::lookup(&a, key).is_none() {
            d.appeared.push(ListenerAt { key: key.clone(), owners: owners.clone() });
        }
    }
    d
}

/// The same owners, in any order (netstat's order follows inodes, which a restart changes).
fn same_owners(a: &[Owner], b: &[Owner]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    crate::sort::sort(&mut a);
    crate::sort::sort(&mut b);
    a == b
}

fn time_wait(old: &Report, new: &Report) -> TimeWaitDiff {
    let (o, n) = (&old.time_wait, &new.time_wait);
    TimeWaitDiff {
        old_count: o.count,
        new_count: n.count,
        old_close_rate_per_sec: o.close_rate_per_sec,
        new_close_rate_per_sec: n.close_rate_per_sec,
        old_recent_close_rate_per_sec: o.recent_close_rate_per_sec,
        new_recent_close_rate_per_sec: n.recent_close_rate_per_sec,
        by_local_port: changes(
            port_list(&o.by_local_port, o.other_local_ports),
            port_list(&n.by_local_port, n.other_local_ports),
        ),
        by_remote_addr: changes(top_list(&o.by_remote_addr), top_list(&n.by_remote_addr)),
    }
}

/// A breakdown as listed: its groups, and whether the list is cut (groups left out).
struct Listed {
    items: Vec<(String, u64)>,
    cut: bool,
}

fn port_list(groups: &[PortGroup], others: u64) -> Listed {
    let items = groups
        .iter()
        .map(|g| {
            let key = match g.side {
                Side::Client => "client".to_string(),
                Side::Server => g.port.to_string(),
            };
            (key, g.count)
        })
        .collect();
    Listed { items, cut: others > 0 }
}

fn top_list(t: &TopN) -> Listed {
    Listed { items: t.items.iter().map(|c| (c.key.clone(), c.count)).collect(), cut: t.others > 0 }
}

fn changes(old: Listed, new: Listed) -> Vec<Change> {
    let count = |l: &Listed, key: &str| match l.items.iter().find(|(k, _)| k == key) {
        Some((_, n)) => Count::Exact(*n),
        None if l.cut => Count::AtMost(l.items.iter().map(|(_, n)| *n).min().unwrap_or(0)),
        None => Count::Exact(0),
    };
    let mut keys: Vec<&str> = old.items.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &new.items {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    let mut out: Vec<Change> = keys
        .into_iter()
        .map(|k| Change { key: k.to_string(), old: count(&old, k), new: count(&new, k) })
        .collect();
    // Largest moves first, then the larger group, then the key: a stable order to read and test.
    crate::sort::sort_by(&mut out, |a, b| {
        let moved = |c: &Change| c.new.value().abs_diff(c.old.value());
        moved(b)
            .cmp(&moved(a))
            .then_with(|| b.new.value().max(b.old.value()).cmp(&a.new.value().max(a.old.value())))
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

fn sysctls(old: &Report, new: &Report) -> Vec<SysctlChange> {
    // name → (old, new), in name order; of a name listed twice, the last value.
    let mut values: Vec<(&str, (bool, &str))> = Vec::new();
    values.extend(old.time_wait.sysctls.iter().map(|s| (s.name.as_str(), (false, s.value.as_str()))));
    values.extend(new.time_wait.sysctls.iter().map(|s| (s.name.as_str(), (true, s.value.as_str()))));
    crate::sort::sort_by(&mut values, |a, b| a.0.cmp(b.0));
    type OldNew<'a> = (Option<&'a str>, Option<&'a str>);
    let mut both: Vec<(&str, OldNew<'_>)> = Vec::new();
    for (name, (is_new, value)) in values {
        if both.last().is_none_or(|(n, _)| *n != name) {
            both.push((name, (None, None)));
        }
        if let Some((_, (a, b))) = both.last_mut() {
            *(if is_new { b } else { a }) = Some(value);
        }
    }
    both.into_iter()
        .filter(|(_, (a, b))| a != b)
        .map(|(name, (a, b))| SysctlChange {
            name: name.to_string(),
            old: a.map(str::to_string),
            new: b.map(str::to_string),
        })
        .collect()
}

/// Seconds since 1970 of an RFC 3339 UTC time as the manifest writes it
/// (`2026-11-27T03:00:00.123Z`; an offset `+hh:mm` is honoured too). `None` if it is not one.
pub fn rfc3339_seconds(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    // The fraction digit by digit: `str::parse::<f64>` would bring its tables into the viewer.
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 0.1;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            frac += f64::from(d - b'0') * scale;
            scale /= 10.0;
            i += 1;
        }
    }
    let offset = match t.get(i..)? {
        "Z" | "z" => 0,
        z if z.len() == 6 && matches!(&z[..1], "+" | "-") && &z[3..4] == ":" => {
            let sign = if &z[..1] == "-" { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset) as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_times() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_seconds("2026-11-27T03:00:00.180Z"), Some(1_795_748_400.18));
        assert_eq!(rfc3339_seconds("2026-11-27T04:00:00+01:00"), Some(1_795_748_400.0));
        assert_eq!(rfc3339_seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-27T03:00:00", "2026-11-27T03:00:0xZ"] {
            assert_eq!(rfc3339_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn cut_lists_give_bounds() {
        let l = |items: &[(&str, u64)], cut| Listed {
            items: items.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            cut,
        };
        let c = changes(l(&[("a", 10), ("b", 5)], true), l(&[("a", 3)], false));
        assert_eq!(c[0], Change { key: "a".into(), old: Count::Exact(10), new: Count::Exact(3) });
        assert_eq!(c[1], Change { key: "b".into(), old: Count::Exact(5), new: Count::Exact(0) });
        let c = changes(l(&[("a", 10)], false), l(&[("b", 7), ("c", 2)], true));
        assert!(c.contains(&Change { key: "a".into(), old: Count::Exact(10), new: Count::AtMost(2) }));
        assert!(c.contains(&Change { key: "c".into(), old: Count::Exact(0), new: Count::Exact(2) }));
    }
}
