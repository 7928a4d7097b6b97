//! Volume: sockets by table × state, and the kernel's own `sockstat` counters beside them.

use serde::{Deserialize, Serialize};

use crate::layout::TableKind;
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

/// Rows by (table, state), counted in the report's single pass over the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct StateCounts {
    counts: Box<[[u64; 256]; 8]>,
    /// Rows per table, added a chunk at a time ([`StateCounts::add_rows`]): a table without
    /// rows is not scanned state by state (most snapshots, and every fuzz input, have few tables).
    rows: [u64; 8],
}

impl Default for StateCounts {
    fn default() -> Self {
        StateCounts { counts: Box::new([[0; 256]; 8]), rows: [0; 8] }
    }
}

impl StateCounts {
    /// Count one row; its table's total comes from [`StateCounts::add_rows`].
    #[inline(always)]
    pub fn add(&mut self, table: TableKind, state: u8) {
        self.counts[table.inet_index()][state as usize] += 1;
    }

    /// `n` more rows of `table`, each also passed to [`StateCounts::add`].
    #[inline]
    pub fn add_rows(&mut self, table: TableKind, n: usize) {
        self.rows[table.inet_index()] += n as u64;
    }

    /// Add the counts of other rows (another thread's half of the pass).
    pub fn merge(&mut self, other: &StateCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            mine.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
        }
        self.rows.iter_mut().zip(other.rows).for_each(|(a, b)| *a += b);
    }

    /// Rows of `table` whose state satisfies `pred`.
    pub fn count(&self, table: TableKind, pred: impl Fn(u8) -> bool) -> u64 {
        if self.rows[table.inet_index()] == 0 {
            return 0;
        }
        self.counts[table.inet_index()]
            .iter()
            .enumerate()
            .filter(|(k, _)| pred(*k as u8))
            .map(|(_, v)| v)
            .sum()
    }

    fn table(&self, table: TableKind) -> &[u64; 256] {
        &self.counts[table.inet_index()]
    }
}

pub fn build(s: &Snapshot, counts: &StateCounts) -> Volume {
    let by_table = TableKind::INET
        .into_iter()
        .filter(|&t| counts.rows[t.inet_index()] > 0)
        .map(|table| {
            let mut st: Vec<(String, u64)> = counts
                .table(table)
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(k, &v)| (state_name(table, k as u8).to_string(), v))
                .collect();
            crate::sort::sort_by(&mut st, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            TableCount { table, rows: counts.rows[table.inet_index()], states: st }
        })
        .collect();
    let count = |table: TableKind, pred: &dyn Fn(u8) -> bool| counts.count(table, pred);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-table totals (added a chunk at a time) agree with the per-state counts, and
    /// tables without rows are left out and count nothing.
    #[test]
    fn table_totals_agree_with_state_counts() {
        for rows in [0, 1, 300, 70_000] {
            let table = crate::synth::tcp_table(rows, 0.9, rows as u64 + 1);
            let s = crate::snapshot::decode(&table, &Default::default(), &mut |_| true).unwrap();
            let v = crate::report::build(&s).volume;
            let listed: u64 = v.by_table.iter().map(|t| t.rows).sum();
            assert_eq!(listed, v.inet_rows, "{rows} rows");
            for t in &v.by_table {
                assert_eq!(t.rows, t.states.iter().map(|(_, n)| n).sum::<u64>(), "{rows} rows");
            }
            assert!(v.by_table.iter().all(|t| t.table == TableKind::Tcp && t.rows > 0), "{rows} rows");
        }
        let mut counts = StateCounts::default();
        counts.add_rows(TableKind::Udp, 2);
        counts.add(TableKind::Udp, 7);
        counts.add(TableKind::Udp, 7);
        assert_eq!(counts.count(TableKind::Udp, |st| st == 7), 2);
        assert_eq!(counts.count(TableKind::Tcp, |_| true), 0);
    }
}
