//! `/proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}`: one row per socket.
//!
//! Row layout after the `sl:` counter (kernel `tcp4_seq_show` / `udp4_format_sock` and friends):
//! `LOCAL:PORT REMOTE:PORT ST TXQ:RXQ TR:WHEN RETRNSMT UID TIMEOUT INODE …`. Addresses are the
//! in-memory bytes of the writing host printed as 32-bit words, so the byte order is a parameter.
//! TIME_WAIT rows stop after the pointer field; we read up to the inode and ignore the rest.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use nom::Parser;
use nom::sequence::preceded;

use super::lex::{
    Column, LineError, PResult, Problem, RowError, ScanStats, blanks, byte, col, dec_i64, dec_u64, hex_exact,
    hex_fixed, hex_u32, hex_u64, opt_blanks, out_of_range, scan,
};
use crate::layout::TableKind;
use crate::types::{ByteOrder, Diagnostic};

/// One row of an Internet socket table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InetSocket {
    pub table: TableKind,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    /// Kernel state number (TCP: 1..=11; UDP: 1 connected, 7 unconnected).
    pub state: u8,
    pub tx_queue: u32,
    /// For a LISTEN row: connections waiting to be accepted.
    pub rx_queue: u32,
    /// Which timer runs: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe.
    pub timer: u8,
    /// Time left on that timer, in clock ticks of the capturing host's USER_HZ.
    pub timer_ticks: u32,
    pub retransmits: u32,
    pub uid: u32,
    /// 0 for TIME_WAIT rows and for connections not yet accepted: such rows have no owner.
    pub inode: u64,
    /// Line number in the file (1-based), for diagnostics and the viewer.
    pub line: u32,
}

pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_TIME_WAIT: u8 = 6;
pub const TCP_CLOSE: u8 = 7;
pub const TCP_LISTEN: u8 = 10;

/// TCP state names, indexed by the kernel's state number (as netstat's `tcp_state[]`).
pub const TCP_STATE_NAMES: [&str; 12] = [
    "",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
];

impl InetSocket {
    /// The state as a person reads it, for any table (UDP and raw use TCP's numbers).
    pub fn state_name(&self) -> &'static str {
        state_name(self.table, self.state)
    }

    pub fn is_time_wait(&self) -> bool {
        self.table.is_tcp() && self.state == TCP_TIME_WAIT
    }
}

pub fn state_name(table: TableKind, state: u8) -> &'static str {
    if table.is_tcp() {
        TCP_STATE_NAMES.get(state as usize).copied().filter(|s| !s.is_empty()).unwrap_or("UNKNOWN")
    } else {
        match state {
            TCP_ESTABLISHED => "ESTABLISHED",
            TCP_CLOSE => "UNCONN",
            _ => "UNKNOWN",
        }
    }
}

/// Decode one address column: 8 hex digits (IPv4) or 32 (IPv6, four 32-bit words).
#[inline]
pub fn address(input: &[u8], order: ByteOrder) -> super::lex::PResult<'_, IpAddr> {
    let word = |v: u32| word(v, order);
    let (rest, w0) = hex_fixed::<8>(input)?;
    if rest.first().is_some_and(|b| b.is_ascii_hexdigit()) {
        let (rest, w1) = hex_fixed::<8>(rest)?;
        let (rest, w2) = hex_fixed::<8>(rest)?;
        let (rest, w3) = hex_fixed::<8>(rest)?;
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&word(w0));
        b[4..8].copy_from_slice(&word(w1));
        b[8..12].copy_from_slice(&word(w2));
        b[12..16].copy_from_slice(&word(w3));
        if rest.first().is_some_and(|b| b.is_ascii_hexdigit()) {
            return Err(nom::Err::Error(RowError::Nom(nom::error::ErrorKind::TooLarge)));
        }
        return Ok((rest, IpAddr::V6(Ipv6Addr::from(b))));
    }
    Ok((rest, IpAddr::V4(Ipv4Addr::from(word(w0)))))
}

