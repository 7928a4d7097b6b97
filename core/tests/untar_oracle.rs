//! `archive::Untar`, the push tar reader, checked against its oracle, the `tar` crate's
//! `Archive`: archives written by `tar::Builder` (GNU long names and links, ustar prefixes, pax
//! records, every entry type, sizes around a block, files streamed to a sink) are fed to `Untar`
//! in pieces of many sizes, and what it gives must be what `Archive::entries()` reads: the same
//! paths (normalised), kinds, file bytes and link targets. Then the errors (truncation, damaged
//! checksums, the limits) and the places the two differ on purpose (GNU sparse files, the 1 MiB
//! cap on long names and pax records).

use std::borrow::Cow;
use std::io::Read;

use procsnap_core::Error;
use procsnap_core::archive::{Entry, EntryKind, Limits, Mode, RATIO_FLOOR, STREAM_ABOVE, Untar};
use sha2::{Digest, Sha256};

#[path = "support/tar_oracle.rs"]
mod tar_oracle;
use tar_oracle::{Recorder, Seen, Want, expected, oracle};

// ---- the reader under test ----------------------------------------------------------------------

fn want_all(_: &str, _: u64) -> bool {
    true
}
fn want_none(_: &str, _: u64) -> bool {
    false
}
fn want_tcp(path: &str, _: u64) -> bool {
    path.contains("tcp")
}

/// The ways a caller reads: whole, streamed (hashed or not, all or some), hashes only.
const CONFIGS: [(&str, Mode, Want); 5] = [
    ("keep", Mode::Read { hash: false }, want_none),
    ("stream", Mode::Read { hash: false }, want_all),
    ("stream+hash", Mode::Read { hash: true }, want_all),
    ("stream tcp only", Mode::Read { hash: true }, want_tcp),
    ("hash only", Mode::HashOnly, want_all),
];

/// Piece sizes the bytes are fed in (`usize::MAX`: all at once).
const PIECES: [usize; 7] = [1, 7, 511, 512, 513, 4096, usize::MAX];

fn untar(
    bytes: &[u8],
    limits: &Limits,
    mode: Mode,
    piece: usize,
    sink: &mut Recorder,
) -> Result<Vec<Entry<'static>>, Error> {
    let mut u = Untar::new(limits, mode, false, bytes.len() as u64);
    for p in bytes.chunks(piece.clamp(1, bytes.len().max(1))) {
        u.feed(p, sink)?;
    }
    u.finish()
}

/// One line per entry, short enough for a failure message.
fn show(entries: &[Entry<'_>]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let kind = match &e.kind {
                EntryKind::File(d) => {
                    format!("file {} bytes sha {}", d.len(), &procsnap_core::digest::sha256_hex(d)[..12])
                }
                EntryKind::Symlink(t) => format!("symlink -> {:?}", String::from_utf8_lossy(t)),
                EntryKind::Dir => "dir".into(),
                EntryKind::Other => "other".into(),
                EntryKind::Streamed { bytes, sha256 } => format!("streamed {bytes} bytes sha {sha256:?}"),
            };
            let path = if e.path.len() > 60 {
                format!("{}…({} bytes)", &e.path[..60], e.path.len())
            } else {
                e.path.clone()
            };
            format!("{path}: {kind}")
        })
        .collect()
}

/// The tar crate reads `bytes` without error, and `Untar` gives the same entries in every
/// configuration and piece size. The oracle's entries, for the test to check it read what was
/// written.
fn agree(bytes: &[u8]) -> Vec<(String, Seen)> {
    let seen = oracle(bytes).unwrap_or_else(|e| panic!("the tar crate refuses the archive: {e}"));
    for (name, mode, want) in CONFIGS {
        let (want_entries, want_streams, want_asked) = expected(&seen, mode, want);
        for piece in PIECES {
            let mut sink = Recorder::new(want);
            let got = untar(bytes, &Limits::default(), mode, piece, &mut sink).unwrap_or_else(|e| {
                panic!("{name}, pieces of {piece}: Untar refuses what the tar crate reads: {e:?}")
            });
            assert!(
                got == want_entries,
                "{name}, pieces of {piece}:\n got  {:#?}\n want {:#?}",
                show(&got),
                show(&want_entries)
            );
            assert_eq!(sink.asked, want_asked, "{name}, pieces of {piece}: what the sink was asked");
            assert!(sink.streams == want_streams, "{name}, pieces of {piece}: the streamed bytes differ");
            assert!(!sink.open, "{name}, pieces of {piece}: a stream never ended");
            assert!(sink.chunk_sizes.iter().all(|&n| n <= piece), "{name}: a chunk larger than what was fed");
        }
    }
    seen
}

