//! A tar reader that is handed bytes as they arrive (push), instead of pulling them from a
//! `Read`.
//!
//! Why not the `tar` crate's `Archive`: it pulls, and the browser's inflate
//! (`DecompressionStream`, native zlib, several times faster than any inflate compiled to wasm)
//! hands its output over asynchronously, a chunk at a time. The `tar` crate still parses every
//! header's fields here (`tar::Header`: numbers, paths, the ustar prefix), and its `Archive` is
//! the oracle the tests and the `untar` fuzz target compare with. What this adds is the framing
//! the crate's `Archive` does: blocks, padding, the end marker, GNU long names and pax records.

use std::borrow::Cow;

use super::{Entry, EntryKind, Limits, STREAM_ABOVE, StreamSink};
use crate::digest::Hasher;
use crate::error::Error;

const BLOCK: u64 = 512;
/// Longest GNU long name, long link or pax record accepted (real ones are under 4 KiB; the tar
/// crate has no limit, which a hostile archive would use to fill memory).
const MAX_META: u64 = 1 << 20;

/// What becomes of regular files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Kept whole, or streamed to the sink when it wants them (hashed on the way if `hash`).
    Read { hash: bool },
    /// Only hashed: every regular file becomes [`EntryKind::Streamed`] with its SHA-256.
    HashOnly,
}

/// The tar stream's state between two calls of [`Untar::feed`].
enum State {
    /// Gathering a 512-byte header in `held`.
    Header,
    /// A GNU long name or link, or a pax record, gathered in `held`.
    Meta { kind: MetaKind, left: u64, pad: u64 },
    /// A regular file's data.
    Data { path: String, left: u64, pad: u64, into: Into },
    /// Bytes passed over: padding, or the data of entries that are not regular files.
    Skip { left: u64 },
    /// After the end-of-archive block: the rest is not looked at.
    End,
}

#[derive(Clone, Copy)]
enum MetaKind {
    LongName,
    LongLink,
    Pax,
}

/// Where a regular file's bytes go.
enum Into {
    Keep(Vec<u8>),
    /// To the sink (`sink: true`) or nowhere, hashed when `sha` is set.
    Stream {
        sink: bool,
        sha: Option<Hasher>,
        bytes: u64,
    },
}

/// A tar read as it is fed. Limits apply to the bytes fed (the tar stream, after any
/// decompression), as they did to the bytes the pulling reader read.
pub struct Untar {
    limits: Limits,
    mode: Mode,
    /// The gzip inside (for the wording of errors, and the ratio guard).
    gzip: bool,
    /// The most a header's size is trusted for allocating a kept file's buffer.
    presize: u64,
    state: State,
    held: Vec<u8>,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
    headers: u64,
    fed: u64,
    compressed: u64,
    entries: Vec<Entry<'static>>,
}

impl Untar {
    /// `gzip`: the bytes fed come out of a gzip stream, whose compressed size so far
    /// [`Untar::set_compressed`] tells (the ratio guard of [`Limits::max_ratio`]).
    pub fn new(limits: &Limits, mode: Mode, gzip: bool, presize: u64) -> Untar {
        Untar {
            limits: *limits,
            mode,
            gzip,
            presize,
            state: State::Header,
            held: Vec::with_capacity(BLOCK as usize),
            long_name: None,
            long_link: None,
            pax: None,
            headers: 0,
            fed: 0,
            compressed: 0,
            entries: Vec::new(),
        }
    }

    /// Compressed bytes consumed so far, when the tar comes out of a gzip stream.
    pub fn set_compressed(&mut self, bytes: u64) {
        self.compressed = bytes;
    }

