//! The decoded snapshot: every table parsed, every process and its socket fds, the manifest and
//! the host's parameters. Assembled from archive entries (the model layer): the archive reader
//! streams large tables into [`TableSink`], everything else is sorted by the layout registry.

use std::collections::BTreeMap;

use crate::archive::{self, Container, Entry, EntryKind, Limits, StreamSink};
use crate::digest::sha256_hex;
use crate::error::Error;
use crate::files::{self, FileInfo, FileKind};
use crate::flavour::{Flavour, NetstatChoice};
use crate::join::Owners;
use crate::layout::{self, FORMAT_VERSION, FileRole, MANIFEST_PATH, Place, TableKind};
use crate::manifest::Manifest;
use crate::proc::inet_rows::InetRows;
use crate::proc::process::Process;
use crate::proc::sockstat::Sockstat;
use crate::proc::stream::{ParsedTable, TableRows, TableStream};
use crate::proc::sysctl::Sysctl;
use crate::proc::unix::UnixSocket;
use crate::proc::{self};
use crate::raw_text::RawText;
use crate::sort;
use crate::types::{ByteOrder, Diagnostic, Fork, HostParams, Progress, ProgressFn, ReadAt};

/// Network namespaces a snapshot may hold (the collector's own included).
pub const MAX_NAMESPACES: usize = 4096;

/// Files up to this size keep their bytes for the viewer's raw-text view.
const SMALL_FILE: usize = 64 * 1024;

/// How to decode.
#[derive(Debug, Clone, Default)]
pub struct DecodeOptions {
    pub limits: Limits,
    /// Overrides the manifest's byte order (and the little-endian default for bare tables).
    pub byte_order: Option<ByteOrder>,
    /// Which table a bare file is, when its header cannot tell (udp, udplite and raw look alike).
    pub table_hint: Option<TableKind>,
    /// Skip checking SHA-256 of every file against the manifest (the viewer does it later).
    pub skip_hashes: bool,
    /// The netstat flavour to reproduce; `None`: the one the snapshot's `etc/os-release` implies.
    pub netstat: Option<Flavour>,
    /// Threads the host lends for parsing large tables (the CLI's two cores); `None`: one thread.
    pub fork: Option<&'static dyn Fork>,
}

/// Size and shape of one captured table, for the cost analysis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// The captured host's parameters, resolved once.
    pub params: HostParams,
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
    /// Host files by kind (`etc/os-release`, SELinux state), their bytes as captured.
    pub host_files: BTreeMap<layout::HostFileKind, Vec<u8>>,
    /// The netstat flavour the report reproduces, and why.
    pub netstat: NetstatChoice,
    pub diagnostics: Vec<Diagnostic>,
    /// Every network namespace the snapshot holds tables for, the collector's own first. The
    /// tables above (`inet`, `unix`, `tables`, `sockstat`, `sysctls`) are those of
    /// `namespaces[selected]`; [`Snapshot::select_netns`] switches them.
    pub namespaces: Vec<Namespace>,
    pub selected: usize,
    /// The tables above are every namespace's at once ([`Snapshot::select_all`]); `selected`
    /// is the namespace whose tables are stored with it, the collector's own.
    pub all: bool,
    /// The threads the host lent the decode ([`DecodeOptions::fork`]), kept for the report's
    /// pass over the rows.
    pub fork: Option<&'static dyn Fork>,
}

/// The socket tables and sysctls of one network namespace.
#[derive(Debug, Clone, Default)]
pub struct NetTables {
    pub inet: InetRows,
    pub unix: Vec<UnixSocket>,
    pub unix_has_inode: bool,
    pub tables: Vec<TableFile>,
    pub sockstat: Sockstat,
    pub sysctls: Vec<Sysctl>,
}

/// One network namespace of the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    /// The number in `net:[INODE]`; `None` when the snapshot does not say (older snapshots,
    /// bare tables: the collector's own namespace only).
    pub inode: Option<u64>,
    /// The collector's own namespace (tables at `proc/net/`).
    pub host: bool,
    /// The member process whose `proc/PID/net/` holds the tables (`None` for the host's).
    pub member: Option<u32>,
    /// Processes the capture saw in it (from the manifest).
    pub processes: Option<u64>,
    /// Listed by the manifest, but every member exited before its tables were read.
    pub vanished: bool,
    /// This namespace's tables while another one is selected (`None` while it is selected).
    stored: Option<NetTables>,
}

/// Decode a snapshot: a `.tar.gz`, a `.tar`, or a bare copy of one /proc/net table, calling
/// `progress` as it goes; if `progress` returns `false` the decode stops with
/// [`Error::Cancelled`].
pub fn decode(
    bytes: &[u8],
    options: &DecodeOptions,
    progress: &mut ProgressFn<'_>,
) -> Result<Snapshot, Error> {
    let mut input = bytes;
    decode_reader(&mut input, bytes.len() as u64, options, progress)
}

