//! The whole pipeline on arbitrary bytes: archive reader (gzip, tar, bare table), parsers, join,
//! report, the three renderers and a share link of the result. Must never panic; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::{DecodeOptions, Limits, render, share};

fuzz_target!(|data: &[u8]| {
    // Smaller limits than the CLI's so a bomb found by the fuzzer costs seconds, not GiB; the
    // code paths are the same.
    let options = DecodeOptions {
        limits: Limits { max_total_bytes: 32 << 20, max_entries: 20_000, ..Limits::default() },
        ..Default::default()
    };
    let Ok(snapshot) = procsnap_core::decode(data, &options) else { return };
    let report = snapshot.report();
    let _ = render::netstat(&report);
    let _ = render::netstat_bytes(&report);
    let _ = render::text(&report);
    let _ = render::json(&report);
    let link = share::encode(&report, share::Redaction::ALL);
    share::decode(&link).expect("a link we just made opens");
});
