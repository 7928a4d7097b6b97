//! Golden tests (b): synthetic snapshot trees replayed through the real `netstat -nlp`.
//!
//! Each test builds a snapshot tree (support::Tree), writes it on tmpfs with pid and fd entries in
//! reverse creation order (so they list ascending, like the real /proc), bind-mounts it on /proc in
//! a private mount namespace and runs the installed `LC_ALL=C netstat -nlp` there. procsnap must
//! print the same bytes from the same tree, given as a directory and as a `.tar.gz`.
//! Nothing here hard-codes netstat's text: the expected output is always what netstat printed.
//! Without root or `unshare` the tests say why and skip (`PROCSNAP_REQUIRE_NETSTAT=1` makes that a
//! failure). `PROCSNAP_SHOW_NETSTAT=1` prints what netstat printed for each case.
//!
//! The cases and the net-tools / kernel behaviour behind each are listed in docs/testing-netstat.md.

mod support;

use std::net::{Ipv4Addr, Ipv6Addr};

use support::*;

fn v6(s: &str) -> Ipv6Addr {
    s.parse().expect("IPv6 literal")
}

const ANY4: Ipv4Addr = Ipv4Addr::UNSPECIFIED;
const LO4: Ipv4Addr = Ipv4Addr::LOCALHOST;
const ANY6: Ipv6Addr = Ipv6Addr::UNSPECIFIED;

/// The netstat output must contain `needle`, or the case does not test what it claims to.
fn netstat_shows(case: &str, netstat_out: &[u8], needle: &str) {
    let text = String::from_utf8_lossy(netstat_out);
    assert!(
        text.contains(needle),
        "{case}: the case is built wrong: real netstat's output lacks {needle:?}:\n{text}"
    );
}

fn netstat_hides(case: &str, netstat_out: &[u8], needle: &str) {
    let text = String::from_utf8_lossy(netstat_out);
    assert!(
        !text.contains(needle),
        "{case}: the case is built wrong: real netstat's output has {needle:?}:\n{text}"
    );
}

/// tcp (IPv4): LISTEN rows, queue columns, which states `-l` keeps (remote port 0, any state) and
/// which it hides (remote port non-zero: ESTABLISHED, TIME_WAIT's short rows, ...).
#[test]
fn tcp_v4_listeners_states_queues() {
    let peer = Ipv4Addr::new(192, 0, 2, 7);
    let mut rows = vec![
        InetRow::v4(ANY4, 22, ANY4, 0, st::LISTEN).inode(20001),
        // Recv-Q of a listener is the accept queue in use (the kernel writes tx 0 for listeners;
        // 4096 here only checks which half goes where).
        InetRow::v4(LO4, 8080, ANY4, 0, st::LISTEN).queues(4096, 5).inode(20002),
        // Long port, address with every octet 3 digits, queues wider than the 6-char columns.
        InetRow::v4(Ipv4Addr::new(255, 254, 253, 252), 65535, ANY4, 0, st::LISTEN)
            .queues(4_294_967_295, 123_456_789)
            .inode(20003),
        // Accepted by the kernel, owned by nobody yet: inode 0.
        InetRow::v4(Ipv4Addr::new(10, 0, 0, 1), 443, ANY4, 0, st::LISTEN),
        // CLOSE with remote port 0 is shown (netstat looks at the remote port only).
        InetRow::v4(LO4, 40000, ANY4, 0, st::CLOSE).inode(20004),
        // Remote address set, remote port 0: shown, as `192.0.2.7:*`.
        InetRow::v4(LO4, 40001, peer, 0, st::CLOSE).inode(20005),
        // Hidden: remote port non-zero.
        InetRow::v4(LO4, 8080, LO4, 51000, st::ESTABLISHED).inode(20006),
        InetRow::v4(LO4, 8080, LO4, 51001, st::TIME_WAIT),
        InetRow::v4(LO4, 40002, peer, 443, st::SYN_SENT).inode(20007),
        InetRow::v4(LO4, 40003, ANY4, 80, st::CLOSE).inode(20008),
        InetRow::v4(LO4, 51002, LO4, 8080, st::CLOSE_WAIT).inode(20009),
    ];
    // Every state's text, each with remote port 0 (all shown).
    for (i, state) in (st::ESTABLISHED..=st::CLOSING).enumerate() {
        rows.push(InetRow::v4(LO4, 30000 + i as u16, peer, 0, state).inode(21000 + i as u64).uid(1000));
    }
    let tree = Tree::new()
        .file("net/tcp", tcp_table(&rows))
        .proc(812, &[b"/usr/sbin/sshd", b"-D"], &[(3, &sock(20001))])
        .proc(
            1500,
            &[b"python3", b"-m", b"http.server", b"8080"],
            &[(0, "/dev/null"), (5, &sock(20002)), (6, &sock(20006))],
        );
    if let Some((out, _)) = check_tree("tcp_v4", &tree) {
        netstat_shows("tcp_v4", &out, "192.0.2.7:*");
        netstat_shows("tcp_v4", &out, "TIME_WAIT");
        netstat_hides("tcp_v4", &out, ":51000");
        netstat_hides("tcp_v4", &out, ":40003");
    }
}

/// tcp6: glibc inet_ntop text (zero-run compression, IPv4-compatible dotted form), v4-mapped
/// addresses shown as plain IPv4, and the 23-char cut of long address:port pairs.
#[test]
fn tcp6_address_text() {
    let listen =
        |addr: &str, port: u16, inode: u64| InetRow::v6(v6(addr), port, ANY6, 0, st::LISTEN).inode(inode);
    let rows = vec![
        listen("::", 22, 22001),
        listen("::1", 631, 22002),
        listen("::ffff:127.0.0.1", 8080, 22003),
        listen("::ffff:0.0.0.0", 8081, 22004),
        listen("::1.2.3.4", 8082, 22005),
        listen("::0.2.0.3", 8083, 22006),
        listen("::ffff:0:7f00:1", 8084, 22007),
        listen("2001:db8::1", 443, 22008),
        // Two zero runs of the same length: the first is compressed.
        listen("2001:db8:0:0:1:0:0:1", 444, 22009),
        // The longer run wins.
        listen("2001:0:0:1:0:0:0:1", 445, 22010),
        // A single zero group is not compressed.
        listen("1:0:2:3:4:5:6:7", 446, 22011),
        listen("64:ff9b::c000:221", 447, 22012),
        listen("fe80::1", 1, 22013),
        // 24 chars with the port: address cut so the whole is 23 (`fe80::a00:27ff:fe4:5353`).
        listen("fe80::a00:27ff:fe4e:1234", 5353, 22014),
        // Longest address and port.
        listen("2001:db8:1234:5678:9abc:def0:1234:5678", 65535, 22015),
        listen("fd00:aaaa:bbbb:cccc:dddd:eeee:ffff:1", 9, 22016),
        // Address + port exactly 22 chars: not cut (23 with the colon).
        listen("2001:db8:aaaa::1:222", 80, 22017),
        // Long remote address with port 0: the remote side is cut too (`...:*`).
        InetRow::v6(v6("fe80::1"), 40000, v6("2001:db8:1234:5678:9abc:def0:1234:5678"), 0, st::CLOSE)
            .inode(22018),
        InetRow::v6(v6("::1"), 40001, v6("::ffff:192.0.2.1"), 0, st::CLOSE).queues(7, 9).inode(22019),
        // Hidden: remote port set (v4-mapped peer of a dual-stack listener).
        InetRow::v6(v6("::ffff:127.0.0.1"), 8080, v6("::ffff:127.0.0.1"), 51000, st::ESTABLISHED)
            .inode(22020),
        InetRow::v6(v6("::1"), 631, v6("::1"), 51001, st::TIME_WAIT),
    ];
    let tree = Tree::new().file("net/tcp6", tcp_table(&rows)).proc(
        700,
        &[b"/usr/sbin/cupsd", b"-l"],
        &[(7, &sock(22002)), (8, &sock(22015))],
    );
    if let Some((out, _)) = check_tree("tcp6", &tree) {
        netstat_shows("tcp6", &out, "127.0.0.1:8080");
        netstat_shows("tcp6", &out, "::1.2.3.4:8082");
        netstat_shows("tcp6", &out, "fe80::a00:27ff:fe4:5353");
        netstat_hides("tcp6", &out, ":51000");
    }
}

