//! The decoding worker: a yew-agent reactor that owns the decoded snapshot.
//!
//! The page sends file bytes; the worker decodes them with `procsnap-core`, posts progress on a
//! `BroadcastChannel`, answers with the report, then keeps the snapshot so that the Sockets view
//! can ask for pages of rows without the page ever holding all of them.

use futures::{SinkExt, StreamExt};
use wasm_bindgen::JsCast;
use yew_agent::prelude::*;

use procsnap_core::{Error, Progress};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::engine::{self, Input, Session};
use crate::protocol::{JobId, OpenError, PROGRESS_CHANNEL, ProgressMsg, Request, Response};

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
            Request::Open { job, name, bytes } => {
                session = None;
                open_reply(job, open_input(job, name, Box::new(bytes)).await, &mut session)
            }
            Request::OpenBlob { job, name, url } => {
                // Free the previous snapshot before the new file is read.
                session = None;
                match picked_file(&url).await {
                    Some(file) => open_reply(job, open_input(job, name, Box::new(file)).await, &mut session),
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
                open_reply(job, open_link(&text).await, &mut session)
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
                    s.answer(job)
                }
                None => continue,
            },
            Request::Verify { job } => match session.as_mut() {
                Some(s) => match s.take_unverified_gzip() {
                    Some(input) => match hash_gzip(input.as_ref()).await {
                        Some(hashes) => s.record_hashes(job, &hashes),
                        None => continue,
                    },
                    None => match s.verify(job) {
                        Some(verified) => verified,
                        None => continue,
                    },
                },
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
                match picked_file(&url).await {
                    Some(file) => {
                        compare_input(job, name, Box::new(file), session.as_ref(), &mut compared).await
                    }
                    None => Response::CannotFetch { job },
                }
            }
            Request::Compare { job, name, bytes } => {
                compared = None;
                compare_input(job, name, Box::new(bytes), session.as_ref(), &mut compared).await
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

/// Decodes `input`: a gzip snapshot inflated by the browser's zlib as it is parsed ([`inflate`]),
/// anything else (a plain tar, a bare table) read by core.
async fn open_input(job: JobId, name: String, input: Box<dyn Input>) -> Result<Session, OpenError> {
    let size = input.size();
    let mut post = progress_poster(job, size);
    if !input.is_gzip() {
        return engine::open(name, input, &mut post);
    }
    let t0 = engine::now();
    post(Progress { bytes_done: 0, bytes_total: size, rows: 0 });
    let mut decoder = engine::tar_decoder(size);
    let fed = inflate_beside(input.as_ref(), &mut |chunk, consumed| {
        decoder.set_compressed(consumed);
        decoder.feed(chunk)?;
        post(Progress { bytes_done: consumed, bytes_total: size, rows: decoder.rows() });
        Ok(())
    })
    .await;
    fed.map_err(|e| OpenError::snapshot(&name, &e))?;
    engine::open_tar(name, input, decoder, t0)
}

/// The SHA-256 of every file of a gzip snapshot, inflated by the browser's zlib (the deferred
/// check against the manifest); `None` if it cannot be read again.
async fn hash_gzip(input: &dyn Input) -> Option<Vec<(String, String)>> {
    let mut hashes = procsnap_core::archive::TarHashes::new(&procsnap_core::Limits::default(), true);
    let fed = inflate_beside(input, &mut |chunk, consumed| {
        hashes.set_compressed(consumed);
        hashes.feed(chunk)
    })
    .await;
    fed.ok()?;
    hashes.finish().ok()
}

/// Opens a share link: core takes the zlib stream out of it, the browser's zlib inflates it.
async fn open_link(text: &str) -> Result<Session, OpenError> {
    use procsnap_core::share::{LinkError, MAX_DECODED, zlib_of};
    let t0 = engine::now();
    let zlib = zlib_of(text).map_err(|e| OpenError::link(&e))?;
    let mut payload = Vec::new();
    let fed = inflate(&zlib, "deflate", &mut |chunk, _| {
        payload.extend_from_slice(chunk);
        // One byte past the limit is enough for core to refuse it.
        if payload.len() as u64 > MAX_DECODED {
            return Err(Error::TooLarge { limit_bytes: MAX_DECODED });
        }
        Ok(())
    })
    .await;
    match fed {
        Ok(()) | Err(Error::TooLarge { .. }) => engine::open_link_payload(text.len() as u64, &payload, t0),
        Err(e) => Err(OpenError::link(&LinkError::Damaged { detail: format!("does not decompress: {e}") })),
    }
}

/// Decodes the snapshot to compare with and compares; it is kept, so that the comparison can
/// follow the namespace picked.
async fn compare_input(
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
    match open_input(job, name, input).await {
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
            let answer = s.answer(job);
            *session = Some(s);
            answer
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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The Compression Streams API's inflate: a { readable, writable } pair.
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &DecompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &DecompressionStream) -> web_sys::WritableStream;
}

/// Compressed bytes handed to the browser's inflate at a time. The gzip-bomb guard counts the
/// piece being inflated as consumed, so it refuses at most `INFLATE_PIECE × Limits::max_ratio`
/// (31 MiB) later than the CLI, and a small bomb at the same `archive::RATIO_FLOOR` (64 MiB);
/// one piece inflates to at most ~1032 × 64 KiB = 66 MiB.
const INFLATE_PIECE: usize = 64 << 10;

/// Takes a piece of inflated output and the compressed bytes consumed so far.
type InflatedFn<'a> = &'a mut dyn FnMut(&[u8], u64) -> Result<(), Error>;

/// Inflates `input` with the browser's zlib (`DecompressionStream(format)`, "gzip" or
/// "deflate"), handing each piece of output, with the compressed bytes consumed so far, to
/// `feed` as the browser produces it: native inflate and the parse here take turns, and neither
/// the compressed nor the inflated bytes are ever held whole. An error from `feed` stops it.
async fn inflate(input: &dyn Input, format: &str, feed: InflatedFn<'_>) -> Result<(), Error> {
    let browser = |e: JsValue| Error::Truncated {
        detail: format!("the {format} stream is damaged: {}", js_message(&e)),
    };
    let stream = DecompressionStream::new(format).map_err(|e| Error::NotASnapshot {
        detail: format!("this browser cannot inflate {format}: {}", js_message(&e)),
    })?;
    let writer = stream.writable().get_writer().map_err(browser)?;
    let reader: web_sys::ReadableStreamDefaultReader = stream.readable().get_reader().unchecked_into();
    let consumed = std::cell::Cell::new(0u64);
    let unreadable = std::cell::Cell::new(false);
    let write_all = async {
        let mut source = input.reader();
        let mut piece = vec![0u8; INFLATE_PIECE];
        let mut written = 0u64;
        loop {
            let n = match std::io::Read::read(&mut source, &mut piece) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    unreadable.set(true);
                    let _ = writer.abort();
                    return;
                }
            };
            // A copy owned by JavaScript: the browser may read it after wasm memory has grown.
            let chunk = js_sys::Uint8Array::from(&piece[..n]);
            // Consumed up to the end of this piece (see INFLATER).
            written += n as u64;
            consumed.set(written);
            // A failed write means the reading side stopped (and says why).
            if JsFuture::from(writer.write_with_chunk(&chunk)).await.is_err() {
                return;
            }
        }
        let _ = JsFuture::from(writer.close()).await;
    };
    let read_all = async {
        let mut out = Vec::new();
        loop {
            let step = JsFuture::from(reader.read()).await.map_err(browser)?;
            if js_sys::Reflect::get(&step, &"done".into()).ok().and_then(|d| d.as_bool()) == Some(true) {
                return Ok(());
            }
            let Ok(chunk) = js_sys::Reflect::get(&step, &"value".into()) else { continue };
            let chunk: js_sys::Uint8Array = chunk.unchecked_into();
            out.resize(chunk.length() as usize, 0);
            chunk.copy_to(&mut out);
            if let Err(e) = feed(&out, consumed.get()) {
                // Errors the writing side too, so that it stops.
                let _ = reader.cancel();
                return Err(e);
            }
        }
    };
    let ((), read) = futures::future::join(write_all, read_all).await;
    if unreadable.get() {
        return Err(Error::Truncated { detail: "the file could not be read".into() });
    }
    read
}

