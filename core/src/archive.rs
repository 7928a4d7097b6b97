//! The archive reader: turns the bytes of a snapshot into a list of entries.
//!
//! Accepts a gzip-compressed tar (the normal snapshot), a plain tar, or a bare copy of one
//! `/proc/net` table, told apart by content, never by file name. Decompressed bytes and entry
//! counts are limited so a gzip or tar bomb is refused instead of exhausting memory.
//!
//! The reader knows no parser: large files can be handed, chunk by chunk, to a [`StreamSink`]
//! the caller supplies (the snapshot assembly parses socket tables that way), so their text is
//! never held whole.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::digest::Hasher;
use crate::error::Error;
use crate::layout::{self, TableKind};
use crate::types::{Progress, ProgressFn};

mod untar;
pub use untar::{Mode, Untar};

/// Resource limits for decoding untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes after decompression (file contents, names and tar headers).
    pub max_total_bytes: u64,
    /// Entries in the tar (files, links, directories).
    pub max_entries: u64,
    /// gzip only: once past [`RATIO_FLOOR`] bytes, refuse data that unpacks to more than this many
    /// times the compressed bytes read so far. Deflate tops out near 1032:1 (a gzip bomb); real
    /// snapshots are 5–50:1. Without it a bomb under 1.5 MB would unpack to the full
    /// `max_total_bytes` in memory before anything noticed. 0 turns the check off.
    pub max_ratio: u64,
    /// The decode runs in a browser tab: a refusal for size says to use the CLI instead
    /// ([`Error::TooLargeForBrowser`]).
    pub browser: bool,
}

impl Limits {
    /// For a browser tab (wasm32). A tab's wasm memory runs out long before the CLI's 1.5 GiB:
    /// the compressed input, the rows (48 bytes per 150-byte tcp row) and the report must all fit.
    /// 1 GiB unpacked is ~7 million tcp rows (~340 MB of rows), so the 5-million-socket benchmark
    /// snapshot (750 MB unpacked, a 540 MiB tab) still opens; above it the viewer refuses with a
    /// message instead of the tab crashing.
    pub fn browser() -> Limits {
        Limits {
            max_total_bytes: 1024 * 1024 * 1024,
            max_entries: 200_000,
            browser: true,
            ..Limits::default()
        }
    }

    /// A size refusal as the place the decode runs should word it.
    pub(crate) fn refusal(&self, e: Error) -> Error {
        match e {
            Error::TooLarge { limit_bytes } if self.browser => Error::TooLargeForBrowser { limit_bytes },
            Error::TooManyEntries { .. } if self.browser => {
                Error::TooLargeForBrowser { limit_bytes: self.max_total_bytes }
            }
            e => e,
        }
    }
}

/// Decompressed bytes allowed before [`Limits::max_ratio`] applies: small inputs may compress well.
pub const RATIO_FLOOR: u64 = 64 << 20;

impl Default for Limits {
    fn default() -> Self {
        // 1.5 GiB holds a /proc/net/tcp of ten million rows; a server with that many sockets
        // is already beyond what a browser tab can show. 1,000,000 entries allows ~900,000
        // socket fds, far above real hosts, and refuses a million-entry tar bomb.
        Limits { max_total_bytes: 1536 * 1024 * 1024, max_entries: 1_000_000, max_ratio: 500, browser: false }
    }
}

/// One entry of the archive, with its path normalised (no leading `./` or `/`). File data is
/// borrowed from the input when it can be (a bare table), so a large table is never copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub path: String,
    pub kind: EntryKind<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind<'a> {
    File(Cow<'a, [u8]>),
    /// A symbolic link and the raw bytes of its target (`socket:[123]`).
    Symlink(Vec<u8>),
    Dir,
    /// Anything else a tar can hold (device, fifo, hard link): listed, never used.
    Other,
    /// A large file whose bytes went to the [`StreamSink`] as they were unpacked (the n-th
    /// streamed entry is the sink's n-th stream).
    Streamed {
        bytes: u64,
        /// SHA-256 of its bytes (lowercase hex), when hashing was asked for.
        sha256: Option<String>,
    },
}