    /// The next bytes of the tar stream, in any pieces. Large files the sink wants go to it as
    /// they come. An error ends the read: the caller stops feeding.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut dyn StreamSink) -> Result<(), Error> {
        self.fed += data.len() as u64;
        if self.fed > self.limits.max_total_bytes {
            return Err(Error::TooLarge { limit_bytes: self.limits.max_total_bytes });
        }
        if self.gzip && self.limits.max_ratio > 0 {
            let allowed = self.compressed.saturating_mul(self.limits.max_ratio).max(super::RATIO_FLOOR);
            if self.fed > allowed {
                return Err(Error::TooLarge { limit_bytes: allowed });
            }
        }
        while !data.is_empty() {
            match &mut self.state {
                State::End => return Ok(()),
                State::Header => {
                    let n = (BLOCK as usize - self.held.len()).min(data.len());
                    self.held.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if self.held.len() == BLOCK as usize {
                        let block = std::mem::take(&mut self.held);
                        self.header(&block, sink)?;
                        self.held = block;
                        self.held.clear();
                    }
                }
                State::Meta { kind, left, pad } => {
                    let n = (*left).min(data.len() as u64) as usize;
                    self.held.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    *left -= n as u64;
                    if *left == 0 {
                        let (kind, pad) = (*kind, *pad);
                        let record = std::mem::replace(&mut self.held, Vec::with_capacity(BLOCK as usize));
                        match kind {
                            MetaKind::LongName => self.long_name = Some(record),
                            MetaKind::LongLink => self.long_link = Some(record),
                            MetaKind::Pax => self.pax = Some(record),
                        }
                        self.state = State::Skip { left: pad };
                    }
                }
                State::Data { left, into, .. } => {
                    let n = (*left).min(data.len() as u64) as usize;
                    let piece = &data[..n];
                    data = &data[n..];
                    *left -= n as u64;
                    match into {
                        Into::Keep(v) => v.extend_from_slice(piece),
                        Into::Stream { sink: to_sink, sha, bytes } => {
                            if let Some(h) = sha {
                                h.update(piece);
                            }
                            if *to_sink {
                                sink.chunk(piece);
                            }
                            *bytes += n as u64;
                        }
                    }
                    if *left == 0 {
                        self.end_file(sink);
                    }
                }
                State::Skip { left } => {
                    let n = (*left).min(data.len() as u64);
                    data = &data[n as usize..];
                    *left -= n;
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
            }
        }
        Ok(())
    }

