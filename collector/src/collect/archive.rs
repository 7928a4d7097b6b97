//! The snapshot writer: one gzip member holding a ustar archive, built from raw-deflate segments.
//!
//! A tar header carries the entry's size, and a /proc file's size is only known once it has been
//! read to the end. Buffering `/proc/net/tcp` (150 bytes per socket) before compressing it would
//! serialise reading and compressing. Instead, like `pigz`, file data is compressed as it arrives
//! into a *detached* raw-deflate segment; when the file ends, the header is compressed into the
//! main stream, both are flushed to a byte boundary (`Z_SYNC_FLUSH`), and the detached segment is
//! spliced in after it. Deflate allows this as long as no segment refers back across a splice,
//! which a compressor reset guarantees. The result is one ordinary gzip member that `gzip -d`,
//! `tar xzf`, browsers and `flate2::GzDecoder` all read.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender};

use flate2::{Compress, Compression, Crc, FlushCompress};
use procsnap_core::manifest::{FileRecord, Manifest};
use sha2::{Digest, Sha256};

/// What the walk sends the writer thread, in archive order.
pub enum Msg {
    Link {
        path: String,
        target: Vec<u8>,
    },
    Chunk(Vec<u8>),
    End {
        path: String,
        reads: u64,
        micros: u64,
    },
    /// Forget the data of a file whose read failed half way.
    Discard,
    Finish(Box<Manifest>),
}

/// The writer thread: turns messages into the archive. Returns the output and its size, or
/// `None` if the channel closed before `Finish` (the capture was abandoned). Chunks go back
/// through `recycle` for reuse.
pub fn write_snapshot(
    sink: File,
    mtime: u64,
    rx: Receiver<Msg>,
    recycle: Sender<Vec<u8>>,
) -> io::Result<Option<(File, u64)>> {
    let mut w = SnapshotWriter::new(sink, Compression::fast(), mtime)?;
    let mut files = Vec::new();
    for msg in rx {
        match msg {
            Msg::Link { path, target } => w.symlink(&path, &target)?,
            Msg::Chunk(buf) => {
                w.chunk(&buf)?;
                // The reader may be gone already; then the buffer is simply freed.
                let _ = recycle.send(buf);
            }
            Msg::Discard => w.discard(),
            Msg::End { path, reads, micros } => {
                let d = w.end_file(&path)?;
                files.push(FileRecord {
                    path,
                    bytes: Some(d.bytes),
                    reads: Some(reads),
                    micros: Some(micros),
                    sha256: Some(d.sha256),
                });
            }
            Msg::Finish(mut m) => {
                m.files = files;
                let json = serde_json::to_vec_pretty(&m).map_err(io::Error::other)?;
                w.chunk(&json)?;
                w.chunk(b"\n")?;
                w.end_file(procsnap_core::layout::MANIFEST_PATH)?;
                return w.finish().map(Some);
            }
        }
    }
    Ok(None)
}

const BLOCK: usize = 512;
/// Whole files up to this size are kept uncompressed until they end and then go into the main
/// stream (the /proc/PID files, sysctls, small tables): no segment overhead for them.
const HOLD_MAX: usize = 256 * 1024;
/// Compressed bytes gathered before a `write` to the output.
const OUT_FLUSH: usize = 256 * 1024;

/// What the writer knows about a finished regular file: the manifest's hash and size.
pub struct FileDigest {
    pub bytes: u64,
    pub sha256: String,
}

pub struct SnapshotWriter<W: Write> {
    out: W,
    level: Compression,
    /// The main deflate stream: headers, padding, small files.
    stream: Compress,
    /// Compressed bytes of the main stream not yet written to `out`.
    buf: Vec<u8>,
    /// CRC-32 and length of all uncompressed tar bytes so far, in archive order.
    crc: Crc,
    /// Zero bytes owed after the previous entry's data to reach a 512-byte boundary.
    pad: usize,
    mtime: u64,
    written: u64,
    pending: Pending,
}

/// The regular file currently being received.
struct Pending {
    sha: Sha256,
    len: u64,
    /// Uncompressed bytes, while the file is still small.
    held: Vec<u8>,
    /// Set once the file outgrew `HOLD_MAX`: its data is compressed into `seg`.
    detached: Option<Detached>,
}