/// Files larger than this may be streamed to a [`StreamSink`]; smaller files are kept whole.
pub const STREAM_ABOVE: u64 = 64 * 1024;
/// Bytes handed to a [`StreamSink`] at a time.
pub const STREAM_CHUNK: usize = 256 * 1024;

/// Takes large files as they are unpacked, instead of the reader keeping their bytes.
pub trait StreamSink {
    /// Whether the regular file at `path` (normalised, but before any top directory is
    /// stripped: see [`layout::classify_lenient`]) should be streamed here.
    fn wants(&mut self, path: &str, size: u64) -> bool;
    /// The next piece of the file being streamed.
    fn chunk(&mut self, data: &[u8]);
    /// The file being streamed has ended.
    fn end(&mut self);
    /// Rows produced so far, for progress reports.
    fn rows(&self) -> u64;
}

impl<'a> Entry<'a> {
    pub fn file(path: impl Into<String>, data: impl Into<Cow<'a, [u8]>>) -> Entry<'a> {
        Entry { path: path.into(), kind: EntryKind::File(data.into()) }
    }
    pub fn symlink(path: impl Into<String>, target: impl Into<Vec<u8>>) -> Entry<'a> {
        Entry { path: path.into(), kind: EntryKind::Symlink(target.into()) }
    }
    /// Size in bytes of the stored content (file data or link target).
    pub fn size(&self) -> u64 {
        match &self.kind {
            EntryKind::File(d) => d.len() as u64,
            EntryKind::Symlink(t) => t.len() as u64,
            EntryKind::Streamed { bytes, .. } => *bytes,
            _ => 0,
        }
    }
}

/// What the input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    TarGz,
    Tar,
    /// A bare copy of one table (no manifest, no processes).
    BareTable,
    /// A directory read by the CLI.
    Directory,
}

/// Read an archive (or bare table) into entries, every file's bytes kept whole.
pub fn read<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    table_hint: Option<TableKind>,
    progress: &mut ProgressFn<'_>,
) -> Result<(Container, Vec<Entry<'a>>), Error> {
    read_with(bytes, limits, table_hint, None, progress)
}

/// Where [`read_reader`] sends large files, and whether it hashes them on the way (their
/// bytes are not kept for hashing later).
pub struct Streaming<'s> {
    pub sink: &'s mut dyn StreamSink,
    pub hash: bool,
}

fn read_with<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    table_hint: Option<TableKind>,
    streaming: Option<Streaming<'_>>,
    progress: &mut ProgressFn<'_>,
) -> Result<(Container, Vec<Entry<'a>>), Error> {
    let mut input = bytes;
    read_input(&mut input, bytes.len() as u64, limits, table_hint, streaming, progress)
}

/// [`read`] from a reader (a file, standard input, or bytes in memory), with files above
/// [`STREAM_ABOVE`] that the sink wants handed to it as they are unpacked
/// ([`EntryKind::Streamed`]): memory holds the rows of large tables and the small files, never
/// the input whole. `total_bytes` (0 when unknown) is for progress and for sizing buffers.
pub fn read_reader(
    input: &mut dyn Read,
    total_bytes: u64,
    limits: &Limits,
    table_hint: Option<TableKind>,
    streaming: Streaming<'_>,
    progress: &mut ProgressFn<'_>,
) -> Result<(Container, Vec<Entry<'static>>), Error> {
    read_input(input, total_bytes, limits, table_hint, Some(streaming), progress)
}

