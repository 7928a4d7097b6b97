//! Non-atomic reads of /proc tables (issue 16 item 2): `procsnap collect` while a bounded loop
//! opens and closes loopback connections as fast as it can, so the tcp table changes between
//! the `read(2)` calls that return it. Whatever rows the capture holds twice (same inode ≠ 0, or
//! for TIME_WAIT the same four-tuple), counted here independently from the raw text, must be
//! what the decoder reports in its diagnostic and must be counted once in the rows.

mod support;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::*;

/// Connects, exchanges a byte and closes (client first, so the client side goes to TIME_WAIT),
/// until `stop` or `max` connections.
fn churn(stop: Arc<AtomicBool>, max: u32) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) && n < max {
            let Ok(mut c) = TcpStream::connect(addr) else { continue };
            let Ok((mut s, _)) = listener.accept() else { continue };
            let _ = c.write_all(b"x");
            let mut b = [0u8; 1];
            let _ = s.read(&mut b);
            drop(c);
            drop(s);
            n += 1;
        }
        n
    })
}

/// Rows of a raw tcp/tcp6 table that repeat an earlier row: (same inode, same TIME_WAIT tuple).
fn count_duplicates(table: &[u8]) -> (u64, u64, u64) {
    let text = String::from_utf8_lossy(table);
    let (mut inodes, mut tuples) = (HashSet::new(), HashSet::new());
    let (mut rows, mut same_inode, mut same_tw) = (0, 0, 0);
    for line in text.lines().skip(1) {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 10 {
            continue;
        }
        rows += 1;
        let inode: u64 = w[9].parse().unwrap();
        if inode != 0 {
            same_inode += !inodes.insert(inode) as u64;
        } else if w[3] == "06" {
            same_tw += !tuples.insert((w[1].to_string(), w[2].to_string())) as u64;
        }
    }
    (rows, same_inode, same_tw)
}

#[test]
fn rows_read_twice_while_connections_churn_are_reported_and_counted_once() {
    let dir = Scratch::new("churn");
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..2).map(|_| churn(stop.clone(), 200_000)).collect();
    // Let TIME_WAIT rows pile up so the table spans many pages.
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let (mut captures, mut with_duplicates, mut total_dups) = (0, 0, 0);
    while started.elapsed() < Duration::from_secs(20) && captures < 40 && with_duplicates < 3 {
        let out = collect(&["-o", "-"], dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        captures += 1;
        let entries = read_archive(&out.stdout);
        let session = procsnap_core::Session::open(&out.stdout, &Default::default(), &mut |_| true).unwrap();
        let snap = session.snapshot().unwrap();
        for (name, kind) in [("tcp", procsnap_core::TableKind::Tcp), ("tcp6", procsnap_core::TableKind::Tcp6)]
        {
            let Some(raw) = entry(&entries, &format!("proc/net/{name}")) else { continue };
            let (rows, same_inode, same_tw) = count_duplicates(&raw.data);
            let dups = same_inode + same_tw;
            let decoded = snap.inet.iter().filter(|r| r.table == kind).count() as u64;
            assert_eq!(decoded, rows - dups, "{name}: each socket once");
            let d: Vec<_> = session
                .report()
                .diagnostics
                .items
                .iter()
                .filter(|d| d.file == format!("proc/net/{name}") && d.message.contains("read twice"))
                .collect();
            if dups == 0 {
                assert!(d.is_empty(), "{name}: {d:?}");
                continue;
            }
            with_duplicates += 1;
            total_dups += dups;
            assert_eq!(d.len(), 1, "{name}: {d:?}");
            assert!(d[0].message.starts_with(&format!("{dups} rows read twice")), "{}", d[0].message);
            if same_tw > 0 {
                assert!(d[0].message.contains(&format!("{same_tw} TIME_WAIT")), "{}", d[0].message);
            }
            println!("capture {captures}: {name} {rows} rows, {same_inode} + {same_tw} read twice");
        }
    }
    stop.store(true, Ordering::SeqCst);
    let made: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    println!(
        "{captures} captures, {with_duplicates} with rows read twice ({total_dups} rows), {made} connections"
    );
    if with_duplicates == 0 && std::env::var_os("PROCSNAP_REQUIRE_DUPLICATES").is_some() {
        panic!("no capture held a row twice");
    }
}
