//! The decoded snapshot: every table parsed, every process and its socket fds, the manifest and
//! the host facts the parsers needed. Built from archive entries; the report is computed from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::archive::StreamedTable;
use crate::archive::{Container, Entry, EntryKind, ProgressFn};
use crate::join::Owners;
use crate::manifest::{FORMAT_VERSION, MANIFEST_PATH, Manifest};
use crate::proc::inet_rows::InetRows;
use crate::proc::sockstat::Sockstat;
use crate::proc::stream::{ParsedTable, TableRows};
use crate::proc::sysctl::Sysctl;
use crate::proc::unix::UnixSocket;
use crate::proc::{self, TableKind};
use crate::{ByteOrder, DecodeOptions, Diagnostic, Error, Progress, RawText};

pub(crate) const HASH_DIFFERS: &str = "SHA-256 differs from the manifest: the file was changed after capture";

/// Files up to this size keep their bytes for the viewer's raw-text view.
const SMALL_FILE: usize = 64 * 1024;

/// A process that holds at least one socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    /// Raw `cmdline` bytes; `None` when the snapshot has no cmdline for this pid.
    pub cmdline: Option<RawText>,
    pub comm: Option<RawText>,
    pub uid: Option<u32>,
    /// Socket fds in ascending fd order: (fd, link target).
    pub fds: Vec<(u32, RawText)>,
}

/// One archive entry as the Files view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub kind: FileKind,
    pub size: u64,
    /// What the file is to procsnap.
    pub role: FileRole,
    /// SHA-256 of the bytes in the archive (files only; absent when hashing was skipped).
    pub sha256: Option<String>,
    /// SHA-256 the manifest records for it.
    pub manifest_sha256: Option<String>,
    /// Bytes of small files, for viewing.
    #[serde(skip)]
    pub content: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Symlink,
    Dir,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Manifest,
    Table,
    Counters,
    Sysctl,
    FdLink,
    Process,
    /// Kept and listed, not used (e.g. `proc/net/snmp`, or something a newer writer added).
    Other,
}

