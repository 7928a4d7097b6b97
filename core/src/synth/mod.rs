//! Synthetic snapshots modelled on the seed story: a web server on :81 closing its connections
//! (so TIME_WAIT piles up on the server side), sshd, thttpd and httpd workers sharing a listening
//! socket, and a client-side TIME_WAIT stream to a database. Used by the viewer's built-in
//! example, the benchmarks and tests. Deterministic: the same options give the same bytes.

use std::fmt::Write as _;
#[cfg(feature = "flate")]
use std::io::Write as _;
use std::net::Ipv4Addr;

use rustc_hash::FxHashSet;

use crate::layout::{FORMAT_VERSION, MANIFEST_PATH};
use crate::manifest::{CaptureTimes, FileRecord, HostFacts, Manifest, WalkStats};

pub mod kernel_text;

pub use kernel_text::TCP_HEADER;

/// The kernel pads every line of /proc/net/tcp (header too) to 149 characters.
const TCP_LINE: usize = 149;

#[derive(Debug, Clone)]
pub struct SeedStory {
    /// TIME_WAIT sockets on the web server's port 81 (server side).
    pub server_time_wait: usize,
    /// TIME_WAIT sockets from this host to its database (client side).
    pub client_time_wait: usize,
    pub established: usize,
    pub seed: u64,
}

impl Default for SeedStory {
    fn default() -> Self {
        SeedStory { server_time_wait: 92_000, client_time_wait: 8_000, established: 400, seed: 81 }
    }
}

/// xorshift64*: small, fast, deterministic; quality is irrelevant here.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// An IPv4 address as a little-endian host prints it in /proc/net.
fn le_hex(ip: Ipv4Addr) -> u32 {
    u32::from_le_bytes(ip.octets())
}

fn push_padded(out: &mut String, line: &str) {
    out.push_str(line);
    for _ in line.len()..TCP_LINE {
        out.push(' ');
    }
    out.push('\n');
}

struct TcpTable {
    text: String,
    sl: usize,
}

impl TcpTable {
    fn new(rows: usize) -> TcpTable {
        let mut text = String::with_capacity((rows + 1) * (TCP_LINE + 1));
        push_padded(&mut text, TCP_HEADER);
        TcpTable { text, sl: 0 }
    }
    #[allow(clippy::too_many_arguments)]
    fn full(&mut self, l: (Ipv4Addr, u16), r: (Ipv4Addr, u16), st: u8, rxq: u32, uid: u32, inode: u64) {
        let line = format!(
            "{:4}: {:08X}:{:04X} {:08X}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {} 1 0000000000000000 100 0 0 10 0",
            self.sl,
            le_hex(l.0),
            l.1,
            le_hex(r.0),
            r.1,
            st,
            0,
            rxq,
            uid,
            0,
            inode
        );
        push_padded(&mut self.text, &line);
        self.sl += 1;
    }
    fn time_wait(&mut self, l: (Ipv4Addr, u16), r: (Ipv4Addr, u16), ticks: u32) {
        let mut line = String::with_capacity(TCP_LINE);
        let _ = write!(
            line,
            "{:4}: {:08X}:{:04X} {:08X}:{:04X} 06 00000000:00000000 03:{:08X} 00000000     0        0 0 3 0000000000000000",
            self.sl,
            le_hex(l.0),
            l.1,
            le_hex(r.0),
            r.1,
            ticks
        );
        push_padded(&mut self.text, &line);
        self.sl += 1;
    }
}

/// A `/proc/net/tcp` of `rows` rows, `time_wait_share` of them TIME_WAIT, the rest ESTABLISHED,
/// plus two listeners: the input of the parser benchmarks.
/// The next port from `port` (wrapping within `lo..=hi`) not yet used with `peer`: a kernel never
/// holds two TIME_WAIT sockets of one four-tuple, and procsnap reports such rows as read twice.
/// After 64 taken ports in a row (a peer filling up, as in the million-row example) the next peer
/// address is tried instead, so the search stays short and always ends. Draws nothing from the
/// generator, so the rest of a table stays as it was.
fn unused_tuple(
    used: &mut FxHashSet<(Ipv4Addr, u16)>,
    mut peer: Ipv4Addr,
    port: u16,
    lo: u16,
    hi: u16,
) -> (Ipv4Addr, u16) {
    let mut next = port;
    let mut probes = 0;
    while !used.insert((peer, next)) {
        probes += 1;
        if probes < 64 {
            next = if next >= hi { lo } else { next + 1 };
        } else {
            peer = Ipv4Addr::from(u32::from(peer).wrapping_add(1));
            next = port;
            probes = 0;
        }
    }
    (peer, next)
}

