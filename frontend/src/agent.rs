//! The decoding worker: a yew-agent reactor that owns the decoded snapshot.
//!
//! The page sends file bytes; the worker decodes them with `procsnap-core`, posts progress on a
//! `BroadcastChannel`, answers with the report, then keeps the snapshot so that the Sockets view
//! can ask for pages of rows without the page ever holding all of them.

use futures::{SinkExt, StreamExt};
use wasm_bindgen::JsCast;
use yew_agent::prelude::*;

use procsnap_core::Progress;

use crate::engine::{self, Input, Session};
use crate::protocol::{JobId, PROGRESS_CHANNEL, ProgressMsg, Request, Response};

/// Minimum time between two progress messages, in milliseconds.
const PROGRESS_EVERY_MS: f64 = 40.0;

#[reactor]
pub async fn Decoder(mut scope: ReactorScope<Request, Response>) {
    let mut session: Option<Session> = None;
    // The snapshot the open one is compared with, and the job that asked for it.
    let mut compared: Option<(JobId, Session)> = None;
    while let Some(req) = scope.next().await {
        // A new open replaces the snapshot both sides of a comparison refer to.
        if matches!(
            req,
            Request::Open { .. } | Request::OpenBlob { .. } | Request::Example { .. } | Request::Link { .. }
        ) {
            compared = None;
        }
        let mut then = None;
        let out = match req {
            Request::Open { job, name, bytes } => open_input(job, name, Box::new(bytes), &mut session),
            Request::OpenBlob { job, name, url } => {
                // Free the previous snapshot before the new file is read.
                session = None;
                match fetch_in_worker(&url).await {
                    Some(file) => open_input(job, name, Box::new(file), &mut session),
                    None => Response::CannotFetch { job },
                }
            }
            Request::Example { job } => {
                session = None;
                let mut post = progress_poster(job, 0);
                open_reply(job, engine::open_example(&mut post), &mut session)
            }
            Request::Link { job, text } => {
                session = None;
                open_reply(job, engine::open_link(&text), &mut session)
            }
            Request::Share(redaction) => match &session {
                Some(s) => Response::Shared { fragment: share_fragment(&s.share_payload(redaction)).await },
                None => Response::Shared { fragment: String::new() },
            },
            Request::Rows(q) => match &mut session {
                Some(s) => Response::Rows(s.rows(&q)),
                None => Response::Rows(crate::protocol::RowPage { seq: q.seq, ..Default::default() }),
            },
            Request::Csv(q) => match &mut session {
                Some(s) => s.csv(&q),
                None => Response::Csv { seq: q.seq, rows: 0, total: 0, bytes: Vec::new() },
            },
            Request::Netstat { job, flavour } => match &mut session {
                Some(s) => {
                    s.set_netstat(flavour);
                    Response::Opened(Box::new(s.opened(job)))
                }
                None => continue,
            },
            Request::Verify { job } => match session.as_mut().and_then(|s| s.verify(job)) {
                Some(verified) => verified,
                None => continue,
            },
            Request::Netns { job, choice } => match session.as_mut() {
                Some(s) => {
                    let opened = s.set_netns(job, choice);
                    // The comparison follows the namespace picked.
                    then = compared.as_mut().map(|(cjob, other)| s.compare(*cjob, other));
                    opened
                }
                None => continue,
            },
            Request::CompareBlob { job, name, url } => {
                compared = None;
                match fetch_in_worker(&url).await {
                    Some(file) => compare_input(job, name, Box::new(file), session.as_ref(), &mut compared),
                    None => Response::CannotFetch { job },
                }
            }
            Request::Compare { job, name, bytes } => {
                compared = None;
                compare_input(job, name, Box::new(bytes), session.as_ref(), &mut compared)
            }
        };
        if scope.send(out).await.is_err() {
            break;
        }
        if let Some(out) = then
            && scope.send(out).await.is_err()
        {
            break;
        }
    }
}

fn open_input(job: JobId, name: String, input: Box<dyn Input>, session: &mut Option<Session>) -> Response {
    *session = None;
    let mut post = progress_poster(job, input.size());
    open_reply(job, engine::open(name, input, &mut post), session)
}

/// Decodes the snapshot to compare with and compares; it is kept, so that the comparison can
/// follow the namespace picked.
fn compare_input(
    job: JobId,
    name: String,
    input: Box<dyn Input>,
    session: Option<&Session>,
    compared: &mut Option<(JobId, Session)>,
) -> Response {
    let Some(open) = session else {
        let error = crate::protocol::OpenError::unreadable(&name, "no snapshot is open to compare with");
        return Response::Failed { job, error };
    };
    let mut post = progress_poster(job, input.size());
    match engine::open(name, input, &mut post) {
        Ok(mut other) => {
            let out = open.compare(job, &mut other);
            *compared = Some((job, other));
            out
        }
        Err(error) => Response::Failed { job, error },
    }
}

fn open_reply(
    job: JobId,
    result: Result<Session, crate::protocol::OpenError>,
    session: &mut Option<Session>,
) -> Response {
    match result {
        Ok(s) => {
            let opened = s.opened(job);
            *session = Some(s);
            Response::Opened(Box::new(opened))
        }
        Err(error) => Response::Failed { job, error },
    }
}

