//! Parsers on tables captured from a live Debian 12 host (kernel 6.x, x86_64), in both byte
//! orders: the big-endian copy is made by swapping the bytes of every 32-bit address word, which
//! is exactly how a big-endian kernel prints the same addresses.

mod support;

use procsnap_core::TableKind;
use procsnap_core::proc::{inet, unix};
use procsnap_core::{ByteOrder, DecodeOptions};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/captured/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Rewrite each address column (8 or 32 hex digits before `:PORT`) as a big-endian host prints it.
fn to_big_endian(table: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(table.to_vec()).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let words: Vec<String> = line
            .split(' ')
            .enumerate()
            .map(|(col, w)| {
                let is_addr = w.contains(':') && (col > 0) && {
                    let (a, p) = w.split_once(':').unwrap();
                    (a.len() == 8 || a.len() == 32) && p.len() == 4
                };
                if !is_addr {
                    return w.to_string();
                }
                let (a, p) = w.split_once(':').unwrap();
                let swapped: String = a
                    .as_bytes()
                    .chunks(8)
                    .map(|word| {
                        let pairs: Vec<&[u8]> = word.chunks(2).rev().collect();
                        String::from_utf8(pairs.concat()).unwrap()
                    })
                    .collect();
                format!("{swapped}:{p}")
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn captured_inet_tables_parse_cleanly_in_both_byte_orders() {
    for (name, kind) in [
        ("tcp", TableKind::Tcp),
        ("tcp6", TableKind::Tcp6),
        ("udp", TableKind::Udp),
        ("udp6", TableKind::Udp6),
        ("udplite", TableKind::Udplite),
        ("raw", TableKind::Raw),
        ("raw6", TableKind::Raw6),
    ] {
        let data = fixture(name);
        let lines = data.iter().filter(|&&b| b == b'\n').count();
        let (mut le, mut d) = (Vec::new(), Vec::new());
        inet::parse_table(&data, kind, ByteOrder::Little, 4096, &mut le, &mut d);
        assert!(d.is_empty(), "{name}: {d:?}");
        assert_eq!(le.len(), lines - 1, "{name}: every row parsed");

        let big = to_big_endian(&data);
        if le.iter().any(|r| !r.local_addr.is_unspecified() || !r.remote_addr.is_unspecified()) {
            assert_ne!(big, data, "{name}: the big-endian copy differs");
        }
        let (mut be, mut d) = (Vec::new(), Vec::new());
        inet::parse_table(&big, kind, ByteOrder::Big, 4096, &mut be, &mut d);
        assert!(d.is_empty(), "{name}: {d:?}");
        assert_eq!(le, be, "{name}: same sockets from either byte order");
    }
}

#[test]
fn captured_tcp_has_the_shapes_the_analyses_rely_on() {
    let data = fixture("tcp");
    let (mut rows, mut d) = (Vec::new(), Vec::new());
    inet::parse_table(&data, TableKind::Tcp, ByteOrder::Little, 4096, &mut rows, &mut d);
    // Every line of /proc/net/tcp is padded to 149 characters.
    assert!(data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).all(|l| l.len() == 149));
    let tw: Vec<_> = rows.iter().filter(|r| r.is_time_wait()).collect();
    assert!(!tw.is_empty(), "the fixture was captured with TIME_WAIT sockets");
    assert!(tw.iter().all(|r| r.inode == 0 && r.timer == 3 && r.uid == 0));
    assert!(tw.iter().all(|r| r.timer_ticks <= 6000), "at most 60 s at USER_HZ 100");
    assert!(rows.iter().any(|r| r.state == inet::TCP_LISTEN && r.inode != 0));
}

#[test]
fn captured_unix_and_counters() {
    let data = fixture("unix");
    let (mut rows, mut d) = (Vec::new(), Vec::new());
    unix::parse_table(&data, 4096, &mut rows, &mut d);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(rows.len(), data.iter().filter(|&&b| b == b'\n').count() - 1);
    assert!(unix::header_has_inode(&data));

    // The counters decode through the public entry point as bare files.
    let s = support::decode_snapshot(&fixture("sockstat"), &DecodeOptions::default()).unwrap();
    assert!(s.sockstat["TCP"].contains_key("tw"));
    let s6 = support::decode_snapshot(&fixture("sockstat6"), &DecodeOptions::default()).unwrap();
    assert!(s6.sockstat.contains_key("TCP6"));
}
