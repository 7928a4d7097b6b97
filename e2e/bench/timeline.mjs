// Where one open's time goes, on the page's clock: the file input's `change`, every message
// from the decoding worker (size), the worker's console lines, the report in the DOM, the
// frame after it. A development aid beside open-one.mjs.
//   node e2e/bench/timeline.mjs FILE [RUNS] [DIST_DIR]
import { DIST, serve, launch, openPage } from '../lib/harness.mjs';

const [file, runs = '3', dist = DIST] = process.argv.slice(2);
const server = await serve(dist);
for (let i = 0; i < Number(runs); i++) {
  const browser = await launch();
  const { page } = await openPage(browser, server.origin);
  const lines = [];
  page.on('console', (m) => lines.push([Date.now(), m.text()]));
  await page.addInitScript(() => {
    const log = (window.__tl = []);
    const Native = window.Worker;
    window.Worker = function (...a) {
      const w = new Native(...a);
      w.addEventListener('message', (e) => log.push([Date.now(), 'message ' + (e.data?.byteLength ?? e.data?.length ?? typeof e.data)]));
      const post = w.postMessage.bind(w);
      w.postMessage = (m, t) => { log.push([Date.now(), 'post ' + (m?.byteLength ?? m?.length ?? typeof m)]); return post(m, t); };
      return w;
    };
  });
  await page.goto(server.origin + '/');
  await page.waitForSelector('#file-input', { state: 'attached' });
  await page.evaluate(() => {
    const log = window.__tl;
    document.querySelector('#file-input').addEventListener('change', () => log.push([Date.now(), 'change']), { capture: true, once: true });
    const seen = new MutationObserver(() => {
      if (!document.querySelector('.viewer[data-loaded="true"], #error')) return;
      seen.disconnect();
      log.push([Date.now(), 'in DOM']);
      requestAnimationFrame(() => { log.push([Date.now(), 'rAF']); setTimeout(() => log.push([Date.now(), 'frame out'])); });
    });
    seen.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.waitForTimeout(300);
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('.viewer[data-loaded="true"], #error', { timeout: 120000 });
  await page.waitForTimeout(1500);
  const log = [...(await page.evaluate(() => window.__tl)), ...lines.map(([t, s]) => [t, 'console: ' + s])].sort((a, b) => a[0] - b[0]);
  const t0 = log.find(([, s]) => s === 'change')?.[0] ?? log[0][0];
  console.log(`run ${i + 1}`);
  for (const [t, s] of log) if (t >= t0 - 5) console.log(`  ${String(t - t0).padStart(6)} ms  ${s.slice(0, 120)}`);
  await browser.close();
}
await server.close();
