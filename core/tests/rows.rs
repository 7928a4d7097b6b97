//! The Sockets view's rows as the worker serves them: every protocol and state selectable,
//! sorting by each column (checked against an independent stable sort of the file-order rows),
//! and the CSV export (parsed back and compared with the rows and with the report).

mod support;

use std::cmp::Reverse;
use std::net::SocketAddr;
use std::path::Path;

use procsnap_core::query::{CSV_HEADER, PROTOS, RowQuery, STATES, SocketRow, SortKey};
use procsnap_core::{DecodeOptions, Entry, Session};

/// The built-in example's host (the seed's) with fewer rows: what is checked here is per row.
fn small_example() -> Session {
    use procsnap_core::synth::{SeedStory, seed_story};
    let story = SeedStory { server_time_wait: 3000, client_time_wait: 700, established: 150, seed: 7 };
    support::decode(&seed_story(&story), &DecodeOptions::default()).expect("the small example decodes")
}

/// The shared tree with a row in every table (udplite6 and raw6 included), when present.
fn edge_tree() -> Option<Session> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/netstat-flavours/trees/edge-all.tar.gz");
    if !path.exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI has no {}", path.display());
        eprintln!("skipped: no {}", path.display());
        return None;
    }
    let bytes = std::fs::read(path).unwrap();
    Some(support::decode(&bytes, &DecodeOptions::default()).expect("the tree decodes"))
}

fn query(f: impl FnOnce(&mut RowQuery)) -> RowQuery {
    let mut q = RowQuery { seq: 1, limit: 2000, ..Default::default() };
    f(&mut q);
    q
}

/// Every row `q` selects, page by page.
fn all_rows(s: &mut Session, q: &RowQuery) -> Vec<SocketRow> {
    let mut out = Vec::new();
    loop {
        let page = s.rows(&RowQuery { offset: out.len() as u64, ..q.clone() });
        assert_eq!(page.offset, out.len() as u64);
        if page.rows.is_empty() {
            assert_eq!(out.len() as u64, page.total);
            return out;
        }
        out.extend(page.rows);
    }
}

/// A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF records).
fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("the CSV is UTF-8");
    assert!(text.is_empty() || text.ends_with("\r\n"), "records end in CRLF");
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(record.is_empty() && field.is_empty() && !quoted, "no unterminated record");
    records
}

/// A row as the CSV should carry it, derived from the row's own fields.
fn as_record(r: &SocketRow) -> Vec<String> {
    let split = |e: &str| -> (String, String) {
        if r.proto == "unix" {
            return (e.to_string(), String::new());
        }
        let a: SocketAddr = e.parse().expect("an Internet row's endpoint parses");
        (a.ip().to_string(), a.port().to_string())
    };
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let (local, lport) = split(&r.local);
    let (remote, rport) = if r.proto == "unix" { (String::new(), String::new()) } else { split(&r.remote) };
    vec![
        r.proto.clone(),
        local,
        lport,
        remote,
        rport,
        r.state.clone(),
        opt(r.recv_q),
        opt(r.send_q),
        r.timer.clone(),
        r.timer_s.map(|t| format!("{t:.2}")).unwrap_or_default(),
        r.inode.to_string(),
        r.uid.to_string(),
        opt(r.pid),
        r.program.clone(),
        r.netns.map(|n| n.to_string()).unwrap_or_default(),
    ]
}

#[test]
fn every_protocol_and_state_is_in_the_filter_lists_and_selects_its_rows() {
    for mut s in [Some(small_example()), edge_tree()].into_iter().flatten() {
        let every = all_rows(&mut s, &query(|_| {}));
        assert_eq!(every.len() as u64, s.row_count());
        for r in &every {
            assert!(PROTOS.contains(&r.proto.as_str()), "{r:?}");
            assert!(STATES.contains(&r.state.as_str()), "{r:?}");
        }
        // Each (protocol, state) filter selects exactly the rows that have them.
        let mut selected = 0;
        for proto in PROTOS {
            for state in STATES {
                let q = query(|q| {
                    q.proto = proto.into();
                    q.state = state.into();
                });
                let got = s.rows(&q).total;
                let want = every.iter().filter(|r| r.proto == proto && r.state == state).count() as u64;
                assert_eq!(got, want, "{proto} {state}");
                selected += got;
            }
        }
        assert_eq!(selected, s.row_count(), "the filters partition the rows");
        // And the counts agree with the report's own breakdown by table and state.
        for t in &s.report().volume.by_table.clone() {
            for (state, n) in &t.states {
                let q = query(|q| {
                    q.proto = t.table.file_name().into();
                    q.state = state.clone();
                });
                assert_eq!(s.rows(&q).total, *n, "{:?} {state}", t.table);
            }
        }
    }
}

