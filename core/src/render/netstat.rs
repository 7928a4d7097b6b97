//! `LC_ALL=C netstat -nlp`, byte for byte, from the report's listeners, as the report's flavour
//! prints it (`docs/netstat-compat.md`): net-tools 2.10 and Red Hat's 2.x builds share one
//! layout, CentOS 6's 1.60 and busybox have their own.
//!
//! C's `printf` pads by bytes, and program names and paths are bytes that may not be UTF-8, so
//! this renderer writes bytes.

use std::io::Write;
use std::net::IpAddr;

use super::addr::{glibc_ntop6, netstat_endpoint};
use crate::analysis::listeners::{self, Listener, UnixListener};
use crate::flavour::Flavour;
use crate::layout::TableKind;
use crate::proc::inet::{TCP_LISTEN, TCP_STATE_NAMES};
use crate::proc::unix::{self, SO_ACCEPTCON, SO_NOSPACE, SO_WAITDATA};
use crate::report::Report;

const INET_TITLE: &[u8] = b"Active Internet connections (only servers)\n";
const INET_HEADER: &[u8] =
    b"Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n";
const CENTOS6_INET_HEADER: &[u8] =
    b"Proto Recv-Q Send-Q Local Address               Foreign Address             State       PID/Program name   \n";
const UNIX_TITLE: &[u8] = b"Active UNIX domain sockets (only servers)\n";
const UNIX_HEADER: &[u8] =
    b"Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n";
/// 1.60's and busybox's unix header.
const SHORT_UNIX_HEADER: &[u8] =
    b"Proto RefCnt Flags       Type       State         I-Node PID/Program name    Path\n";
/// RHEL 8/9 build with Bluetooth: its `-l` section prints these even with no Bluetooth socket.
const BLUETOOTH: &[u8] = b"Active Bluetooth connections (only servers)\n\
Proto  Destination       Source            State         PSM DCID   SCID      IMTU    OMTU Security\n\
Proto  Destination       Source            State     Channel\n";

/// The netstat text of a report, in the report's flavour.
pub fn netstat_bytes(report: &Report) -> Vec<u8> {
    netstat_lines(report).concat()
}

/// The same text as the lines netstat writes, each with its newline: what a terminal receives
/// one `write(2)` at a time.
pub fn netstat_lines(report: &Report) -> Vec<Vec<u8>> {
    let flavour = report.netstat.flavour;
    let mut out = Vec::with_capacity(8 + report.listeners.len() + report.unix_listeners.len());
    out.push(INET_TITLE.to_vec());
    out.push(if flavour == Flavour::Centos6 { CENTOS6_INET_HEADER } else { INET_HEADER }.to_vec());
    let printed = listeners::printed(flavour, &report.listeners);
    for (l, _) in report.listeners.iter().zip(printed).filter(|(_, p)| *p) {
        out.push(inet_line(flavour, l));
    }
    out.push(UNIX_TITLE.to_vec());
    out.push(
        if matches!(flavour, Flavour::Centos6 | Flavour::Busybox) { SHORT_UNIX_HEADER } else { UNIX_HEADER }
            .to_vec(),
    );
    for u in &report.unix_listeners {
        out.push(unix_line(flavour, u, report.unix_has_inode));
    }
    if matches!(flavour, Flavour::Rhel8 | Flavour::Rhel9) {
        out.extend(BLUETOOTH.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    out
}

/// Fill each stall's `after` with the line netstat printed before it (the cost analysis knows
/// the line's number; this layer knows its text).
pub fn name_stalls(report: &mut Report) {
    if report.cost.stalls.is_empty() {
        return;
    }
    let lines = netstat_lines(report);
    for stall in &mut report.cost.stalls {
        stall.after = stall
            .after_line
            .and_then(|n| lines.get(n as usize - 1))
            .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\n").unwrap_or(l)).into_owned());
    }
}

/// One Internet row as the flavour prints it.
pub fn inet_line(flavour: Flavour, l: &Listener) -> Vec<u8> {
    let mut out = Vec::with_capacity(112);
    match flavour {
        Flavour::Centos6 => centos6_row(&mut out, l),
        Flavour::Busybox => busybox_row(&mut out, l),
        _ => inet_row(&mut out, l),
    }
    out
}

/// `printf("%-*s", width, s)` on bytes.
fn pad_left_aligned(out: &mut Vec<u8>, s: &[u8], width: usize) {
    out.extend_from_slice(s);
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(s.len())));
}