#[inline]
fn port(input: &[u8]) -> super::lex::PResult<'_, u16> {
    let (rest, v) = hex_u32(input)?;
    match u16::try_from(v) {
        Ok(p) => Ok((rest, p)),
        Err(_) => Err(nom::Err::Error(RowError::Nom(nom::error::ErrorKind::TooLarge))),
    }
}

/// Parse one data row. The error names the table, line and column that did not parse.
#[inline]
pub fn parse_row(
    line: &[u8],
    table: TableKind,
    order: ByteOrder,
    line_no: u32,
) -> Result<InetSocket, LineError> {
    parse_row_end(line, table, order, line_no).map(|(row, _)| row)
}

/// [`parse_row`], with the offset in `line` where the inode column ends (the kernel's columns
/// after it are not read).
#[inline]
pub fn parse_row_end(
    line: &[u8],
    table: TableKind,
    order: ByteOrder,
    line_no: u32,
) -> Result<(InetSocket, usize), LineError> {
    match fast_row(line, table, order, line_no) {
        Some(row) => Ok(row),
        None => general_row(line, table, order, line_no),
    }
}

/// Where a second row starts in what follows a row's inode (`N: ADDR:` with 8 or 32 hex digits),
/// when two rows were joined on one line (a hand-edited or transcribed table): netstat reads only
/// the first, so the second is lost and the caller says so. Kernel rows have no `:` after the
/// inode, so this costs one `memchr` per row.
#[inline]
pub fn second_row(tail: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(n) = memchr::memchr(b':', &tail[from..]) {
        let p = from + n;
        from = p + 1;
        let digits = tail[..p].iter().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || tail.get(p + 1) != Some(&b' ') {
            continue;
        }
        let start = p - digits;
        if start > 0 && !tail[start - 1].is_ascii_whitespace() {
            continue;
        }
        let addr = opt_blanks(&tail[p + 1..]);
        let hex = addr.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if (hex == 8 || hex == 32) && addr.get(hex) == Some(&b':') {
            return Some(start);
        }
    }
    None
}

/// The bytes of a printed 32-bit address word on a host of `order`.
#[inline(always)]
pub(crate) fn word(v: u32, order: ByteOrder) -> [u8; 4] {
    match order {
        ByteOrder::Little => v.to_le_bytes(),
        ByteOrder::Big => v.to_be_bytes(),
    }
}

/// An address of `hex_len` (8 or 32) fixed hex digits.
#[inline(always)]
fn fixed_address(b: &[u8], v6: bool, order: ByteOrder) -> Option<IpAddr> {
    if v6 {
        let mut a = [0u8; 16];
        for (i, chunk) in a.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&word(hex_exact::<8>(&b[i * 8..])?, order));
        }
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    } else {
        Some(IpAddr::V4(Ipv4Addr::from(word(hex_exact::<8>(b)?, order))))
    }
}

