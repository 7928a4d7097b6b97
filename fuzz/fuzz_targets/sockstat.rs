//! `/proc/net/sockstat` and `sockstat6` parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::proc;

fuzz_target!(|data: &[u8]| {
    let mut counters = proc::sockstat::Sockstat::new();
    let mut diagnostics = Vec::new();
    proc::sockstat::parse(data, "proc/net/sockstat", &mut counters, &mut diagnostics);
    let _ = proc::sysctl::value(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = proc::sysctl::port_range(s);
    }
});