/// udp, udp6, udplite, udplite6: state text (07 empty, 01 ESTABLISHED, else UNKNOWN) and `-l`
/// keeping rows whose remote *address* is zero whatever the remote port.
#[test]
fn udp_and_udplite() {
    let peer = Ipv4Addr::new(192, 0, 2, 53);
    let udp = vec![
        InetRow::v4(ANY4, 68, ANY4, 0, st::CLOSE).inode(23001),
        InetRow::v4(LO4, 323, ANY4, 0, st::CLOSE).queues(0, 768).inode(23002),
        InetRow::v4(Ipv4Addr::new(127, 0, 0, 53), 53, ANY4, 0, st::CLOSE).queues(2304, 0).inode(23003),
        // Remote address zero, remote port non-zero: shown, with the port.
        InetRow::v4(ANY4, 5001, ANY4, 53, st::ESTABLISHED).inode(23004),
        // State neither 01 nor 07: UNKNOWN.
        InetRow::v4(ANY4, 5002, ANY4, 0, st::LISTEN).inode(23005),
        InetRow::v4(ANY4, 5003, ANY4, 0, st::SYN_SENT).inode(23006),
        // Hidden: remote address set, with or without a port.
        InetRow::v4(LO4, 5004, peer, 53, st::ESTABLISHED).inode(23007),
        InetRow::v4(LO4, 5005, peer, 0, st::CLOSE).inode(23008),
    ];
    let udp6 = vec![
        InetRow::v6(ANY6, 5353, ANY6, 0, st::CLOSE).inode(23101),
        InetRow::v6(v6("::1"), 323, ANY6, 0, st::CLOSE).queues(0, 1).inode(23102),
        InetRow::v6(v6("::ffff:127.0.0.1"), 9999, ANY6, 0, st::CLOSE).inode(23103),
        InetRow::v6(v6("fe80::a00:27ff:fe4e:1234"), 546, ANY6, 0, st::CLOSE).inode(23104),
        InetRow::v6(ANY6, 5006, ANY6, 53, st::ESTABLISHED).inode(23105),
        InetRow::v6(ANY6, 5007, ANY6, 0, st::SYN_RECV).inode(23106),
        InetRow::v6(v6("::1"), 5008, v6("::1"), 53, st::ESTABLISHED).inode(23107),
        InetRow::v6(v6("::1"), 5009, v6("::ffff:192.0.2.1"), 0, st::CLOSE).inode(23108),
    ];
    let udplite = vec![
        InetRow::v4(ANY4, 6000, ANY4, 0, st::CLOSE).inode(23201),
        InetRow::v4(LO4, 6001, peer, 6001, st::ESTABLISHED).inode(23202),
    ];
    let udplite6 = vec![InetRow::v6(v6("::1"), 6002, ANY6, 0, st::CLOSE).inode(23301)];
    let tree = Tree::new()
        .file("net/udp", udp_table(&udp))
        .file("net/udp6", udp_table(&udp6))
        .file("net/udplite", udp_table(&udplite))
        .file("net/udplite6", udp_table(&udplite6))
        .proc(431, &[b"/usr/sbin/chronyd", b"-F", b"1"], &[(5, &sock(23002)), (6, &sock(23102))])
        .proc(388, &[b"/lib/systemd/systemd-resolved"], &[(12, &sock(23003))]);
    if let Some((out, _)) = check_tree("udp", &tree) {
        netstat_shows("udp", &out, "udpl6");
        netstat_shows("udp", &out, "0.0.0.0:53");
        netstat_shows("udp", &out, "UNKNOWN");
        netstat_hides("udp", &out, ":5004");
        netstat_hides("udp", &out, ":5009");
    }
}

/// raw, raw6: the port column is the IP protocol, the state is printed as a number.
#[test]
fn raw_sockets() {
    let raw = vec![
        InetRow::v4(ANY4, 1, ANY4, 0, st::CLOSE).inode(24001),
        InetRow::v4(ANY4, 255, ANY4, 0, st::CLOSE).queues(0, 1).inode(24002),
        InetRow::v4(LO4, 17, ANY4, 0, st::ESTABLISHED).inode(24003),
        InetRow::v4(LO4, 6, Ipv4Addr::new(127, 0, 0, 2), 0, st::ESTABLISHED).inode(24004),
    ];
    let raw6 = vec![
        InetRow::v6(ANY6, 58, ANY6, 0, st::CLOSE).inode(24101),
        InetRow::v6(v6("::1"), 58, ANY6, 0, st::ESTABLISHED).inode(24102),
        InetRow::v6(v6("::1"), 17, v6("::1"), 0, st::ESTABLISHED).inode(24103),
    ];
    let tree = Tree::new().file("net/raw", raw_table(&raw)).file("net/raw6", raw_table(&raw6)).proc(
        9001,
        &[b"/usr/bin/ping", b"127.0.0.1"],
        &[(3, &sock(24001)), (4, &sock(24101))],
    );
    if let Some((out, _)) = check_tree("raw", &tree) {
        netstat_shows("raw", &out, "raw6");
        netstat_hides("raw", &out, "127.0.0.2");
    }
}