/// The inflater: a worker of the decoding worker that inflates a gzip `Blob` with the browser's
/// zlib and posts the output in batches of about [`BATCH`] bytes (transferred, not copied), so that
/// inflating (in it) and parsing (here) run at the same time on two cores. It stays at most
/// [`IN_FLIGHT`] batches ahead: the decoding worker acknowledges each batch it has parsed.
///
/// - The file is read in large slices (each read is a round trip to the browser's blob storage:
///   see [`SLICE`]), inflated a piece at a time.
/// - `consumed` is the compressed bytes up to the end of the piece being inflated (which piece an
///   output chunk came from cannot be told: a browser may inflate a whole piece before it is read).
/// - The browser's output chunks (64 KiB in Chromium) go in batches, each one message of the
///   chunks themselves: a message costs about as much as parsing a few KiB. A batch carries what
///   was consumed when its first chunk came, so the bomb guard sees no more input consumed than
///   it would chunk by chunk.
/// - The script has no comments: it is a string in the download.
const INFLATER: &str = r#"let acked = 0, wake = null;
postMessage('ready');
onmessage = (e) => {
  if (typeof e.data === 'number') { acked = e.data; if (wake) { const w = wake; wake = null; w(); } return; }
  run(e.data.blob, e.data.ahead, e.data.piece, e.data.slice, e.data.batch);
};
async function run(blob, ahead, piece, slice, size) {
  const zlib = new DecompressionStream('gzip');
  let consumed = 0, sent = 0;
  const writer = zlib.writable.getWriter();
  const write = async () => {
    let at = 0, size = piece, next = blob.slice(0, size).arrayBuffer();
    while (at < blob.size) {
      const bytes = new Uint8Array(await next);
      if (!bytes.length) break;
      const end = at + bytes.length;
      size = Math.min(size * 4, slice);
      next = blob.slice(end, end + size).arrayBuffer();
      for (let i = 0; i < bytes.length; i += piece) {
        const part = bytes.subarray(i, i + piece);
        consumed = at + i + part.length;
        await writer.write(part);
      }
      at = end;
    }
    await writer.close();
  };
  write().catch(() => {});
  let chunks = [], filled = 0, first = 0;
  const flush = async () => {
    if (chunks.length === 0) return;
    postMessage({ chunks, consumed: first }, chunks.map((c) => c.buffer));
    chunks = [];
    filled = 0;
    sent++;
    while (sent - acked > ahead) await new Promise((r) => { wake = r; });
  };
  try {
    const reader = zlib.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (chunks.length === 0) first = consumed;
      chunks.push(value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice());
      filled += value.length;
      if (filled >= size) await flush();
    }
    await flush();
    postMessage({ done: true });
  } catch (err) {
    postMessage({ error: String((err && err.message) || err) });
  }
}"#;

