//! One analysis per question the report answers.

pub mod cost;
pub mod listeners;
pub mod timewait;
pub mod volume;

use serde::{Deserialize, Serialize};

/// A key and how many sockets have it, for top-N breakdowns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub key: String,
    pub count: u64,
}

/// The largest groups, and what the rest add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TopN {
    pub items: Vec<Counted>,
    /// Sockets in the groups not listed.
    pub others: u64,
    /// Number of distinct groups.
    pub distinct: u64,
}

impl TopN {
    /// Largest first; ties by key so the output is stable.
    pub fn from_counts<K: ToString>(counts: impl IntoIterator<Item = (K, u64)>, n: usize) -> TopN {
        let mut all: Vec<(String, u64)> = counts.into_iter().map(|(k, c)| (k.to_string(), c)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let distinct = all.len() as u64;
        let others = all.iter().skip(n).map(|(_, c)| c).sum();
        all.truncate(n);
        TopN { items: all.into_iter().map(|(key, count)| Counted { key, count }).collect(), others, distinct }
    }
}
