//! What finding duplicated rows costs next to parsing, on the benchmark's 1,000,000-row table
//! (95% TIME_WAIT, so nearly every row goes through the four-tuple set), interleaved per round.
//!
//! cargo run --profile bench -p procsnap-core --example dedupe_cost -- [ROWS] [ROUNDS]
use std::hint::black_box;
use std::time::Instant;

use procsnap_core::TableKind;
use procsnap_core::proc::stream::{TableRows, parse_whole};

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let table = procsnap_core::synth::tcp_table(rows, 0.95, 42);
    let (mut parse, mut dedupe) = (vec![], vec![]);
    for round in 0..=rounds {
        let t = Instant::now();
        let parsed = parse_whole(TableKind::Tcp, black_box(&table), |_| true).unwrap();
        let p = t.elapsed().as_secs_f64() * 1e3;
        let TableRows::Inet(mut inet) = parsed.rows else { unreachable!() };
        let t = Instant::now();
        let d = black_box(inet.remove_duplicates(None));
        let q = t.elapsed().as_secs_f64() * 1e3;
        if round == 0 {
            println!("{rows} rows, {} duplicates found", d.total());
            continue;
        }
        println!("round {round:2}: parse {p:7.1} ms, dedupe {q:6.1} ms ({:.0}%)", 100.0 * q / p);
        parse.push(p);
        dedupe.push(q);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (p, q) = (median(parse), median(dedupe));
    println!("median: parse {p:.1} ms, dedupe {q:.1} ms ({:.0}% of the parse)", 100.0 * q / p);
}
