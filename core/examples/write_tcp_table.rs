//! Write a generated /proc/net/tcp (rows, TIME_WAIT share) to a file, for profiling and for
//! comparing with other tools: cargo run -p procsnap-core --example write_tcp_table -- 1000000 out
fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let out = args.next().unwrap_or_else(|| "tcp".to_string());
    std::fs::write(&out, procsnap_core::synth::tcp_table(rows, 0.95, 42)).expect("writes the table");
}
