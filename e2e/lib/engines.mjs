// Firefox and WebKit for the cross-engine tests (tests/engines.test.mjs), behind one small
// interface so that one test body runs on both:
//   Firefox ESR (Debian's firefox-esr), headless, driven by puppeteer-core over WebDriver BiDi;
//   WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's webkit2gtk-driver) and
//   selenium-webdriver; WebKitGTK needs a display, so scripts/test-web.sh runs these tests under
//   `xvfb-run -a`.
// Neither engine downloads anything: both are the Debian binaries. Chromium keeps its own, richer
// suite (playwright-core, tests/viewer.test.mjs).
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Why an engine cannot run here, or false. */
export function unavailable(name) {
  if (name === 'firefox') return !existsSync(FIREFOX) && `no ${FIREFOX} (scripts/setup-web.sh installs firefox-esr)`;
  if (!existsSync(WEBKIT_DRIVER) || !existsSync(MINIBROWSER)) return `no ${WEBKIT_DRIVER} / MiniBrowser (webkit2gtk-driver)`;
  if (!process.env.DISPLAY) return 'WebKitGTK needs a display: run under xvfb-run -a (scripts/test-web.sh does)';
  return false;
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * A browser with one page at a time. Methods: goto(url), click(sel), waitFor(sel), until(fn, ...args)
 * (a page function, polled until truthy), evaluate(fn, ...args), attr(sel, name), text(sel),
 * value(sel), pick(sel, path), requests() (URLs the page loaded: the engine's own log for Firefox,
 * the page's Resource Timing entries for WebKit), newPage(), close().
 */
export async function launchEngine(name) {
  return name === 'firefox' ? firefox() : webkit();
}

async function firefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true,
    // No update checks, telemetry or captive-portal probes: the only requests are the page's.
    extraPrefsFirefox: {
      'app.update.enabled': false, 'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false, 'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false, 'extensions.update.enabled': false,
    },
  });
  let page;
  let log = [];
  const errors = [];
  const api = {
    name: 'firefox',
    errors,
    async newPage() {
      if (page) await page.close();
      page = await browser.newPage();
      log = [];
      page.on('request', (r) => log.push(r.url()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setViewport({ width: 1366, height: 900 });
    },
    goto: (url) => page.goto(url),
    click: async (sel) => { await page.waitForSelector(sel); await page.click(sel); },
    waitFor: (sel, timeout = 60_000) => page.waitForSelector(sel, { timeout }),
    until: (fn, ...args) => page.waitForFunction(fn, { timeout: 60_000 }, ...args),
    evaluate: (fn, ...args) => page.evaluate(fn, ...args),
    attr: (sel, n) => page.$eval(sel, (el, n) => el.getAttribute(n), n),
    text: (sel) => page.$eval(sel, (el) => el.textContent),
    value: (sel) => page.$eval(sel, (el) => el.value),
    pick: async (sel, path) => (await page.waitForSelector(sel)).uploadFile(path),
    requests: async () => [...log, ...(await page.evaluate(() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]))],
    close: () => withTimeout(browser.close(), 15_000, 'closing Firefox').catch(() => browser.process()?.kill('SIGKILL')),
  };
  await api.newPage();
  return api;
}

async function freePort() {
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

/** `p`, or a failure naming `what` after `ms` (a browser that never answers must not stall CI). */
function withTimeout(p, ms, what) {
  let timer;
  const late = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function webkit() {
  const { Builder, By, until } = await import('selenium-webdriver');
  let driverProc;
  let server;
  // A driver of its own; a fresh one when a session does not start (the old one is killed).
  const spawnDriver = async () => {
    driverProc?.kill('SIGKILL');
    const port = await freePort();
    driverProc = spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: 'ignore' });
    server = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(server + '/status')).ok) break; } catch { /* not up yet */ }
      await sleep(100);
    }
  };
  await spawnDriver();
  let driver;
  const build = async () => {
    const d = await new Builder().usingServer(server).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }).build();
    await d.manage().window().setRect({ width: 1366, height: 900 }).catch(() => {});
    return d;
  };
  // Bounded: three tries of 60 s, each after a fresh driver.
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        driver = await withTimeout(build(), 60_000, 'a WebKit session');
        return;
      } catch (e) {
        if (attempt === 3) throw e;
        await spawnDriver();
      }
    }
  };
  const quit = () => withTimeout(driver.quit(), 15_000, 'closing WebKit').catch(() => {});
  await start();
  const el = async (sel, timeout = 60_000) => driver.wait(until.elementLocated(By.css(sel)), timeout);
  // Selenium runs a function's source: wrap it as a call with the given arguments.
  const run = (fn, args) => driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args);
  const api = {
    name: 'webkit',
    errors: [],
    async newPage() {
      // One session per page: a fresh page without the previous one's worker or blob: URLs.
      await quit();
      await start();
    },
    goto: (url) => driver.get(url),
    click: async (sel) => (await el(sel)).click(),
    waitFor: (sel, timeout) => el(sel, timeout),
    until: (fn, ...args) => driver.wait(async () => run(fn, args), 60_000),
    // executeScript awaits a returned promise (WebDriver spec).
    evaluate: (fn, ...args) => run(fn, args),
    attr: async (sel, n) => (await el(sel)).getAttribute(n),
    text: async (sel) => run((s) => document.querySelector(s).textContent, [sel]),
    value: async (sel) => run((s) => document.querySelector(s).value, [sel]),
    pick: async (sel, path) => (await el(sel)).sendKeys(path),
    requests: async () => run(() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)], []),
    close: async () => { await quit(); driverProc.kill('SIGKILL'); },
  };
  return api;
}
