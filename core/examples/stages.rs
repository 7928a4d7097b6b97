//! Times each stage of opening a snapshot file: unpack (inflate + untar), parse, report.
//! Runs natively and under WASI (`--target wasm32-wasip1`, e.g. in node) to compare the two:
//! cargo run --release -p procsnap-core --example stages -- FILE [RUNS]
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: stages FILE [RUNS]");
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let bytes = std::fs::read(&path).expect("reads the file");
    // SKIP_HASHES=1: do not check SHA-256 against the manifest (as `DecodeOptions::skip_hashes`).
    let options = procsnap_core::DecodeOptions {
        skip_hashes: std::env::var_os("SKIP_HASHES").is_some(),
        ..Default::default()
    };
    for _ in 0..runs {
        // DECODE_ONLY=1: skip the unpack-alone stage (it holds every file's text: memory peaks).
        let t = Instant::now();
        if std::env::var_os("DECODE_ONLY").is_none() {
            let (_, entries) = procsnap_core::archive::read(&bytes, &Default::default(), None, &mut |_| true)
                .expect("unpacks");
            drop(entries);
        }
        let unpacked = t.elapsed();
        let t = Instant::now();
        // The stages a session runs: decode (model), then the report.
        let snapshot = procsnap_core::snapshot::decode(&bytes, &options, &mut |_| true).expect("decodes");
        let decoded = t.elapsed();
        let report = procsnap_core::report::build(&snapshot);
        let total = t.elapsed();
        println!(
            "{} bytes: unpack alone {:.0} ms; decode {:.0} ms, report {:.0} ms, total {:.0} ms; {} rows, {} TIME_WAIT",
            bytes.len(),
            unpacked.as_secs_f64() * 1e3,
            decoded.as_secs_f64() * 1e3,
            (total - decoded).as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            report.volume.inet_rows,
            report.time_wait.count
        );
    }
}
