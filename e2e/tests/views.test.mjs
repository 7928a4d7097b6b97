// The Sockets and netstat replay views in headless Chromium, checked against the CLI on the
// same snapshot: every protocol and state can be selected, the columns sort, the CSV the worker
// makes of a filter holds the CLI's rows; the replay shows exactly the stalls core computes, for
// the snapshot's flavour and for one picked in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { servedViewer, ROOT, OUT, openPage, assertOnlyOwnOrigin, waitLoaded } from '../lib/harness.mjs';

const PROCSNAP = process.env.PROCSNAP ?? join(ROOT, 'target', 'release', 'procsnap');
const SNAPSHOT = process.env.SNAPSHOT ?? join(OUT, 'this-host.procsnap.tar.gz');
const EXAMPLE_BIN = join(ROOT, 'target', 'debug', 'example-snapshot');
// The built-in example as a file, for the CLI: the same generator the worker runs.
const EXAMPLE = join(OUT, 'example.procsnap.tar.gz');

// Core's lists (core/src/query.rs PROTOS, STATES): every one must be offered.
const PROTOS = ['tcp', 'tcp6', 'udp', 'udp6', 'udplite', 'udplite6', 'raw', 'raw6', 'unix'];
const STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE',
  'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'UNCONN', 'UNCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTING', 'FREE', 'UNKNOWN'];

mkdirSync(OUT, { recursive: true });
// Written afresh: a file left by an older build would not be the example this build shows.
if (existsSync(EXAMPLE_BIN)) execFileSync(EXAMPLE_BIN, [EXAMPLE]);

const viewer = servedViewer();

const cli = (...args) => execFileSync(PROCSNAP, ['report', ...args], { maxBuffer: 1 << 28 }).toString();
const haveCli = existsSync(PROCSNAP) && existsSync(EXAMPLE);

/** A fresh page (with CSP violations recorded); afterwards: no errors, violations or foreign requests. */
async function withPage(fn) {
  const p = await openPage(viewer.browser, viewer.origin);
  await p.page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  try {
    await fn(p);
    assert.deepEqual(p.errors.filter((e) => !/Failed to load resource/.test(e)), [], 'page errors');
    assert.deepEqual(await p.page.evaluate(() => window.cspViolations), [], 'CSP violations');
    assertOnlyOwnOrigin(assert, viewer.origin, p.requests, p.foreign);
  } finally {
    await p.context.close();
  }
}

/** RFC 4180: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field); records.push(record); record = []; field = ''; i++;
    } else field += c;
  }
  assert.equal(field + record.join(''), '', 'the CSV ends with a complete record');
  return records;
}

async function openSnapshot(page, file) {
  await page.goto(viewer.origin + '/');
  if (file) await page.setInputFiles('#file-input', file); else await page.click('#example-button');
  await waitLoaded(page);
}

/** Sets the Sockets filters and waits for the count of the new filter. */
async function filter(page, { proto = '', state = '' }) {
  await page.selectOption('#f-proto', proto);
  await page.selectOption('#f-state', state);
  await settled(page);
}

/** Waits until the rows on screen are the current query's (the table is not busy). */
const settled = (page) => page.waitForSelector('.vtable[aria-busy="false"]');

const matching = async (page) => Number((await page.textContent('#sockets-count')).split(' of ')[0].replaceAll(',', ''));

/** Clicks Export and returns the CSV the link offers, parsed. */
async function exportCsv(page) {
  const old = await page.$eval('#csv-download', (a) => a.href).catch(() => null);
  await page.click('#csv-export');
  await page.waitForFunction((o) => { const a = document.querySelector('#csv-download'); return a && a.href !== o; }, old);
  const text = await page.evaluate(async () => (await fetch(document.querySelector('#csv-download').href)).text());
  const records = parseCsv(text);
  assert.equal(records[0].join(','), 'proto,local_address,local_port,remote_address,remote_port,state,recv_q,send_q,timer,timer_s,inode,uid,pid,program,netns');
  return records.slice(1);
}

