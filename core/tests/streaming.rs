//! Tables parsed while the archive streams give exactly what parsing the whole text gives, even
//! though the byte order and page size arrive later, in the manifest (the last entry).

use procsnap_core::TableKind;
use procsnap_core::proc::inet;
mod support;

use procsnap_core::{ByteOrder, DecodeOptions, archive, synth};
use support::{decode_snapshot as decode, decode_snapshot_entries as decode_entries, tar_gz, tar_gz_at};

fn report(s: &procsnap_core::Snapshot) -> procsnap_core::Report {
    procsnap_core::report::build(s)
}

/// The report as JSON, without the one field that names the container.
fn report_json(s: &procsnap_core::Snapshot) -> serde_json::Value {
    let mut v = serde_json::to_value(report(s)).unwrap();
    v["host"]["container"] = serde_json::Value::Null;
    v
}

#[test]
fn streamed_archive_gives_the_report_of_the_whole_text() {
    let bytes = synth::seed_story(&synth::SeedStory::default());
    let streamed = decode(&bytes, &DecodeOptions::default()).unwrap();
    // The same entries kept whole (as the CLI reads an extracted directory).
    let (_, entries) = archive::read(&bytes, &Default::default(), None, &mut |_| true).unwrap();
    let whole = decode_entries(entries, &DecodeOptions::default()).unwrap();
    assert!(streamed.inet.len() > 100_000 - 1000, "{} rows", streamed.inet.len());
    assert_eq!(streamed.inet.iter().collect::<Vec<_>>(), whole.inet.iter().collect::<Vec<_>>());
    assert_eq!(report_json(&streamed), report_json(&whole));
    // The streamed table was hashed on the way and matches the manifest.
    let tcp = streamed.files.iter().find(|f| f.path == "proc/net/tcp").unwrap();
    assert!(tcp.size > archive::STREAM_ABOVE);
    assert_eq!(tcp.sha256.as_deref().map(str::to_lowercase), tcp.manifest_sha256.clone());
    assert!(
        streamed.diagnostics.iter().all(|d| !d.message.contains("SHA-256")),
        "{:?}",
        streamed.diagnostics
    );
}

