//! Parse + analyse vs `procfs-core`, interleaved: each round times procfs-core, procsnap's
//! decode + report (on one thread, and on two as the CLI runs it: `DecodeOptions::fork`) and a
//! plain line scan on the same bytes, back to back, and the ratio is taken within the round. On a shared machine a burst of load then hits both sides of a ratio, where
//! criterion (all samples of one benchmark, then the next) lets it hit one side only.
//!
//! cargo run --profile bench -p procsnap-core --example ratio -- [ROWS] [ROUNDS]
use std::hint::black_box;
use std::time::Instant;

use procfs_core::FromBufReadSI;

fn ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

/// Two threads, as the CLI lends them.
#[path = "../tests/support/two_threads.rs"]
mod two_threads;
use two_threads::TwoThreads;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(15);
    let table = procsnap_core::synth::tcp_table(rows, 0.95, 42);
    let si = procfs_core::ExplicitSystemInfo {
        boot_time_secs: 0,
        ticks_per_second: 100,
        page_size: 4096,
        is_little_endian: true,
    };
    let opts = procsnap_core::DecodeOptions::default();
    let forked = procsnap_core::DecodeOptions { fork: Some(&TwoThreads), ..Default::default() };
    let (mut procfs, mut ours, mut scan, mut ratios) = (vec![], vec![], vec![], vec![]);
    let (mut two, mut ratios_two) = (vec![], vec![]);
    println!(
        "{} MB, {rows} rows, {rounds} rounds (ms: procfs-core, procsnap parse+analyse on one \
         thread, on two, line scan)",
        table.len() / 1_000_000
    );
    for round in 0..=rounds {
        let p = ms(|| {
            black_box(procfs_core::net::TcpNetEntries::from_buf_read(&table[..], &si).unwrap().0.len());
        });
        let o = ms(|| {
            let s = procsnap_core::Session::open(black_box(&table), &opts, &mut |_| true).unwrap();
            black_box(s.report().time_wait.count);
        });
        let t = ms(|| {
            let size = table.len() as u64;
            let s = procsnap_core::Session::open_at(black_box(&table), size, &forked, &mut |_| true).unwrap();
            black_box(s.report().time_wait.count);
        });
        let l = ms(|| {
            black_box(black_box(&table).iter().filter(|&&c| c == b'\n').count());
        });
        if round == 0 {
            continue; // warm-up
        }
        println!(
            "round {round:2}: {p:7.1} {o:7.1} {t:7.1} {l:7.1}  ratio {:.2}x, two threads {:.2}x",
            p / o,
            p / t
        );
        procfs.push(p);
        two.push(t);
        ratios_two.push(p / t);
        ours.push(o);
        scan.push(l);
        ratios.push(p / o);
    }
    println!(
        "median: procfs-core {:.1} ms, procsnap parse+analyse {:.1} ms, line scan {:.1} ms; \
         median ratio {:.2}x (min {:.2}x, max {:.2}x); on two threads {:.1} ms, median ratio {:.2}x",
        median(procfs),
        median(ours),
        median(scan),
        median(ratios.clone()),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
        median(two),
        median(ratios_two),
    );
}
