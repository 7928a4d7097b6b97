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

/// The real captures from other kernels (`../shared/reference/real-captures/`, PROVENANCE.md
/// there), each with what net-tools 2.10 printed for it. `None` when the directory is absent.
fn real_capture(name: &str) -> Option<Vec<u8>> {
    let dir = format!("{}/../../shared/reference/real-captures", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read(format!("{dir}/{name}")) {
        Ok(b) => Some(b),
        Err(e) if std::env::var_os("CI").is_some() => panic!("{dir}/{name}: {e}"),
        Err(e) => {
            eprintln!("skipped: {dir}/{name}: {e}");
            None
        }
    }
}

/// One file of a capture's tree.
fn tree_file(targz: &[u8], path: &str) -> Vec<u8> {
    let tar = support::gunzip(targz);
    let mut archive = tar::Archive::new(&tar[..]);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_str() == Some(path) {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut out).unwrap();
            return out;
        }
    }
    panic!("{path} not in the capture");
}

/// A unix table without the Inode column (pre-2.2 format): netstat shows its rows with `-` for
/// the inode; procsnap used to give no rows.
#[test]
fn real_unix_table_without_inode_prints_what_netstat_printed() {
    let (Some(tree), Some(expected)) = (
        real_capture("procfs-unix-without-inode.tar.gz"),
        real_capture("procfs-unix-without-inode.netstat-2.10.out"),
    ) else {
        return;
    };
    let s = support::decode(&tree, &DecodeOptions::default()).unwrap();
    assert!(s.report().diagnostics.items.is_empty(), "{:?}", s.report().diagnostics.items);
    assert_eq!(String::from_utf8_lossy(&s.netstat()), String::from_utf8_lossy(&expected));
    let snap = s.snapshot().unwrap();
    assert_eq!(snap.unix.len(), 5, "every row kept");
    assert_eq!(snap.unix[0].path.0, b"/var/run/postgresql/.s.PGSQL.5432");
}

/// Two rows joined on one line (perkeep's transcription): netstat reads the first only, and so
/// does procsnap, but it now says so in a diagnostic naming the line.
#[test]
fn real_joined_rows_give_a_diagnostic() {
    let (Some(tree), Some(expected)) = (
        real_capture("perkeep-2.6.3x-x86_64.tar.gz"),
        real_capture("perkeep-2.6.3x-x86_64.netstat-2.10.out"),
    ) else {
        return;
    };
    let s = support::decode(&tree, &DecodeOptions::default()).unwrap();
    assert_eq!(String::from_utf8_lossy(&s.netstat()), String::from_utf8_lossy(&expected));
    let d = &s.report().diagnostics.items;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].file.as_str(), d[0].line), ("proc/net/tcp", 7));
    assert!(d[0].message.starts_with("two rows on one line"), "{}", d[0].message);
    // The table streamed in small chunks says the same.
    let table = tree_file(&tree, "proc/net/tcp");
    let mut stream = procsnap_core::proc::stream::TableStream::new(TableKind::Tcp);
    for c in table.chunks(7) {
        stream.feed(c);
    }
    let parsed = stream.finish();
    assert_eq!(parsed.row_count(), 13);
    assert_eq!(parsed.diagnostics, vec![d[0].clone()]);
}

/// A bare udp table from 2.6.18 has tcp's header: it is told apart by its rows, and prints the
/// udp rows net-tools 2.10 printed for that host.
#[test]
fn real_bare_udp_with_tcp_header_reads_as_udp() {
    let (Some(tree), Some(expected)) =
        (real_capture("rhel5-2.6.18-x86_64.tar.gz"), real_capture("rhel5-2.6.18-x86_64.netstat-2.10.out"))
    else {
        return;
    };
    let udp = tree_file(&tree, "proc/net/udp");
    let tcp = tree_file(&tree, "proc/net/tcp");
    assert_eq!(
        udp.split(|&b| b == b'\n').next().map(|h| h.trim_ascii_end().to_vec()),
        tcp.split(|&b| b == b'\n').next().map(|h| h.trim_ascii_end().to_vec()),
        "the case: same header"
    );
    assert_eq!(TableKind::detect(&udp), Some(TableKind::Udp));
    assert_eq!(TableKind::detect(&tcp), Some(TableKind::Tcp));
    assert_eq!(TableKind::detect(&tree_file(&tree, "proc/net/udp6")), Some(TableKind::Udp6));
    assert_eq!(TableKind::detect(&tree_file(&tree, "proc/net/tcp6")), Some(TableKind::Tcp6));
    let s = support::decode(&udp, &DecodeOptions::default()).unwrap();
    let ours = String::from_utf8_lossy(&s.netstat()).into_owned();
    let udp_lines =
        |t: &str| t.lines().filter(|l| l.starts_with("udp ")).map(str::to_owned).collect::<Vec<_>>();
    let theirs = udp_lines(&String::from_utf8_lossy(&expected));
    assert!(!theirs.is_empty());
    assert_eq!(udp_lines(&ours), theirs);
    // A tcp table of TIME_WAIT rows only (which also end at the pointer) stays tcp.
    let tw = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   5: 0100007F:0051 0200007F:C350 06 00000000:00000000 03:000010EE 00000000     0        0 0 3 0000000000000000\n";
    assert_eq!(TableKind::detect(tw), Some(TableKind::Tcp));
}
