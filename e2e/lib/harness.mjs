// Test harness: a static server for dist/ on 127.0.0.1, headless Debian Chromium through
// playwright-core (which never downloads a browser), and a log of every request the page makes.
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { before, after } from 'node:test';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const OUT = join(ROOT, 'tests-output');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.gz': 'application/gzip', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** Serves `dir` plus extra in-memory files ({'/snapshots/a.tar.gz': Buffer}). */
export async function serve(dir = DIST, extra = {}) {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    // The same site is also served under /viewer/, to check that it works below the root.
    if (path.startsWith('/viewer/')) path = path.slice('/viewer'.length);
    if (extra[path]) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      return res.end(extra[path]);
    }
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir)) { res.writeHead(403); return res.end(); }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404); res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((ok) => server.close(ok)) };
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium; `extraArgs` are appended to the usual flags (e.g. `--js-flags=...`). */
export async function launch(extraArgs = []) {
  await mkdir(OUT, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check', ...extraArgs],
  });
}

/** The setup most test files share: dist/ served and Chromium launched once for the file
 * (node:test's `before`), both closed after it. Tests read `.origin` and `.browser`. */
export function servedViewer() {
  const viewer = {
    server: null,
    browser: null,
    get origin() { return this.server.origin; },
  };
  before(async () => {
    viewer.server = await serve();
    viewer.browser = await launch();
  });
  after(async () => {
    await viewer.browser?.close();
    await viewer.server?.close();
  });
  return viewer;
}

/**
 * A new page that records every request (page and its workers) and blocks any request that
 * does not go to `origin`. Returns { page, requests, foreign, errors }.
 */
export async function openPage(browser, origin, { colorScheme = 'light', width = 1366, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: false });
  const requests = [];
  const foreign = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith(origin + '/') || url.startsWith('blob:' + origin) || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (r) => { if (!requests.includes(r.url())) requests.push(r.url()); });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push('worker: ' + m.text()); }));
  return { context, page, requests, foreign, errors };
}

/** Asserts that every request went to the page's own origin. */
export function assertOnlyOwnOrigin(assert, origin, requests, foreign) {
  assert.deepEqual(foreign, [], `requests to other origins: ${foreign.join(', ')}`);
  for (const url of requests) {
    assert.ok(url.startsWith(origin + '/') || url.startsWith('blob:') || url.startsWith('data:'), `foreign request ${url}`);
  }
}

/** Waits until a snapshot is decoded and its views are shown. */
export async function waitLoaded(page, timeout = 60_000) {
  await page.waitForSelector('.viewer[data-loaded="true"]', { timeout });
}

export async function screenshotTabs(page, prefix) {
  const shots = [];
  for (const id of ['overview', 'listeners', 'time-wait', 'sockets', 'files']) {
    await page.click(`#tab-${id}`);
    await page.waitForSelector(`#panel-${id}`);
    await page.waitForTimeout(150);
    const path = join(OUT, `${prefix}-${id}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
  }
  return shots;
}

/** The number a figure carries in its `data-value` attribute. */
export async function number(page, selector) {
  const v = await page.getAttribute(selector, 'data-value');
  assert.ok(v !== null, `${selector} has data-value`);
  return Number(v);
}

/**
 * Checks the opened report against the CLI's JSON report of the same snapshot (schema:
 * core/src/report.rs, docs/report-json.md): listener rows, the netstat text, TIME_WAIT, socket
 * and listener counts.
 */
export async function compareWithCli(page, json) {
  await page.click('#tab-listeners');
  const rows = await page.$$eval('#listeners-table tbody tr', (trs) => trs.map((tr) => tr.dataset.key));
  const keys = json.listeners.map((l) => `${l.proto} ${l.local_addr}:${l.local_port} ${l.inode}`);
  assert.deepEqual([...rows].sort(), [...keys].sort(), 'listener rows');
  const netstat = await page.textContent('#netstat-text');
  assert.ok(netstat.trim().split('\n').length > 1, 'netstat text has a header and rows');
  await page.click('#tab-time-wait');
  assert.equal(await number(page, '#tw-count'), json.time_wait.count, 'TIME_WAIT count');
  await page.click('#tab-overview');
  assert.equal(await number(page, '#fig-sockets'), json.volume.inet_rows + json.volume.unix_rows, 'socket count');
  assert.equal(await number(page, '#fig-listeners'), json.listeners.length, 'listener count');
}

/** Drops a text file that is not a snapshot on the page (dragover, then drop). */
export async function dropNotASnapshot(page) {
  const dt = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['hello, I am not a snapshot\n'], 'notes.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.dispatchEvent('.page', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('.page', 'drop', { dataTransfer: dt });
}

/** The CLI for tests that capture: `PROCSNAP`, else the release build, else the debug one. */
export const PROCSNAP_CAPTURE = process.env.PROCSNAP
  ?? (existsSync(join(ROOT, 'target', 'release', 'procsnap')) ? join(ROOT, 'target', 'release', 'procsnap') : join(ROOT, 'target', 'debug', 'procsnap'));

/** Why a test that makes its own network namespace cannot run here, or `false` when it can. */
export function netnsSkip() {
  try {
    if (process.getuid() !== 0 || !existsSync(PROCSNAP_CAPTURE) || !existsSync('/usr/bin/python3')) throw new Error();
    execFileSync('unshare', ['--net', 'true']);
    return false;
  } catch {
    return 'needs root, unshare --net, /usr/bin/python3 and the procsnap binary';
  }
}

/**
 * Times an open inside the page: from the file input's `change` event to the first frame after
 * the report (or the error) is in the DOM. A harness's own wait (Playwright's `waitForSelector`
 * re-checks at growing intervals, up to 500 ms apart) says when it looked, not when the report
 * came. Call before picking the file; `openTime(page)` reads the result in milliseconds.
 */
export async function armOpenTimer(page) {
  await page.evaluate(() => {
    const t = (window.__openTimer = { pick: NaN, shown: NaN });
    document.querySelector('#file-input').addEventListener('change', () => { t.pick = performance.now(); }, { capture: true, once: true });
    const seen = new MutationObserver(() => {
      if (!document.querySelector('.viewer[data-loaded="true"], #error')) return;
      seen.disconnect();
      // A task queued from a frame callback runs once that frame is out.
      requestAnimationFrame(() => setTimeout(() => { t.shown = performance.now(); }));
    });
    seen.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

export async function openTime(page) {
  await page.waitForFunction(() => Number.isFinite(window.__openTimer?.shown), null, { timeout: 5_000 });
  return page.evaluate(() => window.__openTimer.shown - window.__openTimer.pick);
}
