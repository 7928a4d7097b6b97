//! `archive::Untar`, the push tar reader, against its oracle, the `tar` crate's `Archive`, on
//! arbitrary bytes. The input's last byte chooses how the rest, the tar, is fed and read: the
//! piece size (low 4 bits), the mode and the sink (bits 4–5), and an entry-limit check (bit 6).
//! The committed `decode` seeds work as they are (a tar ending in a zero byte: whole, kept).
//!
//! Checks:
//! - `Untar` never panics, whatever the bytes and however they are split, and gives the same
//!   answer in pieces as in one piece;
//! - where the tar crate reads the whole archive without an error, `Untar` accepts it with the
//!   same entries (paths as normalised, kinds, file bytes or the streamed chunks and their
//!   count, SHA-256 when hashing, link targets). Not where `Untar` refuses on purpose: GNU
//!   sparse entries, and GNU long names, long links or pax records over 1 MiB (there `Untar`
//!   must refuse; a sparse archive is not given to the tar crate at all, whose holes can
//!   unpack to terabytes of zeros);
//! - where `Untar` accepts, the tar crate accepts too. No exception is needed: `Untar` checks
//!   everything the crate's `Archive` checks (block framing, checksums, numeric fields, dangling
//!   or doubled long names and pax records) except for sparse maps, which it refuses whole.
//! - with `max_entries` one below the count it read, `Untar` refuses with `TooManyEntries`.
//!
//! A pax `size` is read as tar 0.4.46 reads it (it overrides any size, of entries only, and is
//! not looked for past a malformed record): the first run of this target found untar.rs reading
//! it otherwise (core/tests/untar_oracle.rs, "pax_size_…").
#![no_main]

use libfuzzer_sys::fuzz_target;
#[path = "../../core/tests/support/tar_oracle.rs"]
mod tar_oracle;
use procsnap_core::Error;
use procsnap_core::archive::{Entry, Limits, Mode, Untar};
use tar_oracle::{Recorder, Want, expected, oracle};

/// Untar's cap on a long name, long link or pax record.
const MAX_META: u64 = 1 << 20;

const PIECES: [usize; 16] = [usize::MAX, 1, 2, 3, 5, 7, 13, 64, 100, 511, 512, 513, 1000, 1024, 4096, 8191];

const CONFIGS: [(Mode, Want); 4] = [
    (Mode::Read { hash: false }, |_, _| false),
    (Mode::Read { hash: false }, |_, _| true),
    (Mode::Read { hash: true }, |p, _| p.len() % 2 == 0),
    (Mode::HashOnly, |_, _| true),
];

/// No limit gets in the way of the comparison (the input is small anyway).
const UNLIMITED: Limits =
    Limits { max_total_bytes: u64::MAX, max_entries: u64::MAX, max_ratio: 0, browser: false };

fn untar(
    tar: &[u8],
    limits: &Limits,
    mode: Mode,
    want: Want,
    piece: usize,
) -> (Result<Vec<Entry<'static>>, Error>, Recorder) {
    let mut sink = Recorder::new(want);
    let mut u = Untar::new(limits, mode, false, tar.len() as u64);
    for p in tar.chunks(piece.clamp(1, tar.len().max(1))) {
        if let Err(e) = u.feed(p, &mut sink) {
            return (Err(e), sink);
        }
    }
    let got = u.finish();
    if got.is_ok() {
        assert!(!sink.open, "a stream never ended");
    }
    (got, sink)
}

/// What the headers hold, walked as the tar crate frames them, up to the end marker or the
/// first header either reader refuses.
#[derive(Default)]
struct Walk {
    sparse: bool,
    big_meta: bool,
}

/// The tar crate's `pax_extensions_value(.., "size")`: the first record named `size`, looking
/// no further than a malformed record.
fn tar_pax_size(pax: &[u8]) -> Option<u64> {
    for e in tar::PaxExtensions::new(pax) {
        let e = e.ok()?;
        if e.key_bytes() == b"size" {
            return e.value().ok()?.parse().ok();
        }
    }
    None
}