pub fn tcp_table(rows: usize, time_wait_share: f64, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut t = TcpTable::new(rows);
    let server = Ipv4Addr::new(10, 0, 0, 5);
    t.full((Ipv4Addr::UNSPECIFIED, 22), (Ipv4Addr::UNSPECIFIED, 0), 0x0A, 0, 0, 1001);
    t.full((Ipv4Addr::UNSPECIFIED, 81), (Ipv4Addr::UNSPECIFIED, 0), 0x0A, 0, 0, 1002);
    let (mut used, mut inodes) = (FxHashSet::default(), FxHashSet::default());
    for _ in 2..rows {
        let client = Ipv4Addr::from(0x0A40_0000 | rng.below(1 << 16) as u32);
        let cport = 32768 + rng.below(28232) as u16;
        if (rng.below(1_000_000) as f64) < time_wait_share * 1_000_000.0 {
            let (client, cport) = unused_tuple(&mut used, client, cport, 32768, 60999);
            t.time_wait((server, 81), (client, cport), rng.below(6000) as u32);
        } else {
            // Inodes are unique too (the same bump, no draw).
            let mut inode = 100_000 + rng.below(1 << 20);
            while !inodes.insert(inode) {
                inode += 1;
            }
            t.full((server, 81), (client, cport), 0x01, 0, 0, inode);
        }
    }
    t.text.into_bytes()
}

struct Proc {
    pid: u32,
    cmdline: Vec<u8>,
    comm: String,
    uid: u32,
    fds: Vec<(u32, u64)>,
}

/// `/proc/net/tcp6` rows (not padded, unlike tcp's), IPv4-mapped addresses as the kernel
/// prints them: four words, each a host-order (little-endian) u32.
struct Tcp6Table {
    text: String,
    sl: usize,
}

/// `::ffff:a.b.c.d` (or `::` for 0.0.0.0) in tcp6's hex.
fn mapped_hex(ip: Ipv4Addr) -> String {
    if ip.is_unspecified() { "0".repeat(32) } else { format!("0000000000000000FFFF0000{:08X}", le_hex(ip)) }
}