/// [`decode`] from a reader (a file, standard input): the input is never held whole, only the
/// rows of its tables and its small files. `total_bytes` (0 when unknown) is for progress.
pub fn decode_reader(
    input: &mut dyn std::io::Read,
    total_bytes: u64,
    options: &DecodeOptions,
    progress: &mut ProgressFn<'_>,
) -> Result<Snapshot, Error> {
    let mut sink = TableSink::default();
    let streaming = archive::Streaming { sink: &mut sink, hash: !options.skip_hashes };
    let (container, entries) =
        archive::read_reader(input, total_bytes, &options.limits, options.table_hint, streaming, progress)?;
    Snapshot::assemble(container, entries, sink.done, options, progress)
}

/// [`decode_reader`] for input the host can read at any offset (a file): with
/// [`DecodeOptions::fork`] set, a large bare table is parsed in two halves at once, each read by
/// its own thread. Archives, and anything smaller, are read in order as [`decode_reader`] does.
/// `progress` is told only of the in-order reads.
pub fn decode_at(
    src: &dyn ReadAt,
    size: u64,
    options: &DecodeOptions,
    progress: &mut ProgressFn<'_>,
) -> Result<Snapshot, Error> {
    let mut head = vec![0u8; archive::SNIFF];
    let n = read_full_at(src, 0, &mut head).map_err(archive::read_error)?;
    head.truncate(n);
    let split = match options.fork {
        Some(fork) if size >= SPLIT_FROM && !archive::is_archive(&head) => Some(fork),
        _ => None,
    };
    let Some(fork) = split else {
        return decode_reader(&mut InOrder { src, at: 0 }, size, options, progress);
    };
    let limits = &options.limits;
    let kind = archive::bare_table_kind(&head, options.table_hint).map_err(|e| limits.refusal(e))?;
    if size > limits.max_total_bytes {
        return Err(limits.refusal(Error::TooLarge { limit_bytes: limits.max_total_bytes }));
    }
    let parsed =
        parse_halves(kind, src, size, limits.max_total_bytes, fork).map_err(|e| limits.refusal(e))?;
    let path = layout::net_file_path(None, kind.file_name());
    let entries = vec![Entry { path, kind: EntryKind::Streamed { bytes: parsed.bytes, sha256: None } }];
    Snapshot::assemble(Container::BareTable, entries, vec![parsed], options, progress)
}

/// Tables from this size on are parsed in halves: below it a second thread saves too little.
const SPLIT_FROM: u64 = 8 << 20;
/// Bytes read at a time by each half.
const SPLIT_PIECE: usize = 1 << 20;

/// A bare table of about `size` bytes parsed in two halves through `fork`: the first from the
/// start, the second from the first line after the middle (to the end, however long it is by
/// then), joined in order. At most `limit` bytes in all.
fn parse_halves(
    kind: TableKind,
    src: &dyn ReadAt,
    size: u64,
    limit: u64,
    fork: &dyn Fork,
) -> Result<ParsedTable, Error> {
    let mut first = TableStream::new(kind);
    let mut buf = vec![0u8; SPLIT_PIECE];
    // The header before the split: the continuation takes its columns (unix: the inode's).
    let n = read_full_at(src, 0, &mut buf).map_err(archive::read_error)?;
    first.feed(&buf[..n]);
    let start = n as u64;
    // The second half starts after the first newline past the middle.
    let mut probe = vec![0u8; 64 << 10];
    let from = start.max(size / 2);
    let got = read_full_at(src, from, &mut probe).map_err(archive::read_error)?;
    let Some(mid) = memchr::memchr(b'\n', &probe[..got]).map(|i| from + i as u64 + 1) else {
        // No line ends near the middle: read the rest in order.
        feed_range(src, &mut first, start, None, limit, &mut buf)?;
        return Ok(first.finish());
    };
    drop(probe);
    let mut later = first.continuation();
    let mut later_buf = vec![0u8; SPLIT_PIECE];
    let (mut a, mut b) = (Ok(()), Ok(()));
    fork.both(&mut || a = feed_range(src, &mut first, start, Some(mid), limit, &mut buf), &mut || {
        b = feed_range(src, &mut later, mid, None, limit, &mut later_buf)
    });
    a?;
    b?;
    first.join(later);
    Ok(first.finish())
}