/// Every reader's one path: [`read_unworded`], with a size refusal worded for where it runs.
fn read_input(
    input: &mut dyn Read,
    total_bytes: u64,
    limits: &Limits,
    table_hint: Option<TableKind>,
    streaming: Option<Streaming<'_>>,
    progress: &mut ProgressFn<'_>,
) -> Result<(Container, Vec<Entry<'static>>), Error> {
    read_unworded(input, total_bytes, limits, table_hint, streaming, progress).map_err(|e| limits.refusal(e))
}

/// Bytes looked at to tell gzip, tar and the bare tables apart (a tar header is 512 bytes; a
/// table's header line is under 200).
pub(crate) const SNIFF: usize = 4096;

fn read_unworded(
    input: &mut dyn Read,
    total_bytes: u64,
    limits: &Limits,
    table_hint: Option<TableKind>,
    streaming: Option<Streaming<'_>>,
    progress: &mut ProgressFn<'_>,
) -> Result<(Container, Vec<Entry<'static>>), Error> {
    let head = sniff(input).map_err(|e| tar_error(e, false, false))?;
    if head.is_empty() {
        return Err(Error::Empty);
    }
    let mut whole = io::Read::chain(&head[..], input);
    let counted = CountingInput::new(&mut whole, total_bytes, progress);
    let rows = counted.rows.clone();
    if head.starts_with(&GZIP_MAGIC) {
        let consumed = counted.consumed.clone();
        let gz = inflate(counted)?;
        let presize = presize(true, total_bytes);
        let entries = read_tar(gz, limits, Some(consumed), presize, streaming, &rows)?;
        return Ok((Container::TarGz, entries));
    }
    if is_tar(&head) {
        let presize = presize(false, total_bytes);
        let entries = read_tar(Box::new(counted), limits, None, presize, streaming, &rows)?;
        return Ok((Container::Tar, entries));
    }
    let kind = bare_table_kind(&head, table_hint)?;
    if total_bytes > limits.max_total_bytes {
        return Err(Error::TooLarge { limit_bytes: limits.max_total_bytes });
    }
    let path = layout::net_file_path(None, kind.file_name());
    let mut limited = LimitedReader::new(counted, limits);
    let size = if total_bytes > 0 { total_bytes } else { u64::MAX };
    let mut streaming = streaming;
    let wanted = streaming.as_mut().is_some_and(|s| s.sink.wants(&path, size));
    let kind = match streaming.as_mut().filter(|_| wanted) {
        Some(s) => {
            // A bare table has no manifest to check a hash against: hashing would be waste.
            s.hash = false;
            stream_entry(&mut limited, s, &rows).map_err(|e| tar_error(e, false, false))?
        }
        None => {
            let mut data = Vec::with_capacity(total_bytes.min(limits.max_total_bytes) as usize);
            limited.read_to_end(&mut data).map_err(|e| tar_error(e, false, false))?;
            EntryKind::File(Cow::Owned(data))
        }
    };
    Ok((Container::BareTable, vec![Entry { path, kind }]))
}

/// Which table an input starting with `head` is, when it is neither gzip nor tar.
pub(crate) fn bare_table_kind(head: &[u8], table_hint: Option<TableKind>) -> Result<TableKind, Error> {
    let detected = TableKind::detect(head);
    Ok(match table_hint {
        // The hint names the protocol (udp, udplite and raw share a header); the header's
        // address width still tells IPv6 (`--table raw` on a copy of raw6 is raw6).
        Some(k) if detected.is_some_and(TableKind::is_ipv6) => k.ipv6(),
        Some(k) => k,
        None => detected.ok_or_else(|| Error::NotASnapshot { detail: describe_unknown(head) })?,
    })
}

/// Whether an input starting with `head` is a gzip stream or a tar (else: a bare table).
pub(crate) fn is_archive(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC) || is_tar(head)
}

/// An error reading a bare table, as the decode words it.
pub(crate) fn read_error(e: io::Error) -> Error {
    tar_error(e, false, false)
}

/// The first two bytes of every gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The tar inside a gzip stream.
#[cfg(feature = "flate")]
fn inflate<'r>(input: impl Read + 'r) -> Result<Box<dyn Read + 'r>, Error> {
    Ok(Box::new(crate::gzip::MultiGzDecoder::new(input)))
}

