//! Decode + report a generated 1,000,000-row /proc/net/tcp once: a target for `perf record`.
//! cargo build --release -p procsnap-core --example profile_decode
fn main() {
    let rows = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let table = procsnap_core::synth::tcp_table(rows, 0.95, 42);
    let t = std::time::Instant::now();
    let snapshot = procsnap_core::decode(&table, &Default::default()).expect("decodes");
    let parsed = t.elapsed();
    let report = snapshot.report();
    println!(
        "{rows} rows, {} MB: decode {:?}, decode+report {:?}, {} TIME_WAIT",
        table.len() / 1_000_000,
        parsed,
        t.elapsed(),
        report.time_wait.count
    );
}
