//! The `decode` fuzz target's body, natively, over files or directories of inputs (a fuzz
//! corpus, the committed seeds): how long the decode itself takes per input, without libFuzzer's
//! bookkeeping or ASan. For `perf record` too (build with `--profile profiling`).
//!
//! cargo run --profile profiling -p procsnap-core --example fuzz_replay -- [-n ROUNDS] PATH...
use std::path::PathBuf;
use std::time::Instant;

use procsnap_core::{DecodeOptions, Limits, Session};

fn main() {
    let mut rounds = 10usize;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "-n" {
            rounds = args.next().and_then(|n| n.parse().ok()).expect("-n ROUNDS");
        } else {
            paths.push(a.into());
        }
    }
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for p in &paths {
        if p.is_dir() {
            let mut names: Vec<_> =
                std::fs::read_dir(p).expect("reads the directory").flatten().map(|e| e.path()).collect();
            names.sort();
            inputs.extend(names.iter().filter(|n| n.is_file()).map(|n| std::fs::read(n).expect("reads")));
        } else {
            inputs.push(std::fs::read(p).expect("reads the file"));
        }
    }
    assert!(!inputs.is_empty(), "usage: fuzz_replay [-n ROUNDS] PATH...");
    // The fuzz target's options (fuzz/fuzz_targets/decode.rs).
    let options = DecodeOptions {
        limits: Limits { max_total_bytes: 4 << 20, max_entries: 20_000, ..Limits::default() },
        ..Default::default()
    };
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    let (mut opened, mut out) = (0usize, 0usize);
    let t = Instant::now();
    for _ in 0..rounds {
        for input in &inputs {
            let Ok(session) = Session::open(input, &options, &mut |_| true) else { continue };
            opened += 1;
            out += session.netstat().len() + session.text().len();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let execs = (rounds * inputs.len()) as f64;
    println!(
        "{} inputs ({} bytes, mean {:.0}), {rounds} rounds: {:.1} µs per input, {:.0} inputs/s; {} opened, {} bytes rendered",
        inputs.len(),
        bytes,
        bytes as f64 / inputs.len() as f64,
        secs * 1e6 / execs,
        execs / secs,
        opened / rounds,
        out / rounds
    );
}