/// The kernel prints every column up to the uid with a fixed width (`%08X:%04X %08X:%04X %02X
/// %08X:%08X %02X:%08lX %08X`): read them at fixed offsets, with no per-byte branching. Any
/// deviation (an expired timer printed with 16 digits, a hand-edited row) returns `None` and the
/// general parser takes over, so both paths accept the same rows with the same result.
#[inline(always)]
fn fast_row(line: &[u8], table: TableKind, order: ByteOrder, line_no: u32) -> Option<(InetSocket, usize)> {
    // "%4d: " — the slot number is right-aligned in at least 4 columns.
    let colon = line.iter().take(16).position(|&b| b == b':')?;
    if !line[..colon].iter().all(|&b| b == b' ' || b.is_ascii_digit())
        || !line[..colon].iter().any(u8::is_ascii_digit)
    {
        return None;
    }
    let r = line.get(colon + 2..)?;
    if line[colon + 1] != b' ' {
        return None;
    }
    let v6 = r.get(8) != Some(&b':');
    let a = if v6 { 32 } else { 8 };
    // Offsets of the fixed columns after "sl: ".
    let (lp, ra) = (a + 1, a + 6);
    let rp = ra + a + 1;
    let st = rp + 5;
    let tx = st + 3;
    let rx = tx + 9;
    let tr = rx + 9;
    let when = tr + 3;
    let retr = when + 9;
    let end = retr + 8;
    let fixed = r.get(..end + 1)?;
    let seps = [
        (a, b':'),
        (lp + 4, b' '),
        (ra + a, b':'),
        (rp + 4, b' '),
        (st + 2, b' '),
        (tx + 8, b':'),
        (rx + 8, b' '),
        (tr + 2, b':'),
        (when + 8, b' '),
        (end, b' '),
    ];
    if seps.iter().any(|&(i, c)| fixed[i] != c) {
        return None;
    }
    let local_addr = fixed_address(r, v6, order)?;
    let local_port = hex_exact::<4>(&r[lp..])? as u16;
    let remote_addr = fixed_address(&r[ra..], v6, order)?;
    let remote_port = hex_exact::<4>(&r[rp..])? as u16;
    let state = hex_exact::<2>(&r[st..])? as u8;
    let tx_queue = hex_exact::<8>(&r[tx..])?;
    let rx_queue = hex_exact::<8>(&r[rx..])?;
    let timer = hex_exact::<2>(&r[tr..])? as u8;
    let timer_ticks = hex_exact::<8>(&r[when..])?;
    let retransmits = hex_exact::<8>(&r[retr..])?;
    let (uid, inode, tail_end) = fast_tail(&r[end..])?;
    let row = InetSocket {
        table,
        local_addr,
        local_port,
        remote_addr,
        remote_port,
        state,
        tx_queue,
        rx_queue,
        timer,
        timer_ticks,
        retransmits,
        uid: u32::try_from(uid).ok()?,
        inode,
        line: line_no,
    };
    Some((row, colon + 2 + end + tail_end))
}

/// The decimal tail after the fixed columns, ` UID TIMEOUT INODE` (spaces before each; the
/// timeout may be negative; the rest of the line is ignored), with no per-field error
/// handling: anything unusual (tabs, 19+ digits) returns `None` and the general parser decides.
#[inline(always)]
fn fast_tail(b: &[u8]) -> Option<(u64, u64, usize)> {
    #[inline(always)]
    fn spaces(b: &[u8], mut p: usize) -> Option<usize> {
        let start = p;
        while p < b.len() && b[p] == b' ' {
            p += 1;
        }
        (p > start).then_some(p)
    }
    #[inline(always)]
    fn digits(b: &[u8], mut p: usize) -> Option<(u64, usize)> {
        let start = p;
        let mut v = 0u64;
        while p < b.len() && b[p].is_ascii_digit() && p - start < 18 {
            v = v * 10 + (b[p] - b'0') as u64;
            p += 1;
        }
        let ok = p > start && !(p < b.len() && b[p].is_ascii_digit());
        ok.then_some((v, p))
    }
    let p = spaces(b, 0)?;
    let (uid, p) = digits(b, p)?;
    let mut p = spaces(b, p)?;
    if b.get(p) == Some(&b'-') {
        p += 1;
    }
    let (_timeout, p) = digits(b, p)?;
    let p = spaces(b, p)?;
    let (inode, p) = digits(b, p)?;
    Some((uid, inode, p))
}

/// A blank, then a hex number: one of the `%X` columns.
#[inline]
fn hex_col<'a>(column: Column) -> impl Parser<&'a [u8], Output = u32, Error = RowError> {
    preceded(col(column, Problem::Missing, blanks), col(column, Problem::Bad, hex_u32))
}

/// A blank, then `ADDRESS:PORT`.
#[inline]
fn endpoint<'a>(
    addr: Column,
    port_col: Column,
    order: ByteOrder,
) -> impl Parser<&'a [u8], Output = (IpAddr, u16), Error = RowError> {
    preceded(
        col(addr, Problem::Missing, blanks),
        (
            col(addr, Problem::Bad, move |i| address(i, order)),
            preceded(col(port_col, Problem::Separator, byte(b':')), col(port_col, Problem::Bad, port)),
        ),
    )
}