/// Without an inflate of its own, gzip is for the host to inflate ([`crate::snapshot::TarDecoder`]).
#[cfg(not(feature = "flate"))]
fn inflate<'r>(_input: impl Read + 'r) -> Result<Box<dyn Read + 'r>, Error> {
    Err(Error::NotASnapshot {
        detail: "gzip data, and this build of procsnap-core has no inflate (feature `flate`)".into(),
    })
}

/// The most a tar header's size is trusted for allocating a kept file's buffer, for an input of
/// `total_bytes` (0 when unknown).
pub(crate) fn presize(gzip: bool, total_bytes: u64) -> u64 {
    match (gzip, total_bytes) {
        // /proc text compresses 5–20:1: trust a header's size up to 32× the input.
        (true, n) => n.max(RATIO_FLOOR / 32).saturating_mul(32),
        (false, 0) => RATIO_FLOOR,
        (false, n) => n,
    }
}

/// The first [`SNIFF`] bytes of `input` (fewer at its end).
fn sniff(input: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; SNIFF];
    let mut filled = 0;
    while filled < SNIFF {
        match input.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// SHA-256 of every regular file of an archive (`(path, lowercase hex)`, paths as [`read`] gives
/// them), streamed in chunks: nothing is kept. Lets a viewer show the report first and check the
/// manifest's hashes afterwards. A bare table has no manifest to check against: empty.
pub fn hash_files(
    bytes: &[u8],
    limits: &Limits,
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<(String, String)>, Error> {
    let total = bytes.len() as u64;
    let mut input = bytes;
    hash_files_reader(&mut input, total, limits, progress)
}

/// [`hash_files`] from a reader (the viewer's worker reads the picked file again, a slice at a
/// time, instead of keeping it in memory for this). `total_bytes` (0 when unknown) is for
/// progress.
pub fn hash_files_reader(
    input: &mut dyn Read,
    total_bytes: u64,
    limits: &Limits,
    progress: &mut ProgressFn<'_>,
) -> Result<Vec<(String, String)>, Error> {
    let head = sniff(input).map_err(|e| tar_error(e, false, false))?;
    let mut whole = io::Read::chain(&head[..], input);
    if head.starts_with(&GZIP_MAGIC) {
        let counted = CountingInput::new(&mut whole, total_bytes, progress);
        let consumed = counted.consumed.clone();
        hash_entries(inflate(counted)?, limits, Some(consumed))
    } else if is_tar(&head) {
        hash_entries(Box::new(CountingInput::new(&mut whole, total_bytes, progress)), limits, None)
    } else {
        Ok(Vec::new())
    }
}

/// The SHA-256 of every regular file, pumped through [`TarHashes`].
fn hash_entries(
    mut reader: Box<dyn Read + '_>,
    limits: &Limits,
    gzip: Option<Rc<Cell<u64>>>,
) -> Result<Vec<(String, String)>, Error> {
    let mut hashes = TarHashes::new(limits, gzip.is_some());
    pump(&mut reader, gzip.is_some(), &mut |chunk| {
        if let Some(c) = &gzip {
            hashes.set_compressed(c.get());
        }
        hashes.feed(chunk)
    })?;
    hashes.finish()
}

/// A path and, for a regular file, its SHA-256 ([`Mode::HashOnly`]'s entries).
fn hashed(e: Entry<'_>) -> (String, Option<String>) {
    match e.kind {
        EntryKind::Streamed { sha256, .. } => (e.path, sha256),
        _ => (e.path, None),
    }
}

/// [`hash_files`] fed piece by piece: the viewer's worker hands it what the browser's own
/// inflate (`DecompressionStream`) gives, as it gives it.
pub struct TarHashes {
    untar: Untar,
}

impl TarHashes {
    /// `gzip`: the tar fed is the inside of a gzip stream ([`TarHashes::set_compressed`]).
    pub fn new(limits: &Limits, gzip: bool) -> TarHashes {
        TarHashes { untar: Untar::new(limits, Mode::HashOnly, gzip, 0) }
    }
    /// Compressed bytes consumed so far (the gzip-bomb guard).
    pub fn set_compressed(&mut self, bytes: u64) {
        self.untar.set_compressed(bytes);
    }
    pub fn feed(&mut self, data: &[u8]) -> Result<(), Error> {
        self.untar.feed(data, &mut NoSink)
    }
    /// `(path, lowercase hex)` of every regular file, as [`hash_files`] gives them.
    pub fn finish(self) -> Result<Vec<(String, String)>, Error> {
        let mut hashes: Vec<_> = self.untar.finish()?.into_iter().map(hashed).collect();
        strip_top_dir_of_hashes(&mut hashes);
        Ok(hashes.into_iter().filter_map(|(p, h)| Some((p, h?))).collect())
    }
}

/// The same paths as `read` gives: the top-directory rule looks at every entry.
fn strip_top_dir_of_hashes(hashes: &mut [(String, Option<String>)]) {
    if let Some(prefix) = layout::top_dir_to_strip(hashes.iter().map(|(p, _)| p.as_str())) {
        for (p, _) in hashes.iter_mut() {
            *p = p.strip_prefix(&prefix).unwrap_or("").to_string();
        }
    }
}

/// Wants nothing: every file is kept whole (or, hashing, only hashed).
struct NoSink;
impl StreamSink for NoSink {
    fn wants(&mut self, _: &str, _: u64) -> bool {
        false
    }
    fn chunk(&mut self, _: &[u8]) {}
    fn end(&mut self) {}
    fn rows(&self) -> u64 {
        0
    }
}

/// Reads `reader` to its end in [`STREAM_CHUNK`] pieces, handing each to `feed`. Reading on
/// after the tar's end checks a gzip trailer: missing or wrong, the file was cut or damaged.
fn pump(
    reader: &mut dyn Read,
    gzip: bool,
    feed: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut buf = vec![0u8; STREAM_CHUNK];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => feed(&buf[..n])?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(tar_error(e, gzip, false)),
        }
    }
}