impl Tcp6Table {
    fn new(rows: usize) -> Tcp6Table {
        let mut text = String::with_capacity((rows + 1) * 180);
        text.push_str("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        Tcp6Table { text, sl: 0 }
    }
    fn full(&mut self, l: (Ipv4Addr, u16), r: (Ipv4Addr, u16), st: u8, rxq: u32, uid: u32, inode: u64) {
        let _ = writeln!(
            self.text,
            "{:4}: {}:{:04X} {}:{:04X} {:02X} 00000000:{:08X} 00:00000000 00000000 {:5} {:8} {} 1 0000000000000000 100 0 0 10 0",
            self.sl,
            mapped_hex(l.0),
            l.1,
            mapped_hex(r.0),
            r.1,
            st,
            rxq,
            uid,
            0,
            inode
        );
        self.sl += 1;
    }
    fn time_wait(&mut self, l: (Ipv4Addr, u16), r: (Ipv4Addr, u16), ticks: u32) {
        let _ = writeln!(
            self.text,
            "{:4}: {}:{:04X} {}:{:04X} 06 00000000:00000000 03:{:08X} 00000000     0        0 0 3 0000000000000000",
            self.sl,
            mapped_hex(l.0),
            l.1,
            mapped_hex(r.0),
            r.1,
            ticks
        );
        self.sl += 1;
    }
}

/// The example snapshot as `.tar.gz` bytes: the seed story's CentOS 6 web server (kernel
/// 2.6.32, net-tools 1.60): sshd on 0.0.0.0:22 and :::22, Apache on :::81 (its TIME_WAIT in
/// tcp6 as IPv4-mapped addresses), thttpd on :::5000, and the host's own TIME_WAIT towards its
/// database in tcp. Each of sshd's listeners is the last listener of its table, so netstat's two
/// long pauses come right after them, as the administrator saw.
#[cfg(feature = "flate")]
pub fn seed_story(o: &SeedStory) -> Vec<u8> {
    seed_story_as(o, &Variant::default())
}

/// [`seed_story`] as a plain `.tar`: what the viewer generates for its built-in example, so
/// that the browser's module carries no deflate compressor (and skips compressing 15 MB only to
/// inflate it again).
pub fn seed_story_tar(o: &SeedStory) -> Vec<u8> {
    seed_story_tar_as(o, &Variant::default())
}

/// What makes one host of a fleet differ from the seed story's: its name, when it was
/// captured, and listeners of its own.
#[derive(Debug, Clone)]
pub struct Variant {
    pub hostname: String,
    /// RFC 3339 UTC.
    pub capture_start: String,
    /// More TCP listeners on 0.0.0.0: the port and the owner's command line (NUL-separated
    /// arguments, as /proc/PID/cmdline). Each gets a process of its own.
    pub extra_listeners: Vec<(u16, Vec<u8>)>,
}

impl Default for Variant {
    fn default() -> Self {
        Variant {
            hostname: "web81.example".into(),
            capture_start: "2026-11-27T03:00:00.000Z".into(),
            extra_listeners: Vec::new(),
        }
    }
}

/// [`seed_story`] as another host, at another time, with more listeners: tests and examples of
/// many hosts over time (a fleet's snapshots).
#[cfg(feature = "flate")]
pub fn seed_story_as(o: &SeedStory, v: &Variant) -> Vec<u8> {
    let tar = seed_story_tar_as(o, v);
    let mut gz =
        crate::gzip::GzEncoder::new(Vec::new(), flate2::Compression::fast()).expect("writing to memory");
    gz.write_all(&tar).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

/// [`seed_story_as`] as a plain `.tar`.
pub fn seed_story_tar_as(o: &SeedStory, v: &Variant) -> Vec<u8> {
    let (hostname, capture_start) = (v.hostname.as_str(), v.capture_start.as_str());
    let mut rng = Rng(o.seed | 1);
    let server = Ipv4Addr::new(10, 0, 0, 5);
    let db = Ipv4Addr::new(10, 0, 1, 20);
    let any = Ipv4Addr::UNSPECIFIED;

    // Listening sockets and their owners.
    let (ssh4, ssh6, thttpd, httpd81, master25, chrony4, chrony6) =
        (12960, 12962, 15001, 15100, 13001, 9001, 9002);
    let mut procs = vec![
        Proc {
            pid: 1,
            cmdline: b"/sbin/init\0".to_vec(),
            comm: "init".into(),
            uid: 0,
            fds: vec![(45, 8001), (46, 8002)],
        },
        Proc {
            pid: 1450,
            cmdline: b"/usr/libexec/postfix/master\0".to_vec(),
            comm: "master".into(),
            uid: 0,
            fds: vec![(12, master25)],
        },
        Proc {
            pid: 2983,
            cmdline: b"/usr/sbin/sshd\0".to_vec(),
            comm: "sshd".into(),
            uid: 0,
            fds: vec![(3, ssh4), (4, ssh6)],
        },
        Proc {
            pid: 3278,
            cmdline: b"/usr/sbin/thttpd\0-p\x005000\0-d\0/var/www\0".to_vec(),
            comm: "thttpd".into(),
            uid: 33,
            fds: vec![(3, thttpd)],
        },
        Proc {
            pid: 3200,
            cmdline: b"/usr/sbin/httpd\0".to_vec(),
            comm: "httpd".into(),
            uid: 0,
            fds: vec![(3, httpd81)],
        },
        Proc {
            pid: 812,
            cmdline: b"/usr/sbin/chronyd\0-F\0-1\0".to_vec(),
            comm: "chronyd".into(),
            uid: 102,
            fds: vec![(5, chrony4), (6, chrony6)],
        },
    ];
    for w in 0..4 {
        procs.push(Proc {
            pid: 3201 + w,
            cmdline: b"/usr/sbin/httpd\0".to_vec(),
            comm: "httpd".into(),
            uid: 48,
            fds: vec![(3, httpd81)],
        });
    }
    let worker0 = procs.len() - 4;

    // tcp: the mail listener, sshd, then the host's own connections to its database.
    let mut tcp = TcpTable::new(2 + v.extra_listeners.len() + o.client_time_wait);
    tcp.full((Ipv4Addr::LOCALHOST, 25), (any, 0), 0x0A, 0, 0, master25);
    // Before sshd, whose listener stays the last of the table (the story's first long pause).
    for (i, (port, cmdline)) in v.extra_listeners.iter().enumerate() {
        let (pid, inode) = (4000 + i as u32, 30_000 + i as u64);
        tcp.full((any, *port), (any, 0), 0x0A, 0, 0, inode);
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let name = argv0.rsplit(|&b| b == b'/').next().unwrap_or_default();
        let comm = String::from_utf8_lossy(&name[..name.len().min(15)]).into_owned();
        procs.push(Proc { pid, cmdline: cmdline.clone(), comm, uid: 0, fds: vec![(3, inode)] });
    }
    tcp.full((any, 22), (any, 0), 0x0A, 0, 0, ssh4);
    // A kernel never shows one TIME_WAIT four-tuple twice: a drawn port already in use moves
    // to the next free one (the random stream is unchanged).
    let mut used = FxHashSet::default();
    for _ in 0..o.client_time_wait {
        let ticks = rng.below(6000) as u32;
        let (db, port) = unused_tuple(&mut used, db, 32768 + rng.below(28232) as u16, 32768, 60999);
        tcp.time_wait((server, port), (db, 3306), ticks);
    }
    // tcp6: Apache, thttpd and sshd listen on ::, then Apache's clients (IPv4-mapped).
    let mut tcp6 = Tcp6Table::new(3 + o.server_time_wait + o.established);
    tcp6.full((any, 81), (any, 0), 0x0A, 0, 0, httpd81);
    tcp6.full((any, 5000), (any, 0), 0x0A, 0, 33, thttpd);
    tcp6.full((any, 22), (any, 0), 0x0A, 0, 0, ssh6);
    let mut left = (o.server_time_wait, o.established);
    let mut inode = 200_000u64;
    while left != (0, 0) {
        let pick = rng.below((left.0 + left.1) as u64) as usize;
        // Clients from a few networks, most from one busy proxy range.
        let client = if rng.below(3) == 0 {
            Ipv4Addr::from(0xC0A8_0000 | rng.below(1 << 12) as u32)
        } else {
            Ipv4Addr::new(203, 0, 113, 10 + rng.below(8) as u8)
        };
        let cport = 1024 + rng.below(64511) as u16;
        if pick < left.0 {
            let (client, cport) = unused_tuple(&mut used, client, cport, 1024, 65534);
            tcp6.time_wait((server, 81), (client, cport), rng.below(6000) as u32);
            left.0 -= 1;
        } else {
            inode += 1;
            tcp6.full((server, 81), (client, cport), 0x01, 0, 48, inode);
            let worker = worker0 + (inode % 4) as usize;
            let fd = 10 + procs[worker].fds.len() as u32;
            procs[worker].fds.push((fd, inode));
            left.1 -= 1;
        }
    }
    let tcp6 = tcp6.text;

    let udp = format!(
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             \n  {:3}: 0100007F:0143 00000000:0000 07 00000000:00000000 00:00000000 00000000   102        0 {chrony4} 2 0000000000000000 0           \n",
        123
    );
    let udp6 = format!(
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n  123: 00000000000000000000000001000000:0143 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   102        0 {chrony6} 2 0000000000000000 0\n"
    );
    let unix = "Num       RefCount Protocol Flags    Type St Inode Path\n\
0000000000000000: 00000002 00000000 00010000 0001 01 8001 @/com/ubuntu/upstart\n\
0000000000000000: 00000002 00000000 00010000 0001 01 8002 /var/run/dbus/system_bus_socket\n\
0000000000000000: 00000003 00000000 00000000 0001 03 8003\n"
        .to_string();
    let server_tw = o.server_time_wait + o.client_time_wait;
    let sockstat = format!(
        "sockets: used 1040\nTCP: inuse {} orphan 0 tw {} alloc {} mem 37\nUDP: inuse 1 mem 2\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n",
        2 + o.established,
        server_tw,
        3 + o.established
    );
    let sockstat6 =
        "TCP6: inuse 3\nUDP6: inuse 1\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n"
            .to_string();

    let mut files: Vec<(String, Vec<u8>, u64)> = vec![
        ("proc/net/tcp".into(), tcp.text.into_bytes(), 0),
        ("proc/net/tcp6".into(), tcp6.into_bytes(), 0),
        ("proc/net/udp".into(), udp.into_bytes(), 0),
        ("proc/net/udp6".into(), udp6.into_bytes(), 0),
        ("proc/net/unix".into(), unix.into_bytes(), 0),
        ("proc/net/sockstat".into(), sockstat.into_bytes(), 0),
        ("proc/net/sockstat6".into(), sockstat6.into_bytes(), 0),
        ("proc/sys/net/ipv4/tcp_fin_timeout".into(), b"60\n".to_vec(), 0),
        ("proc/sys/net/ipv4/tcp_tw_reuse".into(), b"0\n".to_vec(), 0),
        ("proc/sys/net/ipv4/tcp_max_tw_buckets".into(), b"262144\n".to_vec(), 0),
        ("proc/sys/net/ipv4/ip_local_port_range".into(), b"32768\t61000\n".to_vec(), 0),
        ("proc/sys/net/ipv4/tcp_timestamps".into(), b"1\n".to_vec(), 0),
        ("proc/sys/net/core/somaxconn".into(), b"128\n".to_vec(), 0),
        // CentOS 6 ships no os-release, only /etc/redhat-release, which picks the centos6
        // flavour as it does for a real capture of such a host.
        ("etc/redhat-release".into(), b"CentOS release 6.10 (Final)\n".to_vec(), 0),
    ];
    // Kernel time to generate the text: about 1 µs per 150-byte row on a busy old server.
    for f in files.iter_mut() {
        f.2 = 20 + f.1.len() as u64 / 150;
    }
    crate::sort::sort_by_key(&mut procs, |p| p.pid);
    for p in &procs {
        let status = format!(
            "Name:\t{}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nUid:\t{u}\t{u}\t{u}\t{u}\n",
            p.comm,
            pid = p.pid,
            u = p.uid
        );
        files.push((format!("proc/{}/cmdline", p.pid), p.cmdline.clone(), 15));
        files.push((format!("proc/{}/comm", p.pid), format!("{}\n", p.comm).into_bytes(), 10));
        files.push((format!("proc/{}/status", p.pid), status.into_bytes(), 20));
    }

    let socket_links: u64 = procs.iter().map(|p| p.fds.len() as u64).sum();
    let manifest = Manifest {
        format: Some("procsnap".into()),
        format_version: FORMAT_VERSION,
        tool: Some(format!("procsnap-core synth {}", env!("CARGO_PKG_VERSION"))),
        host: HostFacts {
            hostname: Some(hostname.into()),
            kernel: Some("2.6.32-754.el6.x86_64".into()),
            arch: Some("x86_64".into()),
            byte_order: Some("little".into()),
            user_hz: Some(100),
            page_size: Some(4096),
            uid: Some(0),
            proc_hidepid: None,
        },
        capture: CaptureTimes {
            start: Some(capture_start.into()),
            // The default's end as it always was; another start has no end worth inventing.
            end: (capture_start == "2026-11-27T03:00:00.000Z").then(|| "2026-11-27T03:00:00.180Z".into()),
            duration_us: Some(180_000),
        },
        files: files
            .iter()
            .map(|(path, data, micros)| FileRecord {
                path: path.clone(),
                bytes: Some(data.len() as u64),
                reads: Some(1 + data.len() as u64 / (256 * 1024)),
                micros: Some(*micros),
                sha256: Some(crate::digest::sha256_hex(data)),
            })
            .collect(),
        walk: Some(WalkStats {
            pids_seen: 187,
            pids_unreadable: 0,
            pids_vanished: 1,
            fds_read: 2_412 + socket_links,
            socket_links,
            micros: Some(9_500),
            ..Default::default()
        }),
        ..Default::default()
    };

    let mut tar = tar::Builder::new(Vec::new());
    let add_file = |tar: &mut tar::Builder<_>, path: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o444);
        h.set_mtime(1_795_662_000);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, data).expect("writing to memory");
    };
    for (path, data, _) in &files {
        add_file(&mut tar, path, data);
    }
    for p in &procs {
        for (fd, inode) in &p.fds {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(0o700);
            h.set_mtime(1_795_662_000);
            h.set_entry_type(tar::EntryType::Symlink);
            tar.append_link(&mut h, format!("proc/{}/fd/{fd}", p.pid), format!("socket:[{inode}]"))
                .expect("writing to memory");
        }
    }
    let json = manifest.to_json_pretty().into_bytes();
    add_file(&mut tar, MANIFEST_PATH, &json);
    tar.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_tar_is_the_same_snapshot() {
        let o = SeedStory { server_time_wait: 300, client_time_wait: 50, established: 5, seed: 3 };
        let decode = |b: &[u8]| {
            let snap = crate::snapshot::decode(b, &Default::default(), &mut |_| true).unwrap();
            crate::render::text(&crate::report::build(&snap))
        };
        let (tar, gz) = (seed_story_tar(&o), seed_story(&o));
        assert_ne!(tar[..2], [0x1f, 0x8b]);
        assert_eq!(gz[..2], [0x1f, 0x8b]);
        assert_eq!(decode(&tar), decode(&gz));
    }

    #[test]
    fn example_decodes_to_the_story() {
        let bytes =
            seed_story(&SeedStory { server_time_wait: 900, client_time_wait: 100, established: 20, seed: 1 });
        let snap = crate::snapshot::decode(&bytes, &Default::default(), &mut |_| true).unwrap();
        assert!(snap.diagnostics.is_empty(), "{:?}", snap.diagnostics);
        let r = crate::report::build(&snap);
        assert_eq!(r.time_wait.count, 1000);
        let top = &r.time_wait.by_local_port[0];
        assert_eq!((top.port, top.count), (81, 900));
        assert_eq!(top.listener.as_deref(), Some("3200/httpd"));
        assert_eq!(r.netstat.flavour, crate::flavour::Flavour::Centos6, "{:?}", r.netstat);
        let listeners: Vec<_> =
            r.listeners.iter().map(|l| (l.local_port, l.netstat_program.lossy().into_owned())).collect();
        assert!(listeners.contains(&(22, "2983/sshd".into())));
        assert!(listeners.contains(&(5000, "3278/thttpd".into())));
        // Apache's listening socket is shared by the master and four workers; netstat names the master.
        let http = r.listeners.iter().find(|l| l.local_port == 81).unwrap();
        assert_eq!(
            (http.proto, http.netstat_program.as_bytes()),
            (crate::TableKind::Tcp6, &b"3200/httpd"[..])
        );
        assert_eq!(http.holders.len(), 5);
        // The two biggest pauses follow sshd's two listeners (the last of tcp and of tcp6).
        let mut stalls = r.cost.stalls.clone();
        crate::sort::sort_by_key(&mut stalls, |s| std::cmp::Reverse(s.bytes));
        let lines: Vec<_> = stalls.iter().take(2).map(|s| s.after_line).collect();
        assert_eq!(lines, [Some(7), Some(4)], "{stalls:?}");
        assert_eq!(stalls[0].time_wait_rows, 900);
        assert_eq!(stalls[1].time_wait_rows, 100);
        assert!(r.cost.quadratic_reads);
        assert_eq!(r.cost.read_size, 1024);
        assert!(
            r.files.iter().filter(|f| f.manifest_sha256.is_some()).all(|f| f.sha256 == f.manifest_sha256)
        );
        assert!(r.files.iter().filter(|f| f.manifest_sha256.is_some()).count() > 10);
        let tw_check = r.volume.kernel_vs_rows.iter().find(|c| c.counter == "TCP tw").unwrap();
        assert_eq!(tw_check.kernel, tw_check.rows);
    }

    #[test]
    fn tcp_table_has_the_requested_rows() {
        let t = tcp_table(1000, 0.9, 7);
        assert_eq!(t.len(), 1000 * 150 + 150);
        let mut rows = Vec::new();
        let mut d = Vec::new();
        crate::proc::inet::parse_table(
            &t,
            crate::TableKind::Tcp,
            crate::types::ByteOrder::Little,
            4096,
            &mut rows,
            &mut d,
        );
        assert!(d.is_empty());
        assert_eq!(rows.len(), 1000);
    }
}
