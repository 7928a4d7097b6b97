//! Network namespaces in the model and the report: per-namespace tables from `proc/PID/net/`,
//! selection, the summaries, container identity, and what a share link carries of them.
//! (Against real namespaces and the real netstat: collector/tests/collect_netns.rs.)

use procsnap_core::manifest::{Manifest, NetnsRecord};
use procsnap_core::share::{self, Redaction};
use procsnap_core::{DecodeOptions, Entry, Session};

const OWN: u64 = 4026531840;
const POD: u64 = 4026532999;
const GONE: u64 = 4026533111;
const CID: &str = "4f2d6a1c0b9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f";
const POD_UID: &str = "1b4e6a2c-3d5f-4a7b-9c1d-2e3f4a5b6c7d";

fn tcp(rows: &[(&str, u16, &str, u16, &str, u64)]) -> Vec<u8> {
    let mut t = String::from(procsnap_core::synth::TCP_HEADER);
    t.push('\n');
    for (i, (l, lp, r, rp, st, inode)) in rows.iter().enumerate() {
        t.push_str(&format!(
            "{i:4}: {l}:{lp:04X} {r}:{rp:04X} {st} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
        ));
    }
    t.into_bytes()
}

/// A host listening on :22, and a pod (member pid 500, a containerd container) listening on
/// 127.0.0.1:8080 with 300 TIME_WAIT and its own port range; a third namespace vanished.
fn snapshot() -> Vec<Entry<'static>> {
    let lo = "0100007F";
    let mut pod_rows = vec![(lo, 8080, "00000000", 0, "0A", 7001)];
    for i in 0..300u16 {
        pod_rows.push((lo, 8080, "0200007F", 20000 + i, "06", 0));
    }
    let manifest = Manifest {
        format: Some("procsnap".into()),
        format_version: 1,
        namespaces: vec![
            NetnsRecord { inode: OWN, host: true, processes: 90, rows: Some(1), ..Default::default() },
            NetnsRecord { inode: POD, pid: Some(500), processes: 2, rows: Some(301), ..Default::default() },
            NetnsRecord { inode: GONE, processes: 1, vanished: true, ..Default::default() },
        ],
        netns_scope: Some("all".into()),
        ..Default::default()
    };
    let cgroup = format!(
        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice/cri-containerd-{CID}.scope\n",
        POD_UID.replace('-', "_")
    );
    vec![
        Entry::file("procsnap.json", serde_json::to_vec(&manifest).unwrap()),
        Entry::symlink("proc/100/fd/3", "socket:[5001]"),
        Entry::symlink("proc/100/ns/net", format!("net:[{OWN}]")),
        Entry::file("proc/100/cmdline", b"/usr/sbin/sshd\0-D\0".to_vec()),
        Entry::symlink("proc/500/fd/4", "socket:[7001]"),
        Entry::symlink("proc/500/ns/net", format!("net:[{POD}]")),
        Entry::file("proc/500/cmdline", b"/app/server\0--token=secret\0".to_vec()),
        Entry::file("proc/500/cgroup", cgroup.into_bytes()),
        Entry::file("proc/net/tcp", tcp(&[("00000000", 22, "00000000", 0, "0A", 5001)])),
        Entry::file("proc/500/net/tcp", tcp(&pod_rows)),
        Entry::file("proc/500/sys/net/ipv4/ip_local_port_range", b"20000\t20999\n".to_vec()),
    ]
}

#[test]
fn each_namespace_is_analysed_on_its_own_tables() {
    let mut s = Session::open_entries(snapshot(), &DecodeOptions::default()).unwrap();
    let r = s.report();
    assert_eq!(r.namespaces.len(), 3);
    let [own, pod, gone] = [&r.namespaces[0], &r.namespaces[1], &r.namespaces[2]];
    assert_eq!((own.inode, own.host, own.selected, own.time_wait), (Some(OWN), true, true, 0));
    assert_eq!(own.pids, [100]);
    assert_eq!(
        (pod.inode, pod.member_pid, pod.time_wait, pod.listeners, pod.sockets),
        (Some(POD), Some(500), 300, 1, 301)
    );
    assert_eq!(pod.pids, [500]);
    assert_eq!((pod.port_range, pod.port_range_captured), ((20000, 20999), true));
    let c = pod.container.as_ref().unwrap();
    assert_eq!((c.runtime.as_str(), c.id.as_str(), c.pod_uid.as_deref()), ("containerd", CID, Some(POD_UID)));
    assert!(gone.vanished && gone.sockets == 0);
    assert!(r.namespace_note.as_deref().unwrap().contains("1 network namespace vanished"));
    // Without --netns the report is the collector's own namespace's, as netstat -nlp on the host.
    assert_eq!(r.time_wait.count, 0);
    let host_netstat = String::from_utf8(s.netstat()).unwrap();
    assert!(host_netstat.contains("0.0.0.0:22") && !host_netstat.contains("8080"), "{host_netstat}");

    s.set_netns(Some(POD)).unwrap();
    let pod_netstat = String::from_utf8(s.netstat()).unwrap();
    assert!(pod_netstat.contains("127.0.0.1:8080") && pod_netstat.contains("500/server"), "{pod_netstat}");
    assert!(!pod_netstat.contains(":22 "), "{pod_netstat}");
    let r = s.report();
    assert_eq!((r.time_wait.count, r.time_wait.port_range), (300, (20000, 20999)));
    assert!(r.namespaces[1].selected && !r.namespaces[0].selected);
    assert_eq!(s.row_count(), 301);
    let text = s.text();
    assert!(
        text.contains(&format!("network namespace net:[{POD}] (containerd 4f2d6a1c0b9e (pod {POD_UID}))")),
        "{text}"
    );

    let err = s.set_netns(Some(GONE)).unwrap_err();
    assert!(err.contains("exited before its tables were captured"), "{err}");
    let err = s.set_netns(Some(42)).unwrap_err();
    assert!(err.contains("no network namespace 42") && err.contains(&POD.to_string()), "{err}");
    s.set_netns(None).unwrap();
    assert_eq!(s.netstat(), host_netstat.into_bytes());
}