/// Feed `stream` the bytes from `from` up to `until` (or the end), in `buf`-sized reads.
fn feed_range(
    src: &dyn ReadAt,
    stream: &mut TableStream,
    mut from: u64,
    until: Option<u64>,
    limit: u64,
    buf: &mut [u8],
) -> Result<(), Error> {
    loop {
        let want = until.map_or(buf.len() as u64, |u| u.saturating_sub(from).min(buf.len() as u64)) as usize;
        if want == 0 {
            return Ok(());
        }
        let n = read_full_at(src, from, &mut buf[..want]).map_err(archive::read_error)?;
        if n == 0 {
            return Ok(());
        }
        from += n as u64;
        if from > limit {
            return Err(Error::TooLarge { limit_bytes: limit });
        }
        stream.feed(&buf[..n]);
    }
}

/// Fill `buf` from `offset`, short only at the end.
fn read_full_at(src: &dyn ReadAt, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read_at(offset + filled as u64, &mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A [`ReadAt`] read from its start, in order.
struct InOrder<'a> {
    src: &'a dyn ReadAt,
    at: u64,
}

impl std::io::Read for InOrder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.src.read_at(self.at, buf)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// [`decode`] fed piece by piece: a plain tar, or the tar inside a `.tar.gz` that the caller
/// inflates (the viewer's worker feeds what the browser's `DecompressionStream` gives, as it
/// gives it). Large tables are parsed as they come, as [`decode_reader`] does.
pub struct TarDecoder {
    untar: archive::Untar,
    sink: TableSink,
    options: DecodeOptions,
    container: Container,
}

impl TarDecoder {
    /// `gzip`: what is fed was inflated from a gzip stream of `total_bytes` (0 when unknown):
    /// tell [`TarDecoder::set_compressed`] how much of it is consumed, for the bomb guard.
    pub fn new(options: &DecodeOptions, gzip: bool, total_bytes: u64) -> TarDecoder {
        let mode = archive::Mode::Read { hash: !options.skip_hashes };
        let presize = archive::presize(gzip, total_bytes);
        TarDecoder {
            untar: archive::Untar::new(&options.limits, mode, gzip, presize),
            sink: TableSink::default(),
            options: options.clone(),
            container: if gzip { Container::TarGz } else { Container::Tar },
        }
    }

    /// Compressed bytes consumed so far.
    pub fn set_compressed(&mut self, bytes: u64) {
        self.untar.set_compressed(bytes);
    }

    /// The next bytes of the tar. After an error, stop feeding.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        self.untar.feed(data, &mut self.sink).map_err(|e| self.options.limits.refusal(e))
    }

    /// Socket rows parsed so far (for progress).
    pub fn rows(&self) -> u64 {
        self.sink.rows()
    }

    /// The input has ended: the snapshot.
    pub fn finish(self, progress: &mut ProgressFn<'_>) -> Result<Snapshot, Error> {
        let mut entries = self.untar.finish().map_err(|e| self.options.limits.refusal(e))?;
        archive::strip_common_top_dir(&mut entries);
        Snapshot::assemble(self.container, entries, self.sink.done, &self.options, progress)
    }
}

/// Assembles a snapshot from files a caller reads one by one (the CLI reading an extracted
/// directory): small files are handed over whole, large tables are streamed in, so a
/// directory costs no more memory than an archive.
pub struct Builder {
    sink: TableSink,
    entries: Vec<Entry<'static>>,
    hash: bool,
}

impl Builder {
    pub fn new(options: &DecodeOptions) -> Builder {
        Builder { sink: TableSink::default(), entries: Vec::new(), hash: !options.skip_hashes }
    }

    /// An entry whose content is at hand (a link, a directory, a small file). Add the manifest
    /// first: tables streamed after it are hashed for checking against it.
    pub fn entry(&mut self, entry: Entry<'static>) {
        self.entries.push(entry);
    }

    /// A file at archive path `path` whose content `read` yields: streamed into its table when
    /// it is a socket table (`size` may be 0, as /proc says of its files), else kept whole.
    pub fn file(&mut self, path: &str, size: u64, read: &mut dyn std::io::Read) -> std::io::Result<()> {
        if self.sink.wants(path, size) {
            // Only worth its time when there is a manifest to check against (it comes first).
            let hash = self.hash && self.entries.iter().any(|e| e.path == MANIFEST_PATH);
            let mut hasher = hash.then(crate::digest::Hasher::default);
            let mut buf = vec![0u8; archive::STREAM_CHUNK];
            let mut bytes = 0u64;
            loop {
                let n = match read.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.sink.end();
                        return Err(e);
                    }
                };
                if let Some(h) = &mut hasher {
                    h.update(&buf[..n]);
                }
                self.sink.chunk(&buf[..n]);
                bytes += n as u64;
            }
            self.sink.end();
            let sha256 = hasher.map(crate::digest::Hasher::finish);
            self.entries.push(Entry { path: path.to_string(), kind: EntryKind::Streamed { bytes, sha256 } });
            return Ok(());
        }
        let mut data = Vec::with_capacity(size.min(archive::STREAM_ABOVE) as usize);
        read.read_to_end(&mut data)?;
        self.entries.push(Entry::file(path.to_string(), data));
        Ok(())
    }

    pub fn finish(self, container: Container, options: &DecodeOptions) -> Result<Snapshot, Error> {
        Snapshot::assemble(container, self.entries, self.sink.done, options, &mut |_| true)
    }
}

