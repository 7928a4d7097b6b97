// What a view remembers while it is on screen, in headless Chromium: the netstat replay's axis
// and the Files view's shown file last until the view is left (or another snapshot opens); the
// share panel's redaction while it is open, and each redaction makes a new link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedViewer, openPage, waitLoaded } from '../lib/harness.mjs';

const viewer = servedViewer();

test('the replay axis and the shown file last while their view is on screen', async () => {
  const { context, page, errors } = await openPage(viewer.browser, viewer.origin);
  try {
    await page.goto(`${viewer.origin}/#example&view=replay`);
    await waitLoaded(page);
    const heading = () => page.textContent('#panel-replay h3');
    assert.equal(await heading(), 'Its output along the bytes it reads');
    const bytesAt = await page.$$eval('#replay .replay-at', (s) => s.map((x) => x.textContent));
    await page.check('input[name="axis"] >> nth=1');
    await page.waitForFunction(() => document.querySelector('#panel-replay h3').textContent.endsWith('the estimated time'));
    const timeAt = await page.$$eval('#replay .replay-at', (s) => s.map((x) => x.textContent));
    assert.notDeepEqual(timeAt, bytesAt, 'the lines are laid out along the time');
    assert.equal(await page.isChecked('input[name="axis"] >> nth=1'), true);
    await page.click('#tab-files');
    await page.click('#tab-replay');
    assert.equal(await heading(), 'Its output along the bytes it reads', 'back to bytes after leaving the view');
    assert.equal(await page.isChecked('input[name="axis"] >> nth=0'), true);

    await page.click('#tab-files');
    assert.equal(await page.textContent('#file-text h2'), 'procsnap.json');
    const other = await page.$$eval('#files-table button[data-path]', (bs) => bs.map((b) => b.dataset.path).find((p) => p !== 'procsnap.json'));
    assert.ok(other, 'a second small file');
    await page.click(`#files-table button[data-path="${other}"]`);
    await page.waitForFunction((p) => document.querySelector('#file-text h2')?.textContent === p, other);
    await page.fill('#files-filter', other.slice(0, 3));
    assert.equal(await page.textContent('#file-text h2'), other, 'a filter keeps the shown file');
    await page.click('#tab-overview');
    await page.click('#tab-files');
    assert.equal(await page.textContent('#file-text h2'), 'procsnap.json', 'back to the manifest after leaving the view');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the share panel makes a link for each redaction, and opens redacting everything', async () => {
  const { context, page, errors } = await openPage(viewer.browser, viewer.origin);
  try {
    await page.goto(`${viewer.origin}/#example`);
    await waitLoaded(page);
    await page.click('#share-button');
    await page.waitForSelector('#share-link');
    const all = await page.inputValue('#share-link');
    assert.equal(await page.isChecked('#redact-hostname'), true);
    await page.uncheck('#redact-hostname');
    await page.waitForFunction((l) => { const e = document.querySelector('#share-link'); return e && e.value !== l; }, all);
    const withHost = await page.inputValue('#share-link');
    assert.notEqual(withHost, all);
    assert.equal(await page.isChecked('#redact-hostname'), false);
    // Closed and opened again: everything redacted, the same link as at first.
    await page.click('#share-button');
    await page.waitForSelector('#share-panel', { state: 'detached' });
    await page.click('#share-button');
    await page.waitForFunction((l) => document.querySelector('#share-link')?.value === l, all);
    assert.equal(await page.isChecked('#redact-hostname'), true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the Listeners sort lasts while the view is on screen', async () => {
  const { context, page, errors } = await openPage(viewer.browser, viewer.origin);
  try {
    await page.goto(`${viewer.origin}/#example&view=listeners`);
    await waitLoaded(page);
    const sortOf = (n) => page.getAttribute(`#listeners-table th:nth-child(${n})`, 'aria-sort');
    assert.equal(await sortOf(3), 'ascending', 'by port at first');
    await page.click('#listeners-table th:nth-child(6) button');
    await page.waitForFunction(() => document.querySelector('#listeners-table th:nth-child(6)').getAttribute('aria-sort') === 'ascending');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.col), '5', 'the button used keeps the focus');
    await page.fill('#listeners-filter', 'ssh');
    assert.equal(await sortOf(6), 'ascending', 'a filter keeps the sort');
    await page.click('#tab-overview');
    await page.click('#tab-listeners');
    await page.waitForSelector('#listeners-table');
    assert.equal(await sortOf(3), 'ascending', 'by port again after leaving the view');
    assert.equal(await sortOf(6), 'none');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
