//! Parse + analyse a generated /proc/net/tcp of 1,000,000 rows (95% TIME_WAIT, as in the seed
//! story), against `procfs-core` parsing the same bytes and a plain line scan, in one run.
//!
//! cargo bench -p procsnap-core --bench parse_tcp
//! PROCSNAP_BENCH_ROWS=20000 cargo bench -p procsnap-core --bench parse_tcp -- --quick  (CI smoke)

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use procfs_core::FromBufReadSI;
use procsnap_core::{ByteOrder, DecodeOptions, TableKind};

fn rows() -> usize {
    std::env::var("PROCSNAP_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn bench(c: &mut Criterion) {
    let n = rows();
    let table = procsnap_core::synth::tcp_table(n, 0.95, 42);
    let mut g = c.benchmark_group(format!("tcp_{n}_rows"));
    g.throughput(Throughput::Bytes(table.len() as u64));
    g.sample_size(10);

    g.bench_function("line_scan_ceiling", |b| {
        b.iter(|| black_box(&table).iter().filter(|&&c| c == b'\n').count())
    });
    g.bench_function("procfs_core_parse", |b| {
        let si = procfs_core::ExplicitSystemInfo {
            boot_time_secs: 0,
            ticks_per_second: 100,
            page_size: 4096,
            is_little_endian: true,
        };
        b.iter(|| procfs_core::net::TcpNetEntries::from_buf_read(black_box(&table[..]), &si).unwrap().0.len())
    });
    g.bench_function("procsnap_parse_packed", |b| {
        // What `decode` does: stream the text in chunks into 48-byte packed rows.
        b.iter(|| {
            procsnap_core::proc::stream::parse_whole(TableKind::Tcp, black_box(&table), |_| true)
                .unwrap()
                .row_count()
        })
    });
    g.bench_function("procsnap_parse_to_values", |b| {
        b.iter(|| {
            let mut rows = Vec::new();
            let mut diags = Vec::new();
            procsnap_core::proc::inet::parse_table(
                black_box(&table),
                TableKind::Tcp,
                ByteOrder::Little,
                4096,
                &mut rows,
                &mut diags,
            );
            rows.len()
        })
    });
    g.bench_function("procsnap_parse_and_analyse", |b| {
        let opts = DecodeOptions::default();
        b.iter(|| {
            let session = procsnap_core::Session::open(black_box(&table), &opts, &mut |_| true).unwrap();
            session.report().time_wait.count
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
