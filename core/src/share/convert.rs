//! A report into link payload version 1 and back, field by field. Written out (a macro for the
//! fields both sides have) rather than through a serde value tree, which would compile every
//! report type's serde code a second time (~90 KB of the viewer's download).
//!
//! A field the report gained after version 1 is left out going in and takes its default coming
//! out: list it after `;` in its `fields!` line.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::v1;
use crate::analysis::{self, cost, listeners, timewait, volume};
use crate::archive::Container;
use crate::files::{self, FileKind};
use crate::layout::{FileRole, TableKind};
use crate::manifest::WalkStats;
use crate::proc::sysctl::Sysctl;
use crate::raw_text::RawText;
use crate::report;
use crate::types::{ByteOrder, Diagnostic};

/// One value into its counterpart on the other side.
pub(super) trait Wire<T> {
    fn wire(self) -> T;
}

/// Types both sides share as they are.
macro_rules! same {
    ($($t:ty),* $(,)?) => {$(
        impl Wire<$t> for $t {
            fn wire(self) -> $t {
                self
            }
        }
    )*};
}
same!(
    u8,
    u16,
    u32,
    u64,
    f64,
    bool,
    String,
    IpAddr,
    RawText,
    TableKind,
    ByteOrder,
    Container,
    (u16, u16),
    (String, u64),
    BTreeMap<String, BTreeMap<String, u64>>,
);

impl<A: Wire<B>, B> Wire<Vec<B>> for Vec<A> {
    fn wire(self) -> Vec<B> {
        self.into_iter().map(Wire::wire).collect()
    }
}

impl<A: Wire<B>, B> Wire<Option<B>> for Option<A> {
    fn wire(self) -> Option<B> {
        self.map(Wire::wire)
    }
}

/// Both directions for a struct whose fields have the same names on both sides; the fields
/// after `;` exist only in the report. Each of those must also be carried by
/// `share::Transfer`'s `Rest` (the viewer's worker → page channel), whose test names them.
macro_rules! fields {
    ($ours:path, $theirs:path { $($f:ident),* $(,)? } $(; $($only:ident),* $(,)?)?) => {
        impl Wire<$theirs> for $ours {
            fn wire(self) -> $theirs {
                $theirs { $($f: self.$f.wire()),* }
            }
        }
        impl Wire<$ours> for $theirs {
            fn wire(self) -> $ours {
                $ours { $($f: self.$f.wire(),)* $($($only: Default::default(),)*)? }
            }
        }
    };
}

