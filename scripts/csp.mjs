// The viewer's Content-Security-Policy, written into the built pages as a <meta http-equiv>:
// dist/index.html (the served site; run by scripts/build-web.sh after `trunk build`) and
// dist/procsnap-viewer.html (the single file; scripts/single-file.mjs imports `withPolicy`).
// See docs/viewer.md ("Content-Security-Policy") for why each source is there.
//
// The policy allows only what the viewer needs, so that an injection bug cannot reach the network
// or run foreign code: no default source; scripts from the page's own files (or, in the single
// file, the Blob URL of its inlined glue), each inline script by its SHA-256; wasm compilation
// ('wasm-unsafe-eval', not 'unsafe-eval'); the decoding worker, which yew-agent starts from a
// blob: URL (a worker from a local URL inherits this policy); fetch only of the page's own files
// (`#url=`), of picked files' blob: URLs and of data: URLs. Styles are the page's own sheet
// (or the inlined one by hash); style *attributes* are allowed because the virtualised Sockets
// table and the charts set sizes and positions in them, and CSS cannot run script or, with
// img-src/font-src shut, fetch anything.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const sha = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Hashes of every inline <script> (with code, not inert data) and <style> of `html`. */
function inlineHashes(html) {
  const scripts = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const type = /\btype="([^"]*)"/i.exec(m[1])?.[1] ?? '';
    const runs = type === '' || type === 'module' || /javascript/i.test(type);
    if (runs && !/\bsrc=/i.test(m[1]) && m[2].trim()) scripts.push(sha(m[2]));
  }
  const styles = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => sha(m[1]));
  return { scripts, styles };
}

/** The policy for `kind` ('served' or 'single-file') of this page's text. */
export function policy(kind, html) {
  const { scripts, styles } = inlineHashes(html);
  const single = kind === 'single-file';
  const directives = [
    ["default-src", "'none'"],
    // Served: app.js, worker.js. Single file: the glue's Blob URL, and the worker's data: loader
    // (importScripts), which carries the glue and the wasm.
    ["script-src", ...(single ? ['blob:', 'data:'] : ["'self'"]), "'wasm-unsafe-eval'", ...scripts],
    ["style-src", ...(single ? [] : ["'self'"]), ...styles],
    ["style-src-attr", "'unsafe-inline'"],
    // Firefox asks for /favicon.ico; the served site has none (404), the single file asks nothing.
    ["img-src", single ? "data:" : "'self'"],
    // Served: app_bg.wasm and `#url=` (same origin only, checked again in loader.rs); the worker
    // fetches a picked file's blob: URL. Single file: the wasm bytes are inline.
    ["connect-src", ...(single ? [] : ["'self'"]), 'blob:', 'data:'],
    ["worker-src", 'blob:'],
    ["base-uri", "'none'"],
    ["form-action", "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** `html` with its CSP meta (the `<meta http-equiv="Content-Security-Policy">`) set for `kind`. */
export function withPolicy(kind, html) {
  const meta = (p) => `<meta http-equiv="Content-Security-Policy" content="${p}" />`;
  const re = /<meta http-equiv="Content-Security-Policy"[^>]*>/;
  // The meta must come before any script or style it governs: right after <meta charset>.
  const base = re.test(html) ? html.replace(re, '') : html;
  const p = policy(kind, base);
  const out = base.replace(/(<meta charset="utf-8"\s*\/?>)/i, (m) => `${m}\n    ${meta(p)}`);
  if (out === base) throw new Error('csp: no <meta charset="utf-8"> to put the policy after');
  return out;
}

// As a script: rewrite DIR/index.html (default dist/) with the served policy.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist'));
  const file = join(dist, 'index.html');
  const html = withPolicy('served', readFileSync(file, 'utf8'));
  writeFileSync(file, html);
  console.log(`csp: ${policy('served', html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''))}`);
}
