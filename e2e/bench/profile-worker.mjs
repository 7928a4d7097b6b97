// Opens FILE in the served viewer (headless Chromium through puppeteer-core) and records a CPU
// profile of the decoding worker over CDP (Profiler domain of the worker's own session): where
// the worker's time goes, by function (a build with the name section keeps wasm names).
//   node e2e/bench/profile-worker.mjs FILE [DIST_DIR] [OUT.cpuprofile]
import puppeteer from 'puppeteer-core';
import { writeFile } from 'node:fs/promises';
import { DIST, serve, CHROMIUM } from '../lib/harness.mjs';

const [file, dist = DIST, out = '/tmp/worker.cpuprofile'] = process.argv.slice(2);
const server = await serve(dist);
const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
const page = await browser.newPage();
const workers = [];
page.on('workercreated', async (w) => {
  workers.push(w);
  await w.client.send('Profiler.enable');
  await w.client.send('Profiler.setSamplingInterval', { interval: 200 });
  await w.client.send('Profiler.start');
});
await page.goto(server.origin + '/');
await page.waitForSelector('#file-input');
await new Promise((ok) => setTimeout(ok, 1000));
const input = await page.$('#file-input');
const t0 = performance.now();
await input.uploadFile(file);
await page.waitForSelector('.viewer[data-loaded="true"], #error', { timeout: 120000 });
const ms = await page.evaluate(() => document.body.dataset.decodeMs);
console.log(`worker decode ${ms} ms, pick → report ${(performance.now() - t0).toFixed(0)} ms; ${workers.length} worker(s)`);
// Every worker still running: the decoding worker (worker.js), not the inflater (a `blob:`
// worker that has closed by now).
for (const [i, w] of workers.entries()) {
  const path = out.replace(/(\.cpuprofile)?$/, i === 0 ? '$1' : `.worker${i}.cpuprofile`);
  try {
    const { profile } = await w.client.send('Profiler.stop');
    await writeFile(path, JSON.stringify(profile));
    console.log(`profile: ${path} (${w.url().slice(0, 60)})`);
  } catch (e) {
    console.log(`no profile of ${w.url().slice(0, 60)}: it has closed`);
  }
}
await browser.close();
await server.close();
