//! The snapshot layout: the one registry of every path a snapshot may hold.
//!
//! The collector's walk, the CLI's directory reader and the archive reader all iterate these
//! lists, so adding a file to the format is one entry here. Paths mirror the host's filesystem
//! (`proc/net/tcp` is `/proc/net/tcp`), so `tar xzf` users find what they expect. Pure data and
//! small path functions: the capture-only binary may link it without any decoder code.

use serde::{Deserialize, Serialize};

/// The snapshot format this crate reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest, at the root of every snapshot and written last (it holds every file's hash).
pub const MANIFEST_PATH: &str = "procsnap.json";

/// The socket tables and counter files of `/proc/net`, in the order netstat reads them.
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

    /// The IPv6 table of the same protocol (`raw` → `raw6`); IPv6 and other tables map to
    /// themselves.
    pub fn ipv6(self) -> TableKind {
        match self {
            TableKind::Tcp => TableKind::Tcp6,
            TableKind::Udp => TableKind::Udp6,
            TableKind::Udplite => TableKind::Udplite6,
            TableKind::Raw => TableKind::Raw6,
            other => other,
        }
    }

    pub fn is_ipv6(self) -> bool {
        matches!(self, TableKind::Tcp6 | TableKind::Udp6 | TableKind::Udplite6 | TableKind::Raw6)
    }

    /// A socket table (rows), as opposed to a counters file.
    pub fn has_rows(self) -> bool {
        !matches!(self, TableKind::Sockstat | TableKind::Sockstat6)
    }

    /// Recognise a bare table from its header line (and, for tcp vs tcp6 and udp vs udp6, the
    /// width of the address columns). udp, udplite and raw share one header; a bare file with
    /// that header is read as udp unless the caller says otherwise.
    pub fn detect(bytes: &[u8]) -> Option<TableKind> {
        let end = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len().min(1024));
        let first = std::str::from_utf8(&bytes[..end]).ok()?;
        let words: Vec<&str> = first.split_ascii_whitespace().collect();
        if words.starts_with(&["sl", "local_address"]) {
            let v6 = words.get(2) == Some(&"remote_address");
            // Before 2.6.25 udp and raw printed tcp's header; their rows still differ: they end
            // `REF POINTER` after the inode, in state 01 or 07 only, where tcp rows have seven
            // columns there (TIME_WAIT rows two, but in state 06).
            let udp_like = words.last() == Some(&"drops") || rows_are_udp_shaped(&bytes[end..]);
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

/// Whether the first data rows of a table (at most 64) all have udp's shape: state 01 or 07 and
/// exactly two words after the inode. False when there are no rows.
fn rows_are_udp_shaped(rows: &[u8]) -> bool {
    let mut seen = 0;
    for line in rows.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).take(64) {
        let words: Vec<&[u8]> = line.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
        // sl: local remote st txq:rxq tr:when retrnsmt uid timeout inode, then the rest.
        if words.len() != 12 || !matches!(words[3], b"01" | b"07") {
            return false;
        }
        seen += 1;
    }
    seen > 0
}

/// One file of `/proc/net` a snapshot holds (whichever exist on the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetFile {
    pub name: &'static str,
    /// The table it is, when procsnap parses it; `None`: kept and listed only (snmp, netstat).
    pub table: Option<TableKind>,
}

/// `/proc/net` files, in netstat's order, captured for the collector's own namespace under
/// `proc/net/` and for every other network namespace under `proc/PID/net/` (PID a member).
pub const NET_FILES: [NetFile; 13] = [
    NetFile { name: "tcp", table: Some(TableKind::Tcp) },
    NetFile { name: "tcp6", table: Some(TableKind::Tcp6) },
    NetFile { name: "udp", table: Some(TableKind::Udp) },
    NetFile { name: "udp6", table: Some(TableKind::Udp6) },
    NetFile { name: "udplite", table: Some(TableKind::Udplite) },
    NetFile { name: "udplite6", table: Some(TableKind::Udplite6) },
    NetFile { name: "raw", table: Some(TableKind::Raw) },
    NetFile { name: "raw6", table: Some(TableKind::Raw6) },
    NetFile { name: "unix", table: Some(TableKind::Unix) },
    NetFile { name: "sockstat", table: Some(TableKind::Sockstat) },
    NetFile { name: "sockstat6", table: Some(TableKind::Sockstat6) },
    NetFile { name: "snmp", table: None },
    NetFile { name: "netstat", table: None },
];

/// A sysctl the report explains, with its archive path and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysctlFile {
    pub name: &'static str,
    pub path: &'static str,
    pub meaning: &'static str,
}