/// Bytes of inflated output the inflater posts at a time ([`INFLATER`]).
const BATCH: u32 = 1 << 20;
/// Batches the inflater may post before the decoding worker has parsed them: a few MiB of memory
/// bound how far it runs ahead.
const IN_FLIGHT: u32 = 4;

/// A gzip input inflated beside the parse ([`INFLATER`]); where a worker cannot start one
/// (a browser without nested workers), inflated here by [`inflate`].
async fn inflate_beside(input: &dyn Input, feed: InflatedFn<'_>) -> Result<(), Error> {
    if let Some(blob) = input.blob()
        && let Some(Inflater { worker, messages, url }) = SPARE.take().or_else(Inflater::spawn)
    {
        let result = match start_inflater(&worker, &blob) {
            Some(()) => parse_inflated(&worker, messages, feed).await,
            None => Err(Stop::NotStarted),
        };
        worker.terminate();
        let _ = web_sys::Url::revoke_object_url(&url);
        match result {
            Err(Stop::NotStarted) => {}
            Err(Stop::Failed(e)) => return Err(e),
            Ok(()) => return Ok(()),
        }
    }
    // Said in the worker's console, for whoever measures (the decode takes longer this way).
    web_sys::console::info_1(&"procsnap worker: no inflater worker started; inflating in this one".into());
    inflate(input, "gzip", feed).await
}