struct Detached {
    z: Compress,
    seg: Vec<u8>,
    crc: Crc,
}

impl Pending {
    fn new() -> Self {
        Pending { sha: Sha256::new(), len: 0, held: Vec::new(), detached: None }
    }
}

impl<W: Write> SnapshotWriter<W> {
    /// Starts the gzip member. `mtime` (seconds since the epoch) stamps the gzip header and every
    /// tar entry: the capture time, so extracted files show when they were taken.
    pub fn new(mut out: W, level: Compression, mtime: u64) -> io::Result<Self> {
        // RFC 1952 header: magic, deflate, no flags, mtime, XFL 4 ("fastest") or 0, OS 3 (Unix).
        let mut h = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        h[4..8].copy_from_slice(&(mtime as u32).to_le_bytes());
        h[8] = if level.level() <= 1 { 4 } else { 0 };
        out.write_all(&h)?;
        Ok(SnapshotWriter {
            out,
            level,
            stream: Compress::new(level, false),
            buf: Vec::with_capacity(OUT_FLUSH + 64 * 1024),
            crc: Crc::new(),
            pad: 0,
            mtime,
            written: h.len() as u64,
            pending: Pending::new(),
        })
    }

    /// Adds a symlink entry (`proc/PID/fd/N` → `socket:[INODE]`).
    pub fn symlink(&mut self, path: &str, target: &[u8]) -> io::Result<()> {
        let mut h = self.header(path, 0)?;
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_mode(0o777);
        h.set_link_name_literal(target)?;
        h.set_cksum();
        self.emit_header(&h)
    }

