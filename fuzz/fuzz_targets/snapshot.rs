//! Structure-aware: valid snapshots (tar.gz or tar, with a manifest) built from arbitrary tables
//! and processes, so mutations reach the parsers, the join and the analyses past gzip and tar.
//! A row may carry arbitrary bytes spliced into its text, to reach the diagnostics too.
//! Checks: the decode never fails on a well-formed archive, every socket row that was written
//! whole is counted (once), and every renderer and the share link work.
#![no_main]

use std::fmt::Write as _;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use procsnap_core::share::Redaction;
use procsnap_core::{DecodeOptions, Session};

#[derive(Arbitrary, Debug)]
struct Row {
    local: u32,
    local_port: u16,
    remote: u32,
    remote_port: u16,
    state: u8,
    queues: (u32, u32),
    timer: (u8, u32),
    uid: u16,
    inode: u32,
    /// Written as an IPv6 row (tcp6/udp6…) with these extra address words.
    v6: Option<[u32; 3]>,
    /// Bytes spliced into the row text at a position (a damaged row).
    damage: Option<(u8, Vec<u8>)>,
}

#[derive(Arbitrary, Debug)]
struct UnixRow {
    flags: u32,
    kind: u8,
    state: u8,
    inode: u32,
    path: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Proc {
    pid: u16,
    cmdline: Vec<u8>,
    /// (fd, inode): a `socket:[inode]` link.
    fds: Vec<(u8, u32)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    gzip: bool,
    big_endian: bool,
    page_size: u8,
    tcp: Vec<Row>,
    udp: Vec<Row>,
    unix: Vec<UnixRow>,
    sockstat_tw: Option<u32>,
    procs: Vec<Proc>,
}

const INET_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

fn inet_text(rows: &[Row], v6: bool) -> (Vec<u8>, usize) {
    let mut t = INET_HEADER.as_bytes().to_vec();
    let mut whole = 0;
    for (i, r) in rows.iter().filter(|r| r.v6.is_some() == v6).enumerate() {
        let addr = |w: u32| match r.v6 {
            Some([a, b, c]) => format!("{a:08X}{b:08X}{c:08X}{w:08X}"),
            None => format!("{w:08X}"),
        };
        let mut line = String::new();
        let _ = write!(
            line,
            "{i:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} {:02X}:{:08X} 00000000 {:5} {:8} {} 1 0000000000000000 100 0 0 10 0",
            addr(r.local),
            r.local_port,
            addr(r.remote),
            r.remote_port,
            r.state,
            r.queues.0,
            r.queues.1,
            r.timer.0,
            r.timer.1,
            r.uid,
            0,
            r.inode
        );
        let mut line = line.into_bytes();
        match &r.damage {
            Some((at, bytes)) => {
                let at = *at as usize % (line.len() + 1);
                line.splice(at..at, bytes.iter().copied());
            }
            None => whole += 1,
        }
        t.extend_from_slice(&line);
        t.push(b'\n');
    }
    (t, whole)
}

fn unix_text(rows: &[UnixRow]) -> Vec<u8> {
    let mut t = b"Num       RefCount Protocol Flags    Type St Inode Path\n".to_vec();
    for r in rows {
        let _ = write!(
            bytes_writer(&mut t),
            "0000000000000000: 00000002 00000000 {:08X} {:04X} {:02X} {}",
            r.flags,
            r.kind,
            r.state,
            r.inode
        );
        if !r.path.is_empty() {
            t.push(b' ');
            t.extend(r.path.iter().map(|&b| if b == b'\n' { b'_' } else { b }));
        }
        t.push(b'\n');
    }
    t
}

/// A `fmt::Write` over a byte vector.
fn bytes_writer(v: &mut Vec<u8>) -> impl std::fmt::Write + '_ {
    struct W<'a>(&'a mut Vec<u8>);
    impl std::fmt::Write for W<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }
    W(v)
}

fn archive(input: &Input) -> (Vec<u8>, usize) {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut whole = 0;
    for (name, rows, v6) in [
        ("tcp", &input.tcp, false),
        ("tcp6", &input.tcp, true),
        ("udp", &input.udp, false),
        ("udp6", &input.udp, true),
    ] {
        let (text, n) = inet_text(rows, v6);
        whole += n;
        files.push((format!("proc/net/{name}"), text));
    }
    files.push(("proc/net/unix".into(), unix_text(&input.unix)));
    if let Some(tw) = input.sockstat_tw {
        files.push((
            "proc/net/sockstat".into(),
            format!("sockets: used 5\nTCP: inuse 1 orphan 0 tw {tw} alloc 1 mem 1\n").into_bytes(),
        ));
    }
    let mut pids: Vec<&Proc> = input.procs.iter().collect();
    pids.sort_by_key(|p| p.pid);
    pids.dedup_by_key(|p| p.pid);
    for p in &pids {
        files.push((format!("proc/{}/cmdline", p.pid), p.cmdline.clone()));
    }
    let manifest = serde_json::json!({
        "format": "procsnap",
        "format_version": procsnap_core::layout::FORMAT_VERSION,
        "host": {
            "byte_order": if input.big_endian { "big" } else { "little" },
            "page_size": 1u64 << (12 + input.page_size % 5),
            "user_hz": 100,
        },
        "files": files.iter().map(|(path, data)| serde_json::json!({
            "path": path,
            "bytes": data.len(),
            "sha256": procsnap_core::digest::sha256_hex(data),
        })).collect::<Vec<_>>(),
    });

    let mut tar = tar::Builder::new(Vec::new());
    let add = |tar: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o444);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, data).unwrap();
    };
    for (path, data) in &files {
        add(&mut tar, path, data);
    }
    for p in &pids {
        let mut fds: Vec<_> = p.fds.iter().collect();
        fds.sort();
        fds.dedup_by_key(|f| f.0);
        for (fd, inode) in fds {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(0o700);
            h.set_entry_type(tar::EntryType::Symlink);
            tar.append_link(&mut h, format!("proc/{}/fd/{fd}", p.pid), format!("socket:[{inode}]")).unwrap();
        }
    }
    add(&mut tar, "procsnap.json", &serde_json::to_vec(&manifest).unwrap());
    let tar = tar.into_inner().unwrap();
    if !input.gzip {
        return (tar, whole);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    (gz.finish().unwrap(), whole)
}

fuzz_target!(|input: Input| {
    let (bytes, whole_rows) = archive(&input);
    let session = Session::open(&bytes, &DecodeOptions::default(), &mut |_| true)
        .unwrap_or_else(|e| panic!("a well-formed snapshot failed to open: {e}"));
    let snap = session.snapshot().expect("decoded from bytes");
    // Rows written whole all parse; damaged ones may parse too; duplicates are counted once.
    let read_twice: u64 = session
        .report()
        .diagnostics
        .items
        .iter()
        .filter(|d| d.message.contains("read twice"))
        .filter_map(|d| d.message.split(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(
        snap.inet.len() as u64 + read_twice >= whole_rows as u64,
        "{} + {read_twice} < {whole_rows}",
        snap.inet.len()
    );
    let _ = session.netstat();
    let _ = session.text();
    let _ = session.json();
    let link = session.share_fragment(Redaction::default());
    Session::open_link(&link).expect("a link we just made opens");
});
