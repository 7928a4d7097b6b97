//! Addresses as net-tools prints them with `-n`.

use std::fmt::Write;
use std::net::{IpAddr, Ipv6Addr};

/// glibc's `inet_ntop(AF_INET6, …)`: the longest run of two or more zero groups becomes `::`
/// (the first one on a tie), and an address whose first 96 bits are zero (IPv4-compatible) or
/// that is IPv4-mapped ends in dotted IPv4. Rust's `Display` differs on IPv4-compatible ones.
pub fn glibc_ntop6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_base = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::with_capacity(40);
    let mut i = 0;
    while i < 8 {
        if Some(i) == best_base {
            out.push(':');
            i += best_len;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best_base == Some(0) && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            let _ = write!(out, "{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
            break;
        }
        let _ = write!(out, "{:x}", w[i]);
        i += 1;
    }
    out
}

/// netstat's address text: IPv4 dotted; IPv6 via inet_ntop, then `fix_v4_address` strips the
/// `::ffff:` of an IPv4-mapped address.
pub fn netstat_addr(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let text = glibc_ntop6(v6);
            if v6.to_ipv4_mapped().is_some() {
                if let Some(dot) = text.find('.') {
                    if let Some(colon) = text[..dot].rfind(':') {
                        return text[colon + 1..].to_string();
                    }
                }
            }
            text
        }
    }
}

/// netstat's `addr_do_one` with `-n` and without `-W`: `addr:port` (port 0 is `*`); if longer
/// than 22 characters the port keeps up to 18 and the address is cut to fill 22, then `:` joins
/// them (23 characters in all).
pub fn netstat_endpoint(ip: &IpAddr, port: u16) -> String {
    let addr = netstat_addr(ip);
    let port = if port == 0 { "*".to_string() } else { port.to_string() };
    const SHORT: usize = 22;
    if addr.len() + port.len() > SHORT {
        let port_len = port.len().min(SHORT - 4);
        let addr_len = SHORT - port_len;
        let mut s = String::with_capacity(SHORT + 1);
        s.push_str(&addr[..addr_len.min(addr.len())]);
        s.push(':');
        s.push_str(&port[..port_len]);
        s
    } else {
        format!("{addr}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn glibc_forms() {
        assert_eq!(glibc_ntop6(&v6("::")), "::");
        assert_eq!(glibc_ntop6(&v6("::1")), "::1");
        assert_eq!(glibc_ntop6(&v6("::ffff:127.0.0.1")), "::ffff:127.0.0.1");
        assert_eq!(glibc_ntop6(&v6("::1.2.3.4")), "::1.2.3.4");
        assert_eq!(glibc_ntop6(&v6("fe80::a00:27ff:fe4e:5353")), "fe80::a00:27ff:fe4e:5353");
        assert_eq!(glibc_ntop6(&v6("1:0:0:2:0:0:0:3")), "1:0:0:2::3");
        assert_eq!(glibc_ntop6(&v6("1:0:0:2:0:0:3:4")), "1::2:0:0:3:4");
        assert_eq!(glibc_ntop6(&v6("1:0:2:3:4:5:6:7")), "1:0:2:3:4:5:6:7");
        assert_eq!(glibc_ntop6(&v6("2001:db8::")), "2001:db8::");
        assert_eq!(glibc_ntop6(&v6("::100")), "::100");
    }

    #[test]
    fn netstat_endpoints() {
        assert_eq!(netstat_endpoint(&"0.0.0.0".parse().unwrap(), 0), "0.0.0.0:*");
        assert_eq!(netstat_endpoint(&"::ffff:10.1.2.3".parse().unwrap(), 80), "10.1.2.3:80");
        assert_eq!(netstat_endpoint(&"::".parse().unwrap(), 22), ":::22");
        assert_eq!(
            netstat_endpoint(&"fe80::a00:27ff:fe4e:5353".parse().unwrap(), 5353),
            "fe80::a00:27ff:fe4:5353"
        );
    }
}
