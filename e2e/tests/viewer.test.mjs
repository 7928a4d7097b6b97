// End-to-end tests of the built viewer (dist/) in headless Chromium.
// Run with scripts/test-web.sh (builds first) or `cd e2e && npm test` after a build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import {
  ROOT, OUT, serve, launch, openPage, assertOnlyOwnOrigin, waitLoaded, screenshotTabs,
  number, compareWithCli, dropNotASnapshot,
} from '../lib/harness.mjs';

const PROCSNAP = process.env.PROCSNAP ?? join(ROOT, 'target', 'release', 'procsnap');
// A real snapshot to upload; scripts/test-web.sh makes one (collect on this machine).
const SNAPSHOT = process.env.SNAPSHOT ?? join(OUT, 'this-host.procsnap.tar.gz');

let server;
let browser;

before(async () => {
  const extra = {};
  if (existsSync(SNAPSHOT)) extra['/snapshots/' + basename(SNAPSHOT)] = readFileSync(SNAPSHOT);
  extra['/snapshots/not-a-snapshot.txt'] = Buffer.from('hello, I am not a snapshot\n');
  server = await serve(undefined, extra);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a fresh page on the viewer, runs `fn`, then checks that no request left the origin. */
async function withPage(opts, fn) {
  const p = await openPage(browser, server.origin, opts);
  try {
    await fn(p);
    assert.deepEqual(p.errors.filter((e) => !/Failed to load resource/.test(e)), [], 'page errors');
    assertOnlyOwnOrigin(assert, server.origin, p.requests, p.foreign);
  } finally {
    await p.context.close();
  }
}

test('the built-in example opens with one click and every view renders', async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    const t0 = Date.now();
    await page.click('#example-button');
    await waitLoaded(page);
    const ms = Date.now() - t0;
    console.log(`example opened in ${ms} ms (page marker ${await page.getAttribute('body', 'data-opened-ms')} ms)`);
    assert.ok(await number(page, '#fig-time-wait') > 50_000, 'the example has lots of TIME_WAIT');
    const shots = await screenshotTabs(page, 'example');
    assert.equal(shots.length, 5);
  });
});

test('the viewer works below the site root (/viewer/), worker included', async () => {
  await withPage({}, async ({ page, requests }) => {
    await page.goto(server.origin + '/viewer/');
    await page.click('#example-button');
    await waitLoaded(page);
    assert.ok(requests.some((u) => u.endsWith('/viewer/app_bg.wasm')), 'module loaded from /viewer/');
  });
});

test('dark colour scheme at laptop width', async () => {
  await withPage({ colorScheme: 'dark', width: 1280, height: 800 }, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.screenshot({ path: join(OUT, 'dark-start.png') });
    await page.click('#example-button');
    await waitLoaded(page);
    await screenshotTabs(page, 'dark');
  });
});

test('a file that is not a snapshot, dropped on the page, shows an error a person can act on', async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.waitForSelector('#example-button');
    await dropNotASnapshot(page);
    await page.waitForSelector('#error');
    const text = await page.textContent('#error');
    assert.match(text, /not a procsnap snapshot/i);
    await page.screenshot({ path: join(OUT, 'error-not-a-snapshot.png') });
  });
});

test('a truncated snapshot is reported as truncated', { skip: !existsSync(SNAPSHOT) && 'no snapshot' }, async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    const bytes = readFileSync(SNAPSHOT);
    await page.setInputFiles('#file-input', {
      name: 'cut.procsnap.tar.gz', mimeType: 'application/gzip', buffer: bytes.subarray(0, Math.floor(bytes.length / 2)),
    });
    await page.waitForSelector('#error');
    assert.match(await page.textContent('#error'), /truncated|incomplete|cut/i);
  });
});

test('a snapshot URL on another site is refused without any request to it', async () => {
  await withPage({}, async ({ page, requests }) => {
    await page.goto(server.origin + '/#url=' + encodeURIComponent('http://192.0.2.1/x.procsnap.tar.gz'));
    await page.waitForSelector('#error');
    assert.match(await page.textContent('#error'), /another site/);
    assert.ok(!requests.some((u) => u.includes('192.0.2.1')));
  });
});

