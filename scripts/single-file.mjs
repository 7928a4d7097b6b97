// Writes dist/procsnap-viewer.html: the viewer Trunk built into dist/ as ONE self-contained file
// that works opened from disk (file://), with no server and no network. Run by
// scripts/build-single-file.sh after `trunk build`; see docs/viewer.md ("The single-file viewer").
//
// From file://, Chromium refuses fetch() of app_bg.wasm, a module import of app.js and
// `new Worker("worker.js")`, but it allows Blob and data: URLs. So the file carries:
//   - style.css in a <style>;
//   - app.js (the wasm-bindgen glue, an ES module) as the text of an inert <script type="text/plain">;
//   - app_bg.wasm as base64 in an inert <script type="application/octet-stream">;
//   - a bootstrap module script that imports the glue from a Blob URL, starts it with the decoded
//     wasm bytes, and first leaves the worker's loader in `window.procsnapWorkerUrl`, which the app
//     (frontend/src/app.rs) uses instead of "worker.js".
// The worker cannot load the page's Blob URLs (a worker of a file:// page gets another opaque
// origin), and yew-agent owns its messages, so the wasm cannot be posted to it either: the loader
// is a data: URL that carries the glue and the base64 itself, built at run time from the two
// inert scripts, so the file holds the wasm once. Page and worker run the one wasm module of the
// served build (each compiles it, as in the served build).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPolicy } from './csp.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(ROOT, 'dist'));
const out = join(dist, 'procsnap-viewer.html');

const read = (name) => readFileSync(join(dist, name));
const fail = (msg) => { console.error(`single-file: ${msg}`); process.exit(1); };

let html = read('index.html').toString();
const css = read('style.css').toString();
const glue = read('app.js').toString();
const wasm = read('app_bg.wasm');

// Raw text inside <style>/<script> ends at the first `</style` / `</script`, and `<!--` switches
// the HTML parser into its escaped states: none of these may occur in the inlined text.
for (const [name, text, bad] of [['style.css', css, /<\/style|<!--/i], ['app.js', glue, /<\/script|<!--/i]]) {
  if (bad.test(text)) fail(`${name} contains ${text.match(bad)[0]}, which cannot be inlined as is`);
}
// The glue must be the wasm-bindgen `--target web` module that the bootstrap expects.
if (!/export \{[^}]*__wbg_init as default/.test(glue)) fail('app.js does not export wasm-bindgen init as default');

// Replace exactly one match of `re`, or stop: a change in Trunk's output must not pass silently.
function replaceOnce(re, by, what) {
  const n = (html.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')) ?? []).length;
  if (n !== 1) fail(`expected one ${what} in dist/index.html, found ${n}`);
  html = html.replace(re, () => by);
}

// Runs in the decoding worker, from a data: URL (see the bootstrap below): defines the
// `wasm_bindgen` that yew-agent's worker calls, from the glue's text and the wasm's base64.
function workerLoader(glue, b64) {
  const bytes = typeof Uint8Array.fromBase64 === 'function'
    ? Uint8Array.fromBase64(b64) : Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  // WebKit refuses a module import of a Blob URL made in this worker (its file:// origin is
  // opaque: "Cross-origin script load denied"), but imports a data: URL: fall back to one.
  const blob = () => import(URL.createObjectURL(new Blob([glue], { type: 'text/javascript' })));
  const data = () => import('data:text/javascript;charset=utf-8,' + encodeURIComponent(glue));
  self.wasm_bindgen = () => blob().catch(data).then((m) => m.default({ module_or_path: bytes }));
}

const bootstrap = `
<script type="module">
// procsnap single-file bootstrap, written by scripts/single-file.mjs.
const text = (id) => document.getElementById(id).textContent;
const glue = text('procsnap-glue');
const b64 = text('procsnap-wasm').trim();
// yew-agent's worker runs importScripts(LOADER); wasm_bindgen(…), as with frontend/worker.js in
// the served build. A worker started by a file:// page cannot load the page's Blob URLs (its
// origin is another opaque one), so LOADER is a data: URL that carries the glue and the wasm.
const loader = '(' + ${JSON.stringify(workerLoader.toString())} + ')(' + JSON.stringify(glue) + ', ' + JSON.stringify(b64) + ');';
window.procsnapWorkerUrl = 'data:text/javascript;charset=utf-8,' + encodeURIComponent(loader);
const bytes = typeof Uint8Array.fromBase64 === 'function'
  ? Uint8Array.fromBase64(b64) : Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const { default: init } = await import(URL.createObjectURL(new Blob([glue], { type: 'text/javascript' })));
await init({ module_or_path: bytes });
</script>
`;

replaceOnce(/<link rel="stylesheet" href="\.\/style\.css"[^>]*>/, `<style>\n${css}</style>`, 'stylesheet link');
replaceOnce(/<script type="module">[\s\S]*?<\/script>/, bootstrap.trim(), 'Trunk loader script');
replaceOnce(/<link rel="modulepreload" href="\.\/app\.js"[^>]*>/, '', 'modulepreload of app.js');
replaceOnce(/<link rel="preload" href="\.\/app_bg\.wasm"[^>]*>/, '', 'preload of app_bg.wasm');
if (/(src|href)="\.?\/?[^"#]/.test(html)) fail(`a reference to another file is left: ${html.match(/(src|href)="[^"]*"/)[0]}`);

const data = `<script type="text/plain" id="procsnap-glue">\n${glue}</script>\n` +
  `<script type="application/octet-stream" id="procsnap-wasm">\n${wasm.toString('base64')}\n</script>\n`;
replaceOnce(/<\/body>/, data + '</body>', '</body>');
html = html.replace(/<title>([^<]*)<\/title>/, '<title>$1</title>\n    <!-- The procsnap viewer in one file: open it from disk, no server, no network. -->');

// The served policy (scripts/csp.mjs) gives way to the single file's: its own inline bootstrap and
// style by hash, the glue from a Blob URL, the worker's data: loader, no 'self' (file://).
html = withPolicy('single-file', html);
writeFileSync(out, html);
console.log(`single-file: wrote ${out} (${Buffer.byteLength(html)} bytes)`);
