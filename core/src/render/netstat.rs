//! `LC_ALL=C netstat -nlp` (net-tools 2.10), byte for byte, from the report's listeners.
//!
//! C's `printf` pads by bytes, and program names and paths are bytes that may not be UTF-8, so
//! this renderer writes bytes.

use std::io::Write;

use super::addr::netstat_endpoint;
use crate::analysis::listeners::{Listener, UnixListener};
use crate::layout::TableKind;
use crate::proc::inet::TCP_STATE_NAMES;
use crate::proc::unix::{self, SO_ACCEPTCON, SO_NOSPACE, SO_WAITDATA};
use crate::report::Report;

const INET_HEADER: &[u8] = b"Active Internet connections (only servers)\n\
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n";
const UNIX_HEADER: &[u8] = b"Active UNIX domain sockets (only servers)\n\
Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n";

/// The netstat text of a report.
pub fn netstat_bytes(report: &Report) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + 120 * (report.listeners.len() + report.unix_listeners.len()));
    out.extend_from_slice(INET_HEADER);
    for l in &report.listeners {
        inet_row(&mut out, l);
    }
    out.extend_from_slice(UNIX_HEADER);
    for u in &report.unix_listeners {
        unix_row(&mut out, u, report.unix_has_inode);
    }
    out
}

/// `printf("%-*s", width, s)` on bytes.
fn pad_left_aligned(out: &mut Vec<u8>, s: &[u8], width: usize) {
    out.extend_from_slice(s);
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(s.len())));
}

fn inet_row(out: &mut Vec<u8>, l: &Listener) {
    let local = netstat_endpoint(&l.local_addr, l.local_port);
    let remote = netstat_endpoint(&l.remote_addr, l.remote_port);
    let proto = l.proto.netstat_proto();
    // write! into a Vec cannot fail.
    let _ = match l.proto {
        TableKind::Tcp | TableKind::Tcp6 => {
            let state = TCP_STATE_NAMES.get(l.state as usize).copied().unwrap_or("UNKNOWN");
            write!(out, "{proto:<4}  {:>6} {:>6} {local:<23} {remote:<23} {state:<11}", l.recv_q, l.send_q)
        }
        TableKind::Raw | TableKind::Raw6 => {
            write!(
                out,
                "{proto:<4}  {:>6} {:>6} {local:<23} {remote:<23} {:<11}",
                l.recv_q, l.send_q, l.state
            )
        }
        _ => {
            let state = match l.state {
                1 => "ESTABLISHED",
                7 => "",
                _ => "UNKNOWN",
            };
            write!(out, "{proto:<5} {:>6} {:>6} {local:<23} {remote:<23} {state:<11}", l.recv_q, l.send_q)
        }
    };
    out.push(b' ');
    pad_left_aligned(out, l.netstat_program.as_bytes(), 20);
    out.push(b'\n');
}

fn unix_row(out: &mut Vec<u8>, u: &UnixListener, has_inode: bool) {
    let proto = if u.protocol == 0 { "unix" } else { "??" };
    let mut flags = String::from("[ ");
    if u.flags & SO_ACCEPTCON != 0 {
        flags.push_str("ACC ");
    }
    if u.flags & SO_WAITDATA != 0 {
        flags.push_str("W ");
    }
    if u.flags & SO_NOSPACE != 0 {
        flags.push_str("N ");
    }
    flags.push(']');
    let sock_type = unix::type_name(u.sock_type);
    let state = unix::state_name(u.state, u.flags);
    let _ = write!(out, "{proto:<5} {:<6} {flags:<11} {sock_type:<10} {state:<13} ", u.refcount);
    if has_inode {
        let _ = write!(out, "{:<8}", u.inode);
    } else {
        out.extend_from_slice(b"-       ");
    }
    out.push(b' ');
    pad_left_aligned(out, u.netstat_program.as_bytes(), 20);
    out.push(b' ');
    if has_inode {
        // sscanf("%s"): the first word of the path.
        let word = u
            .path
            .as_bytes()
            .split(|b| b" \t\n\x0b\x0c\r".contains(b))
            .find(|w| !w.is_empty())
            .unwrap_or(b"");
        out.extend_from_slice(word);
    } else {
        let _ = write!(out, "{}", u.inode);
    }
    out.push(b'\n');
}