test('uploaded snapshot: listeners and TIME_WAIT match `procsnap report --format json`',
  { skip: (!existsSync(SNAPSHOT) || !existsSync(PROCSNAP)) && `needs ${SNAPSHOT} and ${PROCSNAP}` }, async () => {
    const json = JSON.parse(execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'json'], { maxBuffer: 1 << 28 }).toString());
    await withPage({}, async ({ page }) => {
      await page.goto(server.origin + '/');
      await page.setInputFiles('#file-input', SNAPSHOT);
      await waitLoaded(page);
      await compareWithCli(page, json);
      // The manifest's hashes are checked after the report is shown, and the Files view says so.
      const hashed = json.files.filter((f) => f.manifest_sha256).length;
      assert.ok(hashed > 0, 'the CLI report lists hashed files');
      await page.click('#tab-files');
      await page.waitForFunction((n) => document.querySelector('#integrity')?.textContent.includes(`All ${n} hashed files match`),
        hashed, { timeout: 30_000 });
      await screenshotTabs(page, 'upload');
    });
  });

test('#url= opens a snapshot served next to the viewer', { skip: !existsSync(SNAPSHOT) && 'no snapshot' }, async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/#url=snapshots/' + basename(SNAPSHOT));
    await waitLoaded(page);
  });
});

const BIG = process.env.BIG_SNAPSHOT ?? join(OUT, 'big-1m.procsnap.tar.gz');

test('a large snapshot shows progress and can be cancelled', { skip: !existsSync(BIG) && `no ${BIG}` }, async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.setInputFiles('#file-input', BIG);
    await page.waitForSelector('#decode-progress');
    // Cancel at once: on a fast machine the whole decode takes about a second. The page stays
    // responsive while the worker decodes: the cancel button has focus and reacts at once.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.open-panel .notice', { timeout: 10_000 });
    assert.match(await page.textContent('.open-panel .notice'), /Cancelled/);
    // A cancelled decode leaves a working page: the next file opens in a fresh worker.
    await page.click('#example-button');
    await waitLoaded(page);
  });
});

test('a 1,000,000-socket snapshot opens, and the Sockets view pages rows from the worker', { skip: !existsSync(BIG) && `no ${BIG}` }, async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    // Record every progress line the page shows while it opens (bytes, then rows).
    await page.evaluate(() => {
      window.progressSeen = [];
      new MutationObserver(() => {
        const t = document.querySelector('.progress-figures')?.textContent;
        if (t && t !== window.progressSeen.at(-1)) window.progressSeen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const t0 = Date.now();
    await page.setInputFiles('#file-input', BIG);
    await waitLoaded(page, 180_000);
    const seen = await page.evaluate(() => window.progressSeen);
    assert.ok(seen.some((t) => / of [\d.]+ [KMG]iB read/.test(t)), `bytes progress shown: ${seen.join(' | ')}`);
    assert.ok(seen.some((t) => /[1-9][\d,]* rows parsed/.test(t)), `rows progress shown: ${seen.join(' | ')}`);
    console.log(`1M-socket snapshot opened in ${Date.now() - t0} ms (page marker ${await page.getAttribute('body', 'data-opened-ms')} ms, worker decode ${await page.getAttribute('body', 'data-decode-ms')} ms)`);
    assert.ok(await number(page, '#fig-time-wait') >= 1_000_000);
    await page.click('#tab-sockets');
    await page.waitForFunction(() => document.querySelectorAll('.vspacer .vrow').length > 0);
    const domRows = await page.$$eval('.vspacer .vrow', (r) => r.length);
    assert.ok(domRows < 100, `DOM holds only the visible rows (${domRows})`);
    // Filter: listeners only.
    await page.selectOption('#f-state', 'LISTEN');
    await page.waitForFunction(() => /^\d{1,2} of /.test(document.querySelector('#sockets-count')?.textContent ?? ''));
    // Scroll far down an unfiltered list: rows arrive for the new position.
    await page.selectOption('#f-state', '');
    await page.waitForFunction(() => /^1,0\d\d,\d{3} of/.test(document.querySelector('#sockets-count')?.textContent ?? ''));
    await page.$eval('.vscroll', (el) => { el.scrollTop = el.scrollHeight / 2; el.dispatchEvent(new Event('scroll')); });
    await page.waitForFunction(() => Number(document.querySelector('.vspacer .vrow')?.getAttribute('aria-rowindex')) > 400_000);
    await page.screenshot({ path: join(OUT, 'big-sockets.png') });
  });
});

test('Share makes a link that opens the report in a fresh page, redacted', async () => {
  let link;
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.click('#example-button');
    await waitLoaded(page);
    const listeners = await number(page, '#fig-listeners');
    await page.click('#share-button');
    await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
    link = await page.inputValue('#share-link');
    await page.screenshot({ path: join(OUT, 'share.png') });
    assert.ok(link.startsWith(server.origin + '/#r=1.'), link.slice(0, 60));
    console.log(`share link: ${link.length} characters`);
    assert.ok(!link.includes('web81'), 'hostname redacted');
    await withPage({}, async ({ page: other }) => {
      await other.goto(link);
      await waitLoaded(other);
      assert.equal(await number(other, '#fig-listeners'), listeners);
      assert.match(await other.textContent('#shared-notice'), /redacted: addresses, args, hostname/);
      assert.ok(!(await other.textContent('.viewer')).includes('web81.example'), 'no hostname in the page');
      await other.screenshot({ path: join(OUT, 'shared-open.png') });
    });
  });
});

