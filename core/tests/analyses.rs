//! The analyses on small hand-made tables whose answers are known.

mod support;

use procsnap_core::DecodeOptions;
use support::decode;

fn row(local: ([u8; 4], u16), remote: ([u8; 4], u16), state: u8, ticks: u32, inode: u64) -> String {
    let hex = |a: [u8; 4]| u32::from_le_bytes(a);
    let timer = if state == 6 { 3 } else { 0 };
    format!(
        "   0: {:08X}:{:04X} {:08X}:{:04X} {state:02X} 00000000:00000000 {timer:02X}:{ticks:08X} 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n",
        hex(local.0),
        local.1,
        hex(remote.0),
        remote.1
    )
}

#[test]
fn time_wait_attribution_rate_and_port_pressure() {
    let me = [10, 0, 0, 5];
    let db = [10, 0, 1, 20];
    let mut t = String::from(procsnap_core::synth::TCP_HEADER);
    t.push('\n');
    let mut add = |line: String| t.push_str(&line);
    // A listener on an ephemeral-range port (40000) and one on 81.
    add(row(([0; 4], 40000), ([0; 4], 0), 0x0A, 0, 11));
    add(row(([0; 4], 81), ([0; 4], 0), 0x0A, 0, 12));
    // Inbound connections to 40000 are not outgoing, even though 40000 is in the range.
    for i in 0..5u16 {
        add(row((me, 40000), ([192, 0, 2, 1], 1000 + i), 0x01, 0, 100 + i as u64));
    }
    // 30 server-side TIME_WAIT on :81, remaining 0..59 s; 12 client-side ones to the database.
    for i in 0..30u32 {
        add(row((me, 81), ([203, 0, 113, (i % 3) as u8], 2000 + i as u16), 6, i * 200, 0));
    }
    for i in 0..12u16 {
        add(row((me, 50000 + i), (db, 3306), 6, 5900, 0));
    }
    // 3 live outgoing connections to the same database.
    for i in 0..3u16 {
        add(row((me, 51000 + i), (db, 3306), 0x01, 0, 200 + i as u64));
    }
    let r = decode(t.as_bytes(), &DecodeOptions::default()).unwrap().into_report();
    let tw = &r.time_wait;
    assert_eq!(tw.count, 42);
    assert_eq!(tw.by_local_port.len(), 2);
    assert_eq!((tw.by_local_port[0].port, tw.by_local_port[0].count), (81, 30));
    assert_eq!((tw.by_local_port[1].port, tw.by_local_port[1].count), (0, 12), "client side as one group");
    assert_eq!(tw.close_rate_per_sec, 42.0 / 60.0);
    // 12 rows with 59 s left and ~2 of the server ones (ticks 5000..5800) are in the last 10 s.
    assert_eq!(tw.remaining_seconds[59], 12);
    assert_eq!(tw.remaining_seconds.iter().sum::<u64>(), 42);
    assert_eq!(tw.by_remote_port.items[0].key, "3306");
    assert_eq!(tw.by_remote_port.items[0].count, 12);
    assert_eq!(tw.by_remote_addr.items[0].key, "10.0.1.20");
    assert_eq!(tw.port_pressure.len(), 1, "only the database tuple: {:?}", tw.port_pressure);
    let p = &tw.port_pressure[0];
    assert_eq!((p.remote_port, p.sockets, p.time_wait), (3306, 15, 12));
    assert_eq!(p.used_ratio, 15.0 / 28232.0);
    assert!(!tw.port_range_captured);
    // Volume and cost agree with the rows.
    assert_eq!(r.volume.inet_rows, 52);
    assert_eq!(r.cost.rows_shown, 2);
    assert_eq!(r.cost.ss_rows, 2);
    assert_eq!(r.cost.rows_parsed, 52);
}