/// unix: only St 01 with the listening flag is shown; abstract names, paths with spaces (netstat's
/// `%s` stops at the first space), no path, SEQPACKET, DGRAM, RefCnt in hex.
#[test]
fn unix_sockets() {
    let long_path = format!("/run/{}/s.sock", "d".repeat(96));
    let rows = vec![
        UnixRow::listening(ux::STREAM, 25001, Some("/run/dbus/system_bus_socket")),
        UnixRow::listening(ux::STREAM, 25002, Some("@/tmp/.X11-unix/X0")),
        UnixRow::listening(ux::STREAM, 25003, Some("/tmp/my socket dir/app.sock")),
        UnixRow::listening(ux::STREAM, 25004, None),
        UnixRow::listening(ux::SEQPACKET, 25005, Some("/run/udev/control")),
        UnixRow::listening(ux::STREAM, 25006, Some("/tmp/sp\u{e4}ce.sock")).refcnt(0x0A),
        UnixRow::listening(ux::STREAM, 4_294_967_295, Some(&long_path)),
        UnixRow::listening(ux::STREAM, 25008, Some("@abstract@with@nuls")),
        // Hidden: not listening.
        UnixRow::other(0, ux::DGRAM, ux::UNCONNECTED, 25101, Some("/run/systemd/notify")),
        UnixRow::other(0, ux::STREAM, ux::CONNECTED, 25102, Some("/run/dbus/system_bus_socket")),
        UnixRow::other(0, ux::STREAM, ux::UNCONNECTED, 25103, Some("/tmp/bound-only")),
        UnixRow::other(0, ux::STREAM, ux::CONNECTED, 25104, None),
        UnixRow::other(0, ux::DGRAM, ux::CONNECTED, 25105, None),
    ];
    let tree = Tree::new()
        .file("net/unix", unix_table(&rows))
        .proc(1, &[b"/sbin/init", b"splash"], &[(14, &sock(25005))])
        .proc(640, &[b"/usr/bin/dbus-daemon", b"--system"], &[(3, &sock(25001)), (9, &sock(25102))])
        .proc(2222, &[b"Xorg", b":0"], &[(5, &sock(25002))]);
    if let Some((out, _)) = check_tree("unix", &tree) {
        netstat_shows("unix", &out, "/tmp/my\n");
        netstat_shows("unix", &out, "SEQPACKET");
        netstat_hides("unix", &out, "bound-only");
    }
}

