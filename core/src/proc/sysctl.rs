//! The sysctls that explain TIME_WAIT, each a one-line file under `/proc/sys` (the list of them
//! is [`crate::layout::SYSCTLS`]).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sysctl {
    pub name: String,
    /// The file's text without the trailing newline, tabs made spaces.
    pub value: String,
    pub meaning: String,
}

pub fn value(data: &[u8]) -> String {
    String::from_utf8_lossy(data).trim().split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// `ip_local_port_range`: `"32768\t60999"` → (32768, 60999).
pub fn port_range(value: &str) -> Option<(u16, u16)> {
    let mut it = value.split_ascii_whitespace().map(|w| w.parse::<u16>());
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(lo)), Some(Ok(hi)), None) if lo <= hi => Some((lo, hi)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_range() {
        assert_eq!(value(b"32768\t60999\n"), "32768 60999");
        assert_eq!(port_range("32768 60999"), Some((32768, 60999)));
        assert_eq!(port_range("60999 32768"), None);
        assert_eq!(port_range("x"), None);
    }
}
