//! Parsers for the files a snapshot holds, one module per /proc file. All are `nom` parsers over
//! bytes; a malformed row is reported as a [`crate::Diagnostic`] and the rest of the file is still
//! parsed, as netstat does.

pub mod fdlink;
pub mod inet;
pub mod inet_rows;
pub mod lex;
pub mod process;
pub mod sockstat;
pub mod stream;
pub mod sysctl;
pub mod unix;

use serde::{Deserialize, Serialize};

/// The socket tables of `/proc/net`, in the order netstat reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
    Udplite,
    Udplite6,
    Raw,
    Raw6,
    Unix,
    Sockstat,
    Sockstat6,
}

impl TableKind {
    pub const INET: [TableKind; 8] = [
        TableKind::Tcp,
        TableKind::Tcp6,
        TableKind::Udp,
        TableKind::Udp6,
        TableKind::Udplite,
        TableKind::Udplite6,
        TableKind::Raw,
        TableKind::Raw6,
    ];
    pub const ALL: [TableKind; 11] = {
        let mut all = [TableKind::Unix; 11];
        let mut i = 0;
        while i < TableKind::INET.len() {
            all[i] = TableKind::INET[i];
            i += 1;
        }
        all[9] = TableKind::Sockstat;
        all[10] = TableKind::Sockstat6;
        all
    };

    /// The file name under `/proc/net`.
    pub fn file_name(self) -> &'static str {
        match self {
            TableKind::Tcp => "tcp",
            TableKind::Tcp6 => "tcp6",
            TableKind::Udp => "udp",
            TableKind::Udp6 => "udp6",
            TableKind::Udplite => "udplite",
            TableKind::Udplite6 => "udplite6",
            TableKind::Raw => "raw",
            TableKind::Raw6 => "raw6",
            TableKind::Unix => "unix",
            TableKind::Sockstat => "sockstat",
            TableKind::Sockstat6 => "sockstat6",
        }
    }

    pub fn from_file_name(name: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|k| k.file_name() == name)
    }

    /// The protocol column netstat prints for rows of this table.
    pub fn netstat_proto(self) -> &'static str {
        match self {
            TableKind::Tcp => "tcp",
            TableKind::Tcp6 => "tcp6",
            TableKind::Udp => "udp",
            TableKind::Udp6 => "udp6",
            TableKind::Udplite => "udpl",
            TableKind::Udplite6 => "udpl6",
            TableKind::Raw => "raw",
            TableKind::Raw6 => "raw6",
            TableKind::Unix => "unix",
            TableKind::Sockstat | TableKind::Sockstat6 => "",
        }
    }

    /// Position in [`TableKind::INET`] (0..8); the non-Internet tables map past it.
    #[inline(always)]
    pub fn inet_index(self) -> usize {
        (self as usize).min(7)
    }

    pub fn is_tcp(self) -> bool {
        matches!(self, TableKind::Tcp | TableKind::Tcp6)
    }

    /// Recognise a bare table from its first line (and, for tcp vs tcp6 and udp vs udp6, the
    /// width of the address columns). udp, udplite and raw share one header; a bare file with
    /// that header is read as udp unless the caller says otherwise.
    pub fn detect(bytes: &[u8]) -> Option<TableKind> {
        let end = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len().min(1024));
        let first = std::str::from_utf8(&bytes[..end]).ok()?;
        let words: Vec<&str> = first.split_ascii_whitespace().collect();
        if words.starts_with(&["sl", "local_address"]) {
            let v6 = words.get(2) == Some(&"remote_address");
            let udp_like = words.last() == Some(&"drops");
            return Some(match (udp_like, v6) {
                (false, false) => TableKind::Tcp,
                (false, true) => TableKind::Tcp6,
                (true, false) => TableKind::Udp,
                (true, true) => TableKind::Udp6,
            });
        }
        if words.starts_with(&["Num", "RefCount", "Protocol"]) {
            return Some(TableKind::Unix);
        }
        if words.first() == Some(&"sockets:") {
            return Some(TableKind::Sockstat);
        }
        if words.first() == Some(&"TCP6:") {
            return Some(TableKind::Sockstat6);
        }
        None
    }
}
