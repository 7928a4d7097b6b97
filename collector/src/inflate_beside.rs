//! A `.tar.gz` opened on two cores: one thread inflates (zlib-rs) while this one parses what it
//! inflated, through core's push tar reader (`snapshot::TarDecoder`), as the viewer's worker
//! does with the browser's inflate. Inflating is about as long as parsing on a 1M-socket
//! snapshot, so the open takes the longer of the two instead of their sum. Core stays
//! single-threaded: it is only fed.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;

use procsnap_core::snapshot::TarDecoder;
use procsnap_core::{DecodeOptions, Session};

/// Inflated bytes per piece handed over.
const PIECE: usize = 256 << 10;
/// Pieces the inflating thread may be ahead of the parse.
const AHEAD: usize = 4;

/// Decodes the gzip snapshot `file` (`size` bytes) with inflate and parse overlapping.
pub fn open(
    file: std::fs::File,
    size: u64,
    options: &DecodeOptions,
) -> Result<Session, procsnap_core::Error> {
    let consumed = Arc::new(AtomicU64::new(0));
    let (pieces, received) = sync_channel::<io::Result<(Vec<u8>, u64)>>(AHEAD);
    let (spent, reuse) = sync_channel::<Vec<u8>>(AHEAD + 2);
    let mut decoder = TarDecoder::new(options, true, size);
    std::thread::scope(|scope| {
        let counted = Counted { inner: file, consumed: consumed.clone() };
        scope.spawn(move || {
            let mut gz = procsnap_core::gzip::MultiGzDecoder::new(counted);
            loop {
                let mut piece = reuse.try_recv().unwrap_or_default();
                piece.resize(PIECE, 0);
                let read = match gz.read(&mut piece) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    read => read,
                };
                let end = !matches!(read, Ok(n) if n > 0);
                let sent = read.map(|n| {
                    piece.truncate(n);
                    (piece, consumed.load(Ordering::Relaxed))
                });
                // A send fails once the parse stopped (an error there): nothing more to do.
                if pieces.send(sent).is_err() || end {
                    return;
                }
            }
        });
        // Dropping `received` (on return) ends the inflating thread, which the scope then joins.
        let received = received;
        loop {
            let (piece, compressed) = match received.recv() {
                Ok(Ok(got)) => got,
                Ok(Err(e)) => return Err(procsnap_core::archive::gzip_error(e)),
                Err(_) => break,
            };
            if piece.is_empty() {
                break;
            }
            decoder.set_compressed(compressed);
            decoder.feed(&piece)?;
            let _ = spent.try_send(piece);
        }
        Ok(())
    })?;
    Session::open_tar(decoder, &mut |_| true)
}

/// Counts the compressed bytes read (the gzip-bomb guard's measure).
struct Counted {
    inner: std::fs::File,
    consumed: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