#[test]
fn a_link_carries_the_summaries_and_hostname_redaction_hides_containers() {
    let s = Session::open_entries(snapshot(), &DecodeOptions::default()).unwrap();
    let plain = share::decode(&s.share_link("", Redaction::default())).unwrap();
    assert_eq!(plain.namespaces, s.report().namespaces);
    assert_eq!(plain.namespace_note, s.report().namespace_note);

    let link = s.share_link("", Redaction { hostname: true, ..Default::default() });
    let r = share::decode(&link).unwrap();
    let c = r.namespaces[1].container.clone().unwrap();
    assert_eq!(
        (c.runtime.as_str(), c.id.as_str(), c.pod_uid.as_deref()),
        ("containerd", "container-1", Some("pod-1"))
    );
    assert_eq!(r.namespaces[1].time_wait, 300);
    let shown = serde_json::to_string(&r).unwrap();
    assert!(!shown.contains(CID) && !shown.contains(POD_UID) && !shown.contains("1b4e6a2c"));
    // The story lines that carry the summaries are rebuilt away on opening.
    assert!(r.cost.story.iter().all(|l| !l.starts_with("netns")));
    // A link-opened report keeps its own namespace and refuses another.
    let mut opened = Session::open_link(&link).unwrap();
    assert!(opened.set_netns(Some(OWN)).is_ok());
    assert!(opened.set_netns(Some(POD)).is_err());
}

#[test]
fn a_link_made_before_namespaces_opens_without_them() {
    let link =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/link-v1.txt")).unwrap();
    let r = share::decode(link.trim()).unwrap();
    assert!(r.namespaces.is_empty() && r.namespace_note.is_none());
}

