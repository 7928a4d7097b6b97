//! `/proc/net/unix` as production reads it: `TableStream` in random chunks must give what the
//! whole-text parser gives. The first byte seeds the chunk boundaries; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::proc::stream::{TableRows, TableStream};
use procsnap_core::{TableKind, proc};

fuzz_target!(|data: &[u8]| {
    let [seed, table @ ..] = data else { return };
    let (mut whole, mut diagnostics) = (Vec::new(), Vec::new());
    let stats = proc::unix::parse_table(table, 4096, &mut whole, &mut diagnostics);
    assert!(whole.len() as u64 + diagnostics.len() as u64 <= stats.lines + 1);

    let mut stream = TableStream::new(TableKind::Unix);
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
    if table.split(|&b| b == b'\n').any(|l| l.len() >= 64 * 1024) {
        return;
    }
    let TableRows::Unix { rows, has_inode } = parsed.rows else { panic!("a unix table gave inet rows") };
    assert_eq!(has_inode, proc::unix::header_has_inode(table) || table.is_empty());
    assert_eq!(rows, whole);
    assert_eq!(parsed.diagnostics, diagnostics);
    assert_eq!(streamed_stats, stats);
    for r in &whole {
        let _ = (r.is_listening(), r.type_name(), r.state_name());
    }
});