/// `Untar` refuses `bytes` the same way whatever the piece size; the tar crate refuses it too.
fn refused(bytes: &[u8], limits: &Limits) -> Error {
    assert!(oracle(bytes).is_err(), "the tar crate reads what Untar should refuse");
    refused_by_untar(bytes, limits)
}

/// `Untar` refuses `bytes`, the same way whatever the piece size (the tar crate is not asked).
fn refused_by_untar(bytes: &[u8], limits: &Limits) -> Error {
    let mut first: Option<Error> = None;
    for (name, mode, want) in CONFIGS {
        for piece in PIECES {
            let e = untar(bytes, limits, mode, piece, &mut Recorder::new(want))
                .err()
                .unwrap_or_else(|| panic!("{name}, pieces of {piece}: Untar accepts it"));
            match &first {
                None => first = Some(e),
                Some(f) => assert_eq!(
                    std::mem::discriminant(f),
                    std::mem::discriminant(&e),
                    "{name}, pieces of {piece}: {e:?}, where others gave {f:?}"
                ),
            }
        }
    }
    first.unwrap()
}

// ---- building archives ----------------------------------------------------------------------------

fn header(gnu: bool, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = if gnu { tar::Header::new_gnu() } else { tar::Header::new_ustar() };
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    h
}

struct Tar(tar::Builder<Vec<u8>>);

impl Tar {
    fn new() -> Tar {
        Tar(tar::Builder::new(Vec::new()))
    }
    /// A regular file in a GNU header (a long path gets a GNU 'L' entry).
    fn file(&mut self, path: &str, data: &[u8]) -> &mut Tar {
        let mut h = header(true, tar::EntryType::Regular, data.len() as u64);
        self.0.append_data(&mut h, path, data).unwrap();
        self
    }
    /// A regular file in a ustar header (a long path is split into prefix and name).
    fn ustar_file(&mut self, path: &str, data: &[u8]) -> &mut Tar {
        let mut h = header(false, tar::EntryType::Regular, data.len() as u64);
        self.0.append_data(&mut h, path, data).unwrap();
        self
    }
    fn entry(&mut self, gnu: bool, kind: tar::EntryType, path: &str) -> &mut Tar {
        let mut h = header(gnu, kind, 0);
        self.0.append_data(&mut h, path, &[][..]).unwrap();
        self
    }
    /// A symlink or hard link (a long target gets a GNU 'K' entry).
    fn link(&mut self, kind: tar::EntryType, path: &str, target: &str) -> &mut Tar {
        let mut h = header(true, kind, 0);
        self.0.append_link(&mut h, path, target).unwrap();
        self
    }
    /// A pax extended header ('x') with these records.
    fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Tar {
        let data: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        self.pax_data(&data)
    }
    fn pax_data(&mut self, data: &[u8]) -> &mut Tar {
        let mut h = header(false, tar::EntryType::XHeader, data.len() as u64);
        h.set_path("PaxHeaders.0/x").unwrap();
        h.set_cksum();
        self.0.append(&h, data).unwrap();
        self
    }
    /// A header as given (its size field may differ from the bytes after it), then `data`,
    /// padded to a block.
    fn raw(&mut self, h: &mut tar::Header, data: &[u8]) -> &mut Tar {
        h.set_cksum();
        self.0.append(h, data).unwrap();
        self
    }
    /// With the two zero blocks that end an archive.
    fn finish(self) -> Vec<u8> {
        self.0.into_inner().unwrap()
    }
}

/// One pax record, `"LEN key=value\n"`, LEN counting itself.
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = 3 + key.len() + value.len(); // ' ', '=', '\n'
    let mut len = body + 1;
    while body + len.to_string().len() != len {
        len = body + len.to_string().len();
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    assert_eq!(r.len(), len);
    r
}

/// The raw entry types of an archive (long names and pax headers included).
fn raw_types(bytes: &[u8]) -> Vec<u8> {
    let mut a = tar::Archive::new(bytes);
    a.entries().unwrap().raw(true).map(|e| e.unwrap().header().entry_type().as_byte()).collect()
}

/// Bytes that are not all the same, so a misplaced block shows.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(seed as u32 % 32) as u8 ^ seed)
        .collect()
}

/// A path of `len` bytes: `tag`, then components of 40 bytes, the last padded to the length.
fn path_of(len: usize, tag: &str) -> String {
    let mut p = tag.to_string();
    let mut i = 0;
    while p.len() + 41 < len {
        p.push_str(&format!("c{i:038}/"));
        i += 1;
    }
    while p.len() < len {
        p.push('x');
    }
    p
}

fn paths(seen: &[(String, Seen)]) -> Vec<&str> {
    seen.iter().map(|(p, _)| p.as_str()).collect()
}

// ---- entries that agree -------------------------------------------------------------------------

