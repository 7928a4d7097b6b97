// Network namespaces in the viewer, on a real capture: the test makes a namespace itself
// (`unshare --net`, loopback only: a listener and 800 TIME_WAIT), collects, opens the snapshot,
// and checks that the picker switches every view to that namespace, figures and netstat text
// equal to `procsnap report --netns INODE` (and to `--netns all` for "All"), and that the
// overview lists the namespaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, OUT, serve, launch, openPage, waitLoaded, number, PROCSNAP_CAPTURE, netnsSkip } from '../lib/harness.mjs';

const PROCSNAP = PROCSNAP_CAPTURE;
const TW = join(ROOT, 'scripts', 'tw-sockets.py');
const SNAP = join(OUT, 'netns.procsnap.tar.gz');

const skip = netnsSkip();

let server;
let browser;
let child;
let inode;

before(async () => {
  if (skip) return;
  child = spawn('unshare', ['--net', 'sh', '-c',
    `ip link set lo up && exec /usr/bin/python3 ${TW} --count 800 --addrs 2 --port 18401 --seconds 20 --hold 120`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const made = await new Promise((ok, fail) => {
    child.stdout.once('data', (d) => ok(String(d).trim()));
    child.once('exit', (c) => fail(new Error(`tw-sockets.py exited ${c}`)));
  });
  assert.equal(made, '800');
  inode = Number(/net:\[(\d+)\]/.exec(readlinkSync(`/proc/${child.pid}/ns/net`))[1]);
  mkdirSync(OUT, { recursive: true });
  execFileSync(PROCSNAP, ['collect', '-o', SNAP], { stdio: 'ignore' });
  server = await serve(undefined, {});
  browser = await launch();
});

after(async () => {
  child?.kill();
  await browser?.close();
  await server?.close();
});

function report(args) {
  return execFileSync(PROCSNAP, ['report', SNAP, ...args], { maxBuffer: 1 << 28 }).toString();
}

test('the namespace picker switches every view; the overview lists the namespaces', { skip }, async () => {
  const all = JSON.parse(report(['--format', 'json']));
  const pod = JSON.parse(report(['--format', 'json', '--netns', String(inode)]));
  const podNetstat = report(['--format', 'netstat', '--netns', String(inode)]);
  assert.equal(pod.time_wait.count, 800);
  const p = await openPage(browser, server.origin);
  try {
    const { page } = p;
    await page.goto(server.origin + '/');
    await page.setInputFiles('#file-input', SNAP);
    await waitLoaded(page);
    // The collector's own namespace first, as without namespaces.
    assert.equal(await number(page, '#fig-sockets'), all.volume.inet_rows + all.volume.unix_rows);
    const rows = await page.$$eval('#netns-list tbody tr', (trs) => trs.map((tr) => tr.dataset.inode));
    assert.equal(rows.length, all.namespaces.length, 'one row per namespace');
    assert.equal(rows[0], String(inode), 'most TIME_WAIT first');
    const options = await page.$$eval('#netns-picker option', (os) => os.map((o) => o.value));
    assert.deepEqual(options.sort(), ['all', ...all.namespaces.filter((n) => !n.vanished).map((n) => (n.host ? 'host' : String(n.inode)))].sort());

    await page.selectOption('#netns-picker', String(inode));
    await page.waitForFunction((i) => document.querySelector('#netns-list tr.selected')?.dataset.inode === String(i), inode);
    assert.equal(await number(page, '#fig-sockets'), pod.volume.inet_rows + pod.volume.unix_rows, 'overview follows');
    assert.equal(await number(page, '#fig-listeners'), pod.listeners.length);
    await page.click('#tab-time-wait');
    assert.equal(await number(page, '#tw-count'), 800, 'TIME_WAIT view follows');
    await page.click('#tab-listeners');
    assert.equal((await page.textContent('#netstat-text')).trim(), podNetstat.trim(), 'netstat text of that namespace');
    await page.click('#tab-sockets');
    await page.waitForSelector('.vspacer .vrow');

    // "All": every namespace at once, as `procsnap report --netns all`.
    const every = JSON.parse(report(['--format', 'json', '--netns', 'all']));
    const everyNetstat = report(['--format', 'netstat', '--netns', 'all']);
    assert.equal(every.time_wait.count, all.namespaces.reduce((sum, n) => sum + n.time_wait, 0));
    await page.selectOption('#netns-picker', 'all');
    await page.click('#tab-overview');
    await page.waitForFunction((n) => Number(document.querySelector('#fig-sockets')?.dataset.value) === n,
      every.volume.inet_rows + every.volume.unix_rows);
    assert.equal(await number(page, '#fig-listeners'), every.listeners.length);
    await page.click('#tab-time-wait');
    assert.equal(await number(page, '#tw-count'), every.time_wait.count, 'TIME_WAIT of every namespace');
    await page.click('#tab-listeners');
    assert.equal((await page.textContent('#netstat-text')).trim(), everyNetstat.trim(), 'netstat text of every namespace');
    const labelled = await page.$$eval('#listeners-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.key} ${tr.querySelector('td.netns')?.textContent}`));
    const expected = every.listeners.map((l) => `${l.proto} ${l.local_addr}:${l.local_port} ${l.inode} net:[${l.netns}]`);
    assert.deepEqual(labelled.sort(), expected.sort(), 'each listener with its namespace');
    assert.ok(expected.some((k) => k.includes(':18401 ') && k.endsWith(`net:[${inode}]`)), 'the pod listener, labelled');
    // The Sockets rows say their namespace too (the same address and port can be in two).
    await page.click('#tab-sockets');
    await page.selectOption('#f-state', 'LISTEN');
    await page.fill('#f-port', '18401');
    await page.press('#f-port', 'Enter');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('.vspacer .vrow')];
      return rows.length > 0 && rows.every((r) => r.children[1].textContent.endsWith(':18401') && r.children[3].textContent === 'LISTEN');
    });
    assert.equal(await page.textContent('.vtable[data-netns] .vhead [role="columnheader"]:last-child'), 'Namespace');
    const podRows = await page.$$eval('.vspacer .vrow', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    const podListeners = every.listeners.filter((l) => l.local_port === 18401);
    assert.equal(podRows.length, podListeners.length, JSON.stringify(podRows));
    assert.ok(podRows.every((r) => r[10] === `net:[${inode}]`), `the pod's listener rows, labelled: ${JSON.stringify(podRows)}`);

    await page.selectOption('#netns-picker', 'host');
    await page.click('#tab-overview');
    await page.waitForFunction((n) => Number(document.querySelector('#fig-sockets')?.dataset.value) === n,
      all.volume.inet_rows + all.volume.unix_rows);
    assert.deepEqual(p.errors, [], 'page errors');
  } finally {
    await p.context.close();
  }
});