/// The State column: TCP names (a state past the table is out of bounds in C; `UNKNOWN` here),
/// raw sockets' number, UDP's two names.
fn state_text(l: &Listener) -> String {
    match l.proto {
        TableKind::Tcp | TableKind::Tcp6 => {
            TCP_STATE_NAMES.get(l.state as usize).copied().unwrap_or("UNKNOWN").to_string()
        }
        TableKind::Raw | TableKind::Raw6 => l.state.to_string(),
        _ => match l.state {
            1 => "ESTABLISHED",
            7 => "",
            _ => "UNKNOWN",
        }
        .to_string(),
    }
}

fn inet_row(out: &mut Vec<u8>, l: &Listener) {
    let local = netstat_endpoint(&l.local_addr, l.local_port);
    let remote = netstat_endpoint(&l.remote_addr, l.remote_port);
    let proto = l.proto.netstat_proto();
    let state = state_text(l);
    // write! into a Vec cannot fail.
    let _ = match l.proto {
        TableKind::Tcp | TableKind::Tcp6 | TableKind::Raw | TableKind::Raw6 => {
            write!(out, "{proto:<4}  {:>6} {:>6} {local:<23} {remote:<23} {state:<11}", l.recv_q, l.send_q)
        }
        _ => write!(out, "{proto:<5} {:>6} {:>6} {local:<23} {remote:<23} {state:<11}", l.recv_q, l.send_q),
    };
    out.push(b' ');
    pad_left_aligned(out, l.netstat_program.as_bytes(), 20);
    out.push(b'\n');
}

/// Address text without 2.10's `fix_v4_address`: IPv4-mapped stays `::ffff:a.b.c.d`.
fn plain_addr(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => glibc_ntop6(v6),
    }
}

fn port_text(port: u16) -> String {
    if port == 0 { "*".into() } else { port.to_string() }
}

/// 1.60's endpoint: 27 columns; when `addr:port` would fill them, the address is cut to
/// 26 − len(port) for TCP and 22 − len(port) for UDP and raw (two patches, two widths).
fn centos6_endpoint(ip: &IpAddr, port: u16, tcp: bool) -> String {
    let mut addr = plain_addr(ip);
    let port = port_text(port);
    if addr.len() + 1 + port.len() >= 27 {
        let keep = if tcp { 26 } else { 22 };
        addr.truncate(keep - port.len().min(keep));
    }
    format!("{addr}:{port}")
}

fn centos6_row(out: &mut Vec<u8>, l: &Listener) {
    let tcp = l.proto.is_tcp();
    let local = centos6_endpoint(&l.local_addr, l.local_port, tcp);
    let remote = centos6_endpoint(&l.remote_addr, l.remote_port, tcp);
    // One label per protocol: 1.60 prints `tcp` for tcp6 rows too.
    let proto = match l.proto {
        TableKind::Tcp | TableKind::Tcp6 => "tcp",
        TableKind::Raw | TableKind::Raw6 => "raw",
        _ => "udp",
    };
    // Red Hat's patch: the queues of a listening socket are not shown.
    let (rq, sq) = if tcp && l.state == TCP_LISTEN { (0, 0) } else { (l.recv_q, l.send_q) };
    let state = state_text(l);
    let _ = write!(out, "{proto:<5} {rq:>6} {sq:>6} {local:<27} {remote:<27} {state:<12}");
    pad_left_aligned(out, l.netstat_program.as_bytes(), 20);
    out.push(b'\n');
}

