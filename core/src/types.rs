//! Leaf types shared by every layer: the captured host's byte order and parameters, diagnostics,
//! and decode progress. Nothing here imports another module of the crate.

use serde::{Deserialize, Serialize};

/// Byte order of the host that wrote the /proc files: decides how hex addresses are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    #[default]
    Little,
    Big,
}

impl ByteOrder {
    /// `"little"` / `"big"`, as the manifest writes it.
    pub fn parse(word: &str) -> Option<ByteOrder> {
        match word {
            "little" => Some(ByteOrder::Little),
            "big" => Some(ByteOrder::Big),
            _ => None,
        }
    }
}

/// The captured host's parameters the parsers and analyses need, resolved once per snapshot
/// (options override the manifest, which overrides the defaults of an x86_64 host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostParams {
    pub byte_order: ByteOrder,
    /// Clock ticks per second, the unit of the TIME_WAIT timer.
    pub user_hz: u32,
    /// The page size: a /proc seq_file read returns at most one page.
    pub page_size: u32,
}

impl Default for HostParams {
    fn default() -> Self {
        HostParams { byte_order: ByteOrder::Little, user_hz: 100, page_size: 4096 }
    }
}

/// A problem with one part of the input that did not stop the decode (a malformed row, an
/// unexpected header, a hash that does not match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Archive path, e.g. `proc/net/tcp`.
    pub file: String,
    /// 1-based line number, 0 when it concerns the whole file.
    pub line: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &str, line: u32, message: &str) -> Diagnostic {
        Diagnostic { file: file.to_string(), line, message: message.to_string() }
    }
}

/// Progress of a decode: called often enough for a progress bar, rarely enough to be free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Input bytes consumed so far (compressed, for a .tar.gz).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Table rows parsed so far.
    pub rows: u64,
}

/// Called with progress; returning `false` cancels the decode with `Error::Cancelled`.
pub type ProgressFn<'a> = dyn FnMut(Progress) -> bool + 'a;

/// Runs two pieces of work, on two threads where the host has them to lend. Core starts no
/// thread itself (it also runs in a browser worker, which has none to offer); a host that has
/// threads passes one of these in [`crate::DecodeOptions::fork`], and a large table is then
/// parsed in two halves at once.
pub trait Fork: Sync + std::fmt::Debug {
    /// Run `first` and `second` (possibly at the same time) and return when both are done.
    fn both(&self, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send));
}

/// Run `first` and `second` through `fork`, or one after the other without one.
pub fn both(fork: Option<&dyn Fork>, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send)) {
    match fork {
        Some(f) => f.both(first, second),
        None => {
            first();
            second();
        }
    }
}

/// Input the host can read at any offset (a file on disk), so that two threads can read the
/// two halves of a large table at once. Core opens nothing itself: the host passes this in.
pub trait ReadAt: Sync {
    /// Read up to `buf.len()` bytes at `offset`; 0 at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize>;
}

impl ReadAt for &[u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.get(offset.min(self.len() as u64) as usize..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.as_slice().read_at(offset, buf)
    }
}