/// Parses the socket tables the archive reader streams to it, in the order it streams them.
#[derive(Default)]
struct TableSink {
    current: Option<TableStream>,
    /// Rows of the tables already finished.
    rows_before: u64,
    done: Vec<ParsedTable>,
}

impl StreamSink for TableSink {
    fn wants(&mut self, path: &str, _size: u64) -> bool {
        // Every namespace's tables: the collector's own at proc/net/, the others at proc/PID/net/.
        let Place::Net { file, .. } = layout::classify_lenient(path) else { return false };
        match file.table {
            Some(kind) if kind.has_rows() => {
                self.current = Some(TableStream::new(kind));
                true
            }
            _ => false,
        }
    }
    fn chunk(&mut self, data: &[u8]) {
        if let Some(t) = &mut self.current {
            t.feed(data);
        }
    }
    fn end(&mut self) {
        if let Some(t) = self.current.take() {
            let parsed = t.finish();
            self.rows_before += parsed.row_count() as u64;
            self.done.push(parsed);
        }
    }
    fn rows(&self) -> u64 {
        self.rows_before + self.current.as_ref().map_or(0, |t| t.rows() as u64)
    }
}

impl Snapshot {
    /// Assemble entries gathered by the caller (the CLI reads an extracted directory this way).
    pub fn from_entries(
        container: Container,
        entries: Vec<Entry<'_>>,
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Snapshot, Error> {
        Snapshot::assemble(container, entries, Vec::new(), options, progress)
    }

    /// `streamed`: the tables the archive reader streamed, in order (one per
    /// [`EntryKind::Streamed`] entry).
    fn assemble(
        container: Container,
        entries: Vec<Entry<'_>>,
        streamed: Vec<ParsedTable>,
        options: &DecodeOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Snapshot, Error> {
        let mut diagnostics = Vec::new();

        // The manifest first: it carries the byte order the tables need.
        let manifest = match entries.iter().find(|e| e.path == MANIFEST_PATH) {
            Some(Entry { kind: EntryKind::File(data), .. }) => Some(parse_manifest(data)?),
            _ => None,
        };
        let params = host_params(manifest.as_ref(), options);
        // Maps filled once and then read are sorted `Vec`s (`sort::last_wins`, `sort::lookup`):
        // a `BTreeMap`'s code is compiled into the viewer anew for every key and value type.
        let mut recorded: Vec<(&str, &str)> = Vec::new();
        for f in manifest.iter().flat_map(|m| m.files.iter()) {
            if let Some(sha) = f.sha256.as_deref() {
                recorded.push((f.path.as_str(), sha));
            }
        }
        let recorded = sort::last_wins(recorded);
        let recorded_sha = |path: &str| sort::lookup(&recorded, &path).copied();

        let mut streamed = streamed.into_iter();
        let mut table_data: TableData<'_> = Vec::new();
        let mut sysctl_data: SysctlData<'_> = Vec::new();
        let mut netns_links: Vec<(u32, u64)> = Vec::new();
        let mut host_files = BTreeMap::new();
        let mut processes: BTreeMap<u32, Process> = BTreeMap::new();
        let mut files = Vec::with_capacity(entries.len());

        for entry in &entries {
            if let EntryKind::Streamed { bytes, sha256 } = &entry.kind {
                let Some(parsed) = streamed.next() else { continue };
                // A table that turns out not to be at proc/net/ once a top directory was
                // stripped is listed as an unknown file, as it would have been unstreamed.
                let (ns_pid, kind) = match layout::classify(&entry.path) {
                    Place::Net { ns_pid, file } => (ns_pid, file.table.filter(|&k| k == parsed.kind)),
                    _ => (None, None),
                };
                files.push(FileInfo {
                    path: entry.path.clone(),
                    kind: FileKind::File,
                    size: *bytes,
                    role: if kind.is_some() { FileRole::Table } else { FileRole::Other },
                    sha256: sha256.clone().filter(|_| recorded_sha(&entry.path).is_some()),
                    manifest_sha256: recorded_sha(&entry.path).map(str::to_string),
                    content: None,
                });
                if let Some(kind) = kind {
                    table_data.push(((ns_pid, kind), TableSource::Parsed(parsed)));
                }
                continue;
            }
            let role = classify(
                entry,
                &mut table_data,
                &mut sysctl_data,
                &mut host_files,
                &mut processes,
                &mut netns_links,
            );
            let (kind, content) = match &entry.kind {
                EntryKind::File(d) => (FileKind::File, Some(d)),
                EntryKind::Symlink(_) => (FileKind::Symlink, None),
                EntryKind::Dir => (FileKind::Dir, None),
                EntryKind::Other | EntryKind::Streamed { .. } => (FileKind::Other, None),
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
                sha256: match (content, recorded_sha(&entry.path)) {
                    (Some(d), Some(_)) if !options.skip_hashes => Some(sha256_hex(d)),
                    _ => None,
                },
                manifest_sha256: recorded_sha(&entry.path).map(str::to_string),
                content: content.filter(|d| d.len() <= SMALL_FILE).map(|d| d.to_vec()),
            });
        }
        diagnostics.extend(files::mismatches(&files));

        // The namespaces: the manifest's list first (it knows inodes and vanished ones), then any
        // other namespace whose tables are present (a snapshot without the list).
        let mut namespaces: Vec<Namespace> = Vec::new();
        let records = manifest.as_ref().map(|m| m.namespaces.as_slice()).unwrap_or_default();
        match records.iter().find(|r| r.host) {
            Some(r) => namespaces.push(Namespace {
                inode: Some(r.inode),
                host: true,
                processes: Some(r.processes),
                ..Default::default()
            }),
            None => namespaces.push(Namespace { host: true, ..Default::default() }),
        }
        for r in records.iter().filter(|r| !r.host) {
            namespaces.push(Namespace {
                inode: Some(r.inode),
                host: false,
                member: r.pid,
                processes: Some(r.processes),
                vanished: r.vanished,
                stored: None,
            });
        }
        // Each table taken (set to `None`) by the namespace it belongs to, below.
        let mut table_data: Vec<_> =
            sort::last_wins(table_data).into_iter().map(|(key, source)| (key, Some(source))).collect();
        let sysctl_data = sort::last_wins(sysctl_data);
        let netns_links = sort::last_wins(netns_links);
        let netns_of = |pid: u32| sort::lookup(&netns_links, &pid).copied();
        let mut members: Vec<u32> = table_data.iter().filter_map(|((p, _), _)| *p).collect();
        members.dedup();
        for pid in members {
            if !namespaces.iter().any(|n| n.member == Some(pid)) {
                namespaces.push(Namespace { inode: netns_of(pid), member: Some(pid), ..Default::default() });
            }
        }
        // Without a manifest (a live /proc read as a directory) the collector's own inode is
        // unknown: it is the one socket holders link to that no other namespace's member names.
        if namespaces[0].inode.is_none() && !netns_links.is_empty() {
            let others: Vec<u64> = namespaces.iter().filter_map(|n| n.inode).collect();
            let mut inodes: Vec<u64> =
                netns_links.iter().map(|&(_, ino)| ino).filter(|i| !others.contains(i)).collect();
            sort::sort(&mut inodes);
            // The most linked inode; of equally linked ones the highest (as `max_by_key` over
            // an ascending map gave).
            let mut best: Option<(u64, usize)> = None;
            for run in inodes.chunk_by(|a, b| a == b) {
                if best.is_none_or(|(_, n)| run.len() >= n) {
                    best = Some((run[0], run.len()));
                }
            }
            namespaces[0].inode = best.map(|(ino, _)| ino);
        }
        // A hostile manifest could list millions: each namespace is analysed on its own, so the
        // list is bounded (a Kubernetes node runs at most a few hundred pods).
        if namespaces.len() > MAX_NAMESPACES {
            diagnostics.push(Diagnostic::new(
                MANIFEST_PATH,
                0,
                &format!(
                    "{} network namespaces listed; only the first {MAX_NAMESPACES} are kept",
                    namespaces.len()
                ),
            ));
            namespaces.truncate(MAX_NAMESPACES);
        }
        // A member listed but with no tables (a copy that lost them) counts as vanished.
        for n in namespaces.iter_mut().filter(|n| !n.host) {
            if !n.vanished && !n.member.is_some_and(|m| table_data.iter().any(|((p, _), _)| *p == Some(m))) {
                n.vanished = true;
            }
        }

        let mut rows_before = 0u64;
        let mut all_tables = Vec::with_capacity(namespaces.len());
        for n in &namespaces {
            let ns_pid = if n.host { None } else { n.member };
            // In kind order, as `table_data` is sorted by (member, kind).
            let mine: Vec<(TableKind, TableSource<'_>)> = table_data
                .iter_mut()
                .filter(|((p, _), _)| *p == ns_pid && (n.host || p.is_some()))
                .filter_map(|((_, kind), source)| source.take().map(|s| (*kind, s)))
                .collect();
            let sysctls: Vec<(&str, &[u8])> = sysctl_data
                .iter()
                .filter(|((p, _), _)| *p == ns_pid)
                .map(|&((_, name), data)| (name, data))
                .collect();
            let t = net_tables(
                ns_pid,
                mine,
                &sysctls,
                &params,
                options.fork,
                &mut rows_before,
                &mut diagnostics,
                progress,
            )?;
            all_tables.push(t);
        }
        let mut all_tables = all_tables.into_iter();
        let NetTables { inet, unix, unix_has_inode, tables, sockstat, sysctls } =
            all_tables.next().unwrap_or_default();
        for (n, t) in namespaces.iter_mut().skip(1).zip(all_tables) {
            n.stored = Some(t);
        }
        for (pid, p) in processes.iter_mut() {
            p.netns = netns_of(*pid);
        }

        let owners = Owners::build(&processes);
        let netstat = match options.netstat {
            Some(f) => f.chosen(),
            None => implied_netstat(&host_files),
        };
        Ok(Snapshot {
            container,
            manifest,
            params,
            inet,
            unix,
            unix_has_inode,
            tables,
            sockstat,
            sysctls,
            processes,
            owners,
            files,
            host_files,
            netstat,
            diagnostics,
            namespaces,
            selected: 0,
            all: false,
            fork: options.fork,
        })
    }

    /// The index in [`Snapshot::namespaces`] of the namespace `net:[inode]`.
    pub fn netns_index(&self, inode: u64) -> Option<usize> {
        self.namespaces.iter().position(|n| n.inode == Some(inode))
    }

    /// Make namespace `index` the one whose tables `inet`, `unix`, `tables`, `sockstat` and
    /// `sysctls` hold (what every analysis reads). Out of range: nothing changes.
    pub fn select_netns(&mut self, index: usize) {
        if index >= self.namespaces.len() || (index == self.selected && !self.all) {
            return;
        }
        if self.all {
            // The merged tables are copies: drop them, the namespace's own are stored.
            self.all = false;
            let next = self.namespaces[index].stored.take().unwrap_or_default();
            self.set_tables(next);
            self.selected = index;
            return;
        }
        let current = self.take_tables();
        self.namespaces[self.selected].stored = Some(current);
        let next = self.namespaces[index].stored.take().unwrap_or_default();
        self.set_tables(next);
        self.selected = index;
    }

    /// Make the tables every namespace's at once: each namespace's rows (copied; its own stay
    /// stored), its table files and its sockstat counters added up, and the collector's own
    /// namespace's sysctls and system-wide `sockets:` line. Listeners and rows then carry their
    /// namespace ([`InetTable::netns`]). Nothing changes for a snapshot of one namespace.
    pub fn select_all(&mut self) {
        if self.all || self.namespaces.len() < 2 {
            return;
        }
        self.select_netns(0);
        let current = self.take_tables();
        let order = current.inet.byte_order();
        self.namespaces[0].stored = Some(current);
        let mut merged = NetTables::default();
        let mut parts = Vec::new();
        for n in self.namespaces.iter().filter(|n| !n.vanished) {
            let Some(t) = &n.stored else { continue };
            parts.push((n.inode, t.inet.clone()));
            merged.unix.extend(t.unix.iter().map(|u| UnixSocket { netns: n.inode, ..u.clone() }));
            merged.unix_has_inode |= t.unix_has_inode;
            // One file per kind, as netstat reading every namespace's in turn would see them.
            for f in &t.tables {
                match merged.tables.iter_mut().find(|m| m.kind == f.kind) {
                    Some(m) => {
                        m.bytes += f.bytes;
                        m.lines += f.lines.saturating_sub(1);
                        m.page_reads += f.page_reads;
                    }
                    None => merged.tables.push(f.clone()),
                }
            }
            for (section, counters) in &t.sockstat {
                // `sockets: used` counts the whole system in every namespace: the host's alone.
                if section == "sockets" && !n.host {
                    continue;
                }
                let sum = merged.sockstat.entry(section.clone()).or_default();
                for (k, v) in counters {
                    *sum.entry(k.clone()).or_default() += v;
                }
            }
            if n.host {
                merged.sysctls = t.sysctls.clone();
            }
        }
        merged.inet = InetRows::merged(parts, order);
        self.set_tables(merged);
        self.all = true;
    }

    fn take_tables(&mut self) -> NetTables {
        NetTables {
            inet: std::mem::take(&mut self.inet),
            unix: std::mem::take(&mut self.unix),
            unix_has_inode: self.unix_has_inode,
            tables: std::mem::take(&mut self.tables),
            sockstat: std::mem::take(&mut self.sockstat),
            sysctls: std::mem::take(&mut self.sysctls),
        }
    }

    fn set_tables(&mut self, t: NetTables) {
        self.inet = t.inet;
        self.unix = t.unix;
        self.unix_has_inode = t.unix_has_inode;
        self.tables = t.tables;
        self.sockstat = t.sockstat;
        self.sysctls = t.sysctls;
    }

    /// The value of a captured sysctl, by name (`net.ipv4.ip_local_port_range`).
    /// Whether SELinux was enabled on the captured host: the collector captures
    /// `sys/fs/selinux/enforce`, which exists only where selinuxfs is mounted.
    pub fn selinux_enabled(&self) -> bool {
        self.host_files.contains_key(&layout::HostFileKind::SelinuxEnforce)
    }

    /// The namespace whose tables are shown, when it is one and the snapshot names it (with
    /// every namespace at once, each table says its own: [`InetTable::netns`], `UnixSocket::netns`).
    pub fn selected_netns(&self) -> Option<u64> {
        if self.all { None } else { self.namespaces.get(self.selected).and_then(|n| n.inode) }
    }

    pub fn sysctl(&self, name: &str) -> Option<&str> {
        self.sysctls.iter().find(|s| s.name == name).map(|s| s.value.as_str())
    }
}

fn parse_manifest(data: &[u8]) -> Result<Manifest, Error> {
    let m = Manifest::from_json(data).map_err(|detail| Error::BadManifest { detail })?;
    if m.format_version > FORMAT_VERSION {
        return Err(Error::NewerFormat { found: m.format_version, supported: FORMAT_VERSION });
    }
    if m.format_version == 0 {
        return Err(Error::BadManifest { detail: "format_version is missing or 0".into() });
    }
    Ok(m)
}

/// Tables by (namespace member, kind), in archive order (`sort::last_wins` sorts them): `None` is
/// the collector's own namespace.
type TableData<'a> = Vec<((Option<u32>, TableKind), TableSource<'a>)>;
/// Sysctl bytes by (namespace member, path), in archive order; `None`: the collector's own.
type SysctlData<'a> = Vec<((Option<u32>, &'a str), &'a [u8])>;

