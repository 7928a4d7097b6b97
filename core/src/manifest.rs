//! `procsnap.json`, the manifest at the root of every snapshot (format v1; its path and version
//! are in [`crate::layout`]).
//!
//! Every field but `format_version` is optional: the POSIX-sh fallback collector cannot know
//! timings, read counts or hashes and leaves them out. Unknown fields are ignored so that a
//! newer minor writer stays readable; a newer *format version* is refused by the decoder.

use serde::{Deserialize, Serialize};

use crate::types::ByteOrder;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    /// Always `"procsnap"`; lets a reader tell the manifest from any other JSON file.
    pub format: Option<String>,
    pub format_version: u32,
    /// Name and version of the writer, e.g. `procsnap 0.1.0` or `procsnap-collect.sh 1`.
    pub tool: Option<String>,
    pub host: HostFacts,
    pub capture: CaptureTimes,
    /// One record per captured regular file (tables, sysctls, cmdline, comm, status).
    pub files: Vec<FileRecord>,
    pub walk: Option<WalkStats>,
    /// The network namespaces the capture saw, the collector's own first (added within format
    /// 1: older snapshots have none, and readers then know only the collector's own).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<NetnsRecord>,
    /// Which namespaces were asked for: `all` (the default) or `self` (`--netns self`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns_scope: Option<String>,
}

/// One network namespace of the capture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetnsRecord {
    /// The number in `net:[INODE]`, the target of `/proc/PID/ns/net`.
    pub inode: u64,
    /// The collector's own namespace: its tables are `proc/net/*`.
    pub host: bool,
    /// The member process whose `proc/PID/net/*` holds this namespace's tables (`None` for the
    /// collector's own, and for a namespace whose every member exited before its tables were read).
    pub pid: Option<u32>,
    /// Processes seen in it during the walk.
    pub processes: u64,
    /// Socket rows of its tables (Internet and unix), as captured.
    pub rows: Option<u64>,
    /// Every member exited before its tables could be read: listed, with no tables.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub vanished: bool,
}

/// Facts about the captured host that the parsers need as parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFacts {
    pub hostname: Option<String>,
    /// `uname -r`.
    pub kernel: Option<String>,
    /// `uname -m`.
    pub arch: Option<String>,
    /// `"little"` or `"big"`: decides how the hex addresses in /proc/net are read.
    pub byte_order: Option<String>,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of the TIME_WAIT timer.
    pub user_hz: Option<u32>,
    pub page_size: Option<u32>,
    /// Effective uid of the collector: not root means owners may be missing.
    pub uid: Option<u32>,
    /// The `hidepid=` option /proc was mounted with (`invisible`, `noaccess`, `2`, `1`), when
    /// set: other users' processes were hidden from the collector, so their sockets have no owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proc_hidepid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureTimes {
    /// RFC 3339 UTC, e.g. `2026-11-27T02:30:00.123Z`.
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_us: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileRecord {
    /// Path inside the archive, e.g. `proc/net/tcp`.
    pub path: String,
    pub bytes: Option<u64>,
    /// Number of `read(2)` calls the collector needed (it reads in large chunks).
    pub reads: Option<u64>,
    /// Wall time to read the file, microseconds: mostly the kernel generating the text.
    pub micros: Option<u64>,
    /// Lower-case hex SHA-256 of the bytes stored in the archive.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WalkStats {
    pub pids_seen: u64,
    /// `/proc/PID/fd` could not be opened (permission): their sockets have no owner.
    pub pids_unreadable: u64,
    /// The process exited between being listed and being read.
    pub pids_vanished: u64,
    pub fds_read: u64,
    pub socket_links: u64,
    pub micros: Option<u64>,
    /// Network namespaces seen (the collector's own included; 0 in older snapshots).
    pub netns_seen: u64,
    /// Namespaces whose every member exited before their tables were read.
    pub netns_vanished: u64,
}

impl Manifest {
    pub fn byte_order(&self) -> Option<ByteOrder> {
        self.host.byte_order.as_deref().and_then(ByteOrder::parse)
    }
}
