//! Entry point of the single wasm module (built by Trunk as `app.js` + `app_bg.wasm`).
//!
//! The same module runs twice: in the page, where it renders the app, and in the decoding web
//! worker, whose loader (`frontend/worker.js`) imports this same `app.js`; there it registers the
//! reactor instead. One module instead of
//! a page binary and a worker binary means the standard library, serde, postcard and the
//! wasm-bindgen runtime are downloaded once, and the worker's fetch of `app_bg.wasm` is served
//! from the browser's cache.
fn main() {
    if web_sys::window().is_some() {
        yew::Renderer::<procsnap_viewer::app::App>::new().render();
    } else {
        use yew_agent::Registrable;
        procsnap_viewer::agent::Decoder::registrar()
            .encoding::<procsnap_viewer::protocol::Postcard>()
            .register();
    }
}
