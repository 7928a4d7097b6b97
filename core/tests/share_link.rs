//! Share links: round trip, redaction that really removes things, size, and damaged links.

mod support;

use procsnap_core::share::{self, LinkError, Redaction};
use procsnap_core::{DecodeOptions, Entry, Report};

fn example_report() -> Report {
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 3000,
        client_time_wait: 500,
        established: 50,
        seed: 5,
    });
    support::decode(&bytes, &DecodeOptions::default()).unwrap().into_report()
}

/// A host with 50 listeners, each owned by a process with a realistic command line.
fn fifty_listeners() -> Report {
    let mut tcp = String::from(procsnap_core::synth::TCP_HEADER);
    tcp.push('\n');
    let mut entries = Vec::new();
    for i in 0..50u32 {
        let addr = match i % 3 {
            0 => 0u32,                                            // 0.0.0.0
            1 => u32::from_le_bytes([10, 20, (i / 10) as u8, 7]), // 10.20.x.7
            _ => u32::from_le_bytes([127, 0, 0, 1]),
        };
        let inode = 40_000 + i;
        tcp.push_str(&format!(
            "{i:4}: {addr:08X}:{:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1 0000000000000000 100 0 0 10 0\n",
            8000 + i
        ));
        let pid = 1000 + i;
        entries.push(Entry::symlink(format!("proc/{pid}/fd/3"), format!("socket:[{inode}]")));
        let cmd = format!(
            "/opt/service-{i}/bin/server\0--config=/etc/service-{i}/secret-token-{i}.yaml\0--port={}\0",
            8000 + i
        );
        entries.push(Entry::file(format!("proc/{pid}/cmdline"), cmd.into_bytes()));
    }
    entries.push(Entry::file("proc/net/tcp", tcp.into_bytes()));
    support::decode_entries(entries, &DecodeOptions::default()).unwrap().into_report()
}

#[test]
fn a_link_opens_to_the_same_report() {
    let report = example_report();
    let link = share::link("http://127.0.0.1:8080/", &report, Redaction::default());
    assert!(link.starts_with("http://127.0.0.1:8080/#r=1."));
    let opened = share::decode(&link).unwrap();
    assert_eq!(opened.shared.as_ref().unwrap().redactions, Vec::<String>::new());
    assert_eq!(procsnap_core::render::netstat(&opened), procsnap_core::render::netstat(&report));
    assert_eq!(opened.time_wait.count, report.time_wait.count);
    assert_eq!(opened.time_wait.remaining_seconds, report.time_wait.remaining_seconds);
    assert_eq!(opened.time_wait.by_local_port, report.time_wait.by_local_port);
    assert_eq!(opened.volume, report.volume);
    assert_eq!(opened.cost.story, report.cost.story, "the story is rebuilt from the figures");
    assert_eq!(opened.time_wait.sysctls, report.time_wait.sysctls, "meanings are restored");
    assert!(opened.files.is_empty(), "no file contents or lists in a link");
    assert_eq!(opened.shared.as_ref().unwrap().files, report.files.len() as u64);
    // The fragment alone, or with other keys, opens too.
    let fragment = &link[link.find('#').unwrap()..];
    assert!(share::decode(fragment).is_ok());
    assert!(share::decode(&format!("#x=1&{}", &fragment[1..])).is_ok());
}

fn strings_of(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for l in &report.listeners {
        for ip in [l.local_addr, l.remote_addr] {
            if !ip.is_unspecified() && !ip.is_loopback() {
                out.push(ip.to_string());
            }
        }
        for h in &l.holders {
            for arg in h.cmdline.iter().flatten().skip(1) {
                out.push(arg.lossy().into_owned());
            }
        }
    }
    for c in &report.time_wait.by_remote_addr.items {
        out.push(c.key.clone());
    }
    for p in &report.time_wait.port_pressure {
        out.push(p.local_addr.to_string());
        out.push(p.remote_addr.to_string());
    }
    out
}

/// The viewer compresses `share::payload` with the browser's zlib (`CompressionStream`), not
/// flate2's best level: any zlib stream of the payload is the same link once decoded.
#[test]
fn a_payload_compressed_by_another_zlib_is_the_same_link() {
    use std::io::Write;
    let report = example_report();
    let payload = share::payload(&report, Redaction::ALL);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(&payload).unwrap();
    let other = share::fragment_value_of(&z.finish().unwrap());
    let ours = share::encode(&report, Redaction::ALL);
    assert!(other.starts_with("1.") && ours.starts_with("1."));
    let (a, b) = (share::decode(&other).unwrap(), share::decode(&ours).unwrap());
    assert_eq!(procsnap_core::render::netstat(&a), procsnap_core::render::netstat(&b));
    assert_eq!(procsnap_core::render::text(&a), procsnap_core::render::text(&b));
    assert_eq!(a.shared, b.shared);
    // The viewer's fallback without a compressor: stored blocks, which any zlib inflates.
    let stored = share::decode(&share::fragment_value_of(&share::zlib_stored(&payload))).unwrap();
    assert_eq!(procsnap_core::render::text(&stored), procsnap_core::render::text(&b));
}