/// PID/Program name: argv[0] rules, the 19-byte cut (also mid-UTF-8), empty or missing cmdline,
/// unowned sockets, shared inodes (lowest pid, in numeric order, wins), `[0000]:N` links,
/// non-socket links, and netstat reading only the first 511 bytes of cmdline.
#[test]
fn program_names() {
    let mut rows = Vec::new();
    let mut unix = Vec::new();
    let mut tree = Tree::new();
    let mut next = 26000_u64;
    let mut add = |tree: Tree, pid: u32, argv: &[&[u8]]| -> Tree {
        next += 1;
        rows.push(InetRow::v4(LO4, (next - 20000) as u16, ANY4, 0, st::LISTEN).inode(next));
        tree.proc(pid, argv, &[(3, &sock(next))])
    };
    tree = add(tree, 101, &[b"/usr/sbin/sshd", b"-D"]);
    tree = add(tree, 102, &[b"./bin/x", b"--port", b"1"]);
    tree = add(tree, 103, &[b"my server", b"--flag"]);
    tree = add(tree, 104, &[b"/opt/my app/run server", b"x"]);
    tree = add(tree, 105, &[b"averyveryverylongprogramname"]);
    tree = add(tree, 4_194_303, &[b"/usr/local/bin/frobnicate"]);
    // 4 + 2 bytes, then 2-byte characters: the 19-byte cut splits one.
    tree = add(tree, 106, &["xx\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}".as_bytes()]);
    tree = add(tree, 107, &["/usr/bin/\u{65e5}\u{672c}\u{8a9e}\u{30b5}\u{30fc}\u{30d0}".as_bytes()]);
    tree = add(tree, 109, &[b"nginx: master process /usr/sbin/nginx -g daemon on;"]);
    tree = add(tree, 110, &[b"/"]);
    tree = add(tree, 111, &[b"-bash"]);
    tree = add(tree, 112, &[b"/usr/bin/python3.11", b"/srv/app/main.py"]);
    tree = add(tree, 113, &[b"rel/dir/", b"arg"]);
    // argv[0] longer than netstat's 511-byte read: the last '/' it sees is the first one.
    let deep = format!("/{}/prog", "d".repeat(600));
    tree = add(tree, 114, &[deep.as_bytes()]);
    // setproctitle style: one string, no NUL at all.
    next += 1;
    rows.push(InetRow::v4(LO4, 7000, ANY4, 0, st::LISTEN).inode(next));
    tree = tree.proc_raw(
        115,
        Some(b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
        b"sshd",
        &[(3, &sock(next))],
    );
    // Empty cmdline (kernel thread-like): `PID/`.
    rows.push(InetRow::v4(LO4, 7001, ANY4, 0, st::LISTEN).inode(26901));
    tree = tree.proc_raw(116, Some(b""), b"kworker/0:1", &[(3, &sock(26901))]);
    // No cmdline file (process gone mid-walk): netstat gives up on its sockets: `-`.
    rows.push(InetRow::v4(LO4, 7002, ANY4, 0, st::LISTEN).inode(26902));
    tree = tree.proc_raw(117, None, b"gone", &[(3, &sock(26902))]);
    // No owner at all.
    rows.push(InetRow::v4(LO4, 7003, ANY4, 0, st::LISTEN).inode(26903));
    // One inode held by pids 99 and 2000 (2000 is created first on tmpfs; "2000" < "99" as
    // strings, 99 < 2000 as numbers): netstat, walking /proc in numeric order, says 99.
    // Pid 99 holds it on two fds.
    rows.push(InetRow::v4(ANY4, 7004, ANY4, 0, st::LISTEN).inode(26904));
    tree = tree.proc(2000, &[b"/usr/sbin/worker-b"], &[(7, &sock(26904))]).proc(
        99,
        &[b"/usr/sbin/master-a"],
        &[(12, &sock(26904)), (3, &sock(26904))],
    );
    // Same inode in one pid on fd 4 and fd 10; and a second pid with a higher number.
    rows.push(InetRow::v4(ANY4, 7005, ANY4, 0, st::LISTEN).inode(26905));
    tree = tree.proc(3000, &[b"/usr/bin/parent"], &[(10, &sock(26905)), (4, &sock(26905))]).proc(
        30000,
        &[b"/usr/bin/child"],
        &[(4, &sock(26905))],
    );
    // Old-style `[0000]:N` link.
    rows.push(InetRow::v4(ANY4, 7006, ANY4, 0, st::LISTEN).inode(26906));
    tree = tree.proc(118, &[b"/usr/sbin/oldstyle"], &[(4, "[0000]:26906")]);
    // Non-socket links naming a socket's inode number are not sockets.
    rows.push(InetRow::v4(ANY4, 7007, ANY4, 0, st::LISTEN).inode(26907));
    tree = tree.proc(
        119,
        &[b"/usr/bin/notasocket"],
        &[
            (0, "/dev/null"),
            (1, "pipe:[26907]"),
            (2, "anon_inode:[eventfd]"),
            (5, "/tmp/socket:[26907]"),
            (6, "net:[26907]"),
        ],
    );
    // A pid whose first fds are not sockets, and which owns a unix listener too.
    unix.push(UnixRow::listening(ux::STREAM, 26908, Some("/run/app.sock")));
    rows.push(InetRow::v4(ANY4, 7008, ANY4, 0, st::LISTEN).inode(26909));
    tree = tree.proc(
        120,
        &[b"/usr/bin/app"],
        &[(0, "/dev/null"), (1, "pipe:[1234]"), (9, &sock(26909)), (11, &sock(26908))],
    );
    let tree = tree
        .file("net/tcp", tcp_table(&rows))
        .file("net/unix", unix_table(&unix))
        .file("sys/net/ipv4/tcp_fin_timeout", "60\n");
    if let Some((out, _)) = check_tree("program_names", &tree) {
        netstat_shows("program_names", &out, "99/master-a");
        netstat_shows("program_names", &out, "3000/parent");
        netstat_shows("program_names", &out, "118/oldstyle");
        netstat_shows("program_names", &out, "103/my server");
        netstat_hides("program_names", &out, "/prog");
    }
}

/// Tables that do not exist are skipped silently; both section headers are always printed.
#[test]
fn missing_and_empty_tables() {
    let tcp = vec![InetRow::v4(LO4, 25, ANY4, 0, st::LISTEN).inode(27001)];
    let only_tcp_unix = Tree::new()
        .file("net/tcp", tcp_table(&tcp))
        .file("net/unix", unix_table(&[UnixRow::listening(ux::STREAM, 27002, Some("/run/a"))]))
        .proc(77, &[b"/usr/sbin/exim4", b"-bd"], &[(3, &sock(27001))]);
    check_tree("only_tcp_and_unix", &only_tcp_unix);

    let headers_only = Tree::new()
        .file("net/tcp", tcp_table(&[]))
        .file("net/tcp6", format!("{TCP6_HEADER}\n"))
        .file("net/udp", udp_table(&[]))
        .file("net/udp6", format!("{UDP6_HEADER}\n"))
        .file("net/raw", format!("{RAW_HEADER}\n"))
        .file("net/unix", unix_table(&[]));
    check_tree("headers_only", &headers_only);

    let nothing = Tree::new().proc(5, &[b"/bin/sleeper"], &[(3, &sock(27003))]);
    check_tree("no_tables", &nothing);

    // Empty files (zero bytes): netstat reads no header and no row.
    let empty_files = Tree::new().file("net/tcp", "").file("net/udp6", "").file("net/unix", "");
    check_tree("empty_files", &empty_files);
}

/// A malformed line in the middle of a table: netstat warns on stderr and goes on with the rest.
/// stdout is compared; the warning is checked to make sure the case hits that path.
#[test]
fn malformed_lines() {
    let good = |port: u16, inode: u64| InetRow::v4(LO4, port, ANY4, 0, st::LISTEN).inode(inode);
    let table = tcp_table(&[good(1001, 28001), good(1002, 28002)]);
    let mut lines: Vec<&str> = table.split_inclusive('\n').collect();
    lines.insert(2, "   1: this is not a row\n");
    lines.insert(3, "\n");
    lines.insert(4, "   2: 0100007F:03EB 00000000:0000\n");
    let tcp: String = lines.concat();

    let udp = udp_table(&[
        InetRow::v4(ANY4, 2001, ANY4, 0, st::CLOSE).inode(28101),
        InetRow::v4(ANY4, 2002, ANY4, 0, st::CLOSE).inode(28102),
    ]);
    let mut ulines: Vec<&str> = udp.split_inclusive('\n').collect();
    ulines.insert(2, "  999: garbage\n");
    let udp: String = ulines.concat();

    let unix = unix_table(&[
        UnixRow::listening(ux::STREAM, 28201, Some("/run/one")),
        UnixRow::listening(ux::STREAM, 28202, Some("/run/two")),
    ]);
    let mut xlines: Vec<&str> = unix.split_inclusive('\n').collect();
    xlines.insert(2, "0000000000000000: 00000002 zz\n");
    let unix: String = xlines.concat();

    // udp6: the last row has no final newline (still a row); tcp6: the copy stops mid-row.
    let mut udp6 = udp_table(&[InetRow::v6(v6("::1"), 2003, ANY6, 0, st::CLOSE).inode(28103)]);
    assert_eq!(udp6.pop(), Some('\n'));
    let mut tcp6 = tcp_table(&[InetRow::v6(v6("::1"), 1003, ANY6, 0, st::LISTEN).inode(28003)]);
    tcp6.push_str("   1: 00000000000000000000000001000000:03EC 0000000000");

    let tree = Tree::new()
        .file("net/tcp", tcp)
        .file("net/tcp6", tcp6)
        .file("net/udp", udp)
        .file("net/udp6", udp6)
        .file("net/unix", unix)
        .proc(55, &[b"/usr/bin/srv"], &[(3, &sock(28002)), (4, &sock(28202))]);
    if let Some((out, err)) = check_tree("malformed", &tree) {
        let err = String::from_utf8_lossy(&err);
        for w in ["bogus tcp line", "bogus udp line", "bogus unix line"] {
            assert!(err.contains(w), "malformed: the case is built wrong: netstat did not warn {w:?}: {err}");
        }
        netstat_shows("malformed", &out, "127.0.0.1:1002");
        netstat_shows("malformed", &out, "/run/two");
        netstat_shows("malformed", &out, "::1:2003");
        netstat_hides("malformed", &out, ":1004");
    }
}

/// A bare copy of one table (no `proc/` tree, no manifest, little-endian): procsnap must print what
/// netstat prints on a host where that is the only table and no process is known.
#[test]
fn bare_tables() {
    if let Err(why) = replay_available() {
        skip(&why);
        return;
    }
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "tcp",
            "net/tcp",
            tcp_table(&[
                InetRow::v4(ANY4, 22, ANY4, 0, st::LISTEN).inode(29001),
                InetRow::v4(LO4, 22, LO4, 40000, st::ESTABLISHED).inode(29002),
                InetRow::v4(LO4, 40001, LO4, 22, st::TIME_WAIT),
            ]),
        ),
        (
            "tcp6",
            "net/tcp6",
            tcp_table(&[
                InetRow::v6(ANY6, 22, ANY6, 0, st::LISTEN).inode(29101),
                InetRow::v6(v6("::ffff:127.0.0.1"), 80, ANY6, 0, st::LISTEN).inode(29102),
            ]),
        ),
        ("udp", "net/udp", udp_table(&[InetRow::v4(LO4, 53, ANY4, 0, st::CLOSE).inode(29201)])),
        (
            "unix",
            "net/unix",
            unix_table(&[
                UnixRow::listening(ux::STREAM, 29301, Some("/run/x.sock")),
                UnixRow::other(0, ux::STREAM, ux::CONNECTED, 29302, None),
            ]),
        ),
    ];
    // udp, udplite and raw share a header: `--table` says which; `--byte-order` for a bare table
    // from a big-endian host.
    let udp_like = udp_table(&[
        InetRow::v4(LO4, 17, ANY4, 0, st::CLOSE).inode(29401),
        InetRow::v4(ANY4, 5353, ANY4, 0, st::CLOSE).inode(29402),
    ]);
    let raw_text = raw_table(&[InetRow::v4(ANY4, 1, ANY4, 0, st::CLOSE).inode(29501)]);
    let tcp_be_src =
        tcp_table(&[InetRow::v4(Ipv4Addr::new(10, 1, 2, 3), 8443, ANY4, 0, st::LISTEN).inode(29601)]);
    let flagged: Vec<(&str, &str, String, String, Vec<&str>)> = vec![
        ("raw", "net/raw", raw_text.clone(), raw_text, vec!["--table", "raw"]),
        ("udplite", "net/udplite", udp_like.clone(), udp_like.clone(), vec!["--table", "udplite"]),
        (
            "udp6 as udplite6",
            "net/udplite6",
            udp_table(&[InetRow::v6(v6("::1"), 7000, ANY6, 0, st::CLOSE).inode(29701)]),
            udp_table(&[InetRow::v6(v6("::1"), 7000, ANY6, 0, st::CLOSE).inode(29701)]),
            vec!["--table", "udplite6"],
        ),
        (
            "big-endian tcp",
            "net/tcp",
            tcp_be_src.clone(),
            to_big_endian(&tcp_be_src),
            vec!["--byte-order", "big"],
        ),
    ];
    for (name, rel, le_text, given, flags) in flagged {
        let tree = Tree::new().file(rel, le_text);
        let scratch = Scratch::new("bare-flagged");
        let proc_dir = tree.write(&scratch.path.join("snap")).expect("write tree");
        let (expected, _) = real_netstat(&proc_dir);
        let bare = scratch.path.join("table.txt");
        std::fs::write(&bare, &given).expect("write bare table");
        let got = procsnap_netstat_args(bare.as_os_str(), &flags, None);
        assert_same(&format!("bare {name} table with {}", flags.join(" ")), &expected, &got);
    }
    for (name, rel, text) in cases {
        let tree = Tree::new().file(rel, text.clone());
        let scratch = Scratch::new(&format!("bare-{name}"));
        let proc_dir = tree.write(&scratch.path.join("snap")).expect("write tree");
        let (expected, _) = real_netstat(&proc_dir);
        // A neutral file name: the table kind is told from the content.
        let bare = scratch.path.join(format!("copy-of-{name}.txt"));
        std::fs::write(&bare, &text).expect("write bare table");
        let got = procsnap_netstat(&bare);
        assert_same(&format!("bare {name} table"), &expected, &got);
    }
}

