// What a view remembers while it is on screen, in headless Chromium: the netstat replay's axis
// and the Files view's shown file last until the view is left (or another snapshot opens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, waitLoaded } from '../lib/harness.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the replay axis and the shown file last while their view is on screen', async () => {
  const { context, page, errors } = await openPage(browser, server.origin);
  try {
    await page.goto(`${server.origin}/#example&view=replay`);
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
