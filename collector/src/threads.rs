//! What the CLI lends core to parse a large table in two halves at once: a second thread
//! (`DecodeOptions::fork`) and a file it can read at any offset (`ReadAt`). Core starts no
//! thread and opens no file itself, since it also runs in a browser worker.

use std::os::unix::fs::FileExt;

use procsnap_core::types::{Fork, ReadAt};

/// Runs the second piece of work on a scoped thread started for it, the first on this one.
/// Core forks once per table, so starting a thread (~40 µs here) costs nothing that shows.
#[derive(Debug)]
pub struct TwoThreads;

impl Fork for TwoThreads {
    fn both(&self, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send)) {
        std::thread::scope(|scope| {
            scope.spawn(second);
            first();
        });
    }
}

/// The fork for this machine: `None` on a single core, where a second thread only costs.
pub fn fork() -> Option<&'static dyn Fork> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores > 1).then_some(&TwoThreads as &'static dyn Fork)
}

/// A file read with `pread(2)`: each half of a table at its own offset.
pub struct FileAt(pub std::fs::File);

impl ReadAt for FileAt {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read_at(buf, offset)
    }
}
