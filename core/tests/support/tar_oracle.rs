//! The `tar` crate's `Archive` as the oracle of `archive::Untar`, and a sink that records what
//! `Untar` streams: shared by `core/tests/untar_oracle.rs` and `fuzz/fuzz_targets/untar.rs`.

use std::borrow::Cow;
use std::io::Read;

use procsnap_core::archive::{Entry, EntryKind, Mode, STREAM_ABOVE, StreamSink, normalise_path};

/// An entry as the tar crate reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    File(Vec<u8>),
    Symlink(Vec<u8>),
    Dir,
    Other,
}

/// Every entry `tar::Archive::entries()` gives, read to its end, or its first error.
pub fn oracle(bytes: &[u8]) -> std::io::Result<Vec<(String, Seen)>> {
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = normalise_path(&entry.path_bytes());
        let seen = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data)?;
                Seen::File(data)
            }
            tar::EntryType::Symlink => {
                Seen::Symlink(entry.link_name_bytes().map(Cow::into_owned).unwrap_or_default())
            }
            tar::EntryType::Directory => Seen::Dir,
            _ => Seen::Other,
        };
        out.push((path, seen));
    }
    Ok(out)
}

/// Which streamed files the sink takes.
pub type Want = fn(&str, u64) -> bool;

/// A sink that records what it was asked and every chunk of every stream.
pub struct Recorder {
    pub want: Want,
    pub asked: Vec<(String, u64)>,
    pub streams: Vec<Vec<u8>>,
    pub chunk_sizes: Vec<usize>,
    pub open: bool,
}

impl Recorder {
    pub fn new(want: Want) -> Recorder {
        Recorder { want, asked: Vec::new(), streams: Vec::new(), chunk_sizes: Vec::new(), open: false }
    }
}

impl StreamSink for Recorder {
    fn wants(&mut self, path: &str, size: u64) -> bool {
        assert!(!self.open, "asked about {path} while a stream is open");
        assert!(size > STREAM_ABOVE, "asked about a small file");
        self.asked.push((path.to_string(), size));
        let wanted = (self.want)(path, size);
        if wanted {
            self.streams.push(Vec::new());
            self.open = true;
        }
        wanted
    }
    fn chunk(&mut self, data: &[u8]) {
        assert!(self.open, "a chunk outside a stream");
        assert!(!data.is_empty(), "an empty chunk");
        self.streams.last_mut().unwrap().extend_from_slice(data);
        self.chunk_sizes.push(data.len());
    }
    fn end(&mut self) {
        assert!(self.open, "end of a stream never begun");
        self.open = false;
    }
    fn rows(&self) -> u64 {
        0
    }
}

/// What `Untar` should give: its entries, the streams and the sink's questions (path, size).
pub type Expected = (Vec<Entry<'static>>, Vec<Vec<u8>>, Vec<(String, u64)>);

/// What `Untar` should give for what the oracle saw.
pub fn expected(seen: &[(String, Seen)], mode: Mode, want: Want) -> Expected {
    let (mut entries, mut streams, mut asked) = (Vec::new(), Vec::new(), Vec::new());
    for (path, s) in seen {
        let kind = match s {
            Seen::File(data) => {
                let size = data.len() as u64;
                let sha = || procsnap_core::digest::sha256_hex(data);
                match mode {
                    Mode::HashOnly => EntryKind::Streamed { bytes: size, sha256: Some(sha()) },
                    Mode::Read { hash } => {
                        let streamed = size > STREAM_ABOVE && {
                            asked.push((path.clone(), size));
                            want(path, size)
                        };
                        if streamed {
                            streams.push(data.clone());
                            EntryKind::Streamed { bytes: size, sha256: hash.then(sha) }
                        } else {
                            EntryKind::File(Cow::Owned(data.clone()))
                        }
                    }
                }
            }
            Seen::Symlink(t) => EntryKind::Symlink(t.clone()),
            Seen::Dir => EntryKind::Dir,
            Seen::Other => EntryKind::Other,
        };
        entries.push(Entry { path: path.clone(), kind });
    }
    (entries, streams, asked)
}