/// What net-tools does with input the kernel never writes but a hand-made or damaged snapshot can
/// hold: `socket:[N]` with a one-digit inode (netstat wants at least 11 chars), unix flag bits
/// other than ACC (shown as `W`, `N`), a non-zero unix protocol (`??`), unknown unix types,
/// a DGRAM socket with the listening flag.
#[test]
fn netstat_quirks_on_unusual_input() {
    let rows = vec![
        InetRow::v4(LO4, 1, ANY4, 0, st::LISTEN).inode(5),
        InetRow::v4(LO4, 2, ANY4, 0, st::LISTEN).inode(42),
        // `[0000]:N` has no such minimum: a one-digit inode is accepted.
        InetRow::v4(LO4, 3, ANY4, 0, st::LISTEN).inode(7),
    ];
    let unix = vec![
        UnixRow::listening(ux::STREAM, 30001, Some("/run/w")).refcnt(1),
        UnixRow::other(0x0003_0000, ux::STREAM, ux::UNCONNECTED, 30002, Some("/run/acc-w")),
        UnixRow::other(0x0005_0000, ux::STREAM, ux::UNCONNECTED, 30003, Some("/run/acc-n")),
        UnixRow::other(ux::ACC, ux::DGRAM, ux::UNCONNECTED, 30004, Some("/run/dgram-acc")),
        UnixRow::other(ux::ACC, 3, ux::UNCONNECTED, 30005, Some("/run/type3")),
        UnixRow::other(ux::ACC, 4, ux::UNCONNECTED, 30006, Some("/run/type4")),
        UnixRow::other(ux::ACC, 9, ux::UNCONNECTED, 30007, Some("/run/type9")),
        UnixRow { proto: 1, ..UnixRow::listening(ux::STREAM, 30008, Some("/run/proto1")) },
    ];
    let tree = Tree::new().file("net/tcp", tcp_table(&rows)).file("net/unix", unix_table(&unix)).proc(
        60,
        &[b"/usr/bin/small"],
        &[(3, "socket:[5]"), (4, "socket:[42]"), (5, "[0000]:7")],
    );
    if let Some((out, _)) = check_tree("quirks", &tree) {
        netstat_shows("quirks", &out, "60/small");
        netstat_shows("quirks", &out, "[ ACC W ]");
    }
}

/// Byte order from the manifest: the same sockets written by a big-endian host (addresses
/// byte-swapped per 32-bit word, `procsnap.json` saying `"byte_order": "big"`) must print what
/// netstat prints for them (replayed here from the little-endian tree). A manifest saying
/// `"little"` must change nothing.
#[test]
fn byte_order_from_manifest() {
    if let Err(why) = replay_available() {
        skip(&why);
        return;
    }
    let tcp = tcp_table(&[
        InetRow::v4(LO4, 8080, ANY4, 0, st::LISTEN).inode(31001),
        InetRow::v4(Ipv4Addr::new(10, 20, 30, 40), 22, ANY4, 0, st::LISTEN).inode(31002),
        InetRow::v4(LO4, 40000, Ipv4Addr::new(192, 0, 2, 1), 0, st::CLOSE).inode(31003),
    ]);
    let tcp6 = tcp_table(&[
        InetRow::v6(v6("2001:db8::1:2"), 443, ANY6, 0, st::LISTEN).inode(31101),
        InetRow::v6(v6("::ffff:127.0.0.1"), 80, ANY6, 0, st::LISTEN).inode(31102),
        InetRow::v6(v6("::1"), 631, ANY6, 0, st::LISTEN).inode(31103),
    ]);
    let udp = udp_table(&[InetRow::v4(Ipv4Addr::new(127, 0, 0, 53), 53, ANY4, 0, st::CLOSE).inode(31201)]);
    let udp6 = udp_table(&[InetRow::v6(v6("fe80::1"), 546, ANY6, 0, st::CLOSE).inode(31301)]);
    let raw = raw_table(&[InetRow::v4(ANY4, 1, ANY4, 0, st::CLOSE).inode(31401)]);
    let unix = unix_table(&[UnixRow::listening(ux::STREAM, 31501, Some("/run/be.sock"))]);
    let le = Tree::new()
        .file("net/tcp", tcp.clone())
        .file("net/tcp6", tcp6.clone())
        .file("net/udp", udp.clone())
        .file("net/udp6", udp6.clone())
        .file("net/raw", raw.clone())
        .file("net/unix", unix.clone())
        .proc(42, &[b"/usr/sbin/bigd"], &[(3, &sock(31001)), (4, &sock(31101))]);
    let scratch = Scratch::new("byte-order");
    let le_proc = le.write(&scratch.path.join("le")).expect("write tree");
    let (expected, _) = real_netstat(&le_proc);
    netstat_shows("byte order", &expected, "10.20.30.40:22");

    let be_tcp = to_big_endian(&tcp);
    assert_ne!(be_tcp, tcp, "to_big_endian changed nothing");
    let be = le
        .clone()
        .file("net/tcp", be_tcp)
        .file("net/tcp6", to_big_endian(&tcp6))
        .file("net/udp", to_big_endian(&udp))
        .file("net/udp6", to_big_endian(&udp6))
        .file("net/raw", to_big_endian(&raw));
    for (order, tree) in [("big", &be), ("little", &le)] {
        let root = scratch.path.join(order);
        tree.write(&root).expect("write tree");
        std::fs::write(
            root.join("procsnap.json"),
            format!(
                "{{\"format\":\"procsnap\",\"format_version\":1,\"tool\":\"golden test\",\
                 \"host\":{{\"byte_order\":\"{order}\"}}}}\n"
            ),
        )
        .expect("write manifest");
        assert_same(&format!("{order}-endian snapshot (directory)"), &expected, &procsnap_netstat(&root));
        let tgz = scratch.path.join(format!("{order}.procsnap.tar.gz"));
        tar_gz(&root, &tgz).expect("write .tar.gz");
        assert_same(&format!("{order}-endian snapshot (.tar.gz)"), &expected, &procsnap_netstat(&tgz));
    }
}