#[test]
fn a_manifest_listing_too_many_namespaces_is_bounded() {
    let manifest = Manifest {
        format_version: 1,
        namespaces: (0..20_000u64)
            .map(|i| NetnsRecord {
                inode: OWN + i,
                host: i == 0,
                pid: Some(i as u32 + 1),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let entries = vec![
        Entry::file("procsnap.json", serde_json::to_vec(&manifest).unwrap()),
        Entry::file("proc/net/tcp", tcp(&[("00000000", 22, "00000000", 0, "0A", 5001)])),
    ];
    let s = Session::open_entries(entries, &DecodeOptions::default()).unwrap();
    let r = s.report();
    assert_eq!(r.namespaces.len(), procsnap_core::snapshot::MAX_NAMESPACES);
    assert!(r.namespaces[1..].iter().all(|n| n.vanished));
    assert!(r.diagnostics.items.iter().any(|d| d.message.contains("20000 network namespaces listed")));
}

#[test]
fn all_namespaces_at_once_add_up_and_label_each_listener() {
    let mut s = Session::open_entries(snapshot(), &DecodeOptions::default()).unwrap();
    let host_netstat = s.netstat();
    s.set_netns_all().unwrap();
    assert!(s.netns_all());
    assert_eq!(s.netns(), None, "no one namespace");
    let r = s.report();
    let listeners: Vec<_> = r.listeners.iter().map(|l| (l.local_port, l.netns)).collect();
    assert_eq!(listeners, [(22, Some(OWN)), (8080, Some(POD))], "every namespace's, in table order");
    assert_eq!(r.time_wait.count, 300);
    assert_eq!(r.volume.inet_rows, 302);
    assert_eq!(s.row_count(), 302);
    assert_eq!(
        r.time_wait.port_range,
        (32768, 60999),
        "the collector's own sysctls (none captured: the default)"
    );
    let selected: Vec<bool> = r.namespaces.iter().map(|n| n.selected).collect();
    assert_eq!(selected, [true, true, false], "every namespace with tables is in the report");
    let netstat = String::from_utf8(s.netstat()).unwrap();
    let at = |needle: &str| netstat.find(needle).unwrap_or_else(|| panic!("{needle} in {netstat}"));
    assert!(at("0.0.0.0:22") < at("127.0.0.1:8080") && netstat.contains("500/server"), "{netstat}");
    assert!(s.text().contains("every network namespace (2 with tables)"), "{}", s.text());
    // One namespace again: exactly what it was.
    s.set_netns(Some(POD)).unwrap();
    assert_eq!((s.report().time_wait.count, s.row_count()), (300, 301));
    s.set_netns(None).unwrap();
    assert_eq!(s.netstat(), host_netstat);
    assert!(s.report().listeners.iter().all(|l| l.netns == Some(OWN)));
    // A share link of the "all" report carries its listeners, but cannot switch.
    s.set_netns_all().unwrap();
    let link = s.share_link("https://v/", Redaction::default());
    let mut shared = Session::open_link(&link).unwrap();
    assert_eq!(shared.report().listeners.len(), 2);
    assert!(shared.set_netns_all().is_err());
}

/// The viewer's worker sends the page a report as `share::Transfer` (the link payload plus what
/// it lacks); nothing may be lost on the way, unlike a link.
#[test]
fn a_transferred_report_is_the_report() {
    let mut s = Session::open_entries(snapshot(), &DecodeOptions::default()).unwrap();
    s.set_netns_all().unwrap();
    let mut report = s.report().clone();
    // What this snapshot leaves at its defaults, set so that a field the transfer drops shows.
    report.host.proc_hidepid = Some("invisible".into());
    report.cost.selinux_enabled = Some(true);
    report.cost.quadratic_reads = true;
    report.cost.read_size = 4096;
    report.cost.walk.selinux_opens = 7;
    let walk = report.walk.get_or_insert_with(Default::default);
    walk.netns_seen = 3;
    walk.netns_vanished = 1;
    report.namespace_note = Some("not root".into());
    // Like the report's own serde, a transfer carries no file bytes (the viewer sends the small
    // files it shows apart).
    report.files.iter_mut().for_each(|f| f.content = None);
    assert!(report.listeners.iter().all(|l| l.netns.is_some()));
    assert!(!report.namespaces.is_empty() && !report.files.is_empty() && !report.cost.stalls.is_empty());
    assert!(report.cost.time.is_some());

    let sent = postcard::to_allocvec(&share::Transfer::from(report.clone())).unwrap();
    let received: share::Transfer = postcard::from_bytes(&sent).unwrap();
    let back = procsnap_core::Report::from(received);
    assert_eq!(back, report);
    assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&report).unwrap());
}

/// With every namespace at once, two namespaces' rows can be alike: each row, and its CSV line,
/// says whose table it is from (as the Listeners view does); one namespace's rows say that one.
#[test]
fn rows_and_their_csv_say_their_namespace() {
    let unix = |inode: u64, path: &str| {
        format!(
            "Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 {inode} {path}\n"
        )
        .into_bytes()
    };
    let mut entries = snapshot();
    entries.push(Entry::file("proc/net/unix", unix(6001, "/run/host.sock")));
    entries.push(Entry::file("proc/500/net/unix", unix(8001, "/run/pod.sock")));
    let mut s = Session::open_entries(entries, &DecodeOptions::default()).unwrap();
    let every = procsnap_core::query::RowQuery { limit: 1000, ..Default::default() };
    let namespaces = |s: &mut Session| -> Vec<(String, String, Option<u64>)> {
        s.rows(&every).rows.into_iter().map(|r| (r.proto, r.local, r.netns)).collect()
    };
    let own = namespaces(&mut s);
    assert_eq!(own.len(), 2, "{own:?}");
    assert!(own.iter().all(|r| r.2 == Some(OWN)), "the collector's own: {own:?}");

    s.set_netns_all().unwrap();
    let all = namespaces(&mut s);
    assert_eq!(all.len(), 304);
    let of = |local: &str| all.iter().filter(|r| r.1 == local).map(|r| r.2).collect::<Vec<_>>();
    assert_eq!(of("0.0.0.0:22"), [Some(OWN)]);
    assert_eq!(of("127.0.0.1:8080"), vec![Some(POD); 301], "the pod's listener and TIME_WAIT rows");
    assert_eq!(of("/run/host.sock"), [Some(OWN)]);
    assert_eq!(of("/run/pod.sock"), [Some(POD)]);

    let csv = String::from_utf8(s.rows_csv(&every)).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].ends_with(",program,netns"), "{}", lines[0]);
    assert_eq!(lines.len(), 305);
    assert!(lines.iter().any(|l| l.starts_with("unix,/run/pod.sock,") && l.ends_with(&format!(",{POD}"))));
    assert!(lines.iter().any(|l| l.starts_with("tcp,0.0.0.0,22,") && l.ends_with(&format!(",{OWN}"))));

    s.set_netns(Some(POD)).unwrap();
    assert!(namespaces(&mut s).iter().all(|r| r.2 == Some(POD)));
}