thread_local! {
    /// An inflater started before it is needed ([`inflate_beside`]).
    static SPARE: std::cell::Cell<Option<Inflater>> = const { std::cell::Cell::new(None) };
}

/// Starts an inflater unless one is ready: a worker takes 10–40 ms to start, which an open would
/// wait. Not when the decoding worker starts: Firefox then sometimes never loaded the page's
/// first snapshot (the built-in example, which needs no inflater).
fn spare_inflater() {
    let spare = SPARE.take().or_else(Inflater::spawn);
    SPARE.set(spare);
}

/// Why [`parse_inflated`] stopped early.
enum Stop {
    /// The inflater did not start (its script was refused, say): inflate here instead.
    NotStarted,
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Failed(e)
    }
}

type Messages = futures::channel::mpsc::UnboundedReceiver<JsValue>;

/// How long the inflater has to say it runs (`'ready'`) before the decoding worker inflates on
/// its own: a browser may neither start a nested worker nor report that it could not.
const INFLATER_START_MS: i32 = 5_000;
/// Put on the inflater's channel [`INFLATER_START_MS`] after it was started.
const START_TIMEOUT: &str = "start timeout";

/// The inflater worker, the channel its messages arrive on, and its script's `blob:` URL
/// (revoked once the inflater is done: revoked at once, a browser that fetches the script later
/// would find nothing).
struct Inflater {
    worker: web_sys::Worker,
    messages: Messages,
    url: String,
}

impl Inflater {
    fn spawn() -> Option<Inflater> {
        let source = js_sys::Array::of1(&INFLATER.into());
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let script = web_sys::Blob::new_with_str_sequence_and_options(&source, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&script).ok()?;
        let Ok(worker) = web_sys::Worker::new(&url) else {
            let _ = web_sys::Url::revoke_object_url(&url);
            return None;
        };
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let errors = tx.clone();
        let timeout = tx.clone();
        let scope: web_sys::WorkerGlobalScope = js_sys::global().dyn_into().ok()?;
        let on_timeout = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = timeout.unbounded_send(START_TIMEOUT.into());
        });
        scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                on_timeout.unchecked_ref(),
                INFLATER_START_MS,
            )
            .ok()?;
        let on_message = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |e: web_sys::MessageEvent| {
                let _ = tx.unbounded_send(e.data());
            },
        );
        // A script that fails to load (or an error it does not catch): `null` on the channel.
        let on_error = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            let _ = errors.unbounded_send(JsValue::NULL);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // They live as long as the worker (terminated after its decode): two small closures a decode.
        on_message.forget();
        on_error.forget();
        Some(Inflater { worker, messages: rx, url })
    }
}

/// Hands `blob` to the inflater `worker`.
fn start_inflater(worker: &web_sys::Worker, blob: &web_sys::Blob) -> Option<()> {
    let start = js_sys::Object::new();
    js_sys::Reflect::set(&start, &"blob".into(), blob).ok()?;
    js_sys::Reflect::set(&start, &"ahead".into(), &IN_FLIGHT.into()).ok()?;
    js_sys::Reflect::set(&start, &"piece".into(), &(INFLATE_PIECE as u32).into()).ok()?;
    js_sys::Reflect::set(&start, &"slice".into(), &SLICE.into()).ok()?;
    js_sys::Reflect::set(&start, &"batch".into(), &BATCH.into()).ok()?;
    worker.post_message(&start).ok()
}