/// The builder writes what the kernel writes (reference, section 1); checked without netstat.
#[test]
fn builder_matches_kernel_formats() {
    assert_eq!(hex4(LO4), "0100007F");
    assert_eq!(hex6(v6("::1")), "00000000000000000000000001000000");
    assert_eq!(hex6(v6("::ffff:127.0.0.1")), "0000000000000000FFFF00000100007F");
    let tcp = tcp_table(&[
        InetRow::v4(ANY4, 2024, ANY4, 0, st::LISTEN).inode(1596),
        InetRow::v4(Ipv4Addr::new(192, 0, 2, 2), 44668, Ipv4Addr::new(203, 0, 113, 80), 80, st::TIME_WAIT),
    ]);
    for line in tcp.lines() {
        assert_eq!(line.len(), 149, "{line:?}");
    }
    let mut lines = tcp.lines().skip(1);
    assert!(lines.next().unwrap().starts_with(
        "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1596 1 "
    ));
    assert!(lines.next().unwrap().starts_with(
        "   1: 020200C0:AE7C 507100CB:0050 06 00000000:00000000 03:00000F05 00000000     0        0 0 3 "
    ));
    let be = to_big_endian(&tcp);
    assert!(be.contains("   1: C0000202:AE7C CB007150:0050 06 "), "{be}");
    assert_eq!(be.len(), tcp.len());
    let be6 = to_big_endian(&tcp_table(&[InetRow::v6(v6("::ffff:127.0.0.1"), 80, ANY6, 0, st::LISTEN)]));
    assert!(
        be6.contains(": 00000000000000000000FFFF7F000001:0050 00000000000000000000000000000000:0000 0A "),
        "{be6}"
    );
    for line in udp_table(&[InetRow::v4(LO4, 53, ANY4, 0, st::CLOSE)]).lines() {
        assert_eq!(line.len(), 127, "{line:?}");
    }
}

/// unix paths with whitespace: `sscanf("%s")` stops at a tab as at a space; a newline in a path
/// (legal in a file name) splits the kernel's line in two, and netstat reads the rest as a bogus
/// line of its own.
#[test]
fn unix_path_whitespace() {
    let rows = vec![
        UnixRow::listening(ux::STREAM, 32001, Some("/tmp/tab\there.sock")),
        UnixRow::listening(ux::STREAM, 32002, Some("/tmp/new\nline.sock")),
        UnixRow::listening(ux::STREAM, 32003, Some("/tmp/after.sock")),
        UnixRow::listening(ux::STREAM, 32004, Some("@abstract with space")),
        UnixRow::listening(ux::STREAM, 32005, Some("/tmp/trailing-space ")),
    ];
    let tree = Tree::new().file("net/unix", unix_table(&rows)).proc(
        321,
        &[b"/usr/bin/ws"],
        &[(3, &sock(32002)), (4, &sock(32003))],
    );
    if let Some((out, err)) = check_tree("unix_whitespace", &tree) {
        netstat_shows("unix_whitespace", &out, "/tmp/tab\n");
        netstat_shows("unix_whitespace", &out, "/tmp/after.sock");
        let err = String::from_utf8_lossy(&err);
        assert!(err.contains("bogus unix line"), "no warning: {err}");
    }
}

/// The seed story's shape: a large tcp table, mostly TIME_WAIT, with listeners scattered through
/// it; `sl` grows past 4 digits (`%4d` widens); netstat reads it a page at a time and prints only
/// the listeners. Also a large unix table, mostly connected.
#[test]
fn time_wait_heavy_tables() {
    let mut rows = Vec::new();
    let mut unix = Vec::new();
    for i in 0..20_000_u32 {
        let peer = Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8);
        if i % 4999 == 0 {
            rows.push(
                InetRow::v4(LO4, 9000 + (i / 4999) as u16, ANY4, 0, st::LISTEN).inode(33000 + u64::from(i)),
            );
        }
        rows.push(InetRow::v4(LO4, 8080, peer, 32768 + (i % 28000) as u16, st::TIME_WAIT));
        if i % 50 == 0 {
            unix.push(UnixRow::other(0, ux::STREAM, ux::CONNECTED, 60000 + u64::from(i), None));
        }
    }
    unix.push(UnixRow::listening(ux::STREAM, 59999, Some("/run/tw.sock")));
    let tree = Tree::new().file("net/tcp", tcp_table(&rows)).file("net/unix", unix_table(&unix)).proc(
        8080,
        &[b"/usr/sbin/nginx", b"-g", b"daemon off;"],
        &[(6, &sock(33000)), (7, &sock(59999))],
    );
    if let Some((out, _)) = check_tree("time_wait_heavy", &tree) {
        netstat_shows("time_wait_heavy", &out, "127.0.0.1:9004 ");
        netstat_hides("time_wait_heavy", &out, "TIME_WAIT");
    }
}

/// netstat reads a process's cmdline at its first socket; if that fails it skips the fd without
/// recording an owner, so a higher pid holding the same inode becomes its owner.
#[test]
fn owner_when_cmdline_is_missing() {
    let rows = vec![
        InetRow::v4(LO4, 1111, ANY4, 0, st::LISTEN).inode(34001),
        InetRow::v4(LO4, 1112, ANY4, 0, st::LISTEN).inode(34002),
    ];
    let tree = Tree::new()
        .file("net/tcp", tcp_table(&rows))
        .proc_raw(50, None, b"vanished", &[(3, &sock(34001)), (4, &sock(34002))])
        .proc(60, &[b"/usr/bin/heir"], &[(3, &sock(34001))]);
    if let Some((out, _)) = check_tree("cmdline_missing", &tree) {
        netstat_shows("cmdline_missing", &out, "60/heir");
    }
}

/// Bytes that are not UTF-8 (Latin-1 file names and program names exist): netstat copies bytes.
#[test]
fn non_utf8_names() {
    let unix = unix_table(&[
        UnixRow::listening(ux::STREAM, 35001, Some("/tmp/caf<E9>.sock")),
        UnixRow::listening(ux::STREAM, 35002, Some("@<FF><FE>abstract")),
    ])
    .replace("<E9>", "\u{1}")
    .replace("<FF>", "\u{2}")
    .replace("<FE>", "\u{3}");
    let unix: Vec<u8> = unix
        .into_bytes()
        .into_iter()
        .map(|b| match b {
            1 => 0xE9,
            2 => 0xFF,
            3 => 0xFE,
            b => b,
        })
        .collect();
    let tcp = tcp_table(&[
        InetRow::v4(LO4, 3001, ANY4, 0, st::LISTEN).inode(35101),
        InetRow::v4(LO4, 3002, ANY4, 0, st::LISTEN).inode(35102),
    ]);
    let tree = Tree::new()
        .file("net/unix", unix)
        .file("net/tcp", tcp)
        .proc(123, &[b"/usr/bin/caf\xe9-\xff\xfe", b"--x"], &[(3, &sock(35001)), (4, &sock(35101))])
        .proc(124, &[b"\xc3\x28latin1 \xe9t\xe9 long name"], &[(3, &sock(35102))]);
    if let Some((out, _)) = check_tree("non_utf8", &tree) {
        assert!(
            out.windows(4).any(|w| w == b"caf\xe9"),
            "non_utf8: the case is built wrong: netstat did not print the raw byte"
        );
    }
}