#[test]
fn gnu_long_names_and_long_link_targets() {
    let names: Vec<String> =
        [101, 150, 300, 511, 513, 1000, 4000].iter().map(|&n| path_of(n, "proc/net/")).collect();
    let target_long = format!("socket:[{}]", "9".repeat(190));
    let mut t = Tar::new();
    t.file("short", b"first");
    for (i, name) in names.iter().enumerate() {
        t.file(name, &pattern(i * 300, i as u8));
    }
    t.link(tar::EntryType::Symlink, "proc/1/fd/3", &target_long); // 'K' only
    let long_fd = format!("{}/fd/4", path_of(150, "proc/1/"));
    t.link(tar::EntryType::Symlink, &long_fd, &target_long); // 'L' and 'K'
    t.link(tar::EntryType::Link, "hard", &names[2]); // a hard link with a long target
    t.entry(true, tar::EntryType::Directory, &path_of(200, "dir/"));
    let bytes = t.finish();

    let types = raw_types(&bytes);
    assert_eq!(types.iter().filter(|&&t| t == b'L').count(), names.len() + 2, "{types:?}");
    assert_eq!(types.iter().filter(|&&t| t == b'K').count(), 3, "{types:?}");

    let seen = agree(&bytes);
    let mut want = vec!["short"];
    want.extend(names.iter().map(String::as_str));
    assert_eq!(&paths(&seen)[..want.len()], &want[..]);
    assert_eq!(
        seen[names.len() + 1],
        ("proc/1/fd/3".into(), Seen::Symlink(target_long.clone().into_bytes()))
    );
    assert_eq!(seen[names.len() + 2], (long_fd, Seen::Symlink(target_long.into_bytes())));
    assert_eq!(seen[names.len() + 3], ("hard".into(), Seen::Other));
    assert_eq!(seen[names.len() + 4].1, Seen::Dir);
}