fields!(report::Report, v1::Report {
    schema_version, host, listeners, unix_listeners, unix_has_inode, volume, time_wait, cost, files, walk,
    diagnostics, shared
}; netstat, namespaces, namespace_note);
fields!(report::Host, v1::Host {
    hostname, kernel, arch, byte_order, user_hz, page_size, uid, tool, format_version, capture_start,
    capture_end, capture_duration_us, container
}; proc_hidepid);
fields!(
    listeners::Listener,
    v1::Listener {
        proto,
        local_addr,
        local_port,
        remote_addr,
        remote_port,
        state,
        state_name,
        recv_q,
        send_q,
        uid,
        inode,
        netstat_program,
        holders
    };
    netns
);
fields!(
    listeners::UnixListener,
    v1::UnixListener { refcount, protocol, flags, sock_type, state, inode, path, netstat_program, holders }
);
fields!(listeners::HolderInfo, v1::HolderInfo { pid, fd, comm, cmdline, uid });
fields!(volume::Volume, v1::Volume { inet_rows, unix_rows, by_table, sockstat, kernel_vs_rows });
fields!(volume::TableCount, v1::TableCount { table, rows, states });
fields!(volume::CounterCheck, v1::CounterCheck { counter, kernel, rows, counted });
fields!(
    timewait::TimeWait,
    v1::TimeWait {
        count,
        tcp_rows,
        share_of_tcp,
        by_local_port,
        other_local_ports,
        by_remote_addr,
        by_remote_port,
        remaining_seconds,
        close_rate_per_sec,
        recent_close_rate_per_sec,
        port_range,
        port_range_captured,
        port_pressure,
        sysctls
    }
);
fields!(timewait::PortGroup, v1::PortGroup { port, count, side, listener });
fields!(
    timewait::PortPressure,
    v1::PortPressure { local_addr, remote_addr, remote_port, sockets, time_wait, used_ratio }
);
fields!(analysis::TopN, v1::TopN { items, others, distinct });
fields!(analysis::Counted, v1::Counted { key, count });
fields!(Sysctl, v1::Sysctl { name, value, meaning });
fields!(cost::Cost, v1::Cost {
    files, bytes_read, rows_parsed, rows_shown, read_calls, page_size, walk, capture_micros, ss_rows,
    sockstat_bytes, story
}; flavour, read_size, selinux_enabled, quadratic_reads, time, stalls);
fields!(cost::FileCost, v1::FileCost { path, bytes, rows, read_calls, capture_micros });
fields!(cost::WalkCost, v1::WalkCost {
    processes, dir_opens, readlinks, cmdline_reads, selinux_reads, source
}; selinux_opens);
fields!(files::FileInfo, v1::FileInfo { path, kind, size, role, sha256, manifest_sha256 }; content);
fields!(
    WalkStats,
    v1::WalkStats { pids_seen, pids_unreadable, pids_vanished, fds_read, socket_links, micros };
    netns_seen, netns_vanished
);
fields!(report::Diagnostics, v1::Diagnostics { total, items });
fields!(Diagnostic, v1::Diagnostic { file, line, message });
fields!(
    report::SharedInfo,
    v1::SharedInfo { link_version, redactions, files, file_bytes, hashes_checked, hash_mismatches }
);

impl Wire<v1::Side> for timewait::Side {
    fn wire(self) -> v1::Side {
        match self {
            timewait::Side::Server => v1::Side::Server,
            timewait::Side::Client => v1::Side::Client,
        }
    }
}
impl Wire<timewait::Side> for v1::Side {
    fn wire(self) -> timewait::Side {
        match self {
            v1::Side::Server => timewait::Side::Server,
            v1::Side::Client => timewait::Side::Client,
        }
    }
}

impl Wire<v1::FileKind> for FileKind {
    fn wire(self) -> v1::FileKind {
        match self {
            FileKind::File => v1::FileKind::File,
            FileKind::Symlink => v1::FileKind::Symlink,
            FileKind::Dir => v1::FileKind::Dir,
            FileKind::Other => v1::FileKind::Other,
        }
    }
}
impl Wire<FileKind> for v1::FileKind {
    fn wire(self) -> FileKind {
        match self {
            v1::FileKind::File => FileKind::File,
            v1::FileKind::Symlink => FileKind::Symlink,
            v1::FileKind::Dir => FileKind::Dir,
            v1::FileKind::Other => FileKind::Other,
        }
    }
}

/// Roles added after version 1 travel as `Other` (links carry no file list today anyway).
impl Wire<v1::FileRole> for FileRole {
    fn wire(self) -> v1::FileRole {
        match self {
            FileRole::Manifest => v1::FileRole::Manifest,
            FileRole::Table => v1::FileRole::Table,
            FileRole::Counters => v1::FileRole::Counters,
            FileRole::Sysctl => v1::FileRole::Sysctl,
            FileRole::FdLink => v1::FileRole::FdLink,
            FileRole::Process => v1::FileRole::Process,
            FileRole::Host | FileRole::Namespace | FileRole::Other => v1::FileRole::Other,
        }
    }
}
impl Wire<FileRole> for v1::FileRole {
    fn wire(self) -> FileRole {
        match self {
            v1::FileRole::Manifest => FileRole::Manifest,
            v1::FileRole::Table => FileRole::Table,
            v1::FileRole::Counters => FileRole::Counters,
            v1::FileRole::Sysctl => FileRole::Sysctl,
            v1::FileRole::FdLink => FileRole::FdLink,
            v1::FileRole::Process => FileRole::Process,
            v1::FileRole::Other => FileRole::Other,
        }
    }
}
