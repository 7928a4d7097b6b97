// The Content-Security-Policy of both builds (scripts/csp.mjs) is enforced by the browser: a
// script's fetch to another origin is blocked (and reported as a `securitypolicyviolation`),
// and normal use (open the example, every view, a share link, a picked file) reports none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { servedViewer, DIST, openPage, assertOnlyOwnOrigin, waitLoaded } from '../lib/harness.mjs';

const FOREIGN = 'http://192.0.2.1/exfiltrate';
const viewer = servedViewer();

/** Records every CSP violation the page reports, from before its first script runs. */
async function recordViolations(page) {
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
}

/** Normal use: the example, every view, a share link. */
async function useTheViewer(page) {
  await page.click('#example-button');
  await waitLoaded(page);
  for (const id of ['overview', 'listeners', 'time-wait', 'sockets', 'files', 'replay', 'compare']) {
    await page.click(`#tab-${id}`);
    await page.waitForSelector(`#panel-${id}`);
    // The Sockets view's rows come from the worker and are placed with style attributes.
    if (id === 'sockets') await page.waitForSelector('.vspacer .vrow');
  }
  await page.click('#share-button');
  await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
}

/** A script in the page fetches another origin: the policy must stop it before any request. */
async function fetchForeign(page) {
  const outcome = await page.evaluate((url) => fetch(url, { mode: 'no-cors' }).then(() => 'sent', (e) => `refused: ${e}`), FOREIGN);
  assert.match(outcome, /^refused/, 'the fetch failed');
  await page.waitForFunction(() => window.cspViolations.length > 0);
  const v = await page.evaluate(() => window.cspViolations);
  assert.deepEqual(v, [`connect-src ${FOREIGN}`], 'reported as a connect-src violation');
}

function policyOf(file) {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(readFileSync(file, 'utf8'));
  assert.ok(m, `${file} has a CSP meta`);
  return m[1];
}

test('both builds carry a policy with no default source and no unsafe-eval / unsafe-inline scripts', () => {
  for (const file of [join(DIST, 'index.html'), join(DIST, 'procsnap-viewer.html')]) {
    const p = policyOf(file);
    assert.match(p, /default-src 'none'/);
    assert.match(p, /script-src [^;]*'wasm-unsafe-eval'/);
    assert.doesNotMatch(p, /'unsafe-eval'|script-src[^;]*'unsafe-inline'|\*/, p);
  }
});

test('served viewer: normal use reports no CSP violation; a script fetching another origin is blocked', async () => {
  const p = await openPage(viewer.browser, viewer.origin);
  try {
    await recordViolations(p.page);
    await p.page.goto(viewer.origin + '/');
    await useTheViewer(p.page);
    assert.deepEqual(await p.page.evaluate(() => window.cspViolations), [], 'no violation in normal use');
    assert.deepEqual(p.errors, [], 'page errors');
    await fetchForeign(p.page);
    // The policy refused it before the network: the harness's router never saw the request.
    assertOnlyOwnOrigin(assert, viewer.origin, p.requests, p.foreign);
  } finally {
    await p.context.close();
  }
});

test('single file from file://: normal use reports no CSP violation; a fetch to another origin is blocked',
  { skip: !existsSync(join(DIST, 'procsnap-viewer.html')) && 'no single file' }, async () => {
    const context = await viewer.browser.newContext({ viewport: { width: 1366, height: 900 } });
    const foreign = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|blob|data):/.test(url)) return route.continue();
      foreign.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await recordViolations(page);
      await page.goto(pathToFileURL(join(DIST, 'procsnap-viewer.html')).href);
      await useTheViewer(page);
      assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no violation in normal use');
      assert.deepEqual(errors, [], 'page errors');
      await fetchForeign(page);
      assert.deepEqual(foreign, [], 'no request left the machine');
    } finally {
      await context.close();
    }
  });