#[test]
fn ustar_headers_with_a_prefix() {
    // A ustar path is a prefix of up to 155 bytes, '/', and a name of up to 100.
    let split = |prefix: usize, name: usize| format!("{}/{}", path_of(prefix, "proc/"), "n".repeat(name));
    let long = [split(6, 94), split(80, 99), split(155, 94), split(150, 100)];
    let mut t = Tar::new();
    for (i, p) in long.iter().enumerate() {
        t.ustar_file(p, &pattern(100 + i, 7));
    }
    t.entry(false, tar::EntryType::Directory, &format!("{}/", path_of(160, "d/")));
    t.entry(false, tar::EntryType::Fifo, &path_of(140, "fifo/"));
    let bytes = t.finish();
    // Really in the prefix field, no GNU long name.
    assert!(raw_types(&bytes).iter().all(|&t| t != b'L'), "{:?}", raw_types(&bytes));
    let mut a = tar::Archive::new(&bytes[..]);
    for e in a.entries().unwrap() {
        assert_ne!(e.unwrap().header().as_ustar().unwrap().prefix[0], 0);
    }
    let seen = agree(&bytes);
    assert_eq!(&paths(&seen)[..4], long.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(seen[4], (path_of(160, "d/"), Seen::Dir));
    assert_eq!(seen[5].1, Seen::Other);
}

#[test]
fn pax_records_path_linkpath_and_size() {
    let long = path_of(300, "proc/net/");
    let target = format!("socket:[{}]", "7".repeat(150));
    let mut t = Tar::new();
    // `path`, with records the readers pass over around it.
    t.pax(&[("mtime", b"1700000000.5"), ("path", long.as_bytes()), ("SCHILY.xattr.user.x", b"\0\n=")]);
    t.file("placeholder", b"pax path");
    // `linkpath` (and `path`) on a symlink.
    t.pax(&[("path", b"proc/1/fd/7"), ("linkpath", target.as_bytes())]);
    t.link(tar::EntryType::Symlink, "p", "short");
    // `size` where the header says 0 (as for a file over 8 GiB).
    let data = pattern(1000, 3);
    t.pax(&[("size", b"1000")]);
    t.raw(&mut header(false, tar::EntryType::Regular, 0).tap_path("sized"), &data);
    // `size` equal to the header's.
    t.pax(&[("size", b"513")]);
    t.raw(&mut header(false, tar::EntryType::Regular, 513).tap_path("same"), &pattern(513, 4));
    // A GNU long name wins over a pax path.
    t.pax(&[("path", b"from-pax")]);
    t.file(&path_of(120, "from-gnu/"), b"x");
    // A global header ('g') is an entry of its own, and takes the pax path before it.
    t.pax(&[("path", b"global-named")]);
    let global = pax_record("comment", b"hi");
    t.raw(&mut header(false, tar::EntryType::XGlobalHeader, global.len() as u64).tap_path("g"), &global);
    // An empty pax record set.
    t.pax_data(b"");
    t.file("after-empty-pax", b"y");
    let bytes = t.finish();
    let seen = agree(&bytes);
    assert_eq!(seen[0], (long.clone(), Seen::File(b"pax path".to_vec())));
    assert_eq!(seen[1], ("proc/1/fd/7".into(), Seen::Symlink(target.into_bytes())));
    assert_eq!(seen[2], ("sized".into(), Seen::File(data)));
    assert_eq!(seen[3].0, "same");
    assert_eq!(seen[4].0, path_of(120, "from-gnu/"));
    assert_eq!(seen[5], ("global-named".into(), Seen::Other));
    assert_eq!(seen[6].0, "after-empty-pax");
    assert_eq!(seen.len(), 7);
}

trait TapPath {
    fn tap_path(self, path: &str) -> Self;
}
impl TapPath for tar::Header {
    fn tap_path(mut self, path: &str) -> Self {
        self.set_path(path).unwrap();
        self
    }
}

#[test]
fn every_entry_type_and_sizes_around_a_block() {
    let mut t = Tar::new();
    for (i, n) in
        [0usize, 1, 2, 100, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 10_000].iter().enumerate()
    {
        t.file(&format!("proc/net/f{n}"), &pattern(*n, i as u8));
    }
    t.entry(true, tar::EntryType::Directory, "proc/1/");
    t.entry(true, tar::EntryType::Directory, "proc/1/fd");
    t.entry(true, tar::EntryType::Fifo, "fifo");
    t.entry(true, tar::EntryType::Char, "dev/null");
    t.entry(true, tar::EntryType::Block, "dev/sda");
    t.link(tar::EntryType::Link, "hard", "proc/net/f1");
    t.link(tar::EntryType::Symlink, "proc/1/fd/0", "socket:[1]");
    t.link(tar::EntryType::Symlink, "proc/1/fd/1", "/dev/null");
    // Continuous ('7') is a regular file; a FIFO whose header has a size skips its bytes.
    t.raw(&mut header(true, tar::EntryType::Continuous, 600).tap_path("contiguous"), &pattern(600, 9));
    t.raw(&mut header(true, tar::EntryType::Fifo, 70_001).tap_path("fifo-with-data"), &pattern(70_001, 1));
    // A symlink with no target, an entry type no one knows.
    t.raw(&mut header(true, tar::EntryType::Symlink, 0).tap_path("no-target"), b"");
    t.raw(&mut header(true, tar::EntryType::new(b'Q'), 5).tap_path("unknown"), b"12345");
    let bytes = t.finish();
    let seen = agree(&bytes);
    assert_eq!(seen.len(), 14 + 8 + 4);
    assert_eq!(seen[0], ("proc/net/f0".into(), Seen::File(Vec::new())));
    assert_eq!(seen[14], ("proc/1".into(), Seen::Dir));
    assert_eq!(seen[19], ("hard".into(), Seen::Other));
    assert_eq!(seen[22], ("contiguous".into(), Seen::File(pattern(600, 9))));
    assert_eq!(seen[24], ("no-target".into(), Seen::Symlink(Vec::new())));
}

#[test]
fn paths_are_normalised() {
    let mut b = tar::Builder::new(Vec::new());
    // Written by hand: the tar crate's builder refuses absolute names.
    for name in ["./proc/net/tcp", "/abs/file", ".//x", "dir/", "./", "././a/./b"] {
        let mut h = header(true, tar::EntryType::Regular, 1);
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, &b"z"[..]).unwrap();
    }
    let seen = agree(&b.into_inner().unwrap());
    assert_eq!(paths(&seen), ["proc/net/tcp", "abs/file", "x", "dir", "", "a/./b"]);
}