for (const [name, file] of [['the built-in example', null], ['this host', SNAPSHOT]]) {
  const json = () => JSON.parse(cli(file ?? EXAMPLE, '--format', 'json'));
  test(`Sockets (${name}): every protocol and state is offered and the counts and CSV match the CLI`,
    { skip: (!haveCli || Boolean(file && !existsSync(file))) ? 'needs the CLI, the example file and the snapshot' : false }, async () => {
      const report = json();
      await withPage(async ({ page }) => {
        await openSnapshot(page, file);
        await page.click('#tab-sockets');
        await page.waitForSelector('.vspacer .vrow');
        const offered = async (sel) => page.$$eval(`${sel} option`, (os) => os.map((o) => o.value).filter(Boolean));
        assert.deepEqual(await offered('#f-proto'), PROTOS);
        assert.deepEqual(await offered('#f-state'), STATES);
        // Every (table, state) the CLI counts selects that many rows.
        for (const t of report.volume.by_table) {
          for (const [state, n] of t.states) {
            await filter(page, { proto: t.table, state });
            await page.waitForFunction((want) => document.querySelector('#sockets-count').textContent.startsWith(want + ' of'),
              n.toLocaleString('en-US'));
          }
        }
        // The CSV of the listening TCP rows is the CLI's listeners in state LISTEN.
        await filter(page, { proto: '', state: 'LISTEN' });
        const csv = await exportCsv(page);
        assert.equal(csv.length, await matching(page));
        const got = csv.filter((r) => r[0] === 'tcp' || r[0] === 'tcp6')
          .map((r) => `${r[0]} ${r[1]} ${r[2]} ${r[6]} ${r[10]} ${r[12] ? `${r[12]}/${r[13]}`.slice(0, 19) : '-'}`).sort();
        const want = report.listeners.filter((l) => l.state_name === 'LISTEN' && l.proto.startsWith('tcp'))
          .map((l) => `${l.proto} ${l.local_addr} ${l.local_port} ${l.recv_q} ${l.inode} ${l.netstat_program.trimEnd()}`).sort();
        assert.deepEqual(got, want);
        // The whole table: one CSV row per socket, per table and state as the CLI counts them.
        await filter(page, {});
        const all = await exportCsv(page);
        assert.equal(all.length, report.volume.inet_rows + report.volume.unix_rows);
        for (const t of report.volume.by_table) {
          for (const [state, n] of t.states) {
            assert.equal(all.filter((r) => r[0] === t.table && r[5] === state).length, n, `${t.table} ${state}`);
          }
        }
        assert.equal(all.filter((r) => r[0] === 'unix').length, report.volume.unix_rows);
        assert.equal(all.filter((r) => r[5] === 'TIME_WAIT').length, report.time_wait.count);
      });
    });
}

/** The visible rows' cells. */
const cells = (page) => page.$$eval('.vspacer .vrow', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));

test('Sockets: a heading sorts its column, ascending, descending, then file order', async () => {
  await withPage(async ({ page }) => {
    await openSnapshot(page, null);
    await page.click('#tab-sockets');
    await page.waitForSelector('.vspacer .vrow');
    await filter(page, { state: 'LISTEN' });
    const fileOrder = await cells(page);
    assert.ok(fileOrder.length >= 5, 'the example listens on several sockets');
    const port = (a) => Number(a.slice(a.lastIndexOf(':') + 1));
    const sortBy = async (key, dir) => {
      await page.click(`button[data-sort="${key}"]`);
      await page.waitForFunction(([k, d]) => document.querySelector(`button[data-sort="${k}"]`).parentElement.getAttribute('aria-sort') === d, [key, dir]);
      await settled(page);
      return cells(page);
    };
    // Inode: numeric, both ways.
    const inodes = (rows) => rows.map((r) => Number(r[7]));
    const up = inodes(await sortBy('Inode', 'ascending'));
    assert.deepEqual(up, [...up].sort((a, b) => a - b));
    const down = inodes(await sortBy('Inode', 'descending'));
    assert.deepEqual(down, [...up].reverse());
    // A third click goes back to file order.
    await page.click('button[data-sort="Inode"]');
    await page.waitForFunction(() => !document.querySelector('button[data-sort="Inode"]').parentElement.hasAttribute('aria-sort'));
    await settled(page);
    assert.deepEqual(await cells(page), fileOrder);
    // Local address: IPv4, then IPv6, then unix paths; ports ascending within an address.
    const local = await sortBy('Local', 'ascending');
    const kind = local.map((r) => (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(r[1]) ? 0 : r[1].startsWith('[') ? 1 : 2));
    assert.deepEqual(kind, [...kind].sort(), 'IPv4, IPv6, unix');
    assert.ok(kind.includes(0) && kind.includes(1) && kind.includes(2), 'the example listens on all three');
    for (let i = 1; i < local.length; i++) {
      const [a, b] = [local[i - 1][1], local[i][1]];
      if (a.slice(0, a.lastIndexOf(':')) === b.slice(0, b.lastIndexOf(':'))) assert.ok(port(a) <= port(b), `${a} before ${b}`);
    }
    // TIME_WAIT rows by time left: the first rows have the least.
    await filter(page, { state: 'TIME_WAIT' });
    const tw = await sortBy('Timer', 'ascending');
    const left = tw.map((r) => parseFloat(r[6]));
    assert.ok(tw.every((r) => / timewait$/.test(r[6])), 'the timer column names the timer');
    assert.deepEqual(left, [...left].sort((a, b) => a - b));
    const twDown = (await sortBy('Timer', 'descending')).map((r) => parseFloat(r[6]));
    assert.ok(twDown[0] >= left.at(-1), 'descending starts with the most time left');
    await page.screenshot({ path: join(OUT, 'sockets-sorted.png') });
  });
});

/** The replay view's gaps (every stall core computes), as numbers. */
const stallRows = (page) => page.$$eval('#replay .replay-gap', (trs) => trs.map((tr) => ({
  after_line: tr.dataset.afterLine === '' ? null : Number(tr.dataset.afterLine),
  bytes: Number(tr.dataset.bytes), rows: Number(tr.dataset.rows), time_wait_rows: Number(tr.dataset.timeWait),
  read_calls: Number(tr.dataset.reads), estimated_ms: Number(tr.dataset.ms),
})));