/// The link parser is `strtoul(s, &end, 0)` that must reach the end: hex (`0x1F`) and octal
/// (`010`) inode numbers, leading white space and a sign are accepted; `~0` is refused. The kernel
/// never writes such links; a hand-edited snapshot can.
#[test]
fn netstat_quirks_link_numbers() {
    let rows = vec![
        InetRow::v4(LO4, 1, ANY4, 0, st::LISTEN).inode(31),
        InetRow::v4(LO4, 2, ANY4, 0, st::LISTEN).inode(8),
        InetRow::v4(LO4, 3, ANY4, 0, st::LISTEN).inode(4242),
        InetRow::v4(LO4, 4, ANY4, 0, st::LISTEN).inode(16),
        InetRow::v4(LO4, 5, ANY4, 0, st::LISTEN).inode(4343),
        InetRow::v4(LO4, 6, ANY4, 0, st::LISTEN).inode(4444),
        InetRow::v4(LO4, 7, ANY4, 0, st::LISTEN).inode(4545),
    ];
    let tree = Tree::new().file("net/tcp", tcp_table(&rows)).proc(
        70,
        &[b"/usr/bin/hexlinks"],
        &[
            (3, "socket:[0x1F]"),
            (4, "socket:[010]"),
            (5, "socket:[ 4242]"),
            (6, "[0000]:0x10"),
            (7, "socket:[+4343]"),
            (8, "socket:[4444]x"),
            (9, "socket:[18446744073709551615]"),
            (10, "[0000]:4545 "),
        ],
    );
    if let Some((out, _)) = check_tree("link_numbers", &tree) {
        let owned = String::from_utf8_lossy(&out).matches("70/hexlinks").count();
        assert_eq!(owned, 5, "link_numbers: the case is built wrong: netstat owned {owned} rows");
    }
}

/// A small deterministic PRNG (xorshift64*), so the random trees are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn random_v4(r: &mut Rng) -> Ipv4Addr {
    match r.below(4) {
        0 => ANY4,
        1 => Ipv4Addr::new(127, r.below(3) as u8, 0, 1 + r.below(3) as u8),
        _ => Ipv4Addr::from(r.next() as u32),
    }
}

/// IPv6 addresses rich in zero groups, so that glibc's choice of the run to compress, the
/// IPv4-compatible and v4-mapped forms all come up.
fn random_v6(r: &mut Rng) -> Ipv6Addr {
    match r.below(8) {
        0 => ANY6,
        1 => Ipv6Addr::LOCALHOST,
        2 => random_v4(r).to_ipv6_mapped(),
        3 => random_v4(r).to_ipv6_compatible(),
        _ => {
            let mut w = [0u16; 8];
            for x in &mut w {
                *x = match r.below(10) {
                    0..=4 => 0,
                    5 => 0xffff,
                    6 => r.below(16) as u16,
                    _ => r.next() as u16,
                };
            }
            Ipv6Addr::from(w)
        }
    }
}

fn random_port(r: &mut Rng) -> u16 {
    match r.below(6) {
        0 => 0,
        1 => 1 + r.below(1024) as u16,
        2 => 65535,
        _ => r.next() as u16,
    }
}

fn random_queue(r: &mut Rng) -> u32 {
    match r.below(4) {
        0 | 1 => 0,
        2 => r.below(1000) as u32,
        _ => r.next() as u32,
    }
}

fn random_inet(r: &mut Rng, v6: bool, states: &[u8], inode: u64) -> InetRow {
    let state = *r.pick(states);
    let row = if v6 {
        let remote = if r.chance(50) { ANY6 } else { random_v6(r) };
        InetRow::v6(
            random_v6(r),
            random_port(r),
            remote,
            if r.chance(50) { 0 } else { random_port(r) },
            state,
        )
    } else {
        let remote = if r.chance(50) { ANY4 } else { random_v4(r) };
        InetRow::v4(
            random_v4(r),
            random_port(r),
            remote,
            if r.chance(50) { 0 } else { random_port(r) },
            state,
        )
    };
    row.queues(random_queue(r), random_queue(r)).uid(r.below(70000) as u32).inode(inode)
}

fn random_text(r: &mut Rng, max: u64) -> String {
    const PIECES: &[&str] = &[
        "a",
        "srv",
        "d",
        "/",
        "/",
        " ",
        "-",
        ".",
        "_",
        "x1",
        "\u{e9}",
        "\u{65e5}",
        "\u{1f600}",
        ":",
        "@",
        "\t",
    ];
    (0..r.below(max + 1)).map(|_| *r.pick(PIECES)).collect()
}

/// Random trees: every Internet table, unix, and processes with random argv and shared inodes.
/// Deterministic seeds; each tree goes through the same replay and input forms as the others.
#[test]
fn random_trees() {
    const TCP_STATES: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 11];
    const UDP_STATES: &[u8] = &[7, 7, 7, 1, 1, 2, 10];
    for seed in 1..=12_u64 {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let mut inode = 40_000 + seed * 10_000;
        let mut inodes = Vec::new();
        let mut table = |r: &mut Rng, v6: bool, states: &[u8], n: u64| -> Vec<InetRow> {
            (0..n)
                .map(|_| {
                    inode += 1 + r.below(3);
                    // Some rows owned by nobody (inode 0); links only name real inodes.
                    let ino = if r.chance(10) { 0 } else { inode };
                    if ino != 0 {
                        inodes.push(ino);
                    }
                    random_inet(r, v6, states, ino)
                })
                .collect()
        };
        let tcp = table(&mut r, false, TCP_STATES, 60);
        let tcp6 = table(&mut r, true, TCP_STATES, 60);
        let udp = table(&mut r, false, UDP_STATES, 30);
        let udp6 = table(&mut r, true, UDP_STATES, 30);
        let udpl = table(&mut r, false, UDP_STATES, 5);
        let udpl6 = table(&mut r, true, UDP_STATES, 5);
        let raw = table(&mut r, false, UDP_STATES, 5);
        let raw6 = table(&mut r, true, UDP_STATES, 5);
        let mut unix = Vec::new();
        for _ in 0..40 {
            inode += 1;
            inodes.push(inode);
            let flags = if r.chance(60) { ux::ACC } else { 0 };
            let st = *r.pick(&[1, 1, 1, 3]);
            let ty = *r.pick(&[ux::STREAM, ux::STREAM, ux::DGRAM, ux::SEQPACKET]);
            let path = match r.below(4) {
                0 => None,
                1 => Some(format!("@{}", random_text(&mut r, 12))),
                _ => Some(format!("/{}", random_text(&mut r, 20))),
            };
            unix.push(UnixRow::other(flags, ty, st, inode, path.as_deref()).refcnt(r.below(20) as u32));
        }
        let mut tree = Tree::new()
            .file("net/tcp", tcp_table(&tcp))
            .file("net/tcp6", tcp_table(&tcp6))
            .file("net/udp", udp_table(&udp))
            .file("net/udp6", udp_table(&udp6))
            .file("net/udplite", udp_table(&udpl))
            .file("net/udplite6", udp_table(&udpl6))
            .file("net/raw", raw_table(&raw))
            .file("net/raw6", raw_table(&raw6))
            .file("net/unix", unix_table(&unix));
        let mut pids: Vec<u32> = (0..25).map(|_| 1 + r.below(4_194_303) as u32).collect();
        pids.sort_unstable();
        pids.dedup();
        for pid in pids {
            let mut fds = Vec::new();
            for fd in 0..r.below(12) as u32 {
                let target = match r.below(10) {
                    0 => "/dev/null".to_string(),
                    1 => format!("pipe:[{}]", r.pick(&inodes)),
                    2 => format!("[0000]:{}", r.pick(&inodes)),
                    _ => sock(*r.pick(&inodes)),
                };
                fds.push((fd * (1 + r.below(3) as u32), target));
            }
            fds.sort();
            fds.dedup_by_key(|f| f.0);
            let argv0 = match r.below(3) {
                0 => format!("/{}", random_text(&mut r, 30)),
                _ => random_text(&mut r, 30),
            };
            let args: Vec<String> = (0..r.below(3)).map(|_| random_text(&mut r, 10)).collect();
            let mut argv: Vec<&[u8]> = vec![argv0.as_bytes()];
            argv.extend(args.iter().map(|a| a.as_bytes()));
            let fd_refs: Vec<(u32, &str)> = fds.iter().map(|(n, t)| (*n, t.as_str())).collect();
            tree = if r.chance(5) {
                tree.proc_raw(pid, None, b"gone", &fd_refs)
            } else {
                tree.proc(pid, &argv, &fd_refs)
            };
        }
        check_tree(&format!("random_{seed}"), &tree);
    }
}