#[test]
fn large_files_are_streamed_in_chunks() {
    let mut t = Tar::new();
    let sizes = [STREAM_ABOVE as usize, STREAM_ABOVE as usize + 1, 200_000, 300_001, 1 << 20];
    for (i, n) in sizes.iter().enumerate() {
        let name = if i % 2 == 0 { format!("proc/net/tcp{i}") } else { format!("proc/net/udp{i}") };
        t.file(&name, &pattern(*n, i as u8));
        t.file(&format!("small{i}"), &pattern(i * 10, 1));
    }
    // A large file under a long name and after a pax record.
    t.file(&path_of(200, "proc/net/tcp6/"), &pattern(100_000, 5));
    t.pax(&[("path", b"proc/net/tcp-pax")]);
    t.file("x", &pattern(70_000, 6));
    let bytes = t.finish();
    agree(&bytes);

    // The chunks are pieces of what was fed (never gathered): in pieces of 4096, at least one
    // chunk per 4096 bytes streamed, the bytes in order.
    let mut sink = Recorder::new(want_all);
    let entries = untar(&bytes, &Limits::default(), Mode::Read { hash: true }, 4096, &mut sink).unwrap();
    assert_eq!(sink.streams.len(), 6);
    assert!(sink.chunk_sizes.len() >= (65_537 + 200_000 + 300_001 + (1 << 20) + 100_000 + 70_000) / 4096);
    assert_eq!(sink.streams[2], pattern(300_001, 3));
    let streamed: Vec<u64> = entries
        .iter()
        .filter_map(|e| match e.kind {
            EntryKind::Streamed { bytes, .. } => Some(bytes),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, [65_537, 200_000, 300_001, 1 << 20, 100_000, 70_000]);
    // At STREAM_ABOVE exactly a file is kept, and the sink is not asked.
    assert_eq!(entries[0].kind, EntryKind::File(Cow::Owned(pattern(STREAM_ABOVE as usize, 0))));
    assert_eq!(sink.asked[0], ("proc/net/udp1".to_string(), STREAM_ABOVE + 1));
}

#[test]
fn hash_only_streams_every_regular_file_with_its_sha256() {
    let mut t = Tar::new();
    let files: Vec<(String, Vec<u8>)> = [0, 1, 512, 513, 100_000]
        .iter()
        .enumerate()
        .map(|(i, &n)| (format!("f{i}"), pattern(n, i as u8)))
        .collect();
    for (p, d) in &files {
        t.file(p, d);
    }
    t.link(tar::EntryType::Symlink, "l", "f0");
    t.entry(true, tar::EntryType::Directory, "d");
    let bytes = t.finish();
    agree(&bytes);
    for piece in PIECES {
        let mut sink = Recorder::new(want_all);
        let entries = untar(&bytes, &Limits::default(), Mode::HashOnly, piece, &mut sink).unwrap();
        assert!(sink.asked.is_empty() && sink.streams.is_empty(), "the sink is not used for hashing");
        for ((path, data), e) in files.iter().zip(&entries) {
            let sha: String = Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                e,
                &Entry {
                    path: path.clone(),
                    kind: EntryKind::Streamed { bytes: data.len() as u64, sha256: Some(sha) }
                }
            );
        }
        assert_eq!(entries[5].kind, EntryKind::Symlink(b"f0".to_vec()));
        assert_eq!(entries[6].kind, EntryKind::Dir);
    }
}

#[test]
fn without_end_blocks_and_with_trailing_garbage() {
    let mut t = Tar::new();
    t.file("a", &pattern(700, 1)).file(&path_of(150, "b/"), b"bb").link(tar::EntryType::Symlink, "c", "a");
    let whole = t.finish();
    let n = whole.len();
    assert!(whole[n - 1024..].iter().all(|&b| b == 0));
    let want = agree(&whole);
    // No end blocks, one of two.
    assert_eq!(agree(&whole[..n - 1024]), want);
    assert_eq!(agree(&whole[..n - 512]), want);
    // Anything after the first zero block is not read: garbage, a header, half a block.
    let mut garbage = whole.clone();
    garbage.extend(pattern(5000, 9));
    assert_eq!(agree(&garbage), want);
    let mut after_one = whole[..n - 512].to_vec();
    after_one.extend_from_slice(&whole[..512]);
    assert_eq!(agree(&after_one), want);
    let mut half = whole[..n - 1024 + 512].to_vec();
    half.extend_from_slice(&[0xff; 100]);
    assert_eq!(agree(&half), want);
    // Nothing at all, or only zeros: no entries.
    assert!(agree(b"").is_empty());
    assert!(agree(&[0; 1024]).is_empty());
    assert!(agree(&[0; 512]).is_empty());
}

// ---- errors -----------------------------------------------------------------------------------------

fn two_files() -> Vec<u8> {
    let mut t = Tar::new();
    t.file("proc/net/tcp", &pattern(700, 1)).file("proc/net/udp", &pattern(10, 2));
    t.finish()
}

fn is_truncated(e: &Error) -> bool {
    matches!(e, Error::Truncated { .. })
}

#[test]
fn truncation_in_a_header_data_or_padding() {
    let bytes = two_files();
    // 0..512 header a, 512..1212 data, ..1536 padding, 1536..2048 header b, 2048..2058 data, ..2560 padding.
    for (cut, what) in [
        (1536 + 1, "a header's first byte"),
        (1536 + 100, "inside a header"),
        (1536 + 511, "a header's last byte missing"),
        (512, "just after a header"),
        (512 + 1, "inside data"),
        (512 + 699, "data's last byte missing"),
        (1212, "just after the data"),
        (1212 + 50, "inside padding"),
        (1535, "padding's last byte missing"),
        (2048 + 5, "inside the last file's data"),
        (2058 + 1, "inside the last file's padding"),
    ] {
        let e = refused(&bytes[..cut], &Limits::default());
        assert!(is_truncated(&e), "cut at {cut} ({what}): {e:?}");
    }
    // Cut at a block boundary after a whole entry: an archive without its end (above).
    assert_eq!(agree(&bytes[..1536]).len(), 1);
}

