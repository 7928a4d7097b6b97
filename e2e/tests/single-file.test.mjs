// End-to-end tests of the single-file viewer (dist/procsnap-viewer.html, written by
// scripts/build-single-file.sh) opened from disk through file://, with no server: every request
// must stay on file:, blob: or data: URLs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, OUT, DIST, launch, waitLoaded, number, compareWithCli, dropNotASnapshot } from '../lib/harness.mjs';

const PROCSNAP = process.env.PROCSNAP ?? join(ROOT, 'target', 'release', 'procsnap');
const SNAPSHOT = process.env.SNAPSHOT ?? join(OUT, 'this-host.procsnap.tar.gz');
const FILE = join(DIST, 'procsnap-viewer.html');
const URL_ = pathToFileURL(FILE).href;
const LOCAL = /^(file|blob|data):/;
const needsCli = (!existsSync(SNAPSHOT) || !existsSync(PROCSNAP)) && `needs ${SNAPSHOT} and ${PROCSNAP}`;

let browser;

before(async () => {
  assert.ok(existsSync(FILE), `${FILE} exists (scripts/build-web.sh writes it)`);
  console.log(`single file: ${statSync(FILE).size} bytes`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/**
 * Runs `fn` on a fresh page (own context) that records every request of the page and its
 * workers and refuses any that is not file:, blob: or data:; then checks there was none, and
 * no page error.
 */
async function withPage(fn) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: false });
  const requests = [];
  const foreign = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOCAL.test(url)) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('worker', (w) => {
    requests.push(w.url());
    w.on('console', (m) => { if (m.type() === 'error') errors.push('worker: ' + m.text()); });
  });
  try {
    await fn(page, requests);
    assert.deepEqual(errors, [], 'page errors');
    assert.deepEqual(foreign, [], 'requests that left the machine');
    for (const url of requests) assert.match(url, LOCAL, `request to ${url.slice(0, 80)}`);
    assert.ok(requests.some((u) => u.startsWith('blob:')), 'the worker started from a Blob URL');
  } finally {
    await context.close();
  }
}

async function shareLink(page) {
  await page.click('#share-button');
  await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
  return page.inputValue('#share-link');
}

test('the single file opens from disk: the built-in example, a share link made in it, opened in a fresh page', async () => {
  let link;
  let listeners;
  await withPage(async (page) => {
    await page.goto(URL_);
    await page.click('#example-button');
    await waitLoaded(page);
    assert.ok(await number(page, '#fig-time-wait') > 50_000, 'the example has lots of TIME_WAIT');
    listeners = await number(page, '#fig-listeners');
    link = await shareLink(page);
    assert.ok(link.startsWith(URL_ + '#r=1.'), link.slice(0, 80));
    await page.screenshot({ path: join(OUT, 'single-file-example.png'), fullPage: true });
  });
  await withPage(async (page) => {
    await page.goto(link);
    await waitLoaded(page);
    assert.equal(await number(page, '#fig-listeners'), listeners);
    assert.match(await page.textContent('#shared-notice'), /redacted: addresses, args, hostname/);
  });
});

test('a picked snapshot: listeners and TIME_WAIT match `procsnap report --format json`', { skip: needsCli }, async () => {
  const json = JSON.parse(execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'json'], { maxBuffer: 1 << 28 }).toString());
  await withPage(async (page) => {
    await page.goto(URL_);
    await page.setInputFiles('#file-input', SNAPSHOT);
    await waitLoaded(page);
    await compareWithCli(page, json);
    await page.screenshot({ path: join(OUT, 'single-file-upload.png'), fullPage: true });
  });
});

test('Compare with… works from file:// too (the worker cannot fetch the blob: URL; the page sends the bytes)', { skip: needsCli }, async () => {
  const text = execFileSync(PROCSNAP, ['diff', SNAPSHOT, SNAPSHOT]).toString();
  await withPage(async (page) => {
    await page.goto(URL_);
    await page.setInputFiles('#file-input', SNAPSHOT);
    await waitLoaded(page);
    await page.setInputFiles('#compare-input', SNAPSHOT);
    await page.waitForSelector('#compare-text', { timeout: 60_000 });
    assert.equal(await page.textContent('#compare-text'), text);
  });
});

test('a dropped file that is not a snapshot shows the error', async () => {
  await withPage(async (page) => {
    await page.goto(URL_);
    await page.waitForSelector('#example-button');
    await dropNotASnapshot(page);
    await page.waitForSelector('#error');
    assert.match(await page.textContent('#error'), /not a procsnap snapshot/i);
  });
});

test('a share link made by the CLI with --base-url file:///…/procsnap-viewer.html opens', { skip: needsCli }, async () => {
  const json = JSON.parse(execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'json'], { maxBuffer: 1 << 28 }).toString());
  const link = execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'link', '--redact', 'hostname', '--base-url', URL_])
    .toString().trim();
  assert.ok(link.startsWith(URL_ + '#r=1.'), link.slice(0, 80));
  await withPage(async (page) => {
    await page.goto(link);
    await waitLoaded(page);
    assert.equal(await number(page, '#fig-listeners'), json.listeners.length);
    assert.match(await page.textContent('#shared-notice'), /redacted: hostname/);
  });
});