test('the CLI and the browser make and read the same share links',
  { skip: (!existsSync(SNAPSHOT) || !existsSync(PROCSNAP)) && `needs ${SNAPSHOT} and ${PROCSNAP}` }, async () => {
    const json = JSON.parse(execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'json'], { maxBuffer: 1 << 28 }).toString());
    // A link made by the CLI opens in the viewer.
    const cliLink = execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'link', '--redact', 'hostname',
      '--base-url', server.origin + '/']).toString().trim();
    assert.ok(cliLink.startsWith(server.origin + '/#r=1.'), cliLink.slice(0, 60));
    await withPage({}, async ({ page }) => {
      await page.goto(cliLink);
      await waitLoaded(page);
      assert.equal(await number(page, '#fig-listeners'), json.listeners.length);
      assert.match(await page.textContent('#shared-notice'), /redacted: hostname/);
    });
    // A link made by the viewer from the same snapshot opens in the CLI with the same figures.
    let browserLink;
    await withPage({}, async ({ page }) => {
      await page.goto(server.origin + '/');
      await page.setInputFiles('#file-input', SNAPSHOT);
      await waitLoaded(page);
      await page.click('#share-button');
      await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
      browserLink = await page.inputValue('#share-link');
    });
    const fromBrowser = JSON.parse(execFileSync(PROCSNAP, ['report', browserLink, '--format', 'json']).toString());
    assert.equal(fromBrowser.listeners.length, json.listeners.length);
    assert.equal(fromBrowser.time_wait.count, json.time_wait.count);
    assert.equal(fromBrowser.host.hostname, null, 'redaction carried through both codecs');
    // The viewer redacts everything by default: same rows, addresses replaced.
    const netstatCli = execFileSync(PROCSNAP, ['report', cliLink, '--format', 'netstat']).toString();
    const netstatBrowser = execFileSync(PROCSNAP, ['report', browserLink, '--format', 'netstat']).toString();
    assert.equal(netstatBrowser.split('\n').length, netstatCli.split('\n').length);
    assert.ok(netstatCli.includes('Active Internet connections (only servers)'));
  });

/** A snapshot whose command line, unix path, comm and hostname are HTML that would run script. */
function hostileSnapshot() {
  const dir = mkdtempSync(join(tmpdir(), 'procsnap-hostile-'));
  const net = join(dir, 'proc', 'net');
  mkdirSync(net, { recursive: true });
  mkdirSync(join(dir, 'proc', '4242', 'fd'), { recursive: true });
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  writeFileSync(join(net, 'tcp'), header + '\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777001 1 0000000000000000 100 0 0 10 0\n');
  writeFileSync(join(net, 'unix'), 'Num       RefCount Protocol Flags    Type St Inode Path\n' +
    '0000000000000000: 00000002 00000000 00010000 0001 01 777002 /tmp/<script>window.__pwned=3</script>\n');
  symlinkSync('socket:[777001]', join(dir, 'proc', '4242', 'fd', '3'));
  symlinkSync('socket:[777002]', join(dir, 'proc', '4242', 'fd', '4'));
  writeFileSync(join(dir, 'proc', '4242', 'cmdline'), '<img src=x onerror="window.__pwned=1">\0--flag=<b>bold</b>\0');
  writeFileSync(join(dir, 'proc', '4242', 'comm'), '<svg onload=window.__pwned=4>\n');
  writeFileSync(join(dir, 'procsnap.json'), JSON.stringify({
    format: 'procsnap', format_version: 1, host: { hostname: '<script>window.__pwned=2</script>' },
  }));
  const file = join(dir, 'hostile.procsnap.tar.gz');
  execFileSync('tar', ['czf', file, '-C', dir, 'procsnap.json', 'proc']);
  return file;
}

