//! Arbitrary bytes to the session's front door: the archive reader (gzip, tar, bare-table
//! detection), the manifest, every parser, the join and the report, then the two text renderers,
//! whose input is the hostile bytes themselves (program names, unix paths). Must never panic;
//! errors are fine.
//!
//! The JSON and the share link of a report are left to the `snapshot` target (valid archives
//! with arbitrary rows, so its reports are richer than what random bytes decode to) and to
//! `share_link`: here they cost more than the decode itself (level-9 deflate of every report)
//! and reach no input-side code, so dropping them buys this target its speed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::{DecodeOptions, Limits, Session};

fuzz_target!(|data: &[u8]| {
    // Smaller limits than the CLI's so a bomb found by the fuzzer costs milliseconds, not GiB;
    // the code paths are the same.
    let options = DecodeOptions {
        limits: Limits { max_total_bytes: 4 << 20, max_entries: 20_000, ..Limits::default() },
        ..Default::default()
    };
    let Ok(session) = Session::open(data, &options, &mut |_| true) else { return };
    let netstat = session.netstat();
    let text = session.text();
    // Both always say something: netstat its headers, the text report its host line.
    assert!(!netstat.is_empty() && !text.is_empty());
});
