//! The page's half of opening a snapshot: getting a [`Source`] to the worker. A picked or dropped
//! file goes to the worker itself beside a message (`protocol::attach`) with its `blob:` URL,
//! which the worker fetches if the file did not come (its half is in `agent`), or as bytes read
//! here when it cannot; a `#url=` file is fetched here, from the page's own origin;
//! the example and share links are the worker's to make or decode.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use procsnap_core::ErrorKind;

use crate::protocol::{JobId, OpenError, Request, Response};
use crate::state::Source;

/// Sends a request to the worker.
pub type Sender<'a> = &'a dyn Fn(Request);

/// Sends `source` to the worker as `job`. `current(job)`: the job is still the page's newest
/// open (bytes of an abandoned one are not sent: they would replace the worker's snapshot).
pub async fn open(
    job: JobId,
    source: Source,
    handoff: &Handoff,
    send: Sender<'_>,
    current: &dyn Fn(JobId) -> bool,
) -> Result<(), OpenError> {
    match source {
        Source::Example => send(Request::Example { job }),
        Source::Link(payload) => send(Request::Link { job, text: format!("r={payload}") }),
        Source::File(f) => {
            let name = f.name();
            if f.size() > MAX_INPUT_BYTES {
                return Err(too_large(&name, f.size()));
            }
            let url = handoff.hold(job, f, false);
            send(Request::OpenBlob { job, name, url });
        }
        Source::Url(u) => {
            let (name, bytes) = fetch_same_origin(&u).await?;
            if current(job) {
                send(Request::Open { job, name, bytes });
            }
        }
    }
    Ok(())
}

/// Sends `file` to the worker as `job`, to compare with the open snapshot (as [`open`] does).
pub fn compare(
    job: JobId,
    file: web_sys::File,
    handoff: &Handoff,
    send: Sender<'_>,
) -> Result<(), OpenError> {
    let name = file.name();
    if file.size() > MAX_INPUT_BYTES {
        return Err(too_large(&name, file.size()));
    }
    let url = handoff.hold(job, file, true);
    send(Request::CompareBlob { job, name, url });
    Ok(())
}

/// A file the worker could not fetch ([`Handoff::answered`]): read here and sent as bytes.
pub async fn send_file(
    held: Held,
    send: Sender<'_>,
    current: &dyn Fn(JobId) -> bool,
) -> Result<(), OpenError> {
    let Held { job, file, compare } = held;
    let name = file.name();
    let bytes = read_file(file).await?;
    if current(job) {
        send(if compare {
            Request::Compare { job, name, bytes }
        } else {
            Request::Open { job, name, bytes }
        });
    }
    Ok(())
}

/// A picked file the worker could not fetch, handed back to be sent as bytes.
pub struct Held {
    pub job: JobId,
    pub file: web_sys::File,
    /// To compare with the open snapshot, not to open.
    pub compare: bool,
}

/// The picked files in flight and their `blob:` URLs, kept until the worker answers: the open
/// in progress and the one to compare with.
#[derive(Default)]
pub struct Handoff(RefCell<Vec<(Held, gloo_file::ObjectUrl)>>);

impl Handoff {
    /// Keeps `file` for `job` (replacing an older one of the same kind); its `blob:` URL.
    fn hold(&self, job: JobId, file: web_sys::File, compare: bool) -> String {
        let url = gloo_file::ObjectUrl::from(gloo_file::File::from(file.clone()));
        let href = url.to_string();
        crate::protocol::attach(&href, &file);
        let mut held = self.0.borrow_mut();
        held.retain(|(h, _)| h.compare != compare);
        held.push((Held { job, file, compare }, url));
        href
    }

    /// The worker answered: the file's `blob:` URL is revoked (dropping the `ObjectUrl` does
    /// that), and the file is handed back if the worker could not fetch it.
    pub fn answered(&self, response: &Response) -> Option<Held> {
        let job = match response {
            Response::Opened(o, _) => o.job,
            Response::Failed { job, .. } | Response::CannotFetch { job } | Response::Compared { job, .. } => {
                *job
            }
            _ => return None,
        };
        let mut held = self.0.borrow_mut();
        let i = held.iter().position(|(h, _)| h.job == job)?;
        let (h, _url) = held.swap_remove(i);
        matches!(response, Response::CannotFetch { .. }).then_some(h)
    }
}

/// Files above this size are refused before reading them: the tab would run out of memory.
pub const MAX_INPUT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

pub fn too_large(name: &str, size: f64) -> OpenError {
    OpenError::too_large(name, size as u64, MAX_INPUT_BYTES as u64)
}

/// Reads a `File` (from the picker or a drop) into memory.
async fn read_file(file: web_sys::File) -> Result<Vec<u8>, OpenError> {
    let file = gloo_file::File::from(file);
    let name = file.name();
    if file.size() as f64 > MAX_INPUT_BYTES {
        return Err(too_large(&name, file.size() as f64));
    }
    gloo_file::futures::read_as_bytes(&file).await.map_err(|e| OpenError::unreadable(&name, &e.to_string()))
}

/// Fetches a snapshot from the page's own origin. Other origins are refused: the viewer never
/// sends anything to, or loads anything from, another site.
pub async fn fetch_same_origin(raw: &str) -> Result<(String, Vec<u8>), OpenError> {
    let bad = |detail: String| OpenError {
        kind: ErrorKind::Unreadable,
        title: "The snapshot URL cannot be used".into(),
        detail,
        hint: "Put the snapshot next to the viewer and open it with #url=NAME, or drop the file on the page."
            .into(),
    };
    let window = gloo_utils::window();
    let location = window.location();
    let base = location.href().map_err(|e| bad(js_message(&e)))?;
    let url =
        web_sys::Url::new_with_base(raw, &base).map_err(|_| bad(format!("{raw} is not a valid URL.")))?;
    let own = location.origin().map_err(|e| bad(js_message(&e)))?;
    if url.origin() != own {
        return Err(bad(format!(
            "{} is on another site ({}); the viewer only loads files from {own}.",
            url.href(),
            url.origin()
        )));
    }
    let name = url.pathname().rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("snapshot").to_string();
    let fetch_err = |detail: String| OpenError {
        kind: ErrorKind::Unreadable,
        title: "The snapshot could not be downloaded".into(),
        detail,
        hint: "Check that the file is served next to the viewer and the address is right.".into(),
    };
    let resp =
        JsFuture::from(window.fetch_with_str(&url.href())).await.map_err(|e| fetch_err(js_message(&e)))?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| fetch_err("no response".into()))?;
    if !resp.ok() {
        return Err(fetch_err(format!("{} answered {} {}.", url.href(), resp.status(), resp.status_text())));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(|e| fetch_err(js_message(&e)))?)
        .await
        .map_err(|e| fetch_err(js_message(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
    if bytes.len() as f64 > MAX_INPUT_BYTES {
        return Err(too_large(&name, bytes.len() as f64));
    }
    Ok((name, bytes))
}

fn js_message(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
