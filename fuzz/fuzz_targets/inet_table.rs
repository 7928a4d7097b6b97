//! `/proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}` as production reads it: fed to
//! `proc::stream::TableStream` in random chunks, which must give exactly what the whole-text
//! parser gives (rows, diagnostics, line and read counts). The first byte picks the table and the
//! byte order, the second seeds the chunk boundaries (and the line at which the table is also
//! split in two halves, the second parsed by a continuation and joined, as the CLI does on two
//! threads: the same again); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::proc::inet_rows::InetRows;
use procsnap_core::proc::stream::{TableRows, TableStream};
use procsnap_core::{ByteOrder, TableKind, proc};

fuzz_target!(|data: &[u8]| {
    let [sel, seed, table @ ..] = data else { return };
    let kind = TableKind::INET[(sel & 7) as usize];
    let order = if sel & 8 == 0 { ByteOrder::Little } else { ByteOrder::Big };
    let (mut whole, mut diagnostics) = (Vec::new(), Vec::new());
    let stats = proc::inet::parse_table(table, kind, order, 4096, &mut whole, &mut diagnostics);
    assert!(whole.len() as u64 + diagnostics.len() as u64 <= 2 * stats.lines + 1);

    let mut stream = TableStream::new(kind);
    let mut rng = (*seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rest = table;
    while !rest.is_empty() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let n = 1 + (rng % 200) as usize;
        let (chunk, after) = rest.split_at(n.min(rest.len()));
        stream.feed(chunk);
        rest = after;
    }
    let parsed = stream.finish();
    let streamed_stats = parsed.stats(4096);
    // A line of 64 KiB or more is cut by the stream (and reported), never by the whole parse.
    if table.split(|&b| b == b'\n').any(|l| l.len() >= 64 * 1024) {
        return;
    }
    // The same table in two halves, split at the start of a line after the header.
    let starts: Vec<usize> = table.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1).collect();
    let halves = (!starts.is_empty()).then(|| {
        let split = starts[rng as usize % starts.len()];
        let mut first = TableStream::new(kind);
        table[..split].chunks(97).for_each(|c| first.feed(c));
        let mut later = first.continuation();
        table[split..].chunks(89).for_each(|c| later.feed(c));
        first.join(later);
        first.finish()
    });
    let TableRows::Inet(t) = parsed.rows else { panic!("an inet table gave unix rows") };
    let streamed: Vec<_> = InetRows::new(vec![t], order).iter().collect();
    assert_eq!(streamed, whole);
    assert_eq!(parsed.diagnostics, diagnostics);
    assert_eq!(streamed_stats, stats);
    if let Some(two) = halves {
        assert_eq!((two.lines, two.bytes, two.stats(4096)), (parsed.lines, parsed.bytes, streamed_stats));
        assert_eq!(two.diagnostics, diagnostics);
        let TableRows::Inet(t) = two.rows else { panic!("an inet table gave unix rows") };
        assert_eq!(InetRows::new(vec![t], order).iter().collect::<Vec<_>>(), whole);
    }
    for r in &whole {
        let _ = (r.state_name(), r.is_time_wait());
    }
    let _ = TableKind::detect(table);
});
