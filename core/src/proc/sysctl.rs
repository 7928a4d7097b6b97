//! The sysctls that explain TIME_WAIT, each a one-line file under `/proc/sys`.

use serde::{Deserialize, Serialize};

/// A sysctl the report explains, with its archive path and what it means.
pub struct Known {
    pub name: &'static str,
    pub path: &'static str,
    pub meaning: &'static str,
}

pub const KNOWN: [Known; 6] = [
    Known {
        name: "net.ipv4.tcp_fin_timeout",
        path: "proc/sys/net/ipv4/tcp_fin_timeout",
        meaning: "seconds an orphaned connection may stay in FIN_WAIT2; TIME_WAIT itself always lasts 60 s on Linux",
    },
    Known {
        name: "net.ipv4.tcp_tw_reuse",
        path: "proc/sys/net/ipv4/tcp_tw_reuse",
        meaning: "1: outgoing connections may reuse a TIME_WAIT port when timestamps prove it safe (2: loopback only, the default)",
    },
    Known {
        name: "net.ipv4.tcp_max_tw_buckets",
        path: "proc/sys/net/ipv4/tcp_max_tw_buckets",
        meaning: "most TIME_WAIT sockets the kernel keeps; beyond it, closing sockets skip TIME_WAIT and the kernel logs an overflow",
    },
    Known {
        name: "net.ipv4.ip_local_port_range",
        path: "proc/sys/net/ipv4/ip_local_port_range",
        meaning: "the ephemeral ports for outgoing connections: each (local address, remote address, remote port) has this many",
    },
    Known {
        name: "net.ipv4.tcp_timestamps",
        path: "proc/sys/net/ipv4/tcp_timestamps",
        meaning: "TCP timestamps (RFC 7323); tcp_tw_reuse needs them to reuse TIME_WAIT ports safely",
    },
    Known {
        name: "net.core.somaxconn",
        path: "proc/sys/net/core/somaxconn",
        meaning: "the cap on a listener's accept backlog (compare with Recv-Q of LISTEN rows)",
    },
];

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
