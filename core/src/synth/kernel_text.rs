//! Writers of the kernel's text formats: `/proc/net/{tcp,tcp6,udp*,raw*,unix}` rows exactly as a
//! little-endian kernel writes them (padding, the short TIME_WAIT layout, udp's hash-bucket
//! `sl`), and the rewrite a big-endian host's table differs by. The story generator above and
//! every crate's tests write their tables with these, so there is one writer per format.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

/// `/proc/net/tcp` header (padded like every tcp line to 149 chars + `\n`).
pub const TCP_HEADER: &str =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
/// `/proc/net/tcp6` header (no padding).
pub const TCP6_HEADER: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
/// `/proc/net/udp` and `udplite` header (padded to 127 chars + `\n`).
pub const UDP_HEADER: &str = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
/// `/proc/net/udp6`, `udplite6` and `raw6` header.
pub const UDP6_HEADER: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
/// `/proc/net/raw` header (no padding).
pub const RAW_HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
/// `/proc/net/unix` header.
pub const UNIX_HEADER: &str = "Num       RefCount Protocol Flags    Type St Inode Path";

/// TCP states as the kernel numbers them.
pub mod st {
    pub const ESTABLISHED: u8 = 0x01;
    pub const SYN_SENT: u8 = 0x02;
    pub const SYN_RECV: u8 = 0x03;
    pub const FIN_WAIT1: u8 = 0x04;
    pub const FIN_WAIT2: u8 = 0x05;
    pub const TIME_WAIT: u8 = 0x06;
    pub const CLOSE: u8 = 0x07;
    pub const CLOSE_WAIT: u8 = 0x08;
    pub const LAST_ACK: u8 = 0x09;
    pub const LISTEN: u8 = 0x0A;
    pub const CLOSING: u8 = 0x0B;
}

/// An IPv4 address as a little-endian kernel writes it (`127.0.0.1` → `0100007F`).
pub fn hex4(a: Ipv4Addr) -> String {
    format!("{:08X}", u32::from_le_bytes(a.octets()))
}

