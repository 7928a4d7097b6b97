//! The session API as the CLI and the viewer's worker use it: open, page rows, share, errors.
//! (Moved from the viewer's worker glue, whose own tests keep only what is the worker's.)

mod support;

use procsnap_core::query::RowQuery;
use procsnap_core::share::Redaction;
use procsnap_core::synth::{SeedStory, seed_story};
use procsnap_core::{DecodeOptions, OpenError, Session};

fn example() -> Session {
    let bytes = seed_story(&SeedStory::default());
    support::decode(&bytes, &DecodeOptions { skip_hashes: true, ..Default::default() })
        .expect("the example decodes")
}

fn open(name: &str, bytes: &[u8]) -> Result<Session, OpenError> {
    support::decode(bytes, &DecodeOptions::default()).map_err(|e| OpenError::snapshot(name, &e))
}

fn query(f: impl FnOnce(&mut RowQuery)) -> RowQuery {
    let mut q = RowQuery { seq: 1, limit: 50, ..Default::default() };
    f(&mut q);
    q
}

#[test]
fn pages_every_row_and_filters_like_the_report() {
    let mut s = example();
    let report = s.report().clone();
    let all = s.rows(&query(|_| {}));
    assert_eq!(all.total, s.row_count());
    assert_eq!(all.total, report.volume.inet_rows + report.volume.unix_rows);
    assert_eq!(all.rows.len(), 50);

    let tw = s.rows(&query(|q| q.state = "TIME_WAIT".into()));
    assert_eq!(tw.total, report.time_wait.count);

    let ssh = s.rows(&query(|q| {
        q.state = "LISTEN".into();
        q.port = Some(22);
    }));
    assert_eq!(ssh.total, 2, "sshd listens on tcp and tcp6");
    assert!(ssh.rows.iter().all(|r| r.program == "sshd" && r.pid == Some(2983)));

    let unix = s.rows(&query(|q| q.proto = "unix".into()));
    assert_eq!(unix.total, report.volume.unix_rows);
    // Listening unix rows by core's rule (state 01 with the accept flag): the report's list.
    let listening = s.rows(&query(|q| {
        q.proto = "unix".into();
        q.state = "LISTEN".into();
    }));
    assert_eq!(listening.total, report.unix_listeners.len() as u64);
}

#[test]
fn paging_is_bounded_and_echoes_the_query() {
    let mut s = example();
    let q = query(|q| {
        q.seq = 9;
        q.offset = u64::MAX / 2;
    });
    let page = s.rows(&q);
    assert_eq!(page.seq, 9);
    assert!(page.rows.is_empty());
    assert_eq!(page.offset, page.total);
    let big = s.rows(&query(|q| q.limit = 1_000_000));
    assert_eq!(big.rows.len(), 2000, "a page is capped");
}

#[test]
fn errors_have_a_title_and_a_hint() {
    let e = open("notes.txt", b"hello, not a snapshot\n").err().unwrap();
    assert_eq!(e.title, "This is not a procsnap snapshot");
    assert!(e.detail.starts_with("notes.txt: "));
    assert!(!e.hint.is_empty());
    let bytes = seed_story(&SeedStory::default());
    let cut = open("cut", &bytes[..bytes.len() / 2]).err().unwrap();
    assert!(cut.title.contains("truncated"), "{cut:?}");
    let empty = open("empty", b"").err().unwrap();
    assert_eq!(empty.title, "The file is empty");
}

#[test]
fn share_links_round_trip_without_rows() {
    let s = example();
    let fragment = s.share_fragment(Redaction::ALL);
    let link = format!("http://127.0.0.1/#r={fragment}");
    assert!(procsnap_core::session::looks_like_link(&link));
    assert!(!procsnap_core::session::looks_like_link("host-20261201T000000Z.procsnap.tar.gz"));
    let mut linked = Session::open_link(&link).expect("link opens");
    let report = linked.report().clone();
    assert!(report.shared.is_some());
    assert_eq!(report.host.hostname, None);
    assert_eq!(linked.row_count(), 0);
    assert_eq!(linked.rows(&query(|_| {})).total, 0);
    let damaged = Session::open_link(&format!("#r={}", &fragment[..fragment.len() / 2])).err().unwrap();
    assert_eq!(OpenError::link(&damaged).title, "This report link is damaged");
}

#[test]
fn hashes_are_checked_after_the_report() {
    let bytes = seed_story(&SeedStory::default());
    let mut s = example();
    assert!(s.needs_verify());
    assert_eq!(s.verify(&bytes, &mut |_| true).unwrap(), 0);
    assert!(!s.needs_verify());
    let checked: Vec<_> = s.report().files.iter().filter(|f| f.manifest_sha256.is_some()).collect();
    assert!(!checked.is_empty());
    assert!(checked.iter().all(|f| f.sha256 == f.manifest_sha256), "{checked:?}");
}

#[test]
fn compare_puts_the_earlier_capture_first_whichever_was_opened_first() {
    use procsnap_core::session::compare;
    use procsnap_core::synth::{Variant, seed_story_as};
    let small = SeedStory { server_time_wait: 300, client_time_wait: 20, established: 5, seed: 7 };
    let yesterday = seed_story_as(&small, &Variant::default());
    let later = Variant {
        capture_start: "2026-11-28T03:00:00.000Z".into(),
        extra_listeners: vec![(6379, b"redis-server\0*:6379\0".to_vec())],
        ..Variant::default()
    };
    let today = seed_story_as(&SeedStory { server_time_wait: 900, ..small }, &later);
    let options = DecodeOptions { skip_hashes: true, ..Default::default() };
    let open = |b: &[u8]| support::decode(b, &options).expect("decodes");
    // Today's is open, yesterday's is picked to compare with: yesterday's is still OLD.
    let d = compare((&open(&today), "today.tar.gz"), (&mut open(&yesterday), "yesterday.tar.gz"));
    assert_eq!((d.old.source.as_str(), d.new.source.as_str()), ("yesterday.tar.gz", "today.tar.gz"));
    assert_eq!(d.seconds_between, Some(86_400.0));
    let appeared: Vec<_> = d.listeners.appeared.iter().map(|l| (l.key.proto.as_str(), l.key.port)).collect();
    assert_eq!(appeared, [("tcp", 6379)]);
    assert!(d.listeners.gone.is_empty());
    assert!(d.time_wait.new_count > d.time_wait.old_count);
    // The other way round, the same diff.
    let e = compare((&open(&yesterday), "yesterday.tar.gz"), (&mut open(&today), "today.tar.gz"));
    assert_eq!(e, d);
}