/// The columns up to the inode, each named for the error.
#[allow(clippy::type_complexity)]
fn general_columns(
    i: &[u8],
    order: ByteOrder,
) -> PResult<'_, ((IpAddr, u16), (IpAddr, u16), u32, (u32, u32), (u32, u64), u32, u64, u64)> {
    let (i, _) = (
        opt_blanks_p,
        col(Column::Slot, Problem::Bad, dec_u64),
        col(Column::Slot, Problem::Separator, byte(b':')),
    )
        .parse(i)?;
    (
        endpoint(Column::LocalAddress, Column::LocalPort, order),
        endpoint(Column::RemoteAddress, Column::RemotePort, order),
        hex_col(Column::State),
        (
            hex_col(Column::TxQueue),
            preceded(
                col(Column::RxQueue, Problem::Separator, byte(b':')),
                col(Column::RxQueue, Problem::Bad, hex_u32),
            ),
        ),
        (
            hex_col(Column::Timer),
            preceded(
                col(Column::TimerExpiry, Problem::Separator, byte(b':')),
                col(Column::TimerExpiry, Problem::Bad, hex_u64),
            ),
        ),
        hex_col(Column::Retransmits),
        preceded(col(Column::Uid, Problem::Missing, blanks), col(Column::Uid, Problem::Bad, dec_u64)),
        preceded(
            (
                col(Column::Timeout, Problem::Missing, blanks),
                col(Column::Timeout, Problem::Bad, dec_i64),
                col(Column::Inode, Problem::Missing, blanks),
            ),
            col(Column::Inode, Problem::Bad, dec_u64),
        ),
    )
        .parse(i)
}

fn opt_blanks_p(i: &[u8]) -> PResult<'_, ()> {
    Ok((opt_blanks(i), ()))
}

/// The general parser: any amount of blank space, any number of digits per field.
fn general_row(
    line: &[u8],
    table: TableKind,
    order: ByteOrder,
    line_no: u32,
) -> Result<(InetSocket, usize), LineError> {
    let located = |error| LineError { table, line: line_no, error };
    let (rest, (local, remote, state, (tx_queue, rx_queue), (timer, when), retransmits, uid, inode)) =
        general_columns(line, order).map_err(|e| match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => located(e),
            nom::Err::Incomplete(_) => located(RowError::Nom(nom::error::ErrorKind::Eof)),
        })?;
    let state = u8::try_from(state).map_err(|_| located(out_of_range(Column::State)))?;
    let uid = u32::try_from(uid).map_err(|_| located(out_of_range(Column::Uid)))?;
    let row = InetSocket {
        table,
        local_addr: local.0,
        local_port: local.1,
        remote_addr: remote.0,
        remote_port: remote.1,
        state,
        tx_queue,
        rx_queue,
        timer: timer.min(255) as u8,
        // A timer that already expired prints as a huge (negative) value: treat as 0 left.
        timer_ticks: u32::try_from(when).unwrap_or(0),
        retransmits,
        uid,
        inode,
        line: line_no,
    };
    Ok((row, line.len() - rest.len()))
}

/// The diagnostic for a line that holds a second row after the first one's inode.
pub fn joined_rows_message(at: usize) -> String {
    format!(
        "two rows on one line: the second (from byte {}) is not read, as netstat does not read it",
        at + 1
    )
}

/// What is wrong with a table's first line, if it is not the header (one that names the
/// `local_address` column): netstat skips the first line whatever it holds. A plain scan: it
/// runs once per table, and `memchr::memmem`'s searcher would add 1.4 KB to the viewer's module.
pub fn header_problem(line: &[u8]) -> Option<&'static str> {
    let named = line.windows(13).any(|w| w == b"local_address");
    (!named).then_some("the first line is not the table header; skipped it as netstat does")
}

