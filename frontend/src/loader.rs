//! Getting snapshot bytes into the page: a picked or dropped `File`, or a same-origin URL.
//! (The worker's own fetch of a picked file's `blob:` URL is in `agent`.)

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use procsnap_core::ErrorKind;

use crate::protocol::OpenError;

/// Files above this size are refused before reading them: the tab would run out of memory.
pub const MAX_INPUT_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

pub fn too_large(name: &str, size: f64) -> OpenError {
    OpenError::too_large(name, size as u64, MAX_INPUT_BYTES as u64)
}

/// Reads a `File` (from the picker or a drop) into memory.
pub async fn read_file(file: web_sys::File) -> Result<Vec<u8>, OpenError> {
    let file = gloo_file::File::from(file);
    let name = file.name();
    if file.size() as f64 > MAX_INPUT_BYTES {
        return Err(too_large(&name, file.size() as f64));
    }
    gloo_file::futures::read_as_bytes(&file).await.map_err(|e| OpenError::unreadable(&name, &e.to_string()))
}

/// The `url` parameter of the page's fragment (`#url=snapshots/host.procsnap.tar.gz`), if any.
pub fn url_from_hash() -> Option<String> {
    let hash = gloo_utils::window().location().hash().ok()?;
    let raw = hash.strip_prefix("#url=")?;
    let decoded = js_sys::decode_uri_component(raw).ok()?;
    Some(String::from(decoded))
}

/// The share-link fragment (`#r=1.…`) of the page address, if any.
pub fn link_from_hash() -> Option<String> {
    let hash = gloo_utils::window().location().hash().ok()?;
    hash.starts_with("#r=").then_some(hash)
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