/// `ustar` magic at offset 257 (POSIX and GNU tars both have it).
fn is_tar(bytes: &[u8]) -> bool {
    bytes.len() >= 512 && &bytes[257..262] == b"ustar"
}

/// A one-phrase guess of what an unknown file is, for the error message.
fn describe_unknown(bytes: &[u8]) -> String {
    let known: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a zip archive"),
        (b"BZh", "a bzip2 file"),
        (b"\xfd7zXZ", "an xz file"),
        (b"\x28\xb5\x2f\xfd", "a zstd file"),
        (b"\x7fELF", "an executable"),
        (b"{", "a JSON or text file"),
    ];
    for (magic, what) in known {
        if bytes.starts_with(magic) {
            return format!("this looks like {what}");
        }
    }
    if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_err() {
        "binary data that is neither gzip nor tar".to_string()
    } else {
        "text whose first line is not a /proc/net table header".to_string()
    }
}

/// `compressed`: for gzip, the count of compressed bytes consumed so far (the ratio guard).
/// `presize`: the most a header's size is trusted for allocating an entry's buffer up front (one
/// allocation instead of doubling, which costs copies and, in wasm, memory growth).
/// `streaming`: hand large files to a sink on the way (see [`read_reader`]); `rows` counts
/// the rows it produced so far, for the progress reports.
/// The reader is a trait object: one copy of the pump serves gzip and plain input (the
/// collector binary has a size budget; a virtual call per 256 KiB read is free).
fn read_tar(
    mut reader: Box<dyn Read + '_>,
    limits: &Limits,
    compressed: Option<Rc<Cell<u64>>>,
    presize: u64,
    streaming: Option<Streaming<'_>>,
    rows: &Cell<u64>,
) -> Result<Vec<Entry<'static>>, Error> {
    let gzip = compressed.is_some();
    let mut none = NoSink;
    let (sink, hash): (&mut dyn StreamSink, bool) = match streaming {
        Some(s) => (s.sink, s.hash),
        None => (&mut none, false),
    };
    let mut untar = Untar::new(limits, Mode::Read { hash }, gzip, presize);
    pump(&mut reader, gzip, &mut |chunk| {
        if let Some(c) = &compressed {
            untar.set_compressed(c.get());
        }
        untar.feed(chunk, &mut *sink)?;
        rows.set(sink.rows());
        Ok(())
    })?;
    let mut entries = untar.finish()?;
    strip_common_top_dir(&mut entries);
    Ok(entries)
}

