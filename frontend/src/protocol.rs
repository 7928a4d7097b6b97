//! Messages between the page and the decoding worker.
//!
//! Both sides are built from this crate, so the types are shared. They travel with [`Postcard`],
//! a yew-agent codec over postcard, which core already carries for share links (yew-agent's
//! default bincode codec was a second serde format in the wasm); the `Report` is sent as it is
//! (its `RawText` fields switch to bytes for non-human-readable formats), and a unit test in
//! `engine` round-trips a real report through the same codec.
//! A picked file goes from the page beside a message's bytes, as itself ([`attach`]).
//!
//! Progress does not travel through the reactor: its outputs are delivered by a task that only runs
//! once the worker is idle, and decoding is one synchronous call. The worker posts progress on a
//! `BroadcastChannel` instead (see [`PROGRESS_CHANNEL`]), which is delivered while it keeps working.

use serde::{Deserialize, Serialize};

/// The page ↔ worker message codec: postcard bytes in a `Uint8Array`.
#[derive(Debug)]
pub struct Postcard;

impl yew_agent::Codec for Postcard {
    fn encode<I: Serialize>(input: I) -> wasm_bindgen::JsValue {
        // Both sides are this crate's own types, which always serialise: a failure is a bug.
        let buf = postcard::to_allocvec(&input).expect("a worker message serialises");
        with_file(js_sys::Uint8Array::from(buf.as_slice()).into())
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: wasm_bindgen::JsValue) -> O {
        let data = js_sys::Uint8Array::from(without_file(input)).to_vec();
        postcard::from_bytes(&data).expect("a worker message from this same module decodes")
    }
}

// Out of the generic codec, which is compiled once per message type.
/// The message `bytes`, with the file to send ([`attach`]) beside them: `[bytes, url, file]`.
fn with_file(bytes: wasm_bindgen::JsValue) -> wasm_bindgen::JsValue {
    match TO_SEND.take() {
        Some((url, file)) => js_sys::Array::of3(&bytes, &url.into(), &file).into(),
        None => bytes,
    }
}

/// The bytes of a message from [`with_file`], its file kept for [`attached`].
fn without_file(message: wasm_bindgen::JsValue) -> wasm_bindgen::JsValue {
    use wasm_bindgen::JsCast;
    match message.dyn_into::<js_sys::Array>() {
        Ok(m) => {
            ARRIVED.set(Some((m.get(1).as_string().unwrap_or_default(), m.get(2).unchecked_into())));
            m.get(0)
        }
        Err(bytes) => bytes,
    }
}

type FileAndUrl = std::cell::Cell<Option<(String, web_sys::Blob)>>;

thread_local! {
    /// In the page: a picked file and its `blob:` URL, to go beside the next message ([`attach`]).
    static TO_SEND: FileAndUrl = const { std::cell::Cell::new(None) };
    /// In the worker: the file that came, not yet opened ([`attached`]). Not the same slot: the
    /// worker's answers go through the same codec, and must not carry it back.
    static ARRIVED: FileAndUrl = const { std::cell::Cell::new(None) };
}

/// Sends `file` (whose `blob:` URL is `url`) to the worker beside the next message. A file
/// posted is a reference to the same bytes; the worker's fetch of the URL copied them (~0.4 s
/// for 93 MB in Chromium here). It may ride on an earlier message than the one naming `url`
/// (yew-agent queues messages until the worker has started, and encodes them then), so it goes
/// with its URL; of two files picked before one was sent, the first is fetched as before.
pub fn attach(url: &str, file: &web_sys::Blob) {
    TO_SEND.set(Some((url.into(), file.clone())));
}

/// In the worker: the file the page sent for `url`, if it came.
pub fn attached(url: &str) -> Option<web_sys::Blob> {
    ARRIVED.take().filter(|(u, _)| u == url).map(|(_, file)| file)
}

use procsnap_core::Progress;
pub use procsnap_core::query::{RowPage, RowQuery, SocketRow};
pub use procsnap_core::session::OpenError;
use procsnap_core::share::Redaction;

/// Which network namespace the report describes (the namespace picker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NetnsChoice {
    /// The collector's own.
    Own,
    /// `net:[INODE]`.
    Inode(u64),
    /// Every namespace at once (`procsnap report --netns all`).
    All,
}

/// Name of the `BroadcastChannel` carrying [`ProgressMsg`] from the worker to the page.
pub const PROGRESS_CHANNEL: &str = "procsnap-progress";