/// The settings that explain TIME_WAIT, each a one-line file under `/proc/sys`.
pub const SYSCTLS: [SysctlFile; 6] = [
    SysctlFile {
        name: "net.ipv4.tcp_fin_timeout",
        path: "proc/sys/net/ipv4/tcp_fin_timeout",
        meaning: "seconds an orphaned connection may stay in FIN_WAIT2; TIME_WAIT itself always lasts 60 s on Linux",
    },
    SysctlFile {
        name: "net.ipv4.tcp_tw_reuse",
        path: "proc/sys/net/ipv4/tcp_tw_reuse",
        meaning: "1: outgoing connections may reuse a TIME_WAIT port when timestamps prove it safe (2: loopback only, the default)",
    },
    SysctlFile {
        name: "net.ipv4.tcp_max_tw_buckets",
        path: "proc/sys/net/ipv4/tcp_max_tw_buckets",
        meaning: "most TIME_WAIT sockets the kernel keeps; beyond it, closing sockets skip TIME_WAIT and the kernel logs an overflow",
    },
    SysctlFile {
        name: "net.ipv4.ip_local_port_range",
        path: "proc/sys/net/ipv4/ip_local_port_range",
        meaning: "the ephemeral ports for outgoing connections: each (local address, remote address, remote port) has this many",
    },
    SysctlFile {
        name: "net.ipv4.tcp_timestamps",
        path: "proc/sys/net/ipv4/tcp_timestamps",
        meaning: "TCP timestamps (RFC 7323); tcp_tw_reuse needs them to reuse TIME_WAIT ports safely",
    },
    SysctlFile {
        name: "net.core.somaxconn",
        path: "proc/sys/net/core/somaxconn",
        meaning: "the cap on a listener's accept backlog (compare with Recv-Q of LISTEN rows)",
    },
];

/// Files about the host as a whole, outside /proc/net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFile {
    /// Archive path, which is also the path on the host below `/`.
    pub path: &'static str,
    pub what: HostFileKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostFileKind {
    /// `/etc/os-release`: `ID` and `VERSION_ID` pick the netstat flavour.
    OsRelease,
    /// `/etc/redhat-release`: the release line of Red Hat-family systems, read for the flavour
    /// where os-release is missing (CentOS 6 and RHEL 6 ship no os-release).
    RedhatRelease,
    /// `/sys/fs/selinux/enforce`: present only where SELinux is enabled (selinuxfs mounted);
    /// netstat built with SELinux then reads every socket holder's context.
    SelinuxEnforce,
}

pub const HOST_FILES: [HostFile; 3] = [
    HostFile { path: "etc/os-release", what: HostFileKind::OsRelease },
    HostFile { path: "etc/redhat-release", what: HostFileKind::RedhatRelease },
    HostFile { path: "sys/fs/selinux/enforce", what: HostFileKind::SelinuxEnforce },
];

/// Per-process files captured for every process that holds a socket (`proc/PID/NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessFile {
    /// NUL-separated argv: netstat's program name.
    Cmdline,
    /// The kernel's 15-byte command name.
    Comm,
    /// Its `Uid:` line gives the owner.
    Status,
    /// Container and pod identity (docker, containerd, cri-o, podman, kubepods paths).
    Cgroup,
}

impl ProcessFile {
    pub const ALL: [ProcessFile; 4] =
        [ProcessFile::Cmdline, ProcessFile::Comm, ProcessFile::Status, ProcessFile::Cgroup];

    pub fn file_name(self) -> &'static str {
        match self {
            ProcessFile::Cmdline => "cmdline",
            ProcessFile::Comm => "comm",
            ProcessFile::Status => "status",
            ProcessFile::Cgroup => "cgroup",
        }
    }

    pub fn from_file_name(name: &str) -> Option<ProcessFile> {
        ProcessFile::ALL.into_iter().find(|f| f.file_name() == name)
    }
}

/// Which `/proc/PID/fd/N` links a snapshot holds: socket links only (`socket:[N]`, or
/// `[0000]:N` as very old kernels wrote it), so no file path a process has open is captured.
pub fn is_socket_link(target: &[u8]) -> bool {
    target.starts_with(b"socket:[") || target.starts_with(b"[0000]:")
}

/// Archive path of a socket fd link.
pub fn fd_link_path(pid: u32, fd: u32) -> String {
    format!("proc/{pid}/fd/{fd}")
}

/// Archive path of a per-process file.
pub fn process_file_path(pid: u32, file: ProcessFile) -> String {
    format!("proc/{pid}/{}", file.file_name())
}