/// Send one entry's bytes to the sink, hashing them when asked.
fn stream_entry(
    entry: &mut dyn Read,
    s: &mut Streaming<'_>,
    rows: &Cell<u64>,
) -> io::Result<EntryKind<'static>> {
    let mut sha = s.hash.then(Hasher::default);
    let mut buf = vec![0u8; STREAM_CHUNK];
    let mut bytes = 0u64;
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(h) = &mut sha {
            h.update(&buf[..n]);
        }
        s.sink.chunk(&buf[..n]);
        bytes += n as u64;
        rows.set(s.sink.rows());
    }
    s.sink.end();
    Ok(EntryKind::Streamed { bytes, sha256: sha.map(Hasher::finish) })
}

/// An error from reading or inflating a gzip stream, as the decode words it (a caller that
/// inflates on its own thread and feeds [`crate::snapshot::TarDecoder`]).
pub fn gzip_error(e: io::Error) -> Error {
    tar_error(e, true, false)
}

/// Map an I/O error from the tar/gzip layers to a typed error.
fn tar_error(e: io::Error, gzip: bool, first: bool) -> Error {
    // Our own typed errors travel inside io::Error, possibly wrapped by the tar crate.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(marker) = s.downcast_ref::<Marker>() {
            return marker.0.clone();
        }
        if let Some(m) = s
            .downcast_ref::<io::Error>()
            .and_then(|ioe| ioe.get_ref())
            .and_then(|r| r.downcast_ref::<Marker>())
        {
            return m.0.clone();
        }
        source = s.source();
    }
    let text = e.to_string();
    if first && e.kind() != io::ErrorKind::UnexpectedEof {
        let what = if gzip { "the gzip data is not a tar archive" } else { "not a valid tar archive" };
        return Error::NotASnapshot { detail: format!("{what}: {text}") };
    }
    let detail = if e.kind() == io::ErrorKind::UnexpectedEof {
        "the data ends in the middle of the archive".to_string()
    } else if gzip && text.contains("corrupt deflate") || text.contains("invalid gzip") {
        format!("the gzip stream is damaged: {text}")
    } else {
        text
    };
    Error::Truncated { detail }
}

/// Carries a typed error through `io::Error` (the tar and gzip layers only speak io). Its
/// `Debug` is its `Display`: a derived one would bring str's `Debug` into the viewer (see
/// [`crate::error::io_error`]).
struct Marker(Error);
impl std::fmt::Debug for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}
impl std::fmt::Display for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for Marker {}

/// Refuses to yield more than `remaining` bytes (a bare table's size guard; a tar's is in
/// [`Untar`]).
struct LimitedReader<R> {
    inner: R,
    remaining: u64,
    limit: u64,
    hit: bool,
}