#[test]
fn stored_zlib_is_what_zlib_reads() {
    use std::io::Read;
    // Empty, one byte, a block boundary and past it, and enough for Adler-32's modulo.
    for len in [0usize, 1, 65_535, 65_536, 200_000] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8 ^ 0xff).collect();
        let z = share::zlib_stored(&data);
        let mut back = Vec::new();
        flate2::read::ZlibDecoder::new(&z[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data, "{len} bytes");
    }
}

#[test]
fn redaction_removes_addresses_arguments_and_hostname() {
    for report in [example_report(), fifty_listeners()] {
        let secrets = strings_of(&report);
        assert!(secrets.len() > 10);
        let link = share::link("", &report, Redaction::ALL);
        let opened = share::decode(&link).unwrap();
        let json = serde_json::to_string(&opened).unwrap();
        for s in &secrets {
            assert!(!json.contains(&format!("\"{s}\"")), "{s} survived redaction");
        }
        assert!(opened.host.hostname.is_none());
        if let Some(h) = &report.host.hostname {
            assert!(!json.contains(h.as_str()));
        }
        assert!(!json.contains("secret-token"), "arguments are dropped");
        assert!(!json.contains("-DFOREGROUND"));
        // Program names (argv[0]) and netstat's text stay useful.
        assert!(json.contains("/opt/service-7/bin/server") || json.contains("/usr/sbin/httpd"));
        assert_eq!(opened.shared.unwrap().redactions, ["addresses", "args", "hostname"]);
    }
}

#[test]
fn pseudonyms_are_consistent_and_keep_subnets_apart() {
    let report = example_report();
    let opened =
        share::decode(&share::link("", &report, Redaction { addresses: true, ..Default::default() }))
            .unwrap();
    // Same original address → same pseudonym, across listeners, top-N and port pressure.
    let mut seen = std::collections::HashMap::new();
    for (a, b) in report.time_wait.port_pressure.iter().zip(&opened.time_wait.port_pressure) {
        for (orig, pseudo) in [(a.local_addr, b.local_addr), (a.remote_addr, b.remote_addr)] {
            let prev = seen.insert(orig, pseudo);
            assert!(prev.is_none() || prev == Some(pseudo), "{orig} got two names");
        }
    }
    // 203.0.113.x clients and 192.168.x.y clients end up in different /24s; hosts of one /24 share one.
    let names: Vec<(String, String)> = report
        .time_wait
        .by_remote_addr
        .items
        .iter()
        .zip(&opened.time_wait.by_remote_addr.items)
        .map(|(a, b)| (a.key.clone(), b.key.clone()))
        .collect();
    let net = |s: &str| s.rsplit_once('.').unwrap().0.to_string();
    for (a1, b1) in &names {
        for (a2, b2) in &names {
            assert_eq!(net(a1) == net(a2), net(b1) == net(b2), "{a1}/{a2} vs {b1}/{b2}");
            assert_eq!(a1 == a2, b1 == b2);
        }
    }
    // Bound-to-all and loopback keep their meaning.
    assert!(opened.listeners.iter().any(|l| l.local_addr.is_unspecified()));
}

#[test]
fn fifty_listeners_fit_in_2000_characters() {
    let report = fifty_listeners();
    assert_eq!(report.listeners.len(), 50);
    let link = share::link("", &report, Redaction::ALL);
    assert!(link.len() <= 2000, "link is {} characters", link.len());
    let unredacted = share::link("", &report, Redaction::default());
    assert!(unredacted.len() <= 2600, "unredacted link is {} characters", unredacted.len());
}

#[test]
fn damaged_links_say_so() {
    let link = share::link("", &example_report(), Redaction::default());
    let cut = &link[..link.len() - 40];
    assert!(matches!(share::decode(cut), Err(LinkError::Damaged { .. })));
    let mut altered = link.clone().into_bytes();
    let i = altered.len() / 2;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    assert!(matches!(share::decode(std::str::from_utf8(&altered).unwrap()), Err(LinkError::Damaged { .. })));
    let newer = link.replacen("#r=1.", "#r=7.", 1);
    assert_eq!(share::decode(&newer).unwrap_err(), LinkError::NewerVersion { found: 7, supported: 1 });
    assert_eq!(share::decode("http://x/#foo").unwrap_err(), LinkError::NotALink);
    assert!(matches!(share::decode("#r=1.!!!!"), Err(LinkError::Damaged { .. })));
    let msg = share::decode(cut).unwrap_err().to_string();
    assert!(msg.contains("copy the whole link again"), "{msg}");
}

/// A version-1 link made once and kept: if the report's shape changes, this fails, and the link
/// version must be bumped (old links must keep opening or say clearly that they cannot).
#[test]
fn a_pinned_version_1_link_still_opens() {
    let path = format!("{}/tests/fixtures/link-v1.txt", env!("CARGO_MANIFEST_DIR"));
    let pinned = std::fs::read_to_string(&path).unwrap();
    let opened = share::decode(&pinned).unwrap();
    assert_eq!(opened.time_wait.by_local_port[0].port, 81);
    // Made from the example before it became the seed's CentOS 6 host (8 listeners then).
    assert_eq!(opened.listeners.len(), 8);
    assert_eq!(opened.netstat.flavour, procsnap_core::Flavour::NetTools210, "no flavour in old links");
}