#[test]
fn truncation_around_long_names_and_pax_records() {
    let mut t = Tar::new();
    t.file("first", b"1");
    t.file(&path_of(700, "long/"), b"2");
    t.pax(&[("path", b"p")]);
    t.file("after-pax", b"3");
    let bytes = t.finish();
    // 0 first, 1024 'L' header, 1536..2237 name, ..2560 pad, 2560 header, 3072 data,
    // 3584 'x' header, 4096 records, 4608 header, 5120 data.
    assert_eq!(raw_types(&bytes), b"0L0x0");
    for cut in [1024 + 100, 1536, 1536 + 300, 2237, 2560, 2560 + 100, 3584 + 512, 4096 + 5, 4608] {
        let e = refused(&bytes[..cut], &Limits::default());
        assert!(is_truncated(&e), "cut at {cut}: {e:?}");
    }
}

#[test]
fn a_first_header_cut_short_is_not_a_tar() {
    // Untar's wording: at the first header the input is not a tar at all.
    let bytes = two_files();
    for cut in [1, 100, 511] {
        let e = refused(&bytes[..cut], &Limits::default());
        assert!(matches!(e, Error::NotASnapshot { .. }), "cut at {cut}: {e:?}");
    }
}

#[test]
fn damaged_checksums() {
    let bytes = two_files();
    // A name byte changed without the checksum: at the first header not a tar; later, damaged.
    let mut first = bytes.clone();
    first[3] ^= 0x20;
    assert!(matches!(refused(&first, &Limits::default()), Error::NotASnapshot { .. }));
    let mut second = bytes.clone();
    second[1536 + 3] ^= 0x20;
    let e = refused(&second, &Limits::default());
    assert!(is_truncated(&e), "{e:?}");
    // The checksum field itself unreadable.
    let mut field = bytes.clone();
    field[1536 + 148..1536 + 156].copy_from_slice(b"zzzzzzz\0");
    assert!(is_truncated(&refused(&field, &Limits::default())));
    // After a long name the next header is not the first any more.
    let mut t = Tar::new();
    t.file(&path_of(150, "x/"), b"data");
    let mut long = t.finish();
    assert_eq!(raw_types(&long), b"L0");
    long[1024 + 3] ^= 0x20;
    assert!(is_truncated(&refused(&long, &Limits::default())));
}

#[test]
fn more_entries_than_the_limit() {
    let mut t = Tar::new();
    t.file(&path_of(150, "a/"), b"1"); // long names and pax records are not entries
    t.pax(&[("path", b"b")]);
    t.file("b", b"2");
    t.entry(true, tar::EntryType::Directory, "c");
    t.link(tar::EntryType::Symlink, "d", "1");
    t.entry(true, tar::EntryType::Fifo, "e");
    let bytes = t.finish();
    assert_eq!(agree(&bytes).len(), 5);
    let at = |max_entries| Limits { max_entries, ..Limits::default() };
    for piece in PIECES {
        assert_eq!(
            untar(&bytes, &at(5), Mode::Read { hash: false }, piece, &mut Recorder::new(want_all))
                .unwrap()
                .len(),
            5
        );
    }
    assert_eq!(refused_by_untar(&bytes, &at(4)), Error::TooManyEntries { limit: 4 });
    assert_eq!(refused_by_untar(&bytes, &at(0)), Error::TooManyEntries { limit: 0 });
    // Refused at the header over the limit, before the rest arrives.
    let mut u = Untar::new(&at(1), Mode::Read { hash: false }, false, 0);
    let one_entry_in = 512 * 4; // 'L' header and name, header and data: the first entry
    u.feed(&bytes[..one_entry_in], &mut Recorder::new(want_all)).unwrap();
    assert_eq!(
        u.feed(&bytes[one_entry_in..], &mut Recorder::new(want_all)),
        Err(Error::TooManyEntries { limit: 1 })
    );
}

#[test]
fn more_bytes_than_the_limit() {
    let bytes = two_files();
    let n = bytes.len() as u64;
    let at = |max_total_bytes| Limits { max_total_bytes, ..Limits::default() };
    for piece in PIECES {
        assert!(untar(&bytes, &at(n), Mode::HashOnly, piece, &mut Recorder::new(want_all)).is_ok());
    }
    assert_eq!(refused_by_untar(&bytes, &at(n - 1)), Error::TooLarge { limit_bytes: n - 1 });
    assert_eq!(refused_by_untar(&bytes, &at(600)), Error::TooLarge { limit_bytes: 600 });
    // A header announcing more than the limit is refused at once, its data not awaited.
    let mut t = Tar::new();
    t.file("big", &pattern(20_000, 1));
    let big = t.finish();
    let mut u = Untar::new(&at(10_000), Mode::Read { hash: false }, false, 0);
    assert_eq!(
        u.feed(&big[..512], &mut Recorder::new(want_all)),
        Err(Error::TooLarge { limit_bytes: 10_000 })
    );
}

