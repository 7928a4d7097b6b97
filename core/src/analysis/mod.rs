//! One analysis per question the report answers.

pub mod cost;
pub mod listeners;
pub mod namespaces;
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
    /// The `n` largest groups (ties by key), picked before any key is turned into text.
    pub fn top<K: Ord + ToString>(mut counts: Vec<(K, u64)>, n: usize) -> TopN {
        let distinct = counts.len() as u64;
        let total: u64 = counts.iter().map(|(_, c)| c).sum();
        let order = |a: &(K, u64), b: &(K, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
        crate::sort::keep_first(&mut counts, n, order);
        let listed: u64 = counts.iter().map(|(_, c)| c).sum();
        TopN {
            items: counts.into_iter().map(|(k, count)| Counted { key: k.to_string(), count }).collect(),
            others: total - listed,
            distinct,
        }
    }
}
