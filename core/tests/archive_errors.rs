//! The archive reader on bad and odd input: every case gives its typed error, never a panic.

mod support;

use procsnap_core::{DecodeOptions, Error, Limits};
use support::{decode_snapshot as decode, gunzip, gzip, tar_of};

fn report(s: &procsnap_core::Snapshot) -> procsnap_core::Report {
    procsnap_core::report::build(s)
}

fn example() -> Vec<u8> {
    procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 300,
        client_time_wait: 50,
        established: 10,
        seed: 3,
    })
}

#[test]
fn the_example_decodes_as_targz_and_as_tar() {
    let gz = example();
    let a = decode(&gz, &DecodeOptions::default()).unwrap();
    let b = decode(&gunzip(&gz), &DecodeOptions::default()).unwrap();
    assert_eq!(report(&a).listeners, report(&b).listeners);
    assert_eq!(a.container, procsnap_core::Container::TarGz);
    assert_eq!(b.container, procsnap_core::Container::Tar);
}

#[test]
fn empty_and_foreign_files_are_not_snapshots() {
    assert_eq!(decode(b"", &DecodeOptions::default()).unwrap_err(), Error::Empty);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    match decode(png, &DecodeOptions::default()).unwrap_err() {
        Error::NotASnapshot { detail } => assert!(detail.contains("PNG"), "{detail}"),
        e => panic!("{e:?}"),
    }
    let random: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert!(matches!(decode(&random, &DecodeOptions::default()), Err(Error::NotASnapshot { .. })));
    assert!(matches!(decode(b"hello world\n", &DecodeOptions::default()), Err(Error::NotASnapshot { .. })));
    // gzip of something that is not a tar.
    assert!(matches!(
        decode(&gzip(b"just text\n"), &DecodeOptions::default()),
        Err(Error::NotASnapshot { .. })
    ));
}

#[test]
fn truncated_gzip_at_many_offsets() {
    let gz = example();
    for cut in [10, 100, gz.len() / 3, gz.len() / 2, gz.len() - 9, gz.len() - 1] {
        match decode(&gz[..cut], &DecodeOptions::default()) {
            Err(Error::Truncated { .. }) | Err(Error::NotASnapshot { .. }) => {}
            other => panic!("cut at {cut} of {}: {:?}", gz.len(), other.map(|_| "decoded")),
        }
    }
}

#[test]
fn truncated_tar() {
    let tar = gunzip(&example());
    for cut in [600, tar.len() / 2, tar.len() - 1024 - 100] {
        assert!(
            matches!(decode(&tar[..cut], &DecodeOptions::default()), Err(Error::Truncated { .. })),
            "cut at {cut}"
        );
    }
}

#[test]
fn gzip_bomb_is_refused_without_unpacking_it() {
    // 64 MiB of zeros in one entry compresses to ~64 KiB; the limit is 8 MiB.
    let zeros = vec![0u8; 64 << 20];
    let bomb = gzip(&tar_of(&[("proc/net/tcp", &zeros)]));
    assert!(bomb.len() < 1 << 20);
    let opts = DecodeOptions {
        limits: Limits { max_total_bytes: 8 << 20, ..Limits::default() },
        ..Default::default()
    };
    assert!(matches!(decode(&bomb, &opts), Err(Error::TooLarge { limit_bytes }) if limit_bytes == 8 << 20));
}