#[test]
fn the_edge_tree_has_udplite6_and_unconnected_rows() {
    let Some(mut s) = edge_tree() else { return };
    let udplite6 = all_rows(&mut s, &query(|q| q.proto = "udplite6".into()));
    assert!(!udplite6.is_empty());
    let unconn = all_rows(&mut s, &query(|q| q.state = "UNCONN".into()));
    assert!(unconn.iter().any(|r| r.proto == "udplite6"), "{unconn:?}");
}

/// The test's own sort key per column, from a row's displayed fields.
fn test_key(by: SortKey, r: &SocketRow) -> (u8, String, u128, u64) {
    let addr = |e: &str| -> (u8, String, u128, u64) {
        match e.parse::<SocketAddr>() {
            Ok(SocketAddr::V4(a)) => (0, String::new(), u32::from(*a.ip()).into(), a.port().into()),
            Ok(SocketAddr::V6(a)) => (1, String::new(), u128::from(*a.ip()), a.port().into()),
            Err(_) => (2, e.to_string(), 0, 0),
        }
    };
    let num = |v: Option<u64>| (u8::from(v.is_some()), String::new(), u128::from(v.unwrap_or(0)), 0);
    match by {
        SortKey::File => unreachable!(),
        SortKey::Proto => (0, r.proto.clone(), 0, 0),
        SortKey::Local => addr(&r.local),
        SortKey::Remote if r.proto == "unix" => (2, String::new(), 0, 0),
        SortKey::Remote => addr(&r.remote),
        SortKey::State => (0, r.state.clone(), 0, 0),
        SortKey::RecvQ => num(r.recv_q.map(u64::from)),
        SortKey::SendQ => num(r.send_q.map(u64::from)),
        // Hundredths of a second: exact for USER_HZ 100.
        SortKey::Timer => num(r.timer_s.map(|t| (t * 100.0).round() as u64)),
        SortKey::Inode => num(Some(r.inode)),
        SortKey::Uid => num(Some(r.uid.into())),
        SortKey::Program => (u8::from(r.pid.is_some()), r.program.clone(), 0, r.pid.unwrap_or(0).into()),
    }
}

#[test]
fn sorting_orders_by_each_column_and_keeps_file_order_on_ties() {
    use SortKey::*;
    for mut s in [Some(small_example()), edge_tree()].into_iter().flatten() {
        let file_order = all_rows(&mut s, &query(|_| {}));
        let reversed = all_rows(&mut s, &query(|q| q.descending = true));
        assert_eq!(reversed, file_order.iter().rev().cloned().collect::<Vec<_>>());
        for by in [Proto, Local, Remote, State, RecvQ, SendQ, Timer, Inode, Uid, Program] {
            for descending in [false, true] {
                let got = all_rows(
                    &mut s,
                    &query(|q| {
                        q.sort = by;
                        q.descending = descending;
                    }),
                );
                let mut want = file_order.clone();
                if descending {
                    want.sort_by_key(|r| Reverse(test_key(by, r)));
                } else {
                    want.sort_by_key(|r| test_key(by, r));
                }
                assert!(got == want, "sorted by {by:?}, descending {descending}");
            }
        }
    }
    // A filter and a sort together: the TIME_WAIT rows, least time left first.
    let mut s = small_example();
    let tw = all_rows(
        &mut s,
        &query(|q| {
            q.state = "TIME_WAIT".into();
            q.sort = Timer;
        }),
    );
    assert_eq!(tw.len() as u64, s.report().time_wait.count);
    assert!(tw.iter().all(|r| r.timer == "timewait" && r.timer_s.is_some_and(|t| t <= 60.0)));
    assert!(tw.first().unwrap().timer_s < tw.last().unwrap().timer_s);
}

