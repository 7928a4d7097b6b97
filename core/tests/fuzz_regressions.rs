//! One test per finding of the fuzzers and the bad-input corpus (docs/fuzzing.md lists them).

use std::io::Write;

mod support;

use procsnap_core::{DecodeOptions, Error, Limits};
use support::decode;

fn ustar_header(name: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    h
}

/// Finding 1 (corpus, gzip-bomb.tar.gz): a gzip bomb whose tar header tells the truth about its
/// size stayed under the 1.5 GiB default limit, so ~0.9 MB of input made `procsnap report`
/// allocate 900 MiB. Now gzip data may not unpack to more than 500× the compressed bytes once past
/// 64 MiB.
#[test]
fn gzip_bomb_under_the_total_limit_is_refused_by_ratio() {
    let size: u64 = 80 << 20;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(ustar_header("proc/net/tcp", size).as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) {
        gz.write_all(&zeros).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    match decode(&bomb, &DecodeOptions::default()) {
        Err(Error::TooLarge { limit_bytes }) => assert_eq!(limit_bytes, procsnap_core::archive::RATIO_FLOOR),
        other => panic!("expected TooLarge, got {:?}", other.map(|s| s.report().files.len())),
    }
    // With the ratio check off, only the total limit applies: the same bytes decode.
    let off = DecodeOptions { limits: Limits { max_ratio: 0, ..Limits::default() }, ..Default::default() };
    assert!(decode(&bomb, &off).is_ok());
}

/// The ratio guard leaves real snapshots alone: a plain tar is never subject to it, and the
/// example (12:1) decodes with a ratio limit far below deflate's best.
#[test]
fn ratio_guard_does_not_refuse_ordinary_snapshots() {
    let gz = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 3000,
        client_time_wait: 500,
        established: 50,
        seed: 5,
    });
    let strict =
        DecodeOptions { limits: Limits { max_ratio: 20, ..Limits::default() }, ..Default::default() };
    assert!(decode(&gz, &strict).is_ok());
}

/// Finding 2 (review of the share_link target's re-encode step): a link is untrusted, so the
/// report it carries can hold any numbers. Re-sharing an opened link (encode after decode) added
/// them up unchecked (`others += cut`, the sum of file sizes) and panicked on overflow in debug
/// builds (wrapped silently in release). Now the sums saturate.
#[test]
fn re_sharing_a_hostile_report_does_not_overflow() {
    use procsnap_core::analysis::Counted;
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 30,
        client_time_wait: 5,
        established: 5,
        seed: 5,
    });
    let mut report = decode(&bytes, &DecodeOptions::default()).unwrap().into_report();
    let top = &mut report.time_wait.by_remote_addr;
    top.items = (0..12).map(|i| Counted { key: format!("10.0.0.{i}"), count: u64::MAX }).collect();
    top.others = u64::MAX - 1;
    for f in &mut report.files {
        f.size = u64::MAX;
    }
    let link = procsnap_core::share::encode(&report, procsnap_core::share::Redaction::ALL);
    let opened = procsnap_core::share::decode(&link).unwrap();
    assert_eq!(opened.time_wait.by_remote_addr.others, u64::MAX);
    assert_eq!(opened.shared.unwrap().file_bytes, u64::MAX);
}

/// Finding 3 (`share_link` fuzzer, round 2, crash-fd475d15…): a link whose report has a reversed
/// `ip_local_port_range` (`port_range.1 < port_range.0`; a snapshot can never produce one, the
/// sysctl parser refuses it) and a port-pressure entry made `render::text` subtract with overflow.
/// Now the range size saturates.
#[test]
fn text_of_a_link_with_a_reversed_port_range() {
    use procsnap_core::analysis::timewait::PortPressure;
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 30,
        client_time_wait: 30,
        established: 5,
        seed: 5,
    });
    let mut report = decode(&bytes, &DecodeOptions::default()).unwrap().into_report();
    report.time_wait.port_range = (60999, 32768);
    if report.time_wait.port_pressure.is_empty() {
        report.time_wait.port_pressure.push(PortPressure {
            local_addr: "10.0.0.5".parse().unwrap(),
            remote_addr: "10.0.1.20".parse().unwrap(),
            remote_port: 5432,
            sockets: 3,
            time_wait: 2,
            used_ratio: 0.5,
        });
    }
    let link = procsnap_core::share::encode(&report, Default::default());
    let opened = procsnap_core::share::decode(&link).unwrap();
    assert!(procsnap_core::render::text(&opened).contains("busiest outgoing tuple"));
}