#[test]
fn tar_bomb_of_many_entries_is_refused() {
    let names: Vec<String> = (0..2000).map(|i| format!("proc/x/{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let tar = tar_of(&entries);
    let opts =
        DecodeOptions { limits: Limits { max_entries: 1000, ..Limits::default() }, ..Default::default() };
    assert_eq!(decode(&tar, &opts).unwrap_err(), Error::TooManyEntries { limit: 1000 });
}

#[test]
fn manifest_from_the_future_or_broken() {
    let m = br#"{"format":"procsnap","format_version":99}"#;
    let tar = tar_of(&[("procsnap.json", m)]);
    assert_eq!(
        decode(&tar, &DecodeOptions::default()).unwrap_err(),
        Error::NewerFormat { found: 99, supported: 1 }
    );
    let tar = tar_of(&[("procsnap.json", b"{not json")]);
    assert!(matches!(decode(&tar, &DecodeOptions::default()), Err(Error::BadManifest { .. })));
}

#[test]
fn hostile_and_odd_paths_are_listed_not_used() {
    let row = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0\n";
    let long = "a/".repeat(300) + "x";
    let tar = tar_of(&[
        ("./proc/net/tcp", row),
        ("../../etc/passwd", b"root:x:0:0"),
        ("proc/net/../../evil", b"x"),
        (long.as_str(), b"y"),
        ("proc/abc/cmdline", b"x"),
    ]);
    let s = decode(&tar, &DecodeOptions::default()).unwrap();
    let r = report(&s);
    assert_eq!(r.listeners.len(), 1, "./proc/net/tcp is read");
    let other: Vec<_> = r
        .files
        .iter()
        .filter(|f| f.role == procsnap_core::layout::FileRole::Other)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(other.len(), 4, "{other:?}");
}

#[test]
fn a_snapshot_tarred_inside_a_directory_is_found() {
    let row = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0\n";
    let tar = tar_of(&[("host-snap/proc/net/tcp", row), ("host-snap/proc/1/cmdline", b"/sbin/init\0")]);
    let s = decode(&tar, &DecodeOptions::default()).unwrap();
    assert_eq!(report(&s).listeners.len(), 1);
}

#[test]
fn bare_tables_are_recognised_by_content() {
    let udp = b"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n  123: 0100007F:0143 00000000:0000 07 00000000:00000000 00:00000000 00000000   102        0 9001 2 0000000000000000 0\n";
    let s = decode(udp, &DecodeOptions::default()).unwrap();
    assert_eq!(s.inet.get(0).unwrap().table, procsnap_core::TableKind::Udp);
    let opts = DecodeOptions { table_hint: Some(procsnap_core::TableKind::Raw), ..Default::default() };
    assert_eq!(decode(udp, &opts).unwrap().inet.get(0).unwrap().table, procsnap_core::TableKind::Raw);
    let unix = b"Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 21504 /run/x\n";
    assert_eq!(decode(unix, &DecodeOptions::default()).unwrap().unix.len(), 1);
    // A raw6 copy (pcp-4.15.14's): `--table raw` names the protocol, the address width says IPv6.
    let raw6 = b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n   58: 00000000000000000000000000000000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41163 2 00000000ab80b9f6 0\n";
    assert_eq!(decode(raw6, &opts).unwrap().inet.get(0).unwrap().table, procsnap_core::TableKind::Raw6);
    let udplite = DecodeOptions { table_hint: Some(procsnap_core::TableKind::Udplite), ..Default::default() };
    assert_eq!(
        decode(raw6, &udplite).unwrap().inet.get(0).unwrap().table,
        procsnap_core::TableKind::Udplite6
    );
    assert_eq!(decode(udp, &udplite).unwrap().inet.get(0).unwrap().table, procsnap_core::TableKind::Udplite);
}

#[test]
fn malformed_rows_are_counted_with_file_and_line() {
    let mut t = procsnap_core::synth::tcp_table(10, 0.5, 1);
    t.extend_from_slice(b"  11: 0100007F:ZZZZ 00000000:0000 0A\n\0\0\0garbage\xff\xfe\n");
    // Past the header and the two listeners every synthetic table has (the same inodes would be
    // reported as rows read twice).
    t.extend_from_slice(&procsnap_core::synth::tcp_table(5, 0.0, 2)[150 * 3..]);
    let s = decode(&t, &DecodeOptions::default()).unwrap();
    assert_eq!(s.inet.len(), 13);
    let r = report(&s);
    assert_eq!(r.diagnostics.total, 2);
    assert_eq!((r.diagnostics.items[0].file.as_str(), r.diagnostics.items[0].line), ("proc/net/tcp", 12));
    assert_eq!(r.diagnostics.items[1].line, 13);
}

#[test]
fn a_changed_file_fails_its_hash_check() {
    let tar = gunzip(&example());
    // Flip a digit inside proc/net/tcp's data (first entry, data starts after the 512-byte header).
    let mut bad = tar.clone();
    let pos = 512 + 150 + 3;
    bad[pos] = if bad[pos] == b'0' { b'1' } else { b'0' };
    let s = decode(&bad, &DecodeOptions::default()).unwrap();
    assert!(
        s.diagnostics.iter().any(|d| d.file == "proc/net/tcp" && d.message.contains("SHA-256")),
        "{:?}",
        s.diagnostics
    );
    let good = decode(&tar, &DecodeOptions::default()).unwrap();
    assert!(good.diagnostics.is_empty());
}

#[test]
fn cancel_stops_the_decode() {
    let gz = example();
    let mut calls = 0;
    let r = procsnap_core::snapshot::decode(&gz, &DecodeOptions::default(), &mut |_| {
        calls += 1;
        false
    });
    assert_eq!(r.unwrap_err(), Error::Cancelled);
    assert_eq!(calls, 1);
}
