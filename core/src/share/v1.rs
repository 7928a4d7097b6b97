//! Link payload version 1, frozen: the shape of the report as links made since the first release
//! carry it (postcard is not self-describing, so every field and its order is part of the wire
//! format). [`crate::report::Report`] may grow; this may not. Filled from a report and turned
//! back into one through serde's data model (fields the report gained are left at their
//! defaults, which is why every field added to `Report` must be `#[serde(default)]`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::archive::Container;
use crate::layout::TableKind;
use crate::raw_text::RawText;
use crate::types::ByteOrder;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub host: Host,
    pub listeners: Vec<Listener>,
    pub unix_listeners: Vec<UnixListener>,
    pub unix_has_inode: bool,
    pub volume: Volume,
    pub time_wait: TimeWait,
    pub cost: Cost,
    pub files: Vec<FileInfo>,
    pub walk: Option<WalkStats>,
    pub diagnostics: Diagnostics,
    pub shared: Option<SharedInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub arch: Option<String>,
    pub byte_order: Option<ByteOrder>,
    pub user_hz: u32,
    pub page_size: u32,
    pub uid: Option<u32>,
    pub tool: Option<String>,
    pub format_version: Option<u32>,
    pub capture_start: Option<String>,
    pub capture_end: Option<String>,
    pub capture_duration_us: Option<u64>,
    pub container: Option<Container>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub proto: TableKind,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    pub state: u8,
    pub state_name: String,
    pub recv_q: u32,
    pub send_q: u32,
    pub uid: u32,
    pub inode: u64,
    pub netstat_program: RawText,
    pub holders: Vec<HolderInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnixListener {
    pub refcount: u32,
    pub protocol: u32,
    pub flags: u32,
    pub sock_type: u32,
    pub state: u32,
    pub inode: u64,
    pub path: RawText,
    pub netstat_program: RawText,
    pub holders: Vec<HolderInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolderInfo {
    pub pid: u32,
    pub fd: u32,
    pub comm: Option<RawText>,
    pub cmdline: Option<Vec<RawText>>,
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub inet_rows: u64,
    pub unix_rows: u64,
    pub by_table: Vec<TableCount>,
    pub sockstat: BTreeMap<String, BTreeMap<String, u64>>,
    pub kernel_vs_rows: Vec<CounterCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: TableKind,
    pub rows: u64,
    pub states: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterCheck {
    pub counter: String,
    pub kernel: u64,
    pub rows: u64,
    pub counted: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWait {
    pub count: u64,
    pub tcp_rows: u64,
    pub share_of_tcp: f64,
    pub by_local_port: Vec<PortGroup>,
    pub other_local_ports: u64,
    pub by_remote_addr: TopN,
    pub by_remote_port: TopN,
    pub remaining_seconds: Vec<u64>,
    pub close_rate_per_sec: f64,
    pub recent_close_rate_per_sec: f64,
    pub port_range: (u16, u16),
    pub port_range_captured: bool,
    pub port_pressure: Vec<PortPressure>,
    pub sysctls: Vec<Sysctl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortGroup {
    pub port: u16,
    pub count: u64,
    pub side: Side,
    pub listener: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Server,
    Client,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortPressure {
    pub local_addr: IpAddr,
    pub remote_addr: IpAddr,
    pub remote_port: u16,
    pub sockets: u64,
    pub time_wait: u64,
    pub used_ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopN {
    pub items: Vec<Counted>,
    pub others: u64,
    pub distinct: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sysctl {
    pub name: String,
    pub value: String,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub files: Vec<FileCost>,
    pub bytes_read: u64,
    pub rows_parsed: u64,
    pub rows_shown: u64,
    pub read_calls: u64,
    pub page_size: u32,
    pub walk: WalkCost,
    pub capture_micros: Option<u64>,
    pub ss_rows: u64,
    pub sockstat_bytes: u64,
    pub story: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileCost {
    pub path: String,
    pub bytes: u64,
    pub rows: u64,
    pub read_calls: u64,
    pub capture_micros: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkCost {
    pub processes: u64,
    pub dir_opens: u64,
    pub readlinks: u64,
    pub cmdline_reads: u64,
    pub selinux_reads: u64,
    pub source: String,
}

/// Version 1's file entry (`role` a variant index: only the roles version 1 knew).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub kind: FileKind,
    pub size: u64,
    pub role: FileRole,
    pub sha256: Option<String>,
    pub manifest_sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Symlink,
    Dir,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Manifest,
    Table,
    Counters,
    Sysctl,
    FdLink,
    Process,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkStats {
    pub pids_seen: u64,
    pub pids_unreadable: u64,
    pub pids_vanished: u64,
    pub fds_read: u64,
    pub socket_links: u64,
    pub micros: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    pub total: u64,
    pub items: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedInfo {
    pub link_version: u32,
    pub redactions: Vec<String>,
    pub files: u64,
    pub file_bytes: u64,
    pub hashes_checked: u64,
    pub hash_mismatches: u64,
}