/// Size and shape of one captured table, for the cost analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableFile {
    pub kind: TableKind,
    pub bytes: u64,
    /// Lines including the header.
    pub lines: u64,
    /// `read(2)` calls a page-buffered reader (netstat's stdio) needs: the kernel returns whole
    /// rows, at most one page per call, then one more call returns 0.
    pub page_reads: u64,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub container: Container,
    pub manifest: Option<Manifest>,
    pub byte_order: ByteOrder,
    pub user_hz: u32,
    pub page_size: u32,
    /// All Internet sockets, tables in netstat's order (tcp, tcp6, udp, …), rows in file order.
    pub inet: InetRows,
    pub unix: Vec<UnixSocket>,
    /// Whether the unix table's header has an Inode column (it has since Linux 2.2).
    pub unix_has_inode: bool,
    pub tables: Vec<TableFile>,
    pub sockstat: Sockstat,
    pub sysctls: Vec<Sysctl>,
    /// Processes by ascending pid: the order of netstat's walk of /proc.
    pub processes: BTreeMap<u32, Process>,
    pub owners: Owners,
    pub files: Vec<FileInfo>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Snapshot {
    pub(crate) fn from_entries(
        container: Container,
        mut entries: Vec<Entry<'_>>,
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Snapshot, Error> {
        let mut diagnostics = Vec::new();

        // The manifest first: it carries the byte order the tables need.
        let manifest = match entries.iter().find(|e| e.path == MANIFEST_PATH) {
            Some(Entry { kind: EntryKind::File(data), .. }) => Some(parse_manifest(data)?),
            _ => None,
        };
        let byte_order = options
            .byte_order
            .or_else(|| manifest.as_ref().and_then(Manifest::byte_order))
            .unwrap_or_default();
        let user_hz = manifest.as_ref().and_then(|m| m.host.user_hz).filter(|&hz| hz > 0).unwrap_or(100);
        let page_size =
            manifest.as_ref().and_then(|m| m.host.page_size).filter(|&p| p >= 512).unwrap_or(4096);
        let recorded: BTreeMap<&str, &str> = manifest
            .iter()
            .flat_map(|m| m.files.iter())
            .filter_map(|f| Some((f.path.as_str(), f.sha256.as_deref()?)))
            .collect();

        // Tables parsed while unpacking: taken out first, so the rest can be borrowed.
        let mut streamed: Vec<Option<Box<StreamedTable>>> = entries
            .iter_mut()
            .map(|e| match std::mem::replace(&mut e.kind, EntryKind::Other) {
                EntryKind::Table(t) => Some(t),
                other => {
                    e.kind = other;
                    None
                }
            })
            .collect();

        let mut table_data: BTreeMap<TableKind, TableSource<'_>> = BTreeMap::new();
        let mut sysctl_data: BTreeMap<&str, &[u8]> = BTreeMap::new();
        let mut processes: BTreeMap<u32, Process> = BTreeMap::new();
        let mut files = Vec::with_capacity(entries.len());

        for (entry, streamed) in entries.iter().zip(streamed.iter_mut()) {
            if let Some(t) = streamed.take() {
                let kind = entry
                    .path
                    .strip_prefix("proc/net/")
                    .and_then(TableKind::from_file_name)
                    .filter(|&k| k == t.parsed.kind);
                files.push(FileInfo {
                    path: entry.path.clone(),
                    kind: FileKind::File,
                    size: t.parsed.bytes,
                    role: if kind.is_some() { FileRole::Table } else { FileRole::Other },
                    sha256: t.sha256.clone().filter(|_| recorded.contains_key(entry.path.as_str())),
                    manifest_sha256: recorded.get(entry.path.as_str()).map(|s| s.to_string()),
                    content: None,
                });
                if let Some(kind) = kind {
                    table_data.insert(kind, TableSource::Parsed(t.parsed));
                }
                continue;
            }
            let role = classify(entry, &mut table_data, &mut sysctl_data, &mut processes);
            let (kind, content) = match &entry.kind {
                EntryKind::File(d) => (FileKind::File, Some(d)),
                EntryKind::Symlink(_) => (FileKind::Symlink, None),
                EntryKind::Dir => (FileKind::Dir, None),
                EntryKind::Other | EntryKind::Table(_) => (FileKind::Other, None),
            };
            // fd links are numerous and carry no content worth listing one by one.
            if role == FileRole::FdLink {
                continue;
            }
            files.push(FileInfo {
                path: entry.path.clone(),
                kind,
                size: entry.size(),
                role,
                // Hashing is for verification: only worth its time where the manifest has a hash.
                sha256: match (content, recorded.get(entry.path.as_str())) {
                    (Some(d), Some(_)) if !options.skip_hashes => Some(sha256_hex(d)),
                    _ => None,
                },
                manifest_sha256: recorded.get(entry.path.as_str()).map(|s| s.to_string()),
                content: content.filter(|d| d.len() <= SMALL_FILE).map(|d| d.to_vec()),
            });
        }
        for f in &files {
            if let (Some(actual), Some(expected)) = (&f.sha256, &f.manifest_sha256) {
                if !actual.eq_ignore_ascii_case(expected) {
                    diagnostics.push(Diagnostic::new(&f.path, 0, HASH_DIFFERS));
                }
            }
        }

        let mut inet_tables = Vec::new();
        let mut unix = Vec::new();
        let mut unix_has_inode = true;
        let mut sockstat = Sockstat::new();
        let mut tables = Vec::new();
        let page = page_size as usize;
        let mut rows_before = 0u64;
        for (kind, source) in table_data {
            let parsed = match source {
                TableSource::Text(data) if matches!(kind, TableKind::Sockstat | TableKind::Sockstat6) => {
                    let path = format!("proc/net/{}", kind.file_name());
                    proc::sockstat::parse(data, &path, &mut sockstat, &mut diagnostics);
                    let stats = proc::lex::scan(data, page, |_, _| {});
                    tables.push(TableFile {
                        kind,
                        bytes: data.len() as u64,
                        lines: stats.lines,
                        page_reads: stats.page_reads,
                    });
                    continue;
                }
                TableSource::Text(data) => {
                    // Chunk by chunk, reporting rows: a bare table may be the whole input.
                    proc::stream::parse_whole(kind, data, |rows| {
                        progress(Progress { bytes_done: 0, bytes_total: 0, rows: rows_before + rows as u64 })
                    })
                    .ok_or(Error::Cancelled)?
                }
                TableSource::Parsed(p) => p,
            };
            let stats = parsed.stats(page);
            tables.push(TableFile {
                kind,
                bytes: parsed.bytes,
                lines: stats.lines,
                page_reads: stats.page_reads,
            });
            rows_before += parsed.row_count() as u64;
            diagnostics.extend(parsed.diagnostics);
            match parsed.rows {
                TableRows::Inet(t) => inet_tables.push(t),
                TableRows::Unix { rows, has_inode } => {
                    unix = rows;
                    unix_has_inode = has_inode;
                }
            }
            if !progress(Progress { bytes_done: 0, bytes_total: 0, rows: rows_before }) {
                return Err(Error::Cancelled);
            }
        }
        let inet = InetRows::new(inet_tables, byte_order);

        let sysctls = proc::sysctl::KNOWN
            .iter()
            .filter_map(|k| {
                let data = sysctl_data.get(k.path)?;
                Some(Sysctl {
                    name: k.name.to_string(),
                    value: proc::sysctl::value(data),
                    meaning: k.meaning.to_string(),
                })
            })
            .collect();

        let owners = Owners::build(&processes);
        Ok(Snapshot {
            container,
            manifest,
            byte_order,
            user_hz,
            page_size,
            inet,
            unix,
            unix_has_inode,
            tables,
            sockstat,
            sysctls,
            processes,
            owners,
            files,
            diagnostics,
        })
    }

    /// The report: every analysis, ready to render or to send to the viewer.
    pub fn report(&self) -> crate::Report {
        crate::report::build(self)
    }

    /// The value of a captured sysctl, by name (`net.ipv4.ip_local_port_range`).
    pub fn sysctl(&self, name: &str) -> Option<&str> {
        self.sysctls.iter().find(|s| s.name == name).map(|s| s.value.as_str())
    }
}

fn parse_manifest(data: &[u8]) -> Result<Manifest, Error> {
    let m: Manifest =
        serde_json::from_slice(data).map_err(|e| Error::BadManifest { detail: e.to_string() })?;
    if m.format_version > FORMAT_VERSION {
        return Err(Error::NewerFormat { found: m.format_version, supported: FORMAT_VERSION });
    }
    if m.format_version == 0 {
        return Err(Error::BadManifest { detail: "format_version is missing or 0".into() });
    }
    Ok(m)
}

/// A table's text, or the table already parsed while it was unpacked.
enum TableSource<'a> {
    Text(&'a [u8]),
    Parsed(ParsedTable),
}

/// Sort an entry into the snapshot's parts and say what it is.
fn classify<'a>(
    entry: &'a Entry<'_>,
    tables: &mut BTreeMap<TableKind, TableSource<'a>>,
    sysctls: &mut BTreeMap<&'a str, &'a [u8]>,
    processes: &mut BTreeMap<u32, Process>,
) -> FileRole {
    let path = entry.path.as_str();
    if path == MANIFEST_PATH {
        return FileRole::Manifest;
    }
    let Some(rest) = path.strip_prefix("proc/") else {
        return FileRole::Other;
    };
    if let (Some(name), EntryKind::File(data)) = (rest.strip_prefix("net/"), &entry.kind) {
        return match TableKind::from_file_name(name) {
            Some(kind) => {
                tables.insert(kind, TableSource::Text(data));
                if matches!(kind, TableKind::Sockstat | TableKind::Sockstat6) {
                    FileRole::Counters
                } else {
                    FileRole::Table
                }
            }
            None if name == "snmp" || name == "netstat" => FileRole::Counters,
            None => FileRole::Other,
        };
    }
    if rest.starts_with("sys/") {
        if let (Some(k), EntryKind::File(data)) =
            (proc::sysctl::KNOWN.iter().find(|k| k.path == path), &entry.kind)
        {
            sysctls.insert(k.path, data);
            return FileRole::Sysctl;
        }
        return FileRole::Other;
    }
    let mut parts = rest.split('/');
    let (Some(pid), Some(what)) = (parts.next(), parts.next()) else {
        return FileRole::Other;
    };
    let Some(pid) = parse_number(pid) else {
        return FileRole::Other;
    };
    match (what, parts.next(), parts.next(), &entry.kind) {
        ("fd", Some(fd), None, EntryKind::Symlink(target)) => match parse_number(fd) {
            Some(fd) => {
                let p = processes.entry(pid).or_insert_with(|| Process { pid, ..Default::default() });
                p.fds.push((fd, RawText(target.clone())));
                FileRole::FdLink
            }
            None => FileRole::Other,
        },
        ("fd", None, None, EntryKind::Dir) => FileRole::Process,
        (_, None, None, EntryKind::File(data)) => {
            let p = processes.entry(pid).or_insert_with(|| Process { pid, ..Default::default() });
            match what {
                "cmdline" => p.cmdline = Some(RawText(data.to_vec())),
                "comm" => p.comm = Some(proc::process::comm(data)),
                "status" => p.uid = proc::process::status_uid(data),
                _ => return FileRole::Other,
            }
            FileRole::Process
        }
        _ => FileRole::Other,
    }
}

fn parse_number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// SHA-256 of `data` as lowercase hex, fed in 64 KiB chunks: in WebAssembly, V8 optimises a
/// function only on a later call, and one call over 150 MB would run entirely in the baseline
/// compiler's code (measured: 8 s instead of 1 s for a million-row table).
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    for chunk in data.chunks(64 * 1024) {
        h.update(chunk);
    }
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