#[test]
fn the_csv_of_a_filter_is_its_rows_in_its_order() {
    for mut s in [Some(small_example()), edge_tree()].into_iter().flatten() {
        for q in [
            query(|_| {}),
            query(|q| {
                q.state = "LISTEN".into();
                q.sort = SortKey::Local;
                q.descending = true;
            }),
            query(|q| q.proto = "unix".into()),
            query(|q| {
                q.port = Some(81);
                q.sort = SortKey::Timer;
            }),
        ] {
            let rows = all_rows(&mut s, &q);
            let records = parse_csv(&s.rows_csv(&q));
            assert_eq!(records[0].join(","), CSV_HEADER);
            let want: Vec<Vec<String>> = rows.iter().map(as_record).collect();
            assert!(records[1..] == want[..], "{q:?}");
        }
    }
}

#[test]
fn the_csv_of_listening_rows_is_the_reports_listeners() {
    for mut s in [Some(small_example()), edge_tree()].into_iter().flatten() {
        let json: serde_json::Value = serde_json::from_str(&s.json()).unwrap();
        for proto in ["tcp", "tcp6"] {
            let q = query(|q| {
                q.proto = proto.into();
                q.state = "LISTEN".into();
            });
            let records = parse_csv(&s.rows_csv(&q));
            let got: Vec<String> = records[1..]
                .iter()
                .map(|r| {
                    // netstat's column is cut to 19 bytes (`PID/` included): compare that much.
                    let mut program =
                        if r[12].is_empty() { "-".into() } else { format!("{}/{}", r[12], r[13]) };
                    program.truncate(19);
                    format!("{} {} {} {} {} {program}", r[0], r[1], r[2], r[6], r[10])
                })
                .collect();
            let want: Vec<String> = json["listeners"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["proto"] == proto && l["state_name"] == "LISTEN")
                .map(|l| {
                    format!(
                        "{} {} {} {} {} {}",
                        l["proto"].as_str().unwrap(),
                        l["local_addr"].as_str().unwrap(),
                        l["local_port"],
                        l["recv_q"],
                        l["inode"],
                        l["netstat_program"].as_str().unwrap().trim_end()
                    )
                })
                .collect();
            let (mut got, mut want) = (got, want);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{proto}");
        }
    }
}

#[test]
fn csv_fields_are_quoted_where_needed_and_share_links_have_no_rows() {
    let unix = "Num       RefCount Protocol Flags    Type St Inode Path\n\
        0000000000000000: 00000002 00000000 00010000 0001 01 7001 /run/a,\"b\".sock\n\
        0000000000000000: 00000002 00000000 00000000 0001 03 7002  leading space\n";
    let entries = vec![
        Entry::file("proc/net/unix", unix.as_bytes().to_vec()),
        Entry::file("proc/42/cmdline", b"-bash\0".to_vec()),
        Entry::symlink("proc/42/fd/3", "socket:[7001]"),
    ];
    let mut s = support::decode_entries(entries, &DecodeOptions::default()).unwrap();
    let q = query(|_| {});
    let csv = String::from_utf8(s.rows_csv(&q)).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[1], "unix,\"/run/a,\"\"b\"\".sock\",,,,LISTEN,,,,,7001,0,42,-bash,");
    assert_eq!(lines[2], "unix,\" leading space\",,,,CONNECTED,,,,,7002,0,,,");
    let records = parse_csv(csv.as_bytes());
    assert_eq!(records[1][1], "/run/a,\"b\".sock");
    assert_eq!(records.len(), 3);

    let link = small_example().share_fragment(procsnap_core::share::Redaction::ALL);
    let mut linked = Session::open_link(&link).unwrap();
    assert_eq!(linked.rows_csv(&q), format!("{CSV_HEADER}\r\n").into_bytes());
}
