//! `/proc/net/unix`: `Num: RefCount Protocol Flags Type St Inode [Path]` (kernel `unix_seq_show`).
//!
//! Abstract names start with `@` (the kernel prints NUL bytes of the name as `@`). The path is
//! the rest of the line and may contain spaces; netstat keeps only its first word.

use serde::{Deserialize, Serialize};

use nom::Parser;
use nom::sequence::preceded;

use super::lex::{
    Column, LineError, PResult, Problem, RowError, ScanStats, blanks, byte, col, dec_u64, hex_u32, hex_u64,
    opt_blanks, scan,
};
use crate::layout::TableKind;
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
    /// The network namespace (`net:[INODE]`) whose table holds the socket, set when every
    /// namespace's rows are shown at once (`Snapshot::select_all`).
    #[serde(default)]
    pub netns: Option<u64>,
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

/// Parse one row of a table with the Inode column (every kernel since 2.2).
pub fn parse_row(line: &[u8], line_no: u32) -> Result<UnixSocket, LineError> {
    parse_row_with(line, line_no, true)
}

/// A blank, then a hex number.
fn hex_col<'a>(column: Column) -> impl Parser<&'a [u8], Output = u32, Error = RowError> {
    preceded(col(column, Problem::Missing, blanks), col(column, Problem::Bad, hex_u32))
}

/// `PTR: REF PROTO FLAGS TYPE ST`, the columns every kernel prints.
fn leading_columns(i: &[u8]) -> PResult<'_, (u32, u32, u32, u32, u32)> {
    let i = opt_blanks(i);
    let (i, _) =
        (col(Column::Pointer, Problem::Bad, hex_u64), col(Column::Pointer, Problem::Separator, byte(b':')))
            .parse(i)?;
    (
        hex_col(Column::RefCount),
        hex_col(Column::Protocol),
        hex_col(Column::Flags),
        hex_col(Column::Type),
        hex_col(Column::State),
    )
        .parse(i)
}

/// Parse one row; `has_inode` is what the header said ([`header_has_inode`]). Without the Inode
/// column (pre-2.2 kernels) netstat's `sscanf` still asks for `%lu` there and accepts the row
/// when it fails: the inode is then 0 (what net-tools 2.10 printed for such a table) and the
/// rest of the line is the path.
pub fn parse_row_with(line: &[u8], line_no: u32, has_inode: bool) -> Result<UnixSocket, LineError> {
    let located = |error| LineError { table: TableKind::Unix, line: line_no, error };
    let nom_err = |e: nom::Err<RowError>| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => located(e),
        nom::Err::Incomplete(_) => located(RowError::Nom(nom::error::ErrorKind::Eof)),
    };
    let (i, (refcount, protocol, flags, sock_type, state)) = leading_columns(line).map_err(nom_err)?;
    let (i, inode) = if has_inode {
        preceded(col(Column::Inode, Problem::Missing, blanks), col(Column::Inode, Problem::Bad, dec_u64))
            .parse(i)
            .map_err(nom_err)?
    } else {
        (i, 0)
    };
    let path = match i.first() {
        None => &[][..],
        Some(b' ') => &i[1..],
        Some(_) => {
            return Err(located(RowError::Column {
                column: Column::Path,
                problem: Problem::Missing,
                kind: nom::error::ErrorKind::Space,
            }));
        }
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
        netns: None,
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
    let has_inode = header_has_inode(data);
    scan(data, page_size, |no, line| {
        if no == 1 || line.is_empty() {
            return;
        }
        match parse_row_with(line, no, has_inode) {
            Ok(row) => out.push(row),
            Err(e) => diagnostics.push(Diagnostic::new("proc/net/unix", no, &e.to_string())),
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
        let e = parse_row(b"0000000000000000: 00000002 00000000 00010000 0001 01 x", 7).unwrap_err();
        assert_eq!((e.table, e.line, e.error.column()), (TableKind::Unix, 7, (Column::Inode, Problem::Bad)));
        assert_eq!(e.to_string(), "malformed row: bad or missing inode (decimal)");
    }

    #[test]
    fn a_table_without_the_inode_column_keeps_its_rows() {
        let data = b"Num       RefCount Protocol Flags    Type St Path\n0000000000000000: 00000002 00000000 00010000 0001 01 /run/a b\n0000000000000000: 00000003 00000000 00000000 0001 03\n";
        assert!(!header_has_inode(data));
        let (mut rows, mut d) = (Vec::new(), Vec::new());
        parse_table(data, 4096, &mut rows, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].inode, rows[0].path.0.as_slice()), (0, &b"/run/a b"[..]));
        assert!(rows[0].is_listening());
        assert!(rows[1].path.0.is_empty());
    }
}