/// Parse a whole table. Line 1 is the header and is skipped, as netstat does; malformed rows
/// become diagnostics and parsing goes on.
pub fn parse_table(
    data: &[u8],
    table: TableKind,
    order: ByteOrder,
    page_size: usize,
    out: &mut Vec<InetSocket>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ScanStats {
    let path = format!("proc/net/{}", table.file_name());
    // Kernel rows are 150 bytes (tcp) or 128 (udp) long: a good first guess of the row count.
    out.reserve(data.len() / 128);
    scan(data, page_size, |no, line| {
        if no == 1 {
            if let Some(problem) = header_problem(line) {
                diagnostics.push(Diagnostic::new(&path, 1, problem));
            }
            return;
        }
        match parse_row_end(line, table, order, no) {
            Ok((row, end)) => {
                out.push(row);
                if let Some(at) = second_row(&line[end..]) {
                    diagnostics.push(Diagnostic::new(&path, no, &joined_rows_message(end + at)));
                }
            }
            Err(_) if line.iter().all(|b| b.is_ascii_whitespace()) => {}
            Err(e) => diagnostics.push(Diagnostic::new(&path, no, &e.to_string())),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Rows captured on this machine (Debian 12, kernel 6.x, x86_64).
    const TCP_LISTEN_ROW: &[u8] = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0";
    const TCP_TW_ROW: &[u8] = b"   5: 0100007F:0051 0200007F:C350 06 00000000:00000000 03:000010EE 00000000     0        0 0 3 0000000000000000";
    const TCP6_ROW: &[u8] = b"   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22334 1 0000000000000000 100 0 0 10 0";
    const TCP6_MAPPED: &[u8] = b"   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 5555 1 0000000000000000 20 4 30 10 -1";
    const UDP_ROW: &[u8] = b"  411: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 18843 2 0000000000000000 0";

    #[test]
    fn listen_row_little_endian() {
        let r = parse_row(TCP_LISTEN_ROW, TableKind::Tcp, ByteOrder::Little, 2).unwrap();
        assert_eq!(r.local_addr, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(r.local_port, 8080);
        assert_eq!(r.remote_addr, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(r.remote_port, 0);
        assert_eq!(r.state, TCP_LISTEN);
        assert_eq!((r.tx_queue, r.rx_queue), (0, 2));
        assert_eq!(r.inode, 123456);
        assert_eq!(r.state_name(), "LISTEN");
    }

    #[test]
    fn same_row_big_endian_reads_reversed_bytes() {
        let r = parse_row(TCP_LISTEN_ROW, TableKind::Tcp, ByteOrder::Big, 2).unwrap();
        assert_eq!(r.local_addr, IpAddr::V4(Ipv4Addr::new(1, 0, 0, 127)));
        let be = b"   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0";
        let r = parse_row(be, TableKind::Tcp, ByteOrder::Big, 2).unwrap();
        assert_eq!(r.local_addr, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
    }

    #[test]
    fn short_time_wait_row() {
        let r = parse_row(TCP_TW_ROW, TableKind::Tcp, ByteOrder::Little, 7).unwrap();
        assert!(r.is_time_wait());
        assert_eq!(r.timer, 3);
        assert_eq!(r.timer_ticks, 4334);
        assert_eq!(r.inode, 0);
        assert_eq!(r.local_port, 81);
        assert_eq!(r.remote_addr, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    }

    #[test]
    fn ipv6_rows() {
        let r = parse_row(TCP6_ROW, TableKind::Tcp6, ByteOrder::Little, 2).unwrap();
        assert_eq!(r.local_addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
        let r = parse_row(TCP6_MAPPED, TableKind::Tcp6, ByteOrder::Little, 3).unwrap();
        assert_eq!(r.local_addr, "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(r.uid, 1000);
        let be = b"   0: 00000000000000000000000000000001:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1";
        let r = parse_row(be, TableKind::Tcp6, ByteOrder::Big, 2).unwrap();
        assert_eq!(r.local_addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn udp_row() {
        let r = parse_row(UDP_ROW, TableKind::Udp, ByteOrder::Little, 2).unwrap();
        assert_eq!(r.local_port, 53);
        assert_eq!(r.state_name(), "UNCONN");
        assert_eq!(r.uid, 101);
    }

    #[test]
    fn fast_and_general_paths_agree() {
        let odd_spacing = b"  7:   0100007F:1F90   00000000:0000 0A 0:2 00:0 0 0 0 99";
        let rows: [&[u8]; 6] = [TCP_LISTEN_ROW, TCP_TW_ROW, TCP6_ROW, TCP6_MAPPED, UDP_ROW, odd_spacing];
        for row in rows {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let general = general_row(row, TableKind::Tcp, order, 9).unwrap().0;
                assert_eq!(parse_row(row, TableKind::Tcp, order, 9).unwrap(), general);
            }
        }
        // The decimal tail: negative timeout, tabs, huge numbers, a missing inode.
        let head = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000";
        for tail in [
            " 0 -1 77",
            "  1000   0   4294967296 extra",
            "\t0 0 5",
            " 0 0 99999999999999999999",
            " 0 0 1234567890123456789",
            " 4294967296 0 1",
            " 0 -x 1",
            " 0 0",
            " 0 0 ",
            " 0 -0 8",
        ] {
            let row = format!("{head}{tail}");
            let general = general_row(row.as_bytes(), TableKind::Tcp, ByteOrder::Little, 9);
            assert_eq!(
                parse_row_end(row.as_bytes(), TableKind::Tcp, ByteOrder::Little, 9),
                general,
                "{tail:?}"
            );
            if let Some(fast) = fast_row(row.as_bytes(), TableKind::Tcp, ByteOrder::Little, 9) {
                assert_eq!(Ok(fast), general, "{tail:?}");
            }
        }
        assert!(fast_row(TCP_LISTEN_ROW, TableKind::Tcp, ByteOrder::Little, 1).is_some());
        assert!(fast_row(TCP6_ROW, TableKind::Tcp6, ByteOrder::Little, 1).is_some());
        assert!(fast_row(odd_spacing, TableKind::Tcp, ByteOrder::Little, 1).is_none());
        // An expired timer prints 16 hex digits: the general parser reads it as 0 left.
        let expired = b"   0: 0100007F:1F90 0200007F:C350 06 00000000:00000000 03:FFFFFFFFFFFFFFF0 00000000     0        0 0 3";
        assert!(fast_row(expired, TableKind::Tcp, ByteOrder::Little, 1).is_none());
        assert_eq!(parse_row(expired, TableKind::Tcp, ByteOrder::Little, 1).unwrap().timer_ticks, 0);
    }

    #[test]
    fn malformed_rows_name_the_field() {
        let bad = b"   0: 0100007G:1F90 00000000:0000 0A";
        let e = parse_row(bad, TableKind::Tcp, ByteOrder::Little, 2).unwrap_err();
        assert_eq!(
            (e.table, e.line, e.error.column()),
            (TableKind::Tcp, 2, (Column::LocalAddress, Problem::Bad))
        );
        assert_eq!(e.to_string(), "malformed row: bad or missing local address (8 or 32 hex digits)");
        let short = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000";
        let e = parse_row(short, TableKind::Udp, ByteOrder::Little, 5).unwrap_err();
        assert_eq!(
            (e.table, e.line, e.error.column()),
            (TableKind::Udp, 5, (Column::Timer, Problem::Missing))
        );
        assert_eq!(e.to_string(), "malformed row: bad or missing timer");
        let big_state = b"   0: 0100007F:1F90 00000000:0000 100 00000000:00000000 00:00000000 00000000 0 0 1";
        let e = parse_row(big_state, TableKind::Tcp, ByteOrder::Little, 2).unwrap_err();
        assert_eq!(e.to_string(), "malformed row: bad or missing state out of range");
        let no_colon = b"   0 0100007F:1F90";
        let e = parse_row(no_colon, TableKind::Tcp, ByteOrder::Little, 2).unwrap_err();
        assert_eq!(e.to_string(), "malformed row: bad or missing ':' after the slot number");
        let big_port = b"   0: 0100007F:11F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1";
        assert!(parse_row(big_port, TableKind::Tcp, ByteOrder::Little, 2).is_err());
    }

    #[test]
    fn table_skips_header_and_keeps_going_after_a_bad_row() {
        let mut data = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n".to_vec();
        data.extend_from_slice(TCP_LISTEN_ROW);
        data.extend_from_slice(b"\n   1: garbage\n");
        data.extend_from_slice(TCP_TW_ROW);
        data.push(b'\n');
        let (mut rows, mut diags) = (Vec::new(), Vec::new());
        parse_table(&data, TableKind::Tcp, ByteOrder::Little, 4096, &mut rows, &mut diags);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 3);
        assert_eq!(diags[0].file, "proc/net/tcp");
    }
}