fn walk(tar: &[u8]) -> Walk {
    let mut w = Walk::default();
    let mut pos = 0usize;
    let mut pax: Option<&[u8]> = None;
    while let Some(block) = pos.checked_add(512).and_then(|end| tar.get(pos..end)) {
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let h = tar::Header::from_byte_slice(block);
        let sum = block[..148].iter().chain(&block[156..]).map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        if h.cksum().ok() != Some(sum) {
            break;
        }
        let Ok(size) = h.entry_size() else { break };
        let kind = h.entry_type();
        let extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        let tar_size = match pax {
            Some(p) if !extension => tar_pax_size(p).unwrap_or(size),
            _ => size,
        };
        let recognised = h.as_gnu().is_some() || h.as_ustar().is_some();
        let meta = recognised
            && (kind.is_gnu_longname() || kind.is_gnu_longlink() || kind.is_pax_local_extensions());
        if meta && size > MAX_META {
            w.big_meta = true;
        }
        if kind.is_gnu_sparse() {
            w.sparse = true;
            break;
        }
        let data = pos + 512;
        let Some(next) =
            tar_size.checked_add(511).map(|s| s / 512 * 512).and_then(|s| data.checked_add(s as usize))
        else {
            break;
        };
        if recognised && kind.is_pax_local_extensions() {
            if pax.is_some() {
                break; // both refuse two for one entry
            }
            let Some(records) = tar.get(data..data.saturating_add(size as usize)) else { break };
            pax = Some(records);
        } else if !meta {
            pax = None;
        }
        pos = next;
    }
    w
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, tar)) = data.split_last() else { return };
    let piece = PIECES[usize::from(control & 15)];
    let (mode, want) = CONFIGS[usize::from(control >> 4) & 3];
    let (got, sink) = untar(tar, &UNLIMITED, mode, want, piece);

    // The same answer in one piece.
    if piece != usize::MAX {
        let (whole, whole_sink) = untar(tar, &UNLIMITED, mode, want, usize::MAX);
        match (&got, &whole) {
            (Ok(a), Ok(b)) => {
                assert!(a == b && sink.streams == whole_sink.streams, "pieces of {piece} read otherwise")
            }
            (Err(a), Err(b)) => {
                assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b), "{a:?} / {b:?}")
            }
            (a, b) => panic!("pieces of {piece}: {a:?}; whole: {b:?}"),
        }
    }

    let walk = walk(tar);
    if walk.sparse {
        // Untar frames every header before it as the tar crate does, so it reaches it.
        assert!(got.is_err(), "Untar accepts a GNU sparse entry");
        return;
    }
    match oracle(tar) {
        Ok(seen) if walk.big_meta => {
            assert!(
                got.is_err(),
                "Untar accepts a record over 1 MiB; the tar crate read {} entries",
                seen.len()
            )
        }
        Ok(seen) => {
            let got =
                got.as_ref().unwrap_or_else(|e| panic!("Untar refuses what the tar crate reads: {e:?}"));
            let (entries, streams, asked) = expected(&seen, mode, want);
            assert!(*got == entries, "entries differ:\n untar {got:?}\n tar   {entries:?}");
            assert!(sink.streams == streams, "streamed bytes differ");
            assert_eq!(sink.asked, asked, "the sink was asked otherwise");
        }
        Err(e) => {
            if let Ok(entries) = &got {
                panic!("Untar accepts ({} entries) what the tar crate refuses: {e}", entries.len());
            }
        }
    }

    // The entry limit, one below what was read.
    if control & 0x40 != 0
        && let Ok(entries) = &got
        && let Some(limit) = (entries.len() as u64).checked_sub(1)
    {
        let limits = Limits { max_entries: limit, ..UNLIMITED };
        let (limited, _) = untar(tar, &limits, mode, want, piece);
        assert_eq!(limited.err(), Some(Error::TooManyEntries { limit }));
    }
});
