// The Compare view on two real captures, checked against `procsnap diff --format json`: in a
// network namespace of its own (loopback only), the test captures with one listener up, closes
// it, opens another that leaves 300 TIME_WAIT sockets, and captures again. The view shows what
// the CLI prints (the listener that went, the one that appeared, TIME_WAIT 0 → 300), with the
// earlier capture as OLD whichever was opened first, both from "Compare with…" on an open
// snapshot and from dropping the two files at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, OUT, serve, launch, openPage, waitLoaded, PROCSNAP_CAPTURE, netnsSkip } from '../lib/harness.mjs';

const PROCSNAP = PROCSNAP_CAPTURE;
const TW = join(ROOT, 'scripts', 'tw-sockets.py');
const OLD = join(OUT, 'compare-old.procsnap.tar.gz');
const NEW = join(OUT, 'compare-new.procsnap.tar.gz');

const skip = netnsSkip();

let server;
let browser;
let diff;
let text;

before(async () => {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  // Bounded: the listener exits by itself after --hold; the wait for it is 200 × 0.1 s at most.
  execFileSync('unshare', ['--net', 'sh', '-c', `set -e
    ip link set lo up
    /usr/bin/python3 -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 18403)); s.listen(); print('up', flush=True); time.sleep(60)" > "${OUT}/compare-old.out" &
    old=$!
    for i in $(seq 600); do [ -s "${OUT}/compare-old.out" ] && break; sleep 0.1; done
    [ -s "${OUT}/compare-old.out" ] || { echo "compare test: the old listener did not start" >&2; exit 1; }
    "${PROCSNAP}" collect --netns self -o "${OLD}"
    kill $old; wait $old 2>/dev/null || true
    sleep 1.1
    /usr/bin/python3 "${TW}" --count 300 --addrs 2 --port 18402 --seconds 20 --hold 60 > "${OUT}/compare-tw.out" &
    for i in $(seq 600); do [ -s "${OUT}/compare-tw.out" ] && break; sleep 0.1; done
    [ -s "${OUT}/compare-tw.out" ] || { echo "compare test: the listener did not start" >&2; exit 1; }
    "${PROCSNAP}" collect --netns self -o "${NEW}"
    kill $! 2>/dev/null || true`], { stdio: ['ignore', 'ignore', 'inherit'] });
  diff = JSON.parse(execFileSync(PROCSNAP, ['diff', OLD, NEW, '--format', 'json']).toString());
  text = execFileSync(PROCSNAP, ['diff', OLD, NEW]).toString();
  server = await serve(undefined, {});
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The Compare view shows exactly what `procsnap diff OLD NEW` prints for the same two files. */
async function checkAgainstCli(page) {
  await page.waitForSelector('#compare-text', { timeout: 60_000 });
  assert.equal(await page.textContent('#compare-text'), text, 'the view is the CLI\'s diff');
  const added = await page.$$eval('#compare-text .added', (ls) => ls.map((l) => l.textContent));
  assert.ok(added.some((l) => /appeared tcp 127\.0\.0\.1:18402 .*python3/.test(l)), added.join(''));
  const removed = await page.$$eval('#compare-text .removed', (ls) => ls.map((l) => l.textContent));
  assert.ok(removed.some((l) => /went +tcp 127\.0\.0\.1:18403 .*python3/.test(l)), removed.join(''));
}

test('the CLI sees the listener that appeared, the one that went and the TIME_WAIT left', { skip }, () => {
  assert.ok(diff.listeners.appeared.some((a) => a.key.proto === 'tcp' && a.key.port === 18402), JSON.stringify(diff.listeners));
  assert.ok(diff.listeners.gone.some((g) => g.key.proto === 'tcp' && g.key.port === 18403), JSON.stringify(diff.listeners));
  assert.equal(diff.time_wait.old_count, 0);
  assert.equal(diff.time_wait.new_count, 300);
  assert.ok(diff.seconds_between > 1, `${diff.seconds_between}`);
});

test('Compare with… on the newer snapshot shows what `procsnap diff OLD NEW` says', { skip }, async () => {
  const p = await openPage(browser, server.origin);
  try {
    const { page } = p;
    await page.goto(server.origin + '/');
    await page.setInputFiles('#file-input', NEW);
    await waitLoaded(page);
    await page.setInputFiles('#compare-input', OLD);
    await page.waitForSelector('#panel-compare');
    await checkAgainstCli(page);
    await page.screenshot({ path: join(OUT, 'compare.png'), fullPage: true });
    // The address names the view; a reload keeps the open snapshot's view, the comparison is gone.
    assert.match(page.url(), /view=compare/);
    assert.deepEqual(p.foreign, []);
  } finally {
    await p.context.close();
  }
});

test('dropping two files opens the first and compares it with the second', { skip }, async () => {
  const p = await openPage(browser, server.origin);
  try {
    const { page } = p;
    await page.goto(server.origin + '/');
    await page.waitForSelector('#file-input');
    const files = [OLD, NEW].map((f) => ({ name: basename(f), b64: readFileSync(f).toString('base64') }));
    const dt = await page.evaluateHandle((files) => {
      const dt = new DataTransfer();
      for (const f of files) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: 'application/gzip' }));
      }
      return dt;
    }, files);
    await page.dispatchEvent('.page', 'dragover', { dataTransfer: dt });
    await page.dispatchEvent('.page', 'drop', { dataTransfer: dt });
    await waitLoaded(page);
    assert.equal(await page.textContent('.snapshot-name'), basename(OLD), 'the first file is the open one');
    await checkAgainstCli(page);
  } finally {
    await p.context.close();
  }
});