/// A table's text, or the table already parsed while it was unpacked.
enum TableSource<'a> {
    Text(&'a [u8]),
    Parsed(ParsedTable),
}

/// The host's parameters: options first, then the manifest, then an x86_64 host's defaults.
fn host_params(manifest: Option<&Manifest>, options: &DecodeOptions) -> HostParams {
    let default = HostParams::default();
    HostParams {
        byte_order: options
            .byte_order
            .or_else(|| manifest.and_then(Manifest::byte_order))
            .unwrap_or_default(),
        user_hz: manifest.and_then(|m| m.host.user_hz).filter(|&hz| hz > 0).unwrap_or(default.user_hz),
        page_size: manifest.and_then(|m| m.host.page_size).filter(|&p| p >= 512).unwrap_or(default.page_size),
    }
}

/// Sort an entry into the snapshot's parts and say what it is.
fn classify<'a>(
    entry: &'a Entry<'_>,
    tables: &mut TableData<'a>,
    sysctls: &mut SysctlData<'a>,
    host_files: &mut BTreeMap<layout::HostFileKind, Vec<u8>>,
    processes: &mut BTreeMap<u32, Process>,
    netns_links: &mut Vec<(u32, u64)>,
) -> FileRole {
    let place = layout::classify(&entry.path);
    match (place, &entry.kind) {
        (Place::Manifest, _) => FileRole::Manifest,
        (Place::Net { ns_pid, file }, EntryKind::File(data)) => match file.table {
            Some(kind) => {
                tables.push(((ns_pid, kind), TableSource::Text(data)));
                place.role()
            }
            None => FileRole::Counters,
        },
        (Place::Sysctl(k), EntryKind::File(data)) => {
            sysctls.push(((None, k.path), data));
            FileRole::Sysctl
        }
        (Place::NsSysctl { pid, file }, EntryKind::File(data)) => {
            sysctls.push(((Some(pid), file.path), data));
            FileRole::Sysctl
        }
        (Place::Host(h), EntryKind::File(data)) => {
            host_files.insert(h.what, data.to_vec());
            FileRole::Host
        }
        (Place::FdLink { pid, fd }, EntryKind::Symlink(target)) => {
            let p = processes.entry(pid).or_insert_with(|| Process { pid, ..Default::default() });
            p.fds.push((fd, RawText(target.clone())));
            FileRole::FdLink
        }
        (Place::FdDir { .. }, EntryKind::Dir) => FileRole::Process,
        (Place::Process { pid, file }, EntryKind::File(data)) => {
            let p = processes.entry(pid).or_insert_with(|| Process { pid, ..Default::default() });
            match file {
                layout::ProcessFile::Cmdline => p.cmdline = Some(RawText(data.to_vec())),
                layout::ProcessFile::Comm => p.comm = Some(proc::process::comm(data)),
                layout::ProcessFile::Status => p.uid = proc::process::status_uid(data),
                layout::ProcessFile::Cgroup => p.container = proc::cgroup::container(data),
            }
            FileRole::Process
        }
        (Place::NetNs { pid }, EntryKind::Symlink(target)) => {
            if let Some(inode) = layout::netns_inode(target) {
                netns_links.push((pid, inode));
            }
            FileRole::Namespace
        }
        _ => FileRole::Other,
    }
}

