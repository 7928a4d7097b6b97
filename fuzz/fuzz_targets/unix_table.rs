//! `/proc/net/unix` parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::proc;

fuzz_target!(|data: &[u8]| {
    let mut rows = Vec::new();
    let mut diagnostics = Vec::new();
    let _ = proc::unix::header_has_inode(data);
    let stats = proc::unix::parse_table(data, 4096, &mut rows, &mut diagnostics);
    assert!(rows.len() as u64 + diagnostics.len() as u64 <= stats.lines + 1);
    for r in &rows {
        let _ = (r.is_listening(), r.type_name(), r.state_name());
    }
});