/// Identifies one open request; stale progress and results of an abandoned job are ignored.
pub type JobId = u32;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Decode these bytes (a file the user picked or dropped, or one fetched from `#url=`).
    Open {
        job: JobId,
        name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// Decode a picked or dropped file, which the worker reads itself from this `blob:` URL: the
    /// bytes then cross into the worker once, instead of being copied into the page's wasm
    /// memory, encoded, posted and decoded (about 5 copies of a 90 MB file, and wasm memory
    /// never shrinks). If the worker cannot fetch it, it answers [`Response::CannotFetch`].
    OpenBlob { job: JobId, name: String, url: String },
    /// Generate the built-in example snapshot and decode it.
    Example { job: JobId },
    /// Open a share link (`#r=1.…`): a report without rows.
    Link { job: JobId, text: String },
    /// Make a share link of the current report, redacted as asked.
    Share(Redaction),
    /// A page of the socket rows of the last decoded snapshot.
    Rows(RowQuery),
    /// Every row of the last decoded snapshot matching this query (paging aside), as CSV.
    Csv(RowQuery),
    /// Rebuild the report for another netstat flavour (`None`: the one the snapshot implies);
    /// answered with [`Response::Opened`] for the same job.
    Netstat { job: JobId, flavour: Option<procsnap_core::Flavour> },
    /// Check the last snapshot's files against the manifest's SHA-256. The page asks once the
    /// report is on screen: the worker handles one message at a time, and hashing would
    /// otherwise hold the report back.
    Verify { job: JobId },
    /// Make the report describe `choice`; answered with [`Response::Opened`] for the same job
    /// (and, when a snapshot is being compared with, [`Response::Compared`] again for it).
    Netns { job: JobId, choice: NetnsChoice },
    /// Decode a second snapshot (a picked or dropped file's `blob:` URL, as [`Request::OpenBlob`])
    /// and compare it with the open one; answered with [`Response::Compared`], `Failed` or
    /// `CannotFetch` for `job`. The open snapshot stays open.
    CompareBlob { job: JobId, name: String, url: String },
    /// The same with the bytes (when the worker cannot fetch the URL).
    Compare {
        job: JobId,
        name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Response {
    /// A decoded snapshot and its report. The report travels as `share::Transfer` (the link
    /// payload's shape plus the rest), whose serde code the module carries for links already:
    /// the report's own would add 8 KB gzipped to the download.
    Opened(Box<Opened>, Box<procsnap_core::share::Transfer>),
    Failed {
        job: JobId,
        error: OpenError,
    },
    Rows(RowPage),
    /// The CSV of [`Request::Csv`]: `rows` of the `total` rows matching (capped at
    /// `procsnap_core::query::MAX_CSV_ROWS`).
    Csv {
        seq: u32,
        rows: u64,
        total: u64,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// The worker could not fetch an [`Request::OpenBlob`] URL (e.g. the single-file viewer,
    /// whose worker has another origin than the page): the page sends the bytes instead.
    CannotFetch {
        job: JobId,
    },
    /// What changed between the open snapshot and the one of [`Request::CompareBlob`]:
    /// `procsnap_core::session::compare` (earlier capture first), as `procsnap diff` prints it.
    Compared {
        job: JobId,
        text: String,
    },
    /// The fragment value for `#r=` (see `procsnap_core::share`).
    Shared {
        fragment: String,
    },
    /// The manifest's SHA-256 checked, after the report was sent (hashing a million-row table
    /// in wasm takes about a second; the report does not wait for it).
    Verified {
        job: JobId,
        files: Vec<procsnap_core::files::FileInfo>,
        diagnostics: procsnap_core::report::Diagnostics,
        /// The text report again (it lists diagnostics).
        text: String,
    },
}

/// A decoded snapshot, as the views need it besides the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub job: JobId,
    pub name: String,
    pub input_bytes: u64,
    /// `netstat -nlp` as it would have printed on the host.
    pub netstat: String,
    /// The plain-text summary (`procsnap report --format text`).
    pub text: String,
    /// Total socket rows available for paging.
    pub rows: u64,
    /// Milliseconds the worker spent decoding (wall clock in the worker).
    pub decode_ms: f64,
    /// Small text files of the archive, for the Files view: (path, text).
    pub small_files: Vec<(String, String)>,
}

/// Progress of the current job (core's [`Progress`]), posted about every 40 ms by the worker.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProgressMsg {
    pub job: JobId,
    pub progress: Progress,
}

impl ProgressMsg {
    /// Encoded as a plain array of four numbers: cheap to post, no codec needed (counts stay
    /// exact up to 2^53).
    pub fn to_js(self) -> js_sys::Float64Array {
        let p = self.progress;
        js_sys::Float64Array::from(
            &[f64::from(self.job), p.bytes_done as f64, p.bytes_total as f64, p.rows as f64][..],
        )
    }

    pub fn from_js(v: &wasm_bindgen::JsValue) -> Option<Self> {
        use wasm_bindgen::JsCast;
        let a = v.dyn_ref::<js_sys::Float64Array>()?;
        if a.length() != 4 {
            return None;
        }
        let v = a.to_vec();
        let progress = Progress { bytes_done: v[1] as u64, bytes_total: v[2] as u64, rows: v[3] as u64 };
        Some(Self { job: v[0] as JobId, progress })
    }
}