impl<R: Read> LimitedReader<R> {
    fn new(inner: R, limits: &Limits) -> Self {
        LimitedReader { inner, remaining: limits.max_total_bytes, limit: limits.max_total_bytes, hit: false }
    }
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Only an error if there is more to read.
            let mut probe = [0u8; 1];
            if self.hit || self.inner.read(&mut probe)? > 0 {
                self.hit = true;
                return Err(io::Error::other(Marker(Error::TooLarge { limit_bytes: self.limit })));
            }
            return Ok(0);
        }
        let want = buf.len().min(self.remaining.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Counts consumed input and reports progress every 1 MiB.
struct CountingInput<'r, 'p, 'f> {
    inner: &'r mut dyn Read,
    total: u64,
    pos: u64,
    /// Rows parsed so far by the streaming table parser downstream.
    rows: Rc<Cell<u64>>,
    /// `pos`, shared with the ratio guard downstream of the decompressor.
    consumed: Rc<Cell<u64>>,
    next_report: u64,
    progress: &'p mut ProgressFn<'f>,
}

impl<'r, 'p, 'f> CountingInput<'r, 'p, 'f> {
    fn new(inner: &'r mut dyn Read, total: u64, progress: &'p mut ProgressFn<'f>) -> Self {
        CountingInput {
            inner,
            total,
            pos: 0,
            rows: Rc::new(Cell::new(0)),
            consumed: Rc::new(Cell::new(0)),
            next_report: 0,
            progress,
        }
    }
}

impl Read for CountingInput<'_, '_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.next_report {
            self.next_report = self.pos + (1 << 20);
            let p = Progress { bytes_done: self.pos, bytes_total: self.total, rows: self.rows.get() };
            if !(self.progress)(p) {
                return Err(io::Error::other(Marker(Error::Cancelled)));
            }
        }
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        self.consumed.set(self.pos);
        Ok(n)
    }
}

/// An archive path as entries carry it: no leading `./` or `/`, no trailing `/`.
pub fn normalise_path(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut p: &str = &s;
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            break;
        }
    }
    p.trim_end_matches('/').to_string()
}

/// `tar czf s.tgz mydir` puts everything under `mydir/`: look through one such top directory.
pub(crate) fn strip_common_top_dir(entries: &mut [Entry<'_>]) {
    if let Some(prefix) = layout::top_dir_to_strip(entries.iter().map(|e| e.path.as_str())) {
        for e in entries.iter_mut() {
            e.path = e.path.strip_prefix(&prefix).unwrap_or("").to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries of odd sizes (padding to skip), a directory, a symlink and an entry whose data is
    /// not read (a FIFO with a size: a large skip) come out as they went in, through `Seek`;
    /// an archive cut in an entry's padding is still reported as cut.
    #[test]
    fn skips_between_entries_read_forward() {
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |path: &str, kind: tar::EntryType, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, data).unwrap();
        };
        add("proc/net/tcp", tar::EntryType::Regular, &[b'a'; 1]);
        add("proc/1", tar::EntryType::Directory, b"");
        add("proc/odd", tar::EntryType::Fifo, &[b'f'; 70_001]);
        add("proc/net/udp", tar::EntryType::Regular, &[b'b'; 513]);
        let bytes = b.into_inner().unwrap();
        let (container, entries) = read(&bytes, &Limits::default(), None, &mut |_| true).unwrap();
        assert_eq!(container, Container::Tar);
        let got: Vec<(String, usize)> = entries
            .iter()
            .map(|e| {
                let len = match &e.kind {
                    EntryKind::File(d) => d.len(),
                    EntryKind::Other => usize::MAX,
                    _ => 0,
                };
                (e.path.clone(), len)
            })
            .collect();
        let want = [("proc/net/tcp", 1), ("proc/1", 0), ("proc/odd", usize::MAX), ("proc/net/udp", 513)];
        assert_eq!(got, want.map(|(p, n)| (p.to_string(), n)));
        // Cut in the padding after the first file (its header, one data byte, 100 of the padding).
        let cut = &bytes[..512 + 101];
        let err = read(cut, &Limits::default(), None, &mut |_| true).unwrap_err();
        assert!(matches!(err, Error::Truncated { .. }), "{err:?}");
    }
}