/// Feeds `n` zero bytes (after an archive's end: counted, not read), telling `compressed` first.
fn feed_zeros(u: &mut Untar, mut n: u64, compressed: u64) -> Result<(), Error> {
    let zeros = vec![0u8; 1 << 20];
    while n > 0 {
        let k = n.min(zeros.len() as u64);
        u.set_compressed(compressed);
        u.feed(&zeros[..k as usize], &mut Recorder::new(want_all))?;
        n -= k;
    }
    Ok(())
}

#[test]
fn gzip_ratio_guard() {
    let archive = two_files();
    let start = |limits: &Limits, gzip: bool| {
        let mut u = Untar::new(limits, Mode::Read { hash: false }, gzip, 0);
        u.feed(&archive, &mut Recorder::new(want_all)).unwrap();
        u
    };
    let rest = |total: u64| total - archive.len() as u64;
    let limits = Limits::default();
    assert_eq!(limits.max_ratio, 500);

    // 1000 compressed bytes: the floor applies (500,000 < 64 MiB).
    let mut u = start(&limits, true);
    feed_zeros(&mut u, rest(RATIO_FLOOR), 1000).unwrap();
    assert_eq!(feed_zeros(&mut u, 1, 1000), Err(Error::TooLarge { limit_bytes: RATIO_FLOOR }));

    // 200,000 compressed bytes: 100,000,000 allowed.
    let mut u = start(&limits, true);
    feed_zeros(&mut u, rest(100_000_000), 200_000).unwrap();
    assert_eq!(feed_zeros(&mut u, 1, 200_000), Err(Error::TooLarge { limit_bytes: 100_000_000 }));
    // ... and the allowance grows with the compressed bytes read.
    let mut u = start(&limits, true);
    feed_zeros(&mut u, rest(100_000_000), 200_000).unwrap();
    feed_zeros(&mut u, 1000, 200_002).unwrap();
    assert_eq!(feed_zeros(&mut u, 1, 200_002), Err(Error::TooLarge { limit_bytes: 100_001_000 }));

    // Not gzip, or the guard off: no refusal.
    let mut u = start(&limits, false);
    feed_zeros(&mut u, rest(RATIO_FLOOR) + 1, 1000).unwrap();
    assert_eq!(u.finish().unwrap().len(), 2);
    let mut u = start(&Limits { max_ratio: 0, ..limits }, true);
    feed_zeros(&mut u, rest(RATIO_FLOOR) + 1, 1000).unwrap();
    assert_eq!(u.finish().unwrap().len(), 2);
}

// ---- differences on purpose ------------------------------------------------------------------------