/// Parse one namespace's tables (`ns_pid`: its member, `None` for the collector's own) and
/// resolve its sysctls.
#[allow(clippy::too_many_arguments)] // one call, from `assemble`: a namespace's inputs and its running totals
fn net_tables(
    ns_pid: Option<u32>,
    table_data: Vec<(TableKind, TableSource<'_>)>,
    sysctl_data: &[(&str, &[u8])],
    params: &HostParams,
    fork: Option<&dyn Fork>,
    rows_before: &mut u64,
    diagnostics: &mut Vec<Diagnostic>,
    progress: &mut ProgressFn<'_>,
) -> Result<NetTables, Error> {
    let mut inet_tables = Vec::new();
    let mut unix = Vec::new();
    let mut unix_has_inode = true;
    let mut sockstat = Sockstat::new();
    let mut tables = Vec::new();
    let page = params.page_size as usize;
    for (kind, source) in table_data {
        let path = layout::net_file_path(ns_pid, kind.file_name());
        let parsed = match source {
            TableSource::Text(data) if matches!(kind, TableKind::Sockstat | TableKind::Sockstat6) => {
                proc::sockstat::parse(data, &path, &mut sockstat, diagnostics);
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
                let before = *rows_before;
                proc::stream::parse_whole(kind, data, |rows| {
                    progress(Progress { bytes_done: 0, bytes_total: 0, rows: before + rows as u64 })
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
        *rows_before += parsed.row_count() as u64;
        diagnostics.extend(parsed.diagnostics.into_iter().map(|mut d| {
            // The stream names the collector's own path; another namespace's is under its member.
            if ns_pid.is_some() && d.file == layout::net_file_path(None, kind.file_name()) {
                d.file = path.clone();
            }
            d
        }));
        match parsed.rows {
            // Non-atomic reads (see InetTable::remove_duplicates): each socket once.
            TableRows::Inet(mut t) => {
                let dups = t.remove_duplicates(fork);
                if let Some(message) = dups.message() {
                    diagnostics.push(Diagnostic::new(&path, dups.first_line, &message));
                }
                inet_tables.push(t)
            }
            TableRows::Unix { mut rows, has_inode } => {
                let mut seen = rustc_hash::FxHashSet::default();
                let before = rows.len();
                let mut first_line = 0;
                // Listening rows are kept, as netstat prints every one it reads.
                let mut kept_shown = 0u64;
                rows.retain(|u| {
                    let first = u.inode == 0 || !has_inode || seen.insert(u.inode);
                    if !first && first_line == 0 {
                        first_line = u.line;
                    }
                    if !first && u.is_listening() {
                        kept_shown += 1;
                        return true;
                    }
                    first
                });
                let dups = crate::proc::inet_rows::Duplicates {
                    same_inode: (before - rows.len()) as u64 + kept_shown,
                    same_time_wait: 0,
                    kept_shown,
                    first_line,
                };
                if let Some(message) = dups.message() {
                    diagnostics.push(Diagnostic::new(&path, first_line, &message));
                }
                unix = rows;
                unix_has_inode = has_inode;
            }
        }
        if !progress(Progress { bytes_done: 0, bytes_total: 0, rows: *rows_before }) {
            return Err(Error::Cancelled);
        }
    }
    let sysctls = layout::SYSCTLS
        .iter()
        .filter_map(|k| {
            let data = sort::lookup(sysctl_data, &k.path)?;
            Some(Sysctl {
                name: k.name.to_string(),
                value: proc::sysctl::value(data),
                meaning: k.meaning.to_string(),
            })
        })
        .collect();
    Ok(NetTables {
        inet: InetRows::new(inet_tables, params.byte_order),
        unix,
        unix_has_inode,
        tables,
        sockstat,
        sysctls,
    })
}

/// The netstat flavour the captured host's release files imply (os-release, else
/// redhat-release), and why.
pub fn implied_netstat(host_files: &BTreeMap<layout::HostFileKind, Vec<u8>>) -> NetstatChoice {
    let file = |k| host_files.get(&k).map(Vec::as_slice);
    Flavour::from_release_files(
        file(layout::HostFileKind::OsRelease),
        file(layout::HostFileKind::RedhatRelease),
    )
}
