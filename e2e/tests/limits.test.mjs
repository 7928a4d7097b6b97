// What a browser tab cannot hold is refused with a message, and the tab lives on (issue 16):
// a real snapshot whose table unpacks to 1.2 GiB (over Limits::browser's 1 GiB) and a gzip bomb
// (zeros that inflate over 500×). Both archives are made here with node's zlib; both are
// small on disk (the rows repeat), so the test costs seconds. After each refusal the same page
// opens the built-in example: the worker and the page survived.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGzip, constants } from 'node:zlib';
import { OUT, serve, launch, openPage, assertOnlyOwnOrigin, waitLoaded } from '../lib/harness.mjs';

const GiB = 1024 ** 3;

/** A ustar header for a regular file of `size` bytes. */
function ustarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148); // checksum field counts as spaces while summing
  h.write('0', 156);
  h.write('ustar\0' + '00', 257, 'binary');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** Writes a .tar.gz of `entries` ([name, size, chunk, prefix]: `size` bytes, `prefix` then
 * `chunk` repeated). */
async function writeTarGz(path, entries, level = constants.Z_BEST_SPEED) {
  const gz = createGzip({ level });
  const out = createWriteStream(path);
  gz.pipe(out);
  const write = async (buf) => { if (!gz.write(buf)) await once(gz, 'drain'); };
  for (const [name, size, chunk, prefix = Buffer.alloc(0)] of entries) {
    await write(ustarHeader(name, size));
    await write(prefix);
    let left = size - prefix.length;
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      await write(piece);
      left -= piece.length;
    }
    if (size % 512) await write(Buffer.alloc(512 - (size % 512)));
  }
  await write(Buffer.alloc(1024));
  gz.end();
  await once(out, 'finish');
}

/** A /proc/net/tcp of 1.2 GiB: the kernel's header, then one TIME_WAIT row (150 bytes, padded
 * as the kernel pads) repeated; 8,192 rows per chunk. */
function bigTable() {
  const pad = (s) => s.padEnd(149) + '\n';
  const header = pad('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode');
  const row = pad('   0: 0100007F:0050 0200007F:C350 06 00000000:00000000 03:00000F05 00000000     0        0 0 3 0000000000000000');
  const chunk = Buffer.from(row.repeat(8192));
  const size = Math.floor(1.2 * GiB / 150) * 150;
  return { header: Buffer.from(header), chunk, size };
}

let server;
let browser;
let big;
let bomb;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  big = join(OUT, 'limits-1.2gib.procsnap.tar.gz');
  bomb = join(OUT, 'limits-bomb.procsnap.tar.gz');
  if (!existsSync(big)) {
    const t = bigTable();
    // The kernel's header line, then the rows: a table of 1.2 GiB, as its tar header says.
    await writeTarGz(big, [['proc/net/tcp', t.size + t.header.length, t.chunk, t.header]]);
  }
  if (!existsSync(bomb)) {
    // Honest tar headers, ten entries of 60 MiB of zeros: 600 MiB in all, under the size
    // limit, so only the inflate-ratio guard (500×; zeros at level 9 inflate ~1,000×) refuses it.
    const zeros = Buffer.alloc(1 << 20);
    const entries = Array.from({ length: 10 }, (_, i) => [`proc/net/zeros-${i}`, 60 << 20, zeros]);
    await writeTarGz(bomb, entries, constants.Z_BEST_COMPRESSION);
  }
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

for (const [what, file, pattern] of [
  ['a snapshot that unpacks to 1.2 GiB', () => big, /too large for the browser: use procsnap report/],
  // The ratio guard trips at its 64 MiB floor.
  ['a gzip bomb', () => bomb, /too large for the browser: use procsnap report \(the snapshot unpacks to more than 64 MiB/],
]) {
  test(`${what} is refused with a message, and the tab opens the example afterwards`, async () => {
    const path = file();
    console.log(`${what}: ${path} (${statSync(path).size} bytes on disk)`);
    const p = await openPage(browser, server.origin);
    try {
      const { page } = p;
      await page.goto(server.origin + '/');
      await page.setInputFiles('#file-input', path);
      await page.waitForSelector('#error', { timeout: 120_000 });
      const text = (await page.textContent('#error')).trim();
      assert.match(text, pattern);
      assert.ok(!/panicked|RuntimeError|unreachable|out of memory/i.test(text), text);
      // The same page, the same worker: the example still opens.
      await page.click('#example-button');
      await waitLoaded(page);
      assert.deepEqual(p.errors.filter((e) => !/Failed to load resource/.test(e)), [], 'page errors');
      assertOnlyOwnOrigin(assert, server.origin, p.requests, p.foreign);
    } finally {
      await p.context.close();
    }
  });
}