/// Archive path of a network namespace link (`proc/PID/ns/net`, target `net:[INODE]`).
pub fn netns_link_path(pid: u32) -> String {
    format!("proc/{pid}/ns/net")
}

/// Archive path of a `/proc/net` file: the collector's own namespace (`ns_pid` `None`) or the
/// namespace of member process `ns_pid`.
pub fn net_file_path(ns_pid: Option<u32>, name: &str) -> String {
    match ns_pid {
        None => format!("proc/net/{name}"),
        Some(pid) => format!("proc/{pid}/net/{name}"),
    }
}

/// Archive path of a sysctl as seen from inside the network namespace of member process `pid`
/// (`proc/PID/sys/net/ipv4/ip_local_port_range`). `/proc` has no such path: `/proc/sys/net`
/// shows the reader's namespace, so the collector reads it from a thread moved into the
/// namespace and stores it under the member, beside `proc/PID/net/`.
pub fn ns_sysctl_path(pid: u32, sysctl: &SysctlFile) -> String {
    format!("proc/{pid}/{}", sysctl.path.strip_prefix("proc/").unwrap_or(sysctl.path))
}

/// The namespace inode a `net:[INODE]` link target names.
pub fn netns_inode(target: &[u8]) -> Option<u64> {
    let digits = target.strip_prefix(b"net:[")?.strip_suffix(b"]")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What a path in a snapshot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Manifest,
    /// A `/proc/net` file of the collector's namespace (`ns_pid` `None`) or of another network
    /// namespace, read through member process `ns_pid`.
    Net {
        ns_pid: Option<u32>,
        file: &'static NetFile,
    },
    Sysctl(&'static SysctlFile),
    /// A sysctl of the network namespace of member process `pid` ([`ns_sysctl_path`]).
    NsSysctl {
        pid: u32,
        file: &'static SysctlFile,
    },
    Host(&'static HostFile),
    /// `proc/PID/fd`, the directory.
    FdDir {
        pid: u32,
    },
    FdLink {
        pid: u32,
        fd: u32,
    },
    Process {
        pid: u32,
        file: ProcessFile,
    },
    /// `proc/PID/ns/net`.
    NetNs {
        pid: u32,
    },
    /// Kept and listed, never used: what a newer writer added, or anything else.
    Unknown,
}

impl Place {
    /// What the file is to procsnap, for the Files view.
    pub fn role(self) -> FileRole {
        match self {
            Place::Manifest => FileRole::Manifest,
            Place::Net { file: NetFile { table: Some(k), .. }, .. } if k.has_rows() => FileRole::Table,
            Place::Net { .. } => FileRole::Counters,
            Place::Sysctl(_) | Place::NsSysctl { .. } => FileRole::Sysctl,
            Place::Host(_) => FileRole::Host,
            Place::FdLink { .. } => FileRole::FdLink,
            Place::FdDir { .. } | Place::Process { .. } => FileRole::Process,
            Place::NetNs { .. } => FileRole::Namespace,
            Place::Unknown => FileRole::Other,
        }
    }
}

/// What a file is to procsnap, as the Files view lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Manifest,
    Table,
    Counters,
    Sysctl,
    FdLink,
    Process,
    /// `etc/os-release`, SELinux state.
    Host,
    /// A network namespace link.
    Namespace,
    /// Kept and listed, not used (e.g. something a newer writer added).
    Other,
}

/// Where `path` (normalised: no leading `./` or `/`) sits in the layout.
pub fn classify(path: &str) -> Place {
    if path == MANIFEST_PATH {
        return Place::Manifest;
    }
    if let Some(h) = HOST_FILES.iter().find(|h| h.path == path) {
        return Place::Host(h);
    }
    let Some(rest) = path.strip_prefix("proc/") else {
        return Place::Unknown;
    };
    if let Some(name) = rest.strip_prefix("net/") {
        return net_file(name).map_or(Place::Unknown, |file| Place::Net { ns_pid: None, file });
    }
    if rest.starts_with("sys/") {
        return SYSCTLS.iter().find(|s| s.path == path).map_or(Place::Unknown, Place::Sysctl);
    }
    let mut parts = rest.split('/');
    let (Some(pid), Some(what)) = (parts.next(), parts.next()) else {
        return Place::Unknown;
    };
    let Some(pid) = parse_number(pid) else {
        return Place::Unknown;
    };
    match (what, parts.next(), parts.next()) {
        ("fd", None, None) => Place::FdDir { pid },
        ("fd", Some(fd), None) => parse_number(fd).map_or(Place::Unknown, |fd| Place::FdLink { pid, fd }),
        ("net", Some(name), None) => {
            net_file(name).map_or(Place::Unknown, |file| Place::Net { ns_pid: Some(pid), file })
        }
        ("ns", Some("net"), None) => Place::NetNs { pid },
        ("sys", Some(_), _) => {
            let below = &rest[rest.find('/').map_or(0, |i| i + 1)..];
            SYSCTLS
                .iter()
                .find(|s| s.path.strip_prefix("proc/") == Some(below))
                .map_or(Place::Unknown, |file| Place::NsSysctl { pid, file })
        }
        (name, None, None) => {
            ProcessFile::from_file_name(name).map_or(Place::Unknown, |file| Place::Process { pid, file })
        }
        _ => Place::Unknown,
    }
}

fn net_file(name: &str) -> Option<&'static NetFile> {
    NET_FILES.iter().find(|f| f.name == name)
}

fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// [`classify`], looking through one top directory (`tar czf s.tgz mydir` puts everything
/// under `mydir/`) for a path seen before the whole archive is known: the readers strip such a
/// directory once they have seen every entry.
pub fn classify_lenient(path: &str) -> Place {
    match classify(path) {
        Place::Unknown => match path.split_once('/') {
            Some((top, rest)) if !top.is_empty() && !rest.is_empty() => classify(rest),
            _ => Place::Unknown,
        },
        place => place,
    }
}

/// The `top/` that every path is under, when the snapshot's own paths (`procsnap.json`,
/// `proc/`) are not at the root but under it.
pub fn top_dir_to_strip<'a>(paths: impl Iterator<Item = &'a str> + Clone) -> Option<String> {
    let at_root = |p: &str| p == MANIFEST_PATH || p == "proc" || p.starts_with("proc/");
    if paths.clone().any(at_root) {
        return None;
    }
    let top = paths.clone().next()?.split('/').next()?.to_string();
    let prefix = format!("{top}/");
    if !paths.clone().all(|p| p == top || p.starts_with(&prefix)) {
        return None;
    }
    let proc_dir = format!("{prefix}proc/");
    paths.clone().any(|p| p.starts_with(&proc_dir)).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_path_classifies_back() {
        for f in &NET_FILES {
            assert_eq!(classify(&net_file_path(None, f.name)), Place::Net { ns_pid: None, file: f });
            assert_eq!(classify(&net_file_path(Some(42), f.name)), Place::Net { ns_pid: Some(42), file: f });
        }
        for s in &SYSCTLS {
            assert_eq!(classify(s.path), Place::Sysctl(s));
            assert_eq!(classify(&ns_sysctl_path(9, s)), Place::NsSysctl { pid: 9, file: s });
        }
        for h in &HOST_FILES {
            assert_eq!(classify(h.path), Place::Host(h));
        }
        for p in ProcessFile::ALL {
            assert_eq!(classify(&process_file_path(7, p)), Place::Process { pid: 7, file: p });
        }
        assert_eq!(classify(&fd_link_path(7, 3)), Place::FdLink { pid: 7, fd: 3 });
        assert_eq!(classify("proc/7/fd"), Place::FdDir { pid: 7 });
        assert_eq!(classify(&netns_link_path(7)), Place::NetNs { pid: 7 });
        assert_eq!(classify(MANIFEST_PATH), Place::Manifest);
        for unknown in [
            "proc/7/sys/net/ipv4/tcp_ecn",
            "proc/net/sctp",
            "proc/x/cmdline",
            "proc/7/environ",
            "etc/passwd",
            "proc/7/fd/x",
        ] {
            assert_eq!(classify(unknown), Place::Unknown, "{unknown}");
        }
        assert_eq!(classify_lenient("snap/proc/net/tcp").role(), FileRole::Table);
        assert_eq!(classify_lenient("a/b/proc/net/tcp"), Place::Unknown);
    }

    #[test]
    fn socket_links_and_namespace_links() {
        assert!(is_socket_link(b"socket:[123]"));
        assert!(is_socket_link(b"[0000]:123"));
        assert!(!is_socket_link(b"/var/log/syslog"));
        assert_eq!(netns_inode(b"net:[4026531840]"), Some(4026531840));
        assert_eq!(netns_inode(b"net:[]"), None);
        assert_eq!(netns_inode(b"mnt:[4026531840]"), None);
    }

    #[test]
    fn table_kinds_by_name() {
        for k in TableKind::ALL {
            assert_eq!(TableKind::from_file_name(k.file_name()), Some(k));
            assert!(NET_FILES.iter().any(|f| f.table == Some(k) && f.name == k.file_name()));
        }
    }
}
