//! The whole pipeline on arbitrary bytes: archive reader (gzip, tar, bare table), parsers, join,
//! report, the three renderers and a share link of the result. Must never panic; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::share::Redaction;
use procsnap_core::{DecodeOptions, Limits, Session};

fuzz_target!(|data: &[u8]| {
    // Smaller limits than the CLI's so a bomb found by the fuzzer costs seconds, not GiB; the
    // code paths are the same.
    let options = DecodeOptions {
        limits: Limits { max_total_bytes: 32 << 20, max_entries: 20_000, ..Limits::default() },
        ..Default::default()
    };
    let Ok(session) = Session::open(data, &options, &mut |_| true) else { return };
    let _ = session.netstat();
    let _ = session.text();
    let _ = session.json();
    let link = session.share_fragment(Redaction::ALL);
    Session::open_link(&link).expect("a link we just made opens");
});
