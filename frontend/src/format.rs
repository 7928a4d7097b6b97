//! Number formatting for the views: core's, so a figure reads the same in the CLI's text and on
//! the page. Views hold JavaScript numbers (f64); these take them as they are.

pub use procsnap_core::format::{fixed, micros, percent, thousands};

/// Bytes in binary units: `1536` → `1.5 KiB`.
pub fn bytes(n: f64) -> String {
    procsnap_core::format::bytes(n.max(0.0) as u64)
}