/// Feeds the inflater's pieces to `feed` as they arrive, acknowledging them.
async fn parse_inflated(
    worker: &web_sys::Worker,
    mut messages: Messages,
    feed: InflatedFn<'_>,
) -> Result<(), Stop> {
    let mut out = Vec::new();
    let mut parsed = 0u32;
    let mut started = false;
    let field = |m: &JsValue, name: &str| js_sys::Reflect::get(m, &name.into()).unwrap_or(JsValue::UNDEFINED);
    while let Some(m) = messages.next().await {
        if m.is_null() {
            if parsed == 0 {
                return Err(Stop::NotStarted);
            }
            return Err(Error::Truncated { detail: "the inflater failed".into() }.into());
        }
        if let Some(text) = m.as_string() {
            match text.as_str() {
                "ready" => started = true,
                START_TIMEOUT if !started => return Err(Stop::NotStarted),
                _ => {}
            }
            continue;
        }
        let chunks = field(&m, "chunks");
        if !chunks.is_undefined() {
            let consumed = field(&m, "consumed").as_f64().unwrap_or(0.0) as u64;
            for chunk in chunks.unchecked_into::<js_sys::Array>() {
                let chunk: js_sys::Uint8Array = chunk.unchecked_into();
                out.resize(chunk.length() as usize, 0);
                chunk.copy_to(&mut out);
                feed(&out, consumed)?;
            }
            parsed += 1;
            let _ = worker.post_message(&parsed.into());
        } else if field(&m, "done").is_truthy() {
            return Ok(());
        } else {
            let detail = field(&m, "error").as_string().unwrap_or_default();
            return Err(Error::Truncated { detail: format!("the gzip stream is damaged: {detail}") }.into());
        }
    }
    Err(Error::Truncated { detail: "the inflater stopped".into() }.into())
}

/// The message of a JavaScript error (a `TypeError` from the inflate), or the thrown string.
fn js_message(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        // A thrown string is its own message. Not `{:?}`: JsValue's `Debug` brings wasm-bindgen's
        // 2 KB debug-string helper into the page's JS.
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "an error without a message".into())
}

/// In the worker: the picked file whose `blob:` URL is `url`, as the page sent it beside its
/// messages (`protocol::attach`), else fetched from `url`; `None` if this worker can do neither,
/// or cannot read it synchronously.
async fn picked_file(url: &str) -> Option<BlobInput> {
    // Started before the file is opened: a nested worker takes 10–40 ms to start.
    spare_inflater();
    let blob = match crate::protocol::attached(url) {
        Some(file) => file,
        None => fetch_in_worker(url).await?,
    };
    Some(BlobInput { blob, reader: web_sys::FileReaderSync::new().ok()? })
}

/// The file at `url` fetched as a `Blob`: the response's `blob()` reads it whole (~0.4 s for
/// 93 MB in Chromium here), which is why the page sends the file itself.
async fn fetch_in_worker(url: &str) -> Option<web_sys::Blob> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().dyn_into().ok()?;
    let resp = wasm_bindgen_futures::JsFuture::from(scope.fetch_with_str(url)).await.ok()?;
    let resp: web_sys::Response = resp.dyn_into().ok()?;
    if !resp.ok() {
        return None;
    }
    wasm_bindgen_futures::JsFuture::from(resp.blob().ok()?).await.ok()?.dyn_into().ok()
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
    fn blob(&self) -> Option<web_sys::Blob> {
        Some(self.blob.clone())
    }
    fn is_gzip(&self) -> bool {
        // Two bytes, not a whole slice.
        let head =
            self.blob.slice_with_f64_and_f64(0.0, 2.0).and_then(|s| self.reader.read_as_array_buffer(&s));
        head.is_ok_and(|b| js_sys::Uint8Array::new(&b).to_vec() == procsnap_core::archive::GZIP_MAGIC)
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
            let failed =
                |_| procsnap_core::error::io_error(std::io::ErrorKind::Other, "the file could not be read");
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
