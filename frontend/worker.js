// Loader of the decoding worker. yew-agent starts a classic worker that runs
// `importScripts(THIS_FILE); wasm_bindgen(WASM_URL)`; here `wasm_bindgen` loads the page's own
// ES module (app.js + app_bg.wasm, already in the browser's cache) with a dynamic import. Its
// `main` sees no `window` and registers the reactor instead of rendering the page
// (frontend/src/main.rs). One wasm module for page and worker keeps the download small.
// (ReactorProvider's `module=true` would do this without a loader, but yew-agent 0.5 drops that
// flag in `ReactorSpawner::encoding`.)
self.wasm_bindgen = (wasmUrl) => {
  const base = new URL('.', wasmUrl);
  return import(new URL('app.js', base).href).then((m) =>
    m.default({ module_or_path: new URL('app_bg.wasm', base).href }));
};
