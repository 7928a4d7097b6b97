//! `/proc/net/unix`: `Num: RefCount Protocol Flags Type St Inode [Path]` (kernel `unix_seq_show`).
//!
//! Abstract names start with `@` (the kernel prints NUL bytes of the name as `@`). The path is
//! the rest of the line and may contain spaces; netstat keeps only its first word.

use serde::{Deserialize, Serialize};

use super::lex::{ScanStats, blanks, byte, dec_u64, field, hex_u32, hex_u64, opt_blanks, scan};
use crate::raw_text::RawText;
use crate::types::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnixSocket {
    pub refcount: u32,
    pub protocol: u32,
    pub flags: u32,
    /// 1 STREAM, 2 DGRAM, 3 RAW, 4 RDM, 5 SEQPACKET.
    pub sock_type: u32,
    /// 0 FREE, 1 UNCONNECTED, 2 CONNECTING, 3 CONNECTED, 4 DISCONNECTING.
    pub state: u32,
    pub inode: u64,
    /// Everything after the inode column, without the separating space; empty when unnamed.
    pub path: RawText,
    pub line: u32,
}

/// `__SO_ACCEPTCON`: the socket is listening.
pub const SO_ACCEPTCON: u32 = 1 << 16;
pub const SO_WAITDATA: u32 = 1 << 17;
pub const SO_NOSPACE: u32 = 1 << 18;
pub const SS_UNCONNECTED: u32 = 1;

impl UnixSocket {
    pub fn is_listening(&self) -> bool {
        self.state == SS_UNCONNECTED && self.flags & SO_ACCEPTCON != 0
    }

    pub fn type_name(&self) -> &'static str {
        type_name(self.sock_type)
    }

    /// State text as netstat prints it.
    pub fn state_name(&self) -> &'static str {
        state_name(self.state, self.flags)
    }
}

/// Socket type text as netstat prints it.
pub fn type_name(sock_type: u32) -> &'static str {
    match sock_type {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        _ => "UNKNOWN",
    }
}

/// State text as netstat prints it (an unconnected socket with the listening flag is LISTENING).
pub fn state_name(state: u32, flags: u32) -> &'static str {
    match state {
        0 => "FREE",
        1 if flags & SO_ACCEPTCON != 0 => "LISTENING",
        1 => "",
        2 => "CONNECTING",
        3 => "CONNECTED",
        4 => "DISCONNECTING",
        _ => "UNKNOWN",
    }
}

pub fn parse_row(line: &[u8], line_no: u32) -> Result<UnixSocket, &'static str> {
    let i = opt_blanks(line);
    let (i, _) = field(hex_u64(i), "socket pointer")?;
    let (i, _) = field(byte(b':')(i), "':' after the pointer")?;
    let (i, _) = field(blanks(i), "refcount")?;
    let (i, refcount) = field(hex_u32(i), "refcount (hex)")?;
    let (i, _) = field(blanks(i), "protocol")?;
    let (i, protocol) = field(hex_u32(i), "protocol (hex)")?;
    let (i, _) = field(blanks(i), "flags")?;
    let (i, flags) = field(hex_u32(i), "flags (hex)")?;
    let (i, _) = field(blanks(i), "type")?;
    let (i, sock_type) = field(hex_u32(i), "type (hex)")?;
    let (i, _) = field(blanks(i), "state")?;
    let (i, state) = field(hex_u32(i), "state (hex)")?;
    let (i, _) = field(blanks(i), "inode")?;
    let (i, inode) = field(dec_u64(i), "inode (decimal)")?;
    let path = match i.first() {
        None => &[][..],
        Some(b' ') => &i[1..],
        Some(_) => return Err("space before the path"),
    };
    Ok(UnixSocket {
        refcount,
        protocol,
        flags,
        sock_type,
        state,
        inode,
        path: RawText(path.to_vec()),
        line: line_no,
    })
}

/// Whether the header has an `Inode` column (kernels since 2.2 do); netstat shows `-` otherwise.
pub fn header_has_inode(data: &[u8]) -> bool {
    let end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    data[..end].windows(5).any(|w| w == b"Inode")
}

pub fn parse_table(
    data: &[u8],
    page_size: usize,
    out: &mut Vec<UnixSocket>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ScanStats {
    scan(data, page_size, |no, line| {
        if no == 1 || line.is_empty() {
            return;
        }
        match parse_row(line, no) {
            Ok(row) => out.push(row),
            Err(what) => diagnostics.push(Diagnostic::new(
                "proc/net/unix",
                no,
                &format!("malformed row: bad or missing {what}"),
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_captured_here() {
        let l = b"0000000000000000: 00000002 00000000 00010000 0001 01 21504 /run/systemd/private";
        let r = parse_row(l, 2).unwrap();
        assert!(r.is_listening());
        assert_eq!(r.type_name(), "STREAM");
        assert_eq!(r.state_name(), "LISTENING");
        assert_eq!(r.inode, 21504);
        assert_eq!(r.path.0, b"/run/systemd/private");

        let l = b"0000000000000000: 00000003 00000000 00000000 0001 03 31093";
        let r = parse_row(l, 3).unwrap();
        assert!(!r.is_listening());
        assert_eq!(r.state_name(), "CONNECTED");
        assert!(r.path.0.is_empty());

        let l = b"0000000000000000: 00000002 00000000 00010000 0005 01 4242 @/tmp/abstract name";
        let r = parse_row(l, 4).unwrap();
        assert_eq!(r.type_name(), "SEQPACKET");
        assert_eq!(r.path.0, b"@/tmp/abstract name");
    }

    #[test]
    fn bad_rows_are_reported() {
        let mut rows = Vec::new();
        let mut d = Vec::new();
        parse_table(
            b"Num       RefCount Protocol Flags    Type St Inode Path\nxyz\n0000000000000000: 00000002 00000000 00010000 0001 01 1 /a\n", 4096, &mut rows, &mut d);
        assert_eq!(rows.len(), 1);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 2);
        assert!(header_has_inode(b"Num       RefCount Protocol Flags    Type St Inode Path\n"));
    }
}