#[test]
fn byte_order_and_page_size_from_a_manifest_that_comes_last() {
    let table = synth::tcp_table(5_000, 0.9, 7);
    assert!(table.len() as u64 > archive::STREAM_ABOVE);
    for (order, name) in [(ByteOrder::Big, "big"), (ByteOrder::Little, "little")] {
        let manifest =
            format!(r#"{{"format_version":1,"host":{{"byte_order":"{name}","page_size":16384}}}}"#);
        let bytes = tar_gz(&[("proc/net/tcp", &table), ("procsnap.json", manifest.as_bytes())]);
        let s = decode(&bytes, &DecodeOptions::default()).unwrap();
        let (mut expected, mut diags) = (Vec::new(), Vec::new());
        let stats = inet::parse_table(&table, TableKind::Tcp, order, 16384, &mut expected, &mut diags);
        assert_eq!(s.inet.iter().collect::<Vec<_>>(), expected, "{name}-endian rows");
        assert_eq!(s.tables[0].page_reads, stats.page_reads);
        assert_eq!(s.tables[0].lines, stats.lines);
    }
}

#[test]
fn a_table_in_a_top_directory_streams_too_and_one_elsewhere_is_only_listed() {
    let table = synth::tcp_table(2_000, 0.5, 3);
    let s = decode(&tar_gz(&[("host1/proc/net/tcp", &table)]), &DecodeOptions::default()).unwrap();
    assert_eq!(s.inet.len(), 2_000);
    assert_eq!(s.files[0].path, "proc/net/tcp");
    // Not under proc/net/ once the top directory is looked through: kept as an unknown file.
    let s = decode(
        &tar_gz(&[("a/proc/net/tcp", &table), ("b/proc/net/udp", b"x".as_slice())]),
        &DecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(s.inet.len(), 0);
    assert_eq!(s.files.len(), 2);
}

#[test]
fn rows_are_reported_while_a_large_table_streams() {
    let table = synth::tcp_table(60_000, 0.9, 5);
    // Stored, not compressed: progress comes every MiB of compressed input, so the table must
    // span several MiB of it.
    let bytes = tar_gz_at(&[("proc/net/tcp", &table)], flate2::Compression::none());
    let mut seen = Vec::new();
    let s = procsnap_core::snapshot::decode(&bytes, &DecodeOptions::default(), &mut |p| {
        seen.push(p);
        true
    })
    .unwrap();
    assert_eq!(s.inet.len(), 60_000);
    assert!(
        seen.iter().any(|p| p.bytes_done > 0 && p.bytes_done < p.bytes_total && p.rows > 0),
        "rows counted while unpacking: {seen:?}"
    );
    // Cancelling mid-stream stops with the typed error.
    let mut calls = 0;
    let r = procsnap_core::snapshot::decode(&bytes, &DecodeOptions::default(), &mut |_| {
        calls += 1;
        calls < 3
    });
    assert!(matches!(r, Err(procsnap_core::Error::Cancelled)), "{r:?}");
}

/// The report's pass over packed rows agrees with a plain computation over `InetSocket` values,
/// for IPv4, IPv6 and IPv4-mapped clients, both byte orders and an unusual USER_HZ.
#[test]
fn report_pass_over_packed_rows_agrees_with_a_naive_count() {
    use std::collections::BTreeMap;
    use std::net::IpAddr;
    let head = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    let tcp = synth::tcp_table(3_000, 0.8, 11);
    for (order, name, hz) in [(ByteOrder::Little, "little", 250u32), (ByteOrder::Big, "big", 100)] {
        // Remote addresses: native IPv6, IPv4-mapped (its ffff word as this host prints it),
        // and one timer beyond 60 s.
        let mapped = if order == ByteOrder::Little { "FFFF0000" } else { "0000FFFF" };
        let mut tcp6 = head.to_string();
        for i in 0..400u32 {
            let remote = if i % 2 == 0 {
                format!("0000000000000000{mapped}{:08X}", 0x0A00_0000 + (i % 7))
            } else {
                format!("20010DB8000000000000000000{:06X}", i % 5)
            };
            let ticks = if i == 0 { 0x7FFF_0000u32 } else { i * 37 };
            tcp6.push_str(&format!(
                "{i:4}: 00000000000000000000000001000000:1F90 {remote}:{:04X} 06 00000000:00000000 03:{ticks:08X} 00000000     0        0 0 3 0000000000000000\n",
                40000 + i
            ));
        }
        let manifest = format!(r#"{{"format_version":1,"host":{{"byte_order":"{name}","user_hz":{hz}}}}}"#);
        let bytes = tar_gz(&[
            ("proc/net/tcp", &tcp),
            ("proc/net/tcp6", tcp6.as_bytes()),
            ("procsnap.json", manifest.as_bytes()),
        ]);
        let s = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(s.params.byte_order, order);
        let report = report(&s);
        let rows: Vec<_> = s.inet.iter().collect();
        assert!(rows.iter().any(|r| r.remote_addr.to_canonical().is_ipv4() && r.table == TableKind::Tcp6));
        let tw: Vec<_> = rows.iter().filter(|r| r.is_time_wait()).collect();
        assert_eq!(report.time_wait.count, tw.len() as u64);
        let mut secs = vec![0u64; 61];
        for r in &tw {
            secs[(r.timer_ticks / hz).min(60) as usize] += 1;
        }
        assert_eq!(report.time_wait.remaining_seconds, secs, "{name}");
        let mut by_addr: BTreeMap<IpAddr, u64> = BTreeMap::new();
        for r in &tw {
            *by_addr.entry(r.remote_addr.to_canonical()).or_default() += 1;
        }
        for item in &report.time_wait.by_remote_addr.items {
            let addr: IpAddr = item.key.parse().unwrap();
            assert_eq!(by_addr[&addr], item.count, "{name}: {addr}");
        }
        let listeners = rows.iter().filter(|r| procsnap_core::analysis::listeners::netstat_shows(r)).count();
        assert_eq!(report.listeners.len(), listeners);
        assert_eq!(report.volume.inet_rows, rows.len() as u64);
    }
}

/// The viewer opens without hashing and checks the manifest's hashes afterwards: the result is
/// the report of a decode that hashed, including a file changed after capture.
#[test]
fn hashes_checked_after_the_report_equal_hashes_checked_during_decode() {
    let bytes = synth::seed_story(&synth::SeedStory::default());
    let hashed = report(&decode(&bytes, &DecodeOptions::default()).unwrap());
    let skip = DecodeOptions { skip_hashes: true, ..Default::default() };
    let mut later = report(&decode(&bytes, &skip).unwrap());
    assert!(later.files.iter().all(|f| f.sha256.is_none()));
    let hashes = archive::hash_files(&bytes, &Default::default(), &mut |_| true).unwrap();
    assert_eq!(later.check_hashes(&hashes), 0);
    assert_eq!(later, hashed);

    let table = synth::tcp_table(2_000, 0.5, 3);
    let wrong = format!(
        r#"{{"format_version":1,"files":[{{"path":"proc/net/tcp","sha256":"{}"}}]}}"#,
        "ab".repeat(32)
    );
    let bytes = tar_gz(&[("top/proc/net/tcp", &table), ("top/procsnap.json", wrong.as_bytes())]);
    let hashed = report(&decode(&bytes, &DecodeOptions::default()).unwrap());
    assert_eq!(hashed.diagnostics.total, 1, "{:?}", hashed.diagnostics);
    let mut later = report(&decode(&bytes, &skip).unwrap());
    let hashes = archive::hash_files(&bytes, &Default::default(), &mut |_| true).unwrap();
    assert_eq!(hashes.len(), 2);
    assert_eq!(later.check_hashes(&hashes), 1);
    assert_eq!(later, hashed);
}

/// A snapshot cut or damaged inside a table that is being streamed gives a typed error, never a
/// panic or a report of half a table; the hash pass says the same.
#[test]
fn damage_inside_a_streamed_table_is_a_typed_error() {
    let bytes = synth::seed_story(&synth::SeedStory::default());
    let opts = DecodeOptions::default();
    for cut in [bytes.len() / 10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 20, bytes.len() - 4] {
        let err = decode(&bytes[..cut], &opts).expect_err("a cut archive does not decode");
        assert!(matches!(err, procsnap_core::Error::Truncated { .. }), "cut at {cut}: {err:?}");
        assert!(archive::hash_files(&bytes[..cut], &Default::default(), &mut |_| true).is_err());
    }
    for at in [bytes.len() / 4, bytes.len() / 2] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x55;
        match decode(&bad, &opts) {
            Err(procsnap_core::Error::Truncated { .. }) => {}
            // A flipped bit that still inflates must then fail the CRC, or change a hash.
            Ok(s) => panic!("a damaged archive decoded: {} diagnostics", s.diagnostics.len()),
            Err(e) => panic!("unexpected error kind: {e:?}"),
        }
    }
}

/// What the viewer's worker does with a `.tar.gz`: the browser inflates and the tar is pushed
/// into `snapshot::TarDecoder` in whatever pieces arrive. The session it gives is the one
/// `Session::open` gives for the same bytes, and its hashes (`archive::TarHashes`) are
/// `archive::hash_files`'s. A cut tar is refused as truncated.
#[test]
fn a_tar_pushed_in_pieces_opens_as_the_archive_does() {
    use procsnap_core::Session;
    use procsnap_core::snapshot::TarDecoder;
    let tar = synth::seed_story_tar(&synth::SeedStory::default());
    let gz = synth::seed_story(&synth::SeedStory::default());
    let opened = Session::open(&gz, &DecodeOptions::default(), &mut |_| true).unwrap();
    let want_hashes = archive::hash_files(&gz, &Default::default(), &mut |_| true).unwrap();
    for piece in [1 << 16, 7_919, 512] {
        let mut decoder = TarDecoder::new(&DecodeOptions::default(), true, gz.len() as u64);
        let mut hashes = archive::TarHashes::new(&Default::default(), true);
        for (i, chunk) in tar.chunks(piece).enumerate() {
            // As the worker reports it: compressed bytes consumed so far (here, in proportion).
            let consumed = (gz.len() * (i + 1) * piece / tar.len()) as u64;
            decoder.set_compressed(consumed);
            decoder.feed(chunk).unwrap();
            hashes.set_compressed(consumed);
            hashes.feed(chunk).unwrap();
        }
        // Rows of the tables streamed so far (the small ones are parsed at the end).
        assert!(decoder.rows() > 100_000 && decoder.rows() <= opened.row_count());
        let pushed = Session::open_tar(decoder, &mut |_| true).unwrap();
        assert_eq!(pushed.row_count(), opened.row_count());
        assert_eq!(pushed.json(), opened.json(), "pieces of {piece}");
        assert_eq!(pushed.netstat(), opened.netstat());
        assert_eq!(hashes.finish().unwrap(), want_hashes);
    }
    let mut cut = TarDecoder::new(&DecodeOptions::default(), false, 0);
    cut.feed(&tar[..tar.len() / 2 + 100]).unwrap();
    let err = cut.finish(&mut |_| true).unwrap_err();
    assert!(matches!(err, procsnap_core::Error::Truncated { .. }), "{err:?}");
}

/// A share link opened the viewer's way (core takes the zlib stream out, the host inflates, core
/// reads the payload) gives the report `Session::open_link` gives.
#[test]
fn a_share_link_opens_from_its_inflated_payload() {
    use std::io::Read;
    let session = procsnap_core::Session::example(&DecodeOptions::default());
    let link = session.share_link("https://viewer.example/", procsnap_core::share::Redaction::ALL);
    let zlib = procsnap_core::share::zlib_of(&link).unwrap();
    let mut payload = Vec::new();
    flate2::read::ZlibDecoder::new(&zlib[..]).read_to_end(&mut payload).unwrap();
    let via_payload = procsnap_core::Session::open_link_payload(&payload).unwrap();
    let via_link = procsnap_core::Session::open_link(&link).unwrap();
    assert_eq!(via_payload.json(), via_link.json());
    assert!(procsnap_core::Session::open_link_payload(&payload[..payload.len() / 2]).is_err());
}

/// Runs the second piece of work first, then the first, on this thread, counting its calls: a
/// half that leaned on the other's state, or a join out of order, would show. One per test, as
/// tests run at once.
#[derive(Debug)]
struct SecondFirst(std::sync::atomic::AtomicUsize);
impl procsnap_core::types::Fork for SecondFirst {
    fn both(&self, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send)) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        second();
        first();
    }
}
impl SecondFirst {
    const fn new() -> SecondFirst {
        SecondFirst(std::sync::atomic::AtomicUsize::new(0))
    }
    fn calls(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

use support::two_threads::TwoThreads;

/// A bare table read at offsets in two halves at once gives the report, rows and diagnostics
/// of the one-thread read (damaged rows, and duplicates across the halves, included).
#[test]
fn a_bare_table_read_in_halves_gives_the_one_thread_report() {
    let mut table = synth::tcp_table(70_000, 0.9, 11);
    // A damaged row in each half, and the first rows again near the end (a non-atomic read).
    let lines: Vec<usize> = memchr::memchr_iter(b'\n', &table).collect();
    for at in [lines[100], lines[lines.len() * 3 / 4]] {
        table.splice(at + 1..at + 1, b"  77: damaged\n".iter().copied());
    }
    let again: Vec<u8> = table[lines[0] + 1..lines[20] + 1].to_vec();
    table.extend_from_slice(&again);
    assert!(table.len() as u64 > 8 << 20, "{} bytes: above the split size", table.len());
    let one = procsnap_core::Session::open(&table, &DecodeOptions::default(), &mut |_| true).unwrap();
    static SECOND_FIRST: SecondFirst = SecondFirst::new();
    for fork in [&SECOND_FIRST as &'static dyn procsnap_core::types::Fork, &TwoThreads] {
        let options = DecodeOptions { fork: Some(fork), ..Default::default() };
        let two =
            procsnap_core::Session::open_at(&table, table.len() as u64, &options, &mut |_| true).unwrap();
        assert_eq!(two.json(), one.json(), "{fork:?}");
        let (a, b) = (one.snapshot().unwrap(), two.snapshot().unwrap());
        assert_eq!(a.inet.iter().collect::<Vec<_>>(), b.inet.iter().collect::<Vec<_>>(), "{fork:?}");
        assert_eq!(a.diagnostics, b.diagnostics, "{fork:?}");
        assert!(
            a.diagnostics.iter().filter(|d| d.message.contains("read twice")).count() == 1,
            "{:?}",
            a.diagnostics
        );
        // Over the size limit: the same refusal either way.
        let small = DecodeOptions {
            limits: procsnap_core::Limits { max_total_bytes: 1 << 20, ..Default::default() },
            ..options
        };
        let err =
            procsnap_core::Session::open_at(&table, table.len() as u64, &small, &mut |_| true).unwrap_err();
        assert!(matches!(err, procsnap_core::Error::TooLarge { .. }), "{err:?}");
    }
    // The table was split (once), not read in order; the search for duplicates forks three
    // times (hashes split by their top bit, each half sorted, the rows with a repeated hash).
    assert_eq!(SECOND_FIRST.calls(), 1 + 3);
}

/// The report of a snapshot large enough for its pass over the rows to be split across the
/// threads lent (`DecodeOptions::fork`) is the one-thread report, in every format.
#[test]
fn a_report_passed_on_two_threads_is_the_one_thread_report() {
    static REVERSED: SecondFirst = SecondFirst::new();
    let story =
        synth::SeedStory { server_time_wait: 120_000, client_time_wait: 20_000, ..Default::default() };
    let bytes = synth::seed_story(&story);
    let one = procsnap_core::Session::open(&bytes, &DecodeOptions::default(), &mut |_| true).unwrap();
    assert!(one.report().time_wait.count >= 140_000);
    // The report's pass forks once, on top of what the decode alone does.
    let calls = || REVERSED.calls();
    let reversed = DecodeOptions { fork: Some(&REVERSED), ..Default::default() };
    procsnap_core::snapshot::decode(&bytes, &reversed, &mut |_| true).unwrap();
    let decode_calls = calls();
    procsnap_core::Session::open(&bytes, &reversed, &mut |_| true).unwrap();
    assert_eq!(calls(), 2 * decode_calls + 1);
    for fork in [&REVERSED as &'static dyn procsnap_core::types::Fork, &TwoThreads] {
        let options = DecodeOptions { fork: Some(fork), ..Default::default() };
        let two = procsnap_core::Session::open(&bytes, &options, &mut |_| true).unwrap();
        assert_eq!(two.json(), one.json(), "{fork:?}");
        assert_eq!(two.netstat(), one.netstat(), "{fork:?}");
        assert_eq!(two.text(), one.text(), "{fork:?}");
    }
}
