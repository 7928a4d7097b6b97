//! `/proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}` parser. The first byte picks the
//! table, the byte order and the page size; the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::{ByteOrder, TableKind, proc};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, table)) = data.split_first() else { return };
    let kind = TableKind::INET[(sel & 7) as usize];
    let order = if sel & 8 == 0 { ByteOrder::Little } else { ByteOrder::Big };
    let page = if sel & 16 == 0 { 4096 } else { 1 + (sel as usize >> 5) };
    let mut rows = Vec::new();
    let mut diagnostics = Vec::new();
    let stats = proc::inet::parse_table(table, kind, order, page, &mut rows, &mut diagnostics);
    assert!(rows.len() as u64 + diagnostics.len() as u64 <= stats.lines + 1);
    for r in &rows {
        let _ = r.state_name();
        let _ = r.is_time_wait();
    }
    let _ = TableKind::detect(table);
});
