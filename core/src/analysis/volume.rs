//! Volume: sockets by table × state, and the kernel's own `sockstat` counters beside them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::proc::TableKind;
use crate::proc::inet::{TCP_TIME_WAIT, state_name};
use crate::proc::sockstat::Sockstat;
use crate::snapshot::Snapshot;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    /// Rows in all Internet tables.
    pub inet_rows: u64,
    pub unix_rows: u64,
    pub by_table: Vec<TableCount>,
    /// The kernel's counters, as read from `sockstat` and `sockstat6`.
    pub sockstat: Sockstat,
    /// Each kernel counter beside the rows procsnap counted for it; they should agree.
    pub kernel_vs_rows: Vec<CounterCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: TableKind,
    pub rows: u64,
    /// (state name, rows), most common first.
    pub states: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterCheck {
    /// E.g. `TCP tw`.
    pub counter: String,
    pub kernel: u64,
    pub rows: u64,
    /// What the rows counted are.
    pub counted: String,
}

pub fn build(s: &Snapshot) -> Volume {
    // One counter per (table, state): arrays, since this runs once per row.
    let mut per_table: BTreeMap<TableKind, Box<[u64; 256]>> = BTreeMap::new();
    let mut current: Option<(TableKind, Box<[u64; 256]>)> = None;
    for r in &s.inet {
        match &mut current {
            Some((t, counts)) if *t == r.table => counts[r.state as usize] += 1,
            _ => {
                if let Some((t, counts)) = current.take() {
                    merge(&mut per_table, t, &counts);
                }
                let mut counts = Box::new([0u64; 256]);
                counts[r.state as usize] += 1;
                current = Some((r.table, counts));
            }
        }
    }
    if let Some((t, counts)) = current.take() {
        merge(&mut per_table, t, &counts);
    }
    let by_table = per_table
        .iter()
        .map(|(&table, counts)| {
            let mut st: Vec<(String, u64)> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(k, &v)| (state_name(table, k as u8).to_string(), v))
                .collect();
            st.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            TableCount { table, rows: counts.iter().sum(), states: st }
        })
        .collect();

    let count = |table: TableKind, pred: &dyn Fn(u8) -> bool| -> u64 {
        per_table
            .get(&table)
            .map(|m| m.iter().enumerate().filter(|(k, _)| pred(*k as u8)).map(|(_, v)| v).sum())
            .unwrap_or(0)
    };
    let kernel = |proto: &str, name: &str| s.sockstat.get(proto).and_then(|m| m.get(name)).copied();
    let mut checks = Vec::new();
    let mut check = |counter: &str, k: Option<u64>, rows: u64, counted: &str| {
        if let Some(kernel) = k {
            checks.push(CounterCheck { counter: counter.into(), kernel, rows, counted: counted.into() });
        }
    };
    // `tw` counts TIME_WAIT sockets of both families.
    let tw_rows =
        count(TableKind::Tcp, &|st| st == TCP_TIME_WAIT) + count(TableKind::Tcp6, &|st| st == TCP_TIME_WAIT);
    check("TCP tw", kernel("TCP", "tw"), tw_rows, "TIME_WAIT rows in tcp and tcp6");
    // `inuse` counts full sockets: not TIME_WAIT, not pending requests (SYN_RECV).
    let full = |st: u8| st != TCP_TIME_WAIT && st != 3;
    check(
        "TCP inuse",
        kernel("TCP", "inuse"),
        count(TableKind::Tcp, &full),
        "tcp rows other than TIME_WAIT and SYN_RECV",
    );
    check(
        "TCP6 inuse",
        kernel("TCP6", "inuse"),
        count(TableKind::Tcp6, &full),
        "tcp6 rows other than TIME_WAIT and SYN_RECV",
    );
    let all = |_: u8| true;
    check("UDP inuse", kernel("UDP", "inuse"), count(TableKind::Udp, &all), "udp rows");
    check("UDP6 inuse", kernel("UDP6", "inuse"), count(TableKind::Udp6, &all), "udp6 rows");
    check("RAW inuse", kernel("RAW", "inuse"), count(TableKind::Raw, &all), "raw rows");
    check("RAW6 inuse", kernel("RAW6", "inuse"), count(TableKind::Raw6, &all), "raw6 rows");

    Volume {
        inet_rows: s.inet.len() as u64,
        unix_rows: s.unix.len() as u64,
        by_table,
        sockstat: s.sockstat.clone(),
        kernel_vs_rows: checks,
    }
}

fn merge(per_table: &mut BTreeMap<TableKind, Box<[u64; 256]>>, table: TableKind, counts: &[u64; 256]) {
    let total = per_table.entry(table).or_insert_with(|| Box::new([0u64; 256]));
    for (t, c) in total.iter_mut().zip(counts.iter()) {
        *t += c;
    }
}
