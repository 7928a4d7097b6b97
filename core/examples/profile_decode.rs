//! Decode + report a /proc/net/tcp of 1,000,000 generated rows (or a file given as the second
//! argument) several times: a target for `perf record`.
//! cargo build --profile profiling -p procsnap-core --example profile_decode
fn main() {
    let rows = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let table = match std::env::args().nth(2) {
        Some(path) => std::fs::read(path).expect("reads the table"),
        None => procsnap_core::synth::tcp_table(rows, 0.95, 42),
    };
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let snapshot = procsnap_core::decode(&table, &Default::default()).expect("decodes");
        let parsed = t.elapsed();
        let report = snapshot.report();
        println!(
            "{} MB: decode {:?}, decode+report {:?}, {} TIME_WAIT",
            table.len() / 1_000_000,
            parsed,
            t.elapsed(),
            report.time_wait.count
        );
    }
}