    /// The input has ended: the entries, in archive order, or why the archive is incomplete.
    pub fn finish(self) -> Result<Vec<Entry<'static>>, Error> {
        match self.state {
            State::End => Ok(self.entries),
            State::Header if self.held.is_empty() => {
                if self.long_name.is_some() || self.long_link.is_some() || self.pax.is_some() {
                    return Err(
                        self.error("members found describing a future member but no future member found")
                    );
                }
                Ok(self.entries)
            }
            State::Header if self.headers == 0 => Err(self.error("failed to read entire block")),
            _ => Err(Error::Truncated { detail: "the data ends in the middle of the archive".into() }),
        }
    }

    /// Entries finished so far.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// A malformed archive, worded as the pulling reader worded the `tar` crate's errors: at the
    /// first header it is not a tar at all.
    fn error(&self, text: &str) -> Error {
        if self.headers <= 1 {
            let what =
                if self.gzip { "the gzip data is not a tar archive" } else { "not a valid tar archive" };
            return Error::NotASnapshot { detail: format!("{what}: {text}") };
        }
        Error::Truncated { detail: text.to_string() }
    }

    fn header(&mut self, block: &[u8], sink: &mut dyn StreamSink) -> Result<(), Error> {
        if block.iter().all(|&b| b == 0) {
            if self.long_name.is_some() || self.long_link.is_some() || self.pax.is_some() {
                self.headers += 1;
                return Err(self.error("members found describing a future member but no future member found"));
            }
            self.state = State::End;
            return Ok(());
        }
        self.headers += 1;
        let header = tar::Header::from_byte_slice(block);
        // The sum of the header's bytes with the checksum field read as spaces.
        let sum = block[..148].iter().chain(&block[156..]).map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        let cksum = header.cksum().map_err(|e| self.error(&e.to_string()))?;
        if sum != cksum {
            return Err(self.error("archive header checksum mismatch"));
        }
        let mut size = header.entry_size().map_err(|e| self.error(&e.to_string()))?;
        let kind = header.entry_type();
        // As the tar crate: a pax `size` replaces the header's, for the next file's header (not
        // for the extension headers in between). Readers that disagree on it let an archive
        // show different files to each.
        let extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        if let Some(pax_size) = self.pax.as_deref().filter(|_| !extension).and_then(pax_size) {
            size = pax_size;
        }
        let pad =
            size.checked_add(BLOCK - 1).ok_or_else(|| self.error("size overflow"))? / BLOCK * BLOCK - size;
        let recognised = header.as_gnu().is_some() || header.as_ustar().is_some();
        let meta = match kind {
            _ if !recognised => None,
            k if k.is_gnu_longname() => Some((MetaKind::LongName, self.long_name.is_some())),
            k if k.is_gnu_longlink() => Some((MetaKind::LongLink, self.long_link.is_some())),
            k if k.is_pax_local_extensions() => Some((MetaKind::Pax, self.pax.is_some())),
            _ => None,
        };
        if let Some((meta, twice)) = meta {
            if twice {
                let what = if matches!(meta, MetaKind::Pax) { "pax extensions" } else { "long name" };
                return Err(self.error(&format!("two {what} entries describing the same member")));
            }
            if size > MAX_META {
                return Err(self.error("a long name or pax record is over 1 MiB"));
            }
            self.state = State::Meta { kind: meta, left: size, pad };
            self.settle();
            return Ok(());
        }
        if kind.is_gnu_sparse() {
            return Err(self.error("GNU sparse files are not supported"));
        }
        let path = super::normalise_path(&self.path_bytes(header));
        if self.entries.len() as u64 >= self.limits.max_entries {
            return Err(Error::TooManyEntries { limit: self.limits.max_entries });
        }
        if matches!(kind, tar::EntryType::Regular | tar::EntryType::Continuous) {
            if size > self.limits.max_total_bytes {
                return Err(Error::TooLarge { limit_bytes: self.limits.max_total_bytes });
            }
            let into = match self.mode {
                Mode::HashOnly => Into::Stream { sink: false, sha: Some(Hasher::default()), bytes: 0 },
                Mode::Read { hash } if size > STREAM_ABOVE && sink.wants(&path, size) => {
                    Into::Stream { sink: true, sha: hash.then(Hasher::default), bytes: 0 }
                }
                Mode::Read { .. } => {
                    let cap = size.min(self.presize).min(self.limits.max_total_bytes);
                    Into::Keep(Vec::with_capacity(cap as usize))
                }
            };
            self.clear_meta();
            self.state = State::Data { path, left: size, pad, into };
            if size == 0 {
                self.end_file(sink);
            }
            return Ok(());
        }
        let entry_kind = match kind {
            tar::EntryType::Symlink => EntryKind::Symlink(self.link_bytes(header).unwrap_or_default()),
            tar::EntryType::Directory => EntryKind::Dir,
            _ => EntryKind::Other,
        };
        self.clear_meta();
        self.entries.push(Entry { path, kind: entry_kind });
        self.state = State::Skip { left: size + pad };
        self.settle();
        Ok(())
    }

    /// A state with nothing left to read moves on at once (an empty record has no padding).
    fn settle(&mut self) {
        match &self.state {
            State::Skip { left: 0 } => self.state = State::Header,
            State::Meta { left: 0, kind, .. } => {
                let empty = Some(Vec::new());
                match kind {
                    MetaKind::LongName => self.long_name = empty,
                    MetaKind::LongLink => self.long_link = empty,
                    MetaKind::Pax => self.pax = empty,
                }
                self.state = State::Header;
            }
            _ => {}
        }
    }

    /// The regular file being read has all its bytes.
    fn end_file(&mut self, sink: &mut dyn StreamSink) {
        let State::Data { path, pad, into, .. } = std::mem::replace(&mut self.state, State::Header) else {
            return;
        };
        let kind = match into {
            Into::Keep(v) => EntryKind::File(Cow::Owned(v)),
            Into::Stream { sink: to_sink, sha, bytes } => {
                if to_sink {
                    sink.end();
                }
                EntryKind::Streamed { bytes, sha256: sha.map(Hasher::finish) }
            }
        };
        self.entries.push(Entry { path, kind });
        self.state = if pad == 0 { State::Header } else { State::Skip { left: pad } };
    }

    fn clear_meta(&mut self) {
        self.long_name = None;
        self.long_link = None;
        self.pax = None;
    }

    /// The path as the `tar` crate's `Entry::path_bytes` gives it: a GNU long name (without its
    /// NUL), else a pax `path`, else the header's own (with the ustar prefix).
    fn path_bytes(&self, header: &tar::Header) -> Vec<u8> {
        if let Some(name) = &self.long_name {
            return name.strip_suffix(&[0]).unwrap_or(name).to_vec();
        }
        if let Some(p) = self.pax.as_deref().and_then(|p| pax_value(p, b"path")) {
            return p.to_vec();
        }
        header.path_bytes().into_owned()
    }

    /// The link target as the `tar` crate's `Entry::link_name_bytes` gives it.
    fn link_bytes(&self, header: &tar::Header) -> Option<Vec<u8>> {
        if let Some(name) = &self.long_link {
            return Some(name.strip_suffix(&[0]).unwrap_or(name).to_vec());
        }
        if let Some(p) = self.pax.as_deref().and_then(|p| pax_value(p, b"linkpath")) {
            return Some(p.to_vec());
        }
        header.link_name_bytes().map(Cow::into_owned)
    }
}

/// The `size` of a pax record as the `tar` crate reads it: `None` once a malformed record
/// comes first, or when the value is not a number.
fn pax_size(pax: &[u8]) -> Option<u64> {
    for record in tar::PaxExtensions::new(pax) {
        let record = record.ok()?;
        if record.key() != Ok("size") {
            continue;
        }
        return record.value().ok()?.parse().ok();
    }
    None
}

/// The value of `key` in a pax record, as the `tar` crate finds it (the first well-formed
/// record with that key).
fn pax_value<'a>(pax: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    tar::PaxExtensions::new(pax)
        .filter_map(Result::ok)
        .find(|e| e.key_bytes() == key)
        .map(|e| e.value_bytes())
}