/// The fuzzer's own input for finding 3, replayed through the same steps as the target.
#[test]
fn share_link_crash_fd475d15_replays() {
    let data = include_bytes!("fixtures/fuzz/share_link-crash-fd475d15");
    let (&mode, rest) = data.split_first().unwrap();
    let text = if mode == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(rest).unwrap();
        let c = z.finish().unwrap();
        use base64::Engine;
        format!("#r=1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c))
    };
    let report = procsnap_core::share::decode(&text).expect("the crashing input is a link that opens");
    let _ = procsnap_core::render::text(&report);
    let _ = procsnap_core::render::json(&report);
    let _ = procsnap_core::render::netstat(&report);
}

/// The built-in example and the benchmark's synthetic table hold no socket twice: the duplicate
/// check (non-atomic reads) must stay silent on them.
#[test]
fn synthetic_snapshots_have_no_duplicated_rows() {
    let s = procsnap_core::Session::example(&Default::default());
    let d = &s.report().diagnostics.items;
    assert!(d.iter().all(|d| !d.message.contains("read twice")), "{d:?}");
}

#[test]
fn the_benchmark_table_has_no_duplicated_rows() {
    let t = procsnap_core::synth::tcp_table(200_000, 0.95, 42);
    let s = procsnap_core::Session::open(&t, &Default::default(), &mut |_| true).unwrap();
    assert_eq!(s.snapshot().unwrap().inet.len(), 200_000);
    assert!(s.report().diagnostics.items.is_empty());
}

/// `Limits::browser()`: an archive that would not fit a tab is refused with a message that sends
/// the user to the CLI, before anything of its size is allocated; the CLI's limits take it.
#[test]
fn browser_limits_refuse_what_a_tab_cannot_hold() {
    let browser = DecodeOptions { limits: Limits::browser(), ..Default::default() };
    // A tar.gz whose table says it unpacks to 1.2 GiB (the data is cut short: nothing that size
    // is allocated on either side; the CLI gets as far as the cut).
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(ustar_header("proc/net/tcp", 1200 << 20).as_bytes()).unwrap();
    gz.write_all(&procsnap_core::synth::tcp_table(1000, 0.9, 3)).unwrap();
    let big = gz.finish().unwrap();
    let Err(e) = decode(&big, &browser) else { panic!("not refused") };
    assert!(matches!(e, Error::TooLargeForBrowser { limit_bytes } if limit_bytes == 1024 << 20), "{e:?}");
    assert!(e.to_string().starts_with("too large for the browser: use procsnap report"), "{e}");
    assert_eq!(e.kind(), procsnap_core::ErrorKind::TooLarge);
    assert!(matches!(decode(&big, &DecodeOptions::default()), Err(Error::Truncated { .. })));

    // A gzip bomb: the ratio guard trips at 64 MiB, worded for the browser too.
    let size: u64 = 80 << 20;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(ustar_header("proc/net/tcp", size).as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    let Err(e) = decode(&bomb, &browser) else { panic!("not refused") };
    assert!(matches!(e, Error::TooLargeForBrowser { .. }), "{e:?}");

    // What fits is opened as usual.
    let example = procsnap_core::synth::seed_story(&Default::default());
    assert!(decode(&example, &browser).is_ok());
}