/// A progress callback that posts at most every [`PROGRESS_EVERY_MS`] on the progress channel.
fn progress_poster(job: JobId, total: u64) -> impl FnMut(Progress) {
    let channel = web_sys::BroadcastChannel::new(PROGRESS_CHANNEL).ok();
    let mut last = f64::NEG_INFINITY;
    // Core reports bytes while unpacking, then rows (with bytes 0) while parsing: keep the bar full.
    let mut done = 0u64;
    move |p: Progress| {
        done = done.max(p.bytes_done);
        let now = js_sys::Date::now();
        let finished = p.bytes_total > 0 && done >= p.bytes_total;
        if now - last < PROGRESS_EVERY_MS && !finished {
            return;
        }
        last = now;
        if let Some(ch) = &channel {
            let bytes_total = if p.bytes_total > 0 { p.bytes_total } else { total };
            let msg = ProgressMsg { job, progress: Progress { bytes_done: done, bytes_total, rows: p.rows } };
            let _ = ch.post_message(&msg.to_js());
        }
    }
}

/// The fragment value of a share link: `payload` compressed by the browser's zlib
/// (`CompressionStream("deflate")`, the format `share::decode` inflates), or, in a browser
/// without it, as stored blocks (a longer link that opens the same).
async fn share_fragment(payload: &[u8]) -> String {
    use procsnap_core::share::{fragment_value_of, zlib_stored};
    match zlib_in_browser(payload).await {
        Some(z) => fragment_value_of(&z),
        None => fragment_value_of(&zlib_stored(payload)),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The Compression Streams API (web-sys has it only behind `web_sys_unstable_apis`).
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, wasm_bindgen::JsValue>;
}

async fn zlib_in_browser(data: &[u8]) -> Option<Vec<u8>> {
    let zlib = CompressionStream::new("deflate").ok()?;
    // A copy owned by JavaScript: a view into wasm memory is not safe to hand over, since
    // WebKit reads the body later (after the Vec is freed, or the memory has grown).
    let input = web_sys::Response::new_with_opt_buffer_source(Some(&js_sys::Uint8Array::from(data))).ok()?;
    // A CompressionStream is a { readable, writable } pair.
    let output = input.body()?.pipe_through(zlib.unchecked_ref());
    let output = web_sys::Response::new_with_opt_readable_stream(Some(&output)).ok()?;
    let buf = wasm_bindgen_futures::JsFuture::from(output.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&buf).to_vec())
}

/// In the worker: the file at `url` (the page's `blob:` URL of a picked file) as a `Blob`, or
/// `None` if this worker cannot fetch it or read it synchronously.
async fn fetch_in_worker(url: &str) -> Option<BlobInput> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().dyn_into().ok()?;
    let resp = wasm_bindgen_futures::JsFuture::from(scope.fetch_with_str(url)).await.ok()?;
    let resp: web_sys::Response = resp.dyn_into().ok()?;
    if !resp.ok() {
        return None;
    }
    let blob = wasm_bindgen_futures::JsFuture::from(resp.blob().ok()?).await.ok()?;
    Some(BlobInput { blob: blob.dyn_into().ok()?, reader: web_sys::FileReaderSync::new().ok()? })
}

/// Bytes read from a `Blob` per call into the browser ([`BlobInput`]). Each call is a round trip
/// to the browser's blob storage: in headless Chromium here 16 MiB slices read the 93 MB
/// 5M-socket file in ~80 ms, about what copying it whole into wasm memory took; 4 MiB slices
/// took ~180 ms, 1 MiB ~380 ms.
const SLICE: f64 = (16 << 20) as f64;

/// A picked file, read a slice at a time with `FileReaderSync` (decoding is one synchronous
/// call): the file never sits whole in the worker. Its bytes stay in the browser's blob storage
/// (or on disk), not in wasm memory, which never shrinks and is the tab's.
struct BlobInput {
    blob: web_sys::Blob,
    reader: web_sys::FileReaderSync,
}

impl Input for BlobInput {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }
    fn reader(&self) -> Box<dyn std::io::Read + '_> {
        Box::new(BlobReader { input: self, pos: 0.0, buf: Vec::new(), at: 0 })
    }
}

struct BlobReader<'a> {
    input: &'a BlobInput,
    /// Where the next slice starts.
    pos: f64,
    /// The current slice, and how much of it was read.
    buf: Vec<u8>,
    at: usize,
}

impl std::io::Read for BlobReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.buf.len() {
            let size = self.input.blob.size();
            if self.pos >= size {
                return Ok(0);
            }
            let end = (self.pos + SLICE).min(size);
            let failed = |_| std::io::Error::other("the file could not be read");
            let slice = self.input.blob.slice_with_f64_and_f64(self.pos, end).map_err(failed)?;
            let bytes = self.input.reader.read_as_array_buffer(&slice).map_err(failed)?;
            let bytes = js_sys::Uint8Array::new(&bytes);
            self.buf.resize(bytes.length() as usize, 0);
            bytes.copy_to(&mut self.buf);
            self.at = 0;
            self.pos = end;
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