fn busybox_row(out: &mut Vec<u8>, l: &Listener) {
    // Never cut: a long address pushes the columns right.
    let local = format!("{}:{}", plain_addr(&l.local_addr), port_text(l.local_port));
    let remote = format!("{}:{}", plain_addr(&l.remote_addr), port_text(l.remote_port));
    let proto = match l.proto {
        TableKind::Tcp | TableKind::Tcp6 => "tcp",
        TableKind::Raw | TableKind::Raw6 => "raw",
        _ => "udp",
    };
    // Raw rows: busybox's state buffer still holds the local port text (the protocol number).
    let state = match l.proto {
        TableKind::Raw | TableKind::Raw6 => l.local_port.to_string(),
        _ => state_text(l),
    };
    let _ = write!(out, "{proto:<4}  {:>6} {:>6} {local:<23} {remote:<23} {state:<11} ", l.recv_q, l.send_q);
    // `%.20s`: no padding.
    out.extend_from_slice(l.netstat_program.as_bytes());
    out.push(b'\n');
}

fn unix_flags(flags: u32) -> String {
    let mut text = String::from("[ ");
    if flags & SO_ACCEPTCON != 0 {
        text.push_str("ACC ");
    }
    if flags & SO_WAITDATA != 0 {
        text.push_str("W ");
    }
    if flags & SO_NOSPACE != 0 {
        text.push_str("N ");
    }
    text.push(']');
    text
}

/// The path up to its first NUL: netstat prints a C string, and an abstract name padded with
/// NULs (older kernels print the whole sun_path) ends at the first one.
fn c_string(path: &[u8]) -> &[u8] {
    match path.iter().position(|&b| b == 0) {
        Some(n) => &path[..n],
        None => path,
    }
}

/// `sscanf("%s")`: the first word of the path (net-tools and 1.60 read it so).
fn first_word(path: &[u8]) -> &[u8] {
    path.split(|b| b" \t\n\x0b\x0c\r".contains(b)).find(|w| !w.is_empty()).unwrap_or(b"")
}

/// One unix row as the flavour prints it.
pub fn unix_line(flavour: Flavour, u: &UnixListener, has_inode: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let proto = if u.protocol == 0 { "unix" } else { "??" };
    let flags = unix_flags(u.flags);
    let sock_type = unix::type_name(u.sock_type);
    let state = unix::state_name(u.state, u.flags);
    let _ = write!(out, "{proto:<5} {:<6} {flags:<11} {sock_type:<10} {state:<13} ", u.refcount);
    let program = u.netstat_program.as_bytes();
    let path = c_string(u.path.as_bytes());
    match (flavour, has_inode) {
        (Flavour::Busybox, _) => {
            let _ = write!(out, "{:>6} ", u.inode);
            pad_left_aligned(&mut out, program, 20);
            // The whole path, control characters as `^X`.
            for &b in path {
                match b {
                    0..=31 => out.extend_from_slice(&[b'^', b + 64]),
                    127 => out.extend_from_slice(b"^?"),
                    _ => out.push(b),
                }
            }
        }
        (Flavour::Centos6, true) => {
            let _ = write!(out, "{:<6} ", u.inode);
            pad_left_aligned(&mut out, program, 20);
            out.extend_from_slice(first_word(path));
        }
        (_, true) => {
            let _ = write!(out, "{:<8} ", u.inode);
            pad_left_aligned(&mut out, program, 20);
            out.push(b' ');
            out.extend_from_slice(first_word(path));
        }
        (_, false) => {
            // No Inode column (Linux 2.0): netstat prints `-` and the field it read as the
            // inode, the path's place.
            out.extend_from_slice(b"-        ");
            pad_left_aligned(&mut out, program, 20);
            out.push(b' ');
            let _ = write!(out, "{}", u.inode);
        }
    }
    out.push(b'\n');
    out
}
