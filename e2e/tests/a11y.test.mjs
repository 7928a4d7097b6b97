// Accessibility: axe-core (npm, e2e/node_modules/axe-core) on every view of the viewer, in the
// light and the dark colour scheme, in headless Chromium: no serious or critical violation.
// axe is evaluated through the driver (not a <script> tag), so the page's own
// Content-Security-Policy stays as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { servedViewer, ROOT, openPage, waitLoaded } from '../lib/harness.mjs';

const AXE = readFileSync(join(ROOT, 'e2e', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const VIEWS = ['overview', 'listeners', 'time-wait', 'sockets', 'files', 'replay', 'compare'];

const viewer = servedViewer();

/** Serious and critical violations on the page as it is now, one line each. */
async function violations(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${where}: ${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`));
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe: no serious or critical violation on any view (${colorScheme})`, async () => {
    const { context, page } = await openPage(viewer.browser, viewer.origin, { colorScheme });
    try {
      const found = [];
      await page.goto(viewer.origin + '/');
      await page.waitForSelector('#example-button');
      found.push(...await violations(page, 'start'));
      await page.click('#example-button');
      await waitLoaded(page);
      for (const id of VIEWS) {
        await page.click(`#tab-${id}`);
        await page.waitForSelector(`#panel-${id}`);
        if (id === 'sockets') await page.waitForSelector('.vspacer .vrow');
        found.push(...await violations(page, id));
      }
      await page.click('#share-button');
      await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
      found.push(...await violations(page, 'share panel'));
      assert.deepEqual(found, []);
    } finally {
      await context.close();
    }
  });
}