/// An IPv6 address as a little-endian kernel writes it: four host-order 32-bit words.
pub fn hex6(a: Ipv6Addr) -> String {
    let o = a.octets();
    let mut s = String::with_capacity(32);
    for w in o.chunks(4) {
        let _ = write!(s, "{:08X}", u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    }
    s
}

/// One row of an Internet table (tcp, tcp6, udp*, raw*).
#[derive(Clone, Debug)]
pub struct InetRow {
    /// Local address, already in kernel hex (see [`hex4`], [`hex6`]).
    pub local: String,
    pub lport: u16,
    pub remote: String,
    pub rport: u16,
    pub state: u8,
    pub tx_queue: u32,
    pub rx_queue: u32,
    pub uid: u32,
    pub inode: u64,
}

impl InetRow {
    pub fn v4(local: Ipv4Addr, lport: u16, remote: Ipv4Addr, rport: u16, state: u8) -> Self {
        InetRow {
            local: hex4(local),
            lport,
            remote: hex4(remote),
            rport,
            state,
            tx_queue: 0,
            rx_queue: 0,
            uid: 0,
            inode: 0,
        }
    }
    pub fn v6(local: Ipv6Addr, lport: u16, remote: Ipv6Addr, rport: u16, state: u8) -> Self {
        InetRow {
            local: hex6(local),
            lport,
            remote: hex6(remote),
            rport,
            state,
            tx_queue: 0,
            rx_queue: 0,
            uid: 0,
            inode: 0,
        }
    }
    pub fn inode(mut self, inode: u64) -> Self {
        self.inode = inode;
        self
    }
    /// `tx_queue:rx_queue`; netstat shows rx as Recv-Q and tx as Send-Q.
    pub fn queues(mut self, tx: u32, rx: u32) -> Self {
        self.tx_queue = tx;
        self.rx_queue = rx;
        self
    }
    pub fn uid(mut self, uid: u32) -> Self {
        self.uid = uid;
        self
    }
}

fn pad(mut line: String, width: usize) -> String {
    while line.len() < width {
        line.push(' ');
    }
    line.push('\n');
    line
}

/// `/proc/net/tcp` or `tcp6` text (v4 rows padded to 149 chars like the kernel does).
/// TIME_WAIT rows get the kernel's short TIME_WAIT layout.
pub fn tcp_table(rows: &[InetRow]) -> String {
    let v6 = rows.first().is_some_and(|r| r.local.len() == 32);
    let mut s = if v6 { format!("{TCP6_HEADER}\n") } else { pad(TCP_HEADER.to_string(), 149) };
    for (sl, r) in rows.iter().enumerate() {
        let head = format!(
            "{:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X}",
            sl, r.local, r.lport, r.remote, r.rport, r.state, r.tx_queue, r.rx_queue
        );
        let line = if r.state == st::TIME_WAIT {
            format!("{head} 03:00000F05 00000000 {:5} {:8} {} 3 0000000000000000", 0, 0, 0)
        } else {
            let timer = if r.state == st::LISTEN { 0 } else { 2 };
            format!(
                "{head} {timer:02X}:{:08X} 00000000 {:5} {:8} {} 1 0000000000000000 100 0 0 10 -1",
                if timer == 0 { 0 } else { 0x1F3A },
                r.uid,
                0,
                r.inode
            )
        };
        if v6 {
            s.push_str(&line);
            s.push('\n');
        } else {
            s.push_str(&pad(line, 149));
        }
    }
    s
}

/// `/proc/net/udp`, `udp6`, `udplite`, `udplite6` text (v4 padded to 127 chars).
pub fn udp_table(rows: &[InetRow]) -> String {
    let v6 = rows.first().is_some_and(|r| r.local.len() == 32);
    let mut s = if v6 { format!("{UDP6_HEADER}\n") } else { pad(UDP_HEADER.to_string(), 127) };
    for (i, r) in rows.iter().enumerate() {
        // udp's `sl` is the hash bucket: not unique, not sorted.
        let sl = (r.lport as usize * 7 + i) % 1024;
        let line = format!(
            "{:5}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {} 2 0000000000000000 0",
            sl, r.local, r.lport, r.remote, r.rport, r.state, r.tx_queue, r.rx_queue, r.uid, 0, r.inode
        );
        if v6 {
            s.push_str(&line);
            s.push('\n');
        } else {
            s.push_str(&pad(line, 127));
        }
    }
    s
}

/// `/proc/net/raw` or `raw6` text; the "port" is the IP protocol number.
pub fn raw_table(rows: &[InetRow]) -> String {
    let v6 = rows.first().is_some_and(|r| r.local.len() == 32);
    let mut s = if v6 { format!("{UDP6_HEADER}\n") } else { format!("{RAW_HEADER}\n") };
    for r in rows {
        let _ = writeln!(
            s,
            "{:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:5} {:8} {} 2 0000000000000000 0",
            r.lport, r.local, r.lport, r.remote, r.rport, r.state, r.tx_queue, r.rx_queue, r.uid, 0, r.inode
        );
    }
    s
}

/// unix socket types and flags.
pub mod ux {
    pub const STREAM: u16 = 1;
    pub const DGRAM: u16 = 2;
    pub const SEQPACKET: u16 = 5;
    pub const ACC: u32 = 0x0001_0000;
    pub const UNCONNECTED: u8 = 1;
    pub const CONNECTED: u8 = 3;
}

/// One row of `/proc/net/unix`.
#[derive(Clone, Debug)]
pub struct UnixRow {
    pub refcnt: u32,
    pub proto: u32,
    pub flags: u32,
    pub ty: u16,
    pub st: u8,
    pub inode: u64,
    /// `None`: unnamed socket (the kernel writes no path field at all).
    pub path: Option<String>,
}

impl UnixRow {
    /// A listening socket (`Flags 00010000`, `St 01`).
    pub fn listening(ty: u16, inode: u64, path: Option<&str>) -> Self {
        UnixRow {
            refcnt: 2,
            proto: 0,
            flags: ux::ACC,
            ty,
            st: ux::UNCONNECTED,
            inode,
            path: path.map(str::to_string),
        }
    }
    pub fn other(flags: u32, ty: u16, st: u8, inode: u64, path: Option<&str>) -> Self {
        UnixRow { refcnt: 3, proto: 0, flags, ty, st, inode, path: path.map(str::to_string) }
    }
    pub fn refcnt(mut self, refcnt: u32) -> Self {
        self.refcnt = refcnt;
        self
    }
}

/// `/proc/net/unix` text.
pub fn unix_table(rows: &[UnixRow]) -> String {
    let mut s = format!("{UNIX_HEADER}\n");
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            s,
            "{:016x}: {:08X} {:08X} {:08X} {:04X} {:02X} {:5}",
            0xffff_8880_0000_0000_u64 + (i as u64) * 0x400,
            r.refcnt,
            r.proto,
            r.flags,
            r.ty,
            r.st,
            r.inode
        );
        if let Some(p) = &r.path {
            s.push(' ');
            s.push_str(p);
        }
        s.push('\n');
    }
    s
}

/// Rewrites an Internet table written by a little-endian host into what a big-endian host writes
/// for the same sockets: every 8-hex-digit word of the two address columns is byte-swapped.
/// Everything else (ports, states, padding) is identical on both.
pub fn to_big_endian(table: &str) -> String {
    let mut out = String::with_capacity(table.len());
    for (i, line) in table.split_inclusive('\n').enumerate() {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        // Leading `   sl: `, then two `ADDR:PORT` columns.
        let colon = rest.find(':').map_or(0, |c| c + 1);
        out.push_str(&rest[..colon]);
        rest = &rest[colon..];
        for _ in 0..2 {
            let start = rest.len() - rest.trim_start().len();
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find(':').unwrap_or(0);
            let addr = &rest[..end];
            if addr.len() % 8 == 0 && addr.bytes().all(|b| b.is_ascii_hexdigit()) {
                for w in addr.as_bytes().chunks(8) {
                    // Eight ASCII hex digits (checked above), so both conversions succeed.
                    let v = std::str::from_utf8(w).ok().and_then(|w| u32::from_str_radix(w, 16).ok());
                    let _ = write!(out, "{:08X}", v.unwrap_or(0).swap_bytes());
                }
            } else {
                out.push_str(addr);
            }
            rest = &rest[end..];
            let sp = rest.find(' ').unwrap_or(rest.len());
            out.push_str(&rest[..sp]);
            rest = &rest[sp..];
        }
        out.push_str(rest);
    }
    out
}
