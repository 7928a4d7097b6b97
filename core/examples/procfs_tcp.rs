//! The whole-process anchor for `procsnap report`: a program that parses a /proc/net/tcp file
//! with `procfs-core` (streaming, through a BufReader, as a program using that crate would) and
//! prints the listeners and the TIME_WAIT count. `--scan` only counts lines: the floor for any
//! reader that looks at every line.
//!
//! cargo run --profile bench -p procsnap-core --example procfs_tcp -- FILE [--scan]
use std::io::{BufRead, BufReader};

use procfs_core::FromBufReadSI;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: procfs_tcp FILE [--scan]");
    let scan = args.next().as_deref() == Some("--scan");
    let file = BufReader::with_capacity(256 * 1024, std::fs::File::open(&path).expect("opens"));
    if scan {
        let (mut lines, mut listen) = (0u64, 0u64);
        for line in file.split(b'\n') {
            let line = line.expect("reads");
            lines += 1;
            // The state column of a tcp row starts at a fixed offset on every kernel.
            if line.get(34..36) == Some(b"0A") {
                listen += 1;
            }
        }
        println!("{{\"lines\":{lines},\"listen\":{listen}}}");
        return;
    }
    let si = procfs_core::ExplicitSystemInfo {
        boot_time_secs: 0,
        ticks_per_second: 100,
        page_size: 4096,
        is_little_endian: true,
    };
    let entries = procfs_core::net::TcpNetEntries::from_buf_read(file, &si).expect("parses").0;
    let time_wait = entries.iter().filter(|e| e.state == procfs_core::net::TcpState::TimeWait).count();
    let listeners: Vec<String> = entries
        .iter()
        .filter(|e| e.state == procfs_core::net::TcpState::Listen)
        .map(|e| format!("\"{}\"", e.local_address))
        .collect();
    println!(
        "{{\"rows\":{},\"time_wait\":{time_wait},\"listeners\":[{}]}}",
        entries.len(),
        listeners.join(",")
    );
}