#[test]
fn gnu_sparse_files_are_refused() {
    let mut h = header(true, tar::EntryType::GNUSparse, 512);
    {
        let g = h.as_gnu_mut().unwrap();
        g.set_real_size(4096);
        g.sparse[0].set_offset(1024);
        g.sparse[0].set_length(512);
        // The hole to the end: a block of no bytes at the real size.
        g.sparse[1].set_offset(4096);
        g.sparse[1].set_length(0);
    }
    h.set_path("sparse").unwrap();
    let mut t = Tar::new();
    t.file("before", b"b");
    t.raw(&mut h, &[b's'; 512]);
    let bytes = t.finish();
    // The tar crate reads it: 1024 zeros, the 512 bytes, zeros to 4096.
    let mut a = tar::Archive::new(&bytes[..]);
    let mut entries = a.entries().unwrap();
    entries.next().unwrap().unwrap();
    let mut data = Vec::new();
    entries.next().unwrap().unwrap().read_to_end(&mut data).unwrap();
    let mut want = vec![0u8; 4096];
    want[1024..1536].fill(b's');
    assert_eq!(data, want);
    assert!(entries.next().is_none());
    // Untar refuses it.
    match refused_by_untar(&bytes, &Limits::default()) {
        Error::Truncated { detail } => assert!(detail.contains("sparse"), "{detail}"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn long_names_and_pax_records_over_1_mib_are_refused() {
    const MIB: usize = 1 << 20;
    // A GNU long name just under 1 MiB is read; just over, refused (the tar crate reads it).
    let ok_name = path_of(MIB - 100, "n/");
    let mut t = Tar::new();
    t.file("before", b"b").file(&ok_name, b"under");
    let seen = agree(&t.finish());
    assert_eq!(seen[1], (ok_name, Seen::File(b"under".to_vec())));

    let big_name = path_of(MIB + 100, "n/");
    let mut t = Tar::new();
    t.file("before", b"b").file(&big_name, b"over");
    let bytes = t.finish();
    assert_eq!(oracle(&bytes).unwrap()[1].0, big_name);
    match refused_by_untar(&bytes, &Limits::default()) {
        Error::Truncated { detail } => assert!(detail.contains("1 MiB"), "{detail}"),
        e => panic!("{e:?}"),
    }

    // A pax record set of exactly 1 MiB is read; one byte more, refused.
    let record = |total: usize| {
        let r = pax_record("comment", &vec![b'c'; total - 17]);
        assert_eq!(r.len(), total);
        r
    };
    let mut t = Tar::new();
    t.file("before", b"b").pax_data(&record(MIB)).file("after", b"a");
    assert_eq!(paths(&agree(&t.finish())), ["before", "after"]);
    let mut t = Tar::new();
    t.file("before", b"b").pax_data(&record(MIB + 1)).file("after", b"a");
    let bytes = t.finish();
    assert_eq!(paths(&oracle(&bytes).unwrap()), ["before", "after"]);
    assert!(is_truncated(&refused_by_untar(&bytes, &Limits::default())));
    // A GNU long link target over 1 MiB.
    let mut t = Tar::new();
    t.file("before", b"b").link(tar::EntryType::Symlink, "l", &path_of(MIB + 1, "t/"));
    let bytes = t.finish();
    assert!(oracle(&bytes).is_ok());
    assert!(is_truncated(&refused_by_untar(&bytes, &Limits::default())));
}

#[test]
fn two_long_names_or_pax_records_for_one_entry_are_refused() {
    let one_l = {
        let mut t = Tar::new();
        t.file("first", b"1").file(&path_of(150, "a/"), b"x");
        t.finish()
    };
    // first: 0..1024; 'L' header 1024, name 1536..2048; file header 2048.
    let mut two_l = one_l[..2048].to_vec();
    two_l.extend_from_slice(&one_l[1024..]);
    assert!(is_truncated(&refused(&two_l, &Limits::default())));
    let mut t = Tar::new();
    t.file("first", b"1").pax(&[("path", b"a")]).pax(&[("path", b"b")]).file("c", b"c");
    assert!(is_truncated(&refused(&t.finish(), &Limits::default())));
    // A long name and then the end: a member described but never found.
    let mut dangling = one_l[..2048].to_vec();
    dangling.extend_from_slice(&[0; 1024]);
    assert!(is_truncated(&refused(&dangling, &Limits::default())));
    assert!(is_truncated(&refused(&one_l[..2048], &Limits::default())));
}

// ---- pax `size` as tar 0.4.46 reads it (untar.rs read it otherwise until these were written) ----

/// A pax `size` overrides the header's size even when that is not 0 (tar 0.4.45+: "disagreement
/// among parsers allows construction of malicious archives that appear different when
/// parsed"). Applied only when the header says 0, a block the tar crate reads as file data would
/// be read as a header: a file smuggled past every other reader.
#[test]
fn pax_size_overrides_a_nonzero_header_size() {
    let mut hidden = header(true, tar::EntryType::Regular, 0).tap_path("smuggled");
    hidden.set_cksum();
    let mut data = vec![b'a'; 512];
    data.extend_from_slice(hidden.as_bytes());
    let mut t = Tar::new();
    t.pax(&[("size", b"1024")]);
    t.raw(&mut header(false, tar::EntryType::Regular, 512).tap_path("visible"), &data);
    let bytes = t.finish();
    let seen = agree(&bytes);
    assert_eq!(seen, [("visible".to_string(), Seen::File(data))]);
}

/// The tar crate looks a pax `size` up by stopping at the first malformed record (as the size
/// lookup of `pax_extensions_value`); Untar passes over malformed records (as the path lookup
/// does), and finds a size the tar crate does not.
#[test]
fn pax_size_after_a_malformed_record() {
    let mut records = b"junk\n".to_vec();
    records.extend(pax_record("size", b"5"));
    let mut t = Tar::new();
    t.pax_data(&records);
    t.raw(&mut header(false, tar::EntryType::Regular, 0).tap_path("f"), b"");
    t.file("g", b"");
    let seen = agree(&t.finish());
    assert_eq!(seen, [("f".to_string(), Seen::File(Vec::new())), ("g".to_string(), Seen::File(Vec::new()))]);
}

/// A pax `size` describes the next file, not a GNU long name or link between them (tar
/// 0.4.46); Untar applies it to a long name whose header says 0.
#[test]
fn pax_size_does_not_apply_to_long_name_headers() {
    let mut t = Tar::new();
    t.pax(&[("size", b"5")]);
    t.raw(&mut header(true, tar::EntryType::GNULongName, 0).tap_path("././@LongLink"), b"");
    t.raw(&mut header(false, tar::EntryType::Regular, 0).tap_path("f"), b"hello");
    let seen = agree(&t.finish());
    // The long name is empty (its header says 0 bytes): the path is "".
    assert_eq!(seen, [(String::new(), Seen::File(b"hello".to_vec()))]);
}