/// A link naming inode 0 (`[0000]:0`, or `socket:[00]`, which is 11 characters long): netstat
/// accepts it, so every row with inode 0 (TIME_WAIT rows, connections not yet accepted, sockets of
/// nobody) is attributed to that process. The kernel never writes such a link.
#[test]
fn netstat_quirk_inode_zero_link() {
    let rows = vec![
        InetRow::v4(LO4, 1, ANY4, 0, st::LISTEN).inode(0),
        InetRow::v4(LO4, 2, ANY4, 0, st::CLOSE).inode(0),
        InetRow::v4(LO4, 3, ANY4, 0, st::LISTEN).inode(36001),
    ];
    let unix = vec![UnixRow::listening(ux::STREAM, 0, Some("/run/zero"))];
    for (case, link) in [("inode_zero_old_style", "[0000]:0"), ("inode_zero_socket_00", "socket:[00]")] {
        let tree = Tree::new().file("net/tcp", tcp_table(&rows)).file("net/unix", unix_table(&unix)).proc(
            80,
            &[b"/usr/bin/zero"],
            &[(3, link), (4, &sock(36001))],
        );
        if let Some((out, _)) = check_tree(case, &tree) {
            let owned = String::from_utf8_lossy(&out).matches("80/zero").count();
            assert_eq!(owned, 4, "{case}: the case is built wrong: netstat owned {owned} rows");
        }
    }
}

/// Random trees with input the kernel does not write but netstat reads all the same: lower-case
/// hex addresses, unix flag bits besides ACC, unix states 0..5 and unknown types, a non-zero unix
/// protocol, cmdlines over 511 bytes or without any NUL. Each difference found here is a quirk of
/// netstat procsnap does not reproduce; see docs/testing-netstat.md.
#[test]
fn random_unusual_trees() {
    const TCP_STATES: &[u8] = &[1, 6, 7, 10, 10, 11];
    const UDP_STATES: &[u8] = &[7, 1, 3];
    for seed in 1..=8_u64 {
        let mut r = Rng(0x5151_7A7A_0F0F_3C3C ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut inode = 900_000 + seed * 10_000;
        let mut inodes = Vec::new();
        let lower = |r: &mut Rng, text: String| -> String {
            // Lower-case the hex of some rows (never the header).
            text.split_inclusive('\n')
                .enumerate()
                .map(|(i, l)| if i > 0 && r.chance(40) { l.to_ascii_lowercase() } else { l.to_string() })
                .collect()
        };
        let mut rows = |r: &mut Rng, v6: bool, states: &[u8], n: u64| -> Vec<InetRow> {
            (0..n)
                .map(|_| {
                    inode += 1;
                    inodes.push(inode);
                    random_inet(r, v6, states, inode)
                })
                .collect()
        };
        let tcp = rows(&mut r, false, TCP_STATES, 30);
        let tcp6 = rows(&mut r, true, TCP_STATES, 30);
        let udp = rows(&mut r, false, UDP_STATES, 20);
        let raw6 = rows(&mut r, true, UDP_STATES, 10);
        let mut unix = Vec::new();
        for _ in 0..40 {
            inode += 1;
            inodes.push(inode);
            let flags = ux::ACC * (r.below(8) as u32);
            let st = r.below(6) as u8;
            let ty = *r.pick(&[1, 2, 3, 4, 5, 6, 9]);
            let path = match r.below(3) {
                0 => None,
                _ => Some(format!("/{}", random_text(&mut r, 20))),
            };
            let mut row = UnixRow::other(flags, ty, st, inode, path.as_deref()).refcnt(r.next() as u32);
            if r.chance(10) {
                row.proto = 1 + r.below(3) as u32;
            }
            unix.push(row);
        }
        let mut tree = Tree::new()
            .file("net/tcp", lower(&mut r, tcp_table(&tcp)))
            .file("net/tcp6", lower(&mut r, tcp_table(&tcp6)))
            .file("net/udp", lower(&mut r, udp_table(&udp)))
            .file("net/raw6", lower(&mut r, raw_table(&raw6)))
            .file("net/unix", lower(&mut r, unix_table(&unix)));
        for _ in 0..15 {
            let pid = 1 + r.below(99_999) as u32;
            if tree.procs.iter().any(|p| p.pid == pid) {
                continue;
            }
            let fds: Vec<(u32, String)> =
                (0..r.below(8) as u32).map(|fd| (fd, sock(*r.pick(&inodes)))).collect();
            let fd_refs: Vec<(u32, &str)> = fds.iter().map(|(n, t)| (*n, t.as_str())).collect();
            let mut cmdline: Vec<u8> = match r.below(4) {
                0 => format!("/{}", "p/".repeat(200 + r.below(200) as usize)).into_bytes(),
                1 => random_text(&mut r, 300).into_bytes(),
                2 => format!("/usr/bin/{}\0arg\0", random_text(&mut r, 10)).into_bytes(),
                _ => Vec::new(),
            };
            if r.chance(30) {
                cmdline.extend_from_slice(random_text(&mut r, 200).as_bytes());
            }
            tree = tree.proc_raw(pid, Some(&cmdline), b"odd", &fd_refs);
        }
        check_tree(&format!("random_unusual_{seed}"), &tree);
    }
}