    /// Adds data to the file being received.
    pub fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        let p = &mut self.pending;
        p.sha.update(data);
        p.len += data.len() as u64;
        if p.detached.is_none() && p.held.len() + data.len() <= HOLD_MAX {
            p.held.extend_from_slice(data);
            return Ok(());
        }
        let d = p.detached.get_or_insert_with(|| {
            let mut z = Compress::new(self.level, false);
            z.reset();
            Detached { z, seg: Vec::new(), crc: Crc::new() }
        });
        if !p.held.is_empty() {
            d.crc.update(&p.held);
            deflate(&mut d.z, &p.held, &mut d.seg, FlushCompress::None)?;
            p.held = Vec::new();
        }
        d.crc.update(data);
        deflate(&mut d.z, data, &mut d.seg, FlushCompress::None)
    }

    /// Ends the file being received: writes its header, then its data.
    pub fn end_file(&mut self, path: &str) -> io::Result<FileDigest> {
        let p = std::mem::replace(&mut self.pending, Pending::new());
        let mut h = self.header(path, p.len)?;
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o444);
        h.set_cksum();
        self.emit_header(&h)?;
        match p.detached {
            None => self.feed(&p.held)?,
            Some(mut d) => {
                // Byte-align both streams, splice the segment in, and restart the main stream's
                // dictionary so nothing after the splice points back into bytes it never saw.
                deflate(&mut self.stream, &[], &mut self.buf, FlushCompress::Sync)?;
                deflate(&mut d.z, &[], &mut d.seg, FlushCompress::Sync)?;
                self.drain()?;
                self.out.write_all(&d.seg)?;
                self.written += d.seg.len() as u64;
                self.crc.combine(&d.crc);
                self.stream.reset();
            }
        }
        self.pad = (BLOCK - (p.len % BLOCK as u64) as usize) % BLOCK;
        Ok(FileDigest { bytes: p.len, sha256: hex(&p.sha.finalize()) })
    }

    /// Forgets the file being received (its read failed half way).
    pub fn discard(&mut self) {
        self.pending = Pending::new();
    }

    /// Writes the end-of-archive blocks and the gzip trailer; returns the output and the number
    /// of bytes written to it in all.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        let zeros = [0u8; 2 * BLOCK];
        self.feed(&zeros)?;
        let pad = std::mem::take(&mut self.pad);
        self.feed(&zeros[..pad])?;
        deflate(&mut self.stream, &[], &mut self.buf, FlushCompress::Finish)?;
        self.drain()?;
        let mut t = [0u8; 8];
        t[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952); Crc::amount already wraps that way.
        t[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        self.out.write_all(&t)?;
        self.written += 8;
        self.out.flush()?;
        Ok((self.out, self.written))
    }

    fn header(&self, path: &str, size: u64) -> io::Result<tar::Header> {
        let mut h = tar::Header::new_ustar();
        h.set_path(path)?;
        h.set_size(size);
        h.set_mtime(self.mtime);
        h.set_uid(0);
        h.set_gid(0);
        Ok(h)
    }

    fn emit_header(&mut self, h: &tar::Header) -> io::Result<()> {
        let pad = std::mem::take(&mut self.pad);
        self.feed(&[0u8; BLOCK][..pad])?;
        self.feed(h.as_bytes())
    }

    /// Appends uncompressed tar bytes to the main stream.
    fn feed(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.crc.update(data);
        deflate(&mut self.stream, data, &mut self.buf, FlushCompress::None)?;
        if self.buf.len() >= OUT_FLUSH {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

/// Compresses all of `input` into `out`; with a flush, until the compressor has nothing left.
fn deflate(z: &mut Compress, input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) -> io::Result<()> {
    let mut rest = input;
    loop {
        if out.capacity() - out.len() < 32 * 1024 {
            out.reserve(64 * 1024 + rest.len() / 4);
        }
        let before_in = z.total_in();
        let status = z.compress_vec(rest, out, flush).map_err(io::Error::other)?;
        rest = &rest[(z.total_in() - before_in) as usize..];
        let done = match flush {
            FlushCompress::Finish => status == flate2::Status::StreamEnd,
            // A sync flush is complete when the compressor stopped short of the space it had.
            FlushCompress::Sync => rest.is_empty() && out.len() < out.capacity(),
            _ => rest.is_empty(),
        };
        if done {
            return Ok(());
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn roundtrip(files: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>, Option<Vec<u8>>)> {
        let mut w = SnapshotWriter::new(Vec::new(), Compression::fast(), 1_700_000_000).unwrap();
        for (path, data) in files {
            if let Some(t) = path.strip_prefix("link:") {
                w.symlink(t, data).unwrap();
            } else {
                // Uneven chunks so that files cross the hold limit mid-chunk.
                for c in data.chunks(100_003) {
                    w.chunk(c).unwrap();
                }
                let d = w.end_file(path).unwrap();
                assert_eq!(d.bytes, data.len() as u64);
                assert_eq!(d.sha256, hex(&Sha256::digest(data)));
            }
        }
        let (gz, n) = w.finish().unwrap();
        assert_eq!(n, gz.len() as u64);
        let mut tar_bytes = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut tar_bytes).unwrap();
        let mut a = tar::Archive::new(&tar_bytes[..]);
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let p = e.path().unwrap().to_string_lossy().into_owned();
                let l = e.link_name_bytes().map(|l| l.into_owned());
                let mut d = Vec::new();
                e.read_to_end(&mut d).unwrap();
                (p, d, l)
            })
            .collect()
    }

    #[test]
    fn small_large_and_links_roundtrip() {
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let text = b"  sl  local_address rem_address   st\n".repeat(40_000);
        let files = vec![
            ("proc/1/fd/3", Vec::new()),
            ("link:proc/1/fd/4", b"socket:[123]".to_vec()),
            ("proc/net/tcp", text.clone()),
            ("link:proc/2/fd/0", b"[0000]:77".to_vec()),
            ("proc/big", big.clone()),
            ("proc/after", b"tail\n".to_vec()),
            ("proc/empty", Vec::new()),
        ];
        let got = roundtrip(&files);
        assert_eq!(got.len(), files.len());
        for ((p, d, l), (wp, wd)) in got.iter().zip(&files) {
            if let Some(lp) = wp.strip_prefix("link:") {
                assert_eq!(p, lp);
                assert_eq!(l.as_deref(), Some(&wd[..]));
            } else {
                assert_eq!(p, wp);
                assert_eq!(d, wd, "{p}");
            }
        }
    }
}
