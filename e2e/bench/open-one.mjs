// Opens FILE in the served viewer (headless Chromium, a fresh browser each run) RUNS times and
// prints the worker's decode time (`data-decode-ms`) and pick → report (timed in the page): a quick A/B of one
// input while developing (scripts/bench-browser.sh is the benchmark).
//   node e2e/bench/open-one.mjs FILE [RUNS] [DIST_DIR]
import { DIST, serve, launch, openPage, armOpenTimer, openTime } from '../lib/harness.mjs';

const [file, runs = '3', dist = DIST] = process.argv.slice(2);
const server = await serve(dist);
for (let i = 0; i < Number(runs); i++) {
  const browser = await launch();
  const { page } = await openPage(browser, server.origin);
  await page.goto(server.origin + '/');
  await page.waitForSelector('#file-input', { state: 'attached' });
  await armOpenTimer(page);
  await page.waitForTimeout(300);
  const t0 = performance.now();
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('.viewer[data-loaded="true"], #error', { timeout: 120000 });
  const ms = await page.getAttribute('body', 'data-decode-ms');
  const waited = performance.now() - t0;
  console.log(`run ${i + 1}: worker decode ${ms} ms, pick → report ${(await openTime(page)).toFixed(0)} ms (harness wait ${waited.toFixed(0)} ms)`);
  await browser.close();
}
await server.close();