function sameStalls(got, want) {
  assert.equal(got.length, want.length, 'as many stalls as core computes');
  want.forEach((w, i) => {
    const g = got[i];
    for (const k of ['after_line', 'bytes', 'rows', 'time_wait_rows', 'read_calls']) assert.equal(g[k], w[k] ?? null, `stall ${i} ${k}`);
    assert.ok(Math.abs(g.estimated_ms - w.estimated_ms) < 0.001, `stall ${i} estimated_ms`);
  });
}

test('netstat replay: the example shows its two pauses, after 0.0.0.0:22 and after :::22, as core computes them; another flavour re-renders',
  { skip: haveCli ? false : 'needs the CLI and the example file' }, async () => {
    const report = JSON.parse(cli(EXAMPLE, '--format', 'json'));
    const lines = cli(EXAMPLE, '--format', 'netstat').split('\n').slice(0, -1);
    assert.equal(report.netstat.flavour, 'centos6');
    await withPage(async ({ page }) => {
      await openSnapshot(page, null);
      await page.click('#tab-replay');
      await page.waitForSelector('#replay');
      assert.equal(await page.inputValue('#flavour-picker'), 'centos6');
      assert.ok((await page.textContent('#flavour-choice')).includes(report.netstat.reason), 'the reason the report gives');
      // The lines, in order, as the CLI prints them.
      assert.deepEqual(await page.$$eval('#replay .replay-line code', (cs) => cs.map((c) => c.textContent)), lines);
      sameStalls(await stallRows(page), report.cost.stalls);
      // Exactly two pauses drawn, after sshd's two listeners.
      const pauses = await page.$$eval('#replay .replay-gap.pause', (gs) => gs.map((g) => ({
        after: Number(g.dataset.afterLine), height: g.getBoundingClientRect().height, label: g.textContent,
        line: g.previousElementSibling?.querySelector('code')?.textContent,
      })));
      assert.equal(pauses.length, 2, JSON.stringify(pauses));
      assert.match(pauses[0].line, /^tcp +0 +0 0\.0\.0\.0:22 .*2983\/sshd/);
      assert.match(pauses[1].line, /^tcp +0 +0 :::22 .*2983\/sshd/);
      const big = report.cost.stalls.filter((s) => s.rows > 0);
      assert.deepEqual(pauses.map((p) => p.after), big.map((s) => s.after_line));
      // Drawn to scale along the bytes: the second pause reads about 12× the first.
      assert.ok(pauses[1].height > 5 * pauses[0].height, `heights ${pauses.map((p) => p.height)}`);
      assert.match(pauses[1].label, /^14\.2 MiB read: 92,400 rows \(92,000 TIME_WAIT\), 14,527 read\(\) calls of 1024 bytes, about 100\.\d+ s$/);
      // The story leads with the biggest pause.
      assert.match(await page.textContent('.pause-story'), /^After `tcp 0 0 :::22 :::\* LISTEN 2983\/sshd` netstat pauses: 14\.2 MiB read/);
      await page.screenshot({ path: join(OUT, 'replay-example.png'), fullPage: true });
      // Along the estimated time instead: the same lines, the same two pauses.
      await page.click('text=estimated time');
      await page.waitForFunction(() => document.querySelector('.replay h3').textContent.includes('estimated time'));
      assert.equal(await page.$$eval('#replay .replay-gap.pause', (g) => g.length), 2);

      // Another flavour: the worker re-renders, and the page shows what the CLI prints for it.
      const other = JSON.parse(cli(EXAMPLE, '--format', 'json', '--netstat', 'net-tools-2.10'));
      const otherLines = cli(EXAMPLE, '--format', 'netstat', '--netstat', 'net-tools-2.10');
      await page.selectOption('#flavour-picker', 'net-tools-2.10');
      await page.waitForFunction((r) => document.querySelector('#flavour-choice').textContent.includes(r), other.netstat.reason);
      sameStalls(await stallRows(page), other.cost.stalls);
      assert.deepEqual(await page.$$eval('#replay .replay-line code', (cs) => cs.map((c) => c.textContent)), otherLines.split('\n').slice(0, -1));
      await page.click('#tab-listeners');
      assert.equal(await page.textContent('#netstat-text'), otherLines);
      await page.screenshot({ path: join(OUT, 'replay-net-tools-2.10.png'), fullPage: true });
    });
  });

test('Files: a small file\'s link (in the table written as markup) shows its text', async () => {
  await withPage(async ({ page }) => {
    await openSnapshot(page, null);
    await page.click('#tab-files');
    // The manifest is shown first; pick another small file by its link.
    const path = await page.$$eval('#files-table button[data-path]', (bs) =>
      bs.map((b) => b.dataset.path).find((p) => p !== 'procsnap.json'));
    assert.ok(path, 'a small file with a link');
    await page.click(`#files-table button[data-path="${path}"]`);
    await page.waitForFunction((p) => document.querySelector('#file-text h2 code')?.textContent === p, path);
  });
});