test('HTML in command lines, socket paths, program names and hostnames renders as text, in every view and in a share link', async () => {
  const file = hostileSnapshot();
  let link;
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.setInputFiles('#file-input', file);
    await waitLoaded(page);
    await screenshotTabs(page, 'hostile');
    for (const id of ['overview', 'listeners', 'time-wait', 'sockets', 'files']) {
      await page.click(`#tab-${id}`);
      await page.waitForSelector(`#panel-${id}`);
      assert.equal(await page.evaluate(() => window.__pwned), undefined, `no script ran in ${id}`);
      assert.equal(await page.locator(`#panel-${id} img, #panel-${id} script, #panel-${id} svg[onload]`).count(), 0);
    }
    await page.click('#tab-listeners');
    const text = await page.textContent('#panel-listeners');
    assert.ok(text.includes('<img src=x onerror="window.__pwned=1">'), 'the command line is shown as text');
    assert.ok(text.includes('<script>window.__pwned=3</script>'), 'the unix path is shown as text');
    await page.click('#share-button');
    await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
    link = await page.inputValue('#share-link');
  });
  // Unredacted arguments in a link made by the CLI, opened in the viewer.
  const cliLink = execFileSync(PROCSNAP, ['report', file, '--format', 'link', '--base-url', server.origin + '/']).toString().trim();
  for (const l of [link, cliLink]) {
    await withPage({}, async ({ page }) => {
      await page.goto(l);
      await waitLoaded(page);
      for (const id of ['overview', 'listeners', 'time-wait', 'sockets', 'files']) {
        await page.click(`#tab-${id}`);
        await page.waitForSelector(`#panel-${id}`);
      }
      assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script ran in the shared report');
    });
  }
});

test('every file of the bad-input corpus gives its error (or its report) in the page, without a crash', async () => {
  const dir = join(ROOT, 'tests', 'corpus');
  const rows = readFileSync(join(dir, 'expected.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
  assert.ok(rows.length >= 30, `${rows.length} corpus files`);
  for (const [name, exit, outcome] of rows) {
    await withPage({}, async ({ page }) => {
      await page.goto(server.origin + '/');
      await page.setInputFiles('#file-input', join(dir, name));
      if (exit === '0') {
        await waitLoaded(page);
      } else {
        console.log(`corpus: ${name}`);
        await page.waitForSelector('#error', { timeout: 60_000 });
        const text = (await page.textContent('#error')).trim();
        assert.ok(text.length > 20, `${name} (${outcome}): a message a person can act on, got ${JSON.stringify(text)}`);
        assert.ok(!/panicked|RuntimeError|unreachable/i.test(text), `${name}: no crash text`);
      }
    });
  }
});

test('a damaged share link says so', async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/#r=1.eJzLSM3JyQcABiwCFQ');
    await page.waitForSelector('#error');
    assert.match(await page.textContent('#error'), /damaged|not a report/i);
  });
});

test('keyboard only: open the example, move between tabs with arrow keys, sort a column', async () => {
  await withPage({}, async ({ page }) => {
    await page.goto(server.origin + '/');
    await page.waitForSelector('#example-button');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'file-input');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'example-button');
    await page.keyboard.press('Enter');
    await waitLoaded(page);
    await page.focus('#tab-overview');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-listeners');
    await page.waitForSelector('#listeners-table');
    // End goes to the last tab: Compare, the seventh view.
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-compare');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#listeners-table');
    // Sort by program with the keyboard: the header is a button.
    await page.focus('#listeners-table th:nth-child(6) button');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#listeners-table th:nth-child(6)', 'aria-sort'), 'ascending');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#listeners-table th:nth-child(6)', 'aria-sort'), 'descending');
  });
});
