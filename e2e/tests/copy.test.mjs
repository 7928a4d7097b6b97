// The copy buttons (Overview's text report, Listeners' netstat text, the share link) in headless
// Chromium: the clipboard gets the text shown, and the button then says "Copied ✓", also after
// the view is rendered again (a filter typed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedViewer, openPage, waitLoaded } from '../lib/harness.mjs';

const viewer = servedViewer();

test('copy buttons put the text on the clipboard and say so', async () => {
  const { context, page, errors } = await openPage(viewer.browser, viewer.origin);
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: viewer.origin });
    await page.goto(`${viewer.origin}/#example&view=listeners`);
    await waitLoaded(page);
    const button = page.locator('#panel-listeners button', { hasText: 'Copy text' });
    await button.click();
    await page.waitForFunction(() => [...document.querySelectorAll('#panel-listeners button')].some((b) => b.textContent === 'Copied ✓'));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.textContent('#netstat-text'));
    // A render of the view (the filter changes the table) keeps what the button says.
    await page.fill('#listeners-filter', 'tcp6');
    await page.waitForFunction(() => [...document.querySelectorAll('#listeners-table tbody tr')].every((r) => r.dataset.key.startsWith('tcp6')));
    const labels = await page.$$eval('#panel-listeners .toolbar button', (bs) => bs.map((b) => b.textContent));
    assert.ok(labels.includes('Copied ✓'), labels.join(', '));

    // The Overview's button copies the text report.
    await page.click('#tab-overview');
    await page.click('#panel-overview details summary');
    await page.click('#panel-overview details button');
    await page.waitForFunction(() => document.querySelector('#panel-overview details button').textContent === 'Copied ✓');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.textContent('#panel-overview details pre'));

    // The share link's.
    await page.click('#share-button');
    await page.waitForSelector('#share-link');
    await page.click('#share-panel button');
    await page.waitForFunction(() => document.querySelector('#share-panel button').textContent === 'Copied ✓');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.inputValue('#share-link'));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
