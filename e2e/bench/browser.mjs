// Browser benchmark of the viewer: for each snapshot size, alternately times the native
// `procsnap report` (the baseline of the same run) and the real page in headless Chromium
// (pick the file → report rendered, the worker's decode time, peak memory of the browser's
// processes). Writes a markdown table. Run through scripts/bench-browser.sh, which builds
// dist/, `procsnap` and `example-snapshot` first.
//
//   node e2e/bench/browser.mjs [--sizes 1000000,5000000] [--runs 3] [--out FILE.md]
//                              [--timeout 120] [--smoke]
//
// --smoke: one 20,000-row snapshot, one run (CI: checks the benchmark works, no timing asserted).
// --warm: open the built-in example in the same page first, then the file. By default the file
// is the page's first decode (cold: V8 runs the wasm in its baseline tier until it tiers up, and
// wasm has no on-stack replacement, so a long-running decode loop may stay in baseline code).
// --sample-ms MS: memory sampling period (default 100; 0 = no sampling, to check its cost).
// --js-flags FLAGS: passed to Chromium as --js-flags=FLAGS (a diagnostic, e.g. --no-liftoff).
//
// Memory: every ~100 ms the sampler walks /proc for the browser process and all its
// descendants, and reads VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup). "sum" is the
// sum over all Chromium processes (RSS counts shared pages once per process, so the PSS sum is the
// fairer total); "renderer" is the largest `--type=renderer` process, the one holding the page
// and its decode worker (a dedicated worker runs in its page's renderer process).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, DIST, OUT, CHROMIUM, serve, launch, openPage, armOpenTimer, openTime } from '../lib/harness.mjs';

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { sizes: [1_000_000, 5_000_000], runs: 3, out: join(OUT, 'bench', 'browser.md'), timeout: 120, smoke: false, warm: false, sampleMs: 100, jsFlags: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--sizes': o.sizes = val().split(',').map((s) => Number(s.replace(/_/g, ''))); break;
      case '--runs': o.runs = Number(val()); break;
      case '--out': o.out = val(); break;
      case '--timeout': o.timeout = Number(val()); break;
      case '--smoke': o.smoke = true; break;
      case '--warm': o.warm = true; break;
      case '--sample-ms': o.sampleMs = Number(val()); break;
      case '--js-flags': o.jsFlags = val(); break;
      case '-h': case '--help':
        console.log('usage: browser.mjs [--sizes N,N] [--runs N] [--out FILE.md] [--timeout SECONDS] [--smoke] [--warm] [--sample-ms MS] [--js-flags FLAGS]');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (o.smoke) { o.sizes = [20_000]; o.runs = 1; o.timeout = Math.min(o.timeout, 60); }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new Error('--sizes: whole numbers, comma-separated');
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs: a whole number ≥ 1');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const BENCH_DIR = join(OUT, 'bench');
const bin = (name, env) => process.env[env] ?? [join(ROOT, 'target', 'release', name), join(ROOT, 'target', 'debug', name)].find(existsSync);
const PROCSNAP = bin('procsnap', 'PROCSNAP');
const EXAMPLE = bin('example-snapshot', 'EXAMPLE_SNAPSHOT');
if (!PROCSNAP || !EXAMPLE) throw new Error('build target/release/procsnap and example-snapshot first (scripts/bench-browser.sh does)');
if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ is missing: run scripts/build-web.sh');
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- snapshots (cached by N)
/** tests-output/bench/tw-N.procsnap.tar.gz, regenerated when missing or older than the generator. */
function snapshot(n) {
  mkdirSync(BENCH_DIR, { recursive: true });
  const file = join(BENCH_DIR, `tw-${n}.procsnap.tar.gz`);
  const meta = file.replace(/\.procsnap\.tar\.gz$/, '.json');
  const fresh = existsSync(file) && existsSync(meta) && statSync(file).size > 0
    && statSync(file).mtimeMs >= statSync(EXAMPLE).mtimeMs;
  if (!fresh) {
    const t0 = Date.now();
    const tmp = `${file}.tmp`;
    execFileSync(EXAMPLE, [tmp, String(n)], { stdio: 'inherit' });
    renameSync(tmp, file);
    // The socket count, once (untimed), from the native report.
    const json = JSON.parse(execFileSync(PROCSNAP, ['report', file, '--format', 'json'], { maxBuffer: 64 * MiB }));
    const sockets = json.volume.inet_rows + json.volume.unix_rows;
    writeFileSync(meta, JSON.stringify({ time_wait: n, sockets }));
    log(`generated ${relative(ROOT, file)} (${(statSync(file).size / MiB).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { file, bytes: statSync(file).size, ...JSON.parse(readFileSync(meta, 'utf8')) };
}

// ---------------------------------------------------------------- native baseline
/** `/usr/bin/time -v procsnap report FILE --format json > /dev/null`: wall, CPU, max RSS. */
function native(file) {
  const r = spawnSync('/usr/bin/time', ['-v', PROCSNAP, 'report', file, '--format', 'json'],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: opts.timeout * 1000 });
  const field = (re) => { const m = r.stderr?.match(re); return m ? m[1] : undefined; };
  if (r.error?.code === 'ETIMEDOUT') return { status: `timed out after ${opts.timeout} s` };
  if (r.status !== 0) return { status: `failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').split('\n')[0]}` };
  const wall = field(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/)
    .split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  return {
    status: 'ok',
    wallMs: wall * 1000,
    cpuMs: (Number(field(/User time \(seconds\): (\S+)/)) + Number(field(/System time \(seconds\): (\S+)/))) * 1000,
    userMs: Number(field(/User time \(seconds\): (\S+)/)) * 1000,
    maxRss: Number(field(/Maximum resident set size \(kbytes\): (\d+)/)) * 1024,
  };
}

// ---------------------------------------------------------------- memory sampler
function readProc(pid, name) {
  try { return readFileSync(`/proc/${pid}/${name}`, 'utf8'); } catch { return undefined; }
}
/** The pid and all its descendants. */
function tree(root) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = readProc(d, 'stat');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(d));
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}
const kB = (text, key) => { const m = text?.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm')); return m ? Number(m[1]) * 1024 : 0; };

/**
 * Samples the browser's processes every `ms`; `stop()` returns the peaks. playwright-core
 * launches Chromium as a child of this node process, and nothing else runs below it meanwhile
 * (the native runs are over), so Chromium's processes are this process's descendants.
 */
function sampler(ms = opts.sampleMs) {
  const rootPid = process.pid;
  const kinds = new Map();
  const peak = { rssSum: 0, pssSum: 0, rendererRss: 0, rendererPss: 0, processes: 0, samples: 0 };
  const sample = () => {
    let rssSum = 0, pssSum = 0, n = 0;
    for (const pid of tree(rootPid)) {
      if (pid === rootPid) continue;
      if (!kinds.has(pid)) {
        const cmd = readProc(pid, 'cmdline');
        if (cmd === undefined) continue;
        kinds.set(pid, cmd.match(/--type=([\w-]+)/)?.[1] ?? 'browser');
      }
      const rss = kB(readProc(pid, 'status'), 'VmRSS');
      const pss = kB(readProc(pid, 'smaps_rollup'), 'Pss');
      rssSum += rss; pssSum += pss; n++;
      if (kinds.get(pid) === 'renderer') {
        peak.rendererRss = Math.max(peak.rendererRss, rss);
        peak.rendererPss = Math.max(peak.rendererPss, pss);
      }
    }
    peak.rssSum = Math.max(peak.rssSum, rssSum);
    peak.pssSum = Math.max(peak.pssSum, pssSum);
    peak.processes = Math.max(peak.processes, n);
    peak.samples++;
    return { rssSum, pssSum };
  };
  if (!(ms > 0)) return { first: {}, stop: () => ({}) };
  const first = sample();
  const timer = setInterval(sample, ms);
  return { first, stop: () => { clearInterval(timer); sample(); return peak; } };
}

// ---------------------------------------------------------------- one browser run
/**
 * A fresh browser (so the memory sum counts only this run, and a crashed tab cannot leak into
 * the next run), a fresh context, the real page; pick the file and wait for the rendered report.
 */
async function browserRun(origin, file) {
  const browser = await launch(opts.jsFlags ? [`--js-flags=${opts.jsFlags}`] : []);
  const result = { status: 'ok' };
  let mem;
  try {
    const { context, page, errors } = await openPage(browser, origin);
    await page.goto(origin + '/');
    await page.waitForSelector('#file-input', { state: 'attached' });
    if (opts.warm) {
      await page.click('#example-button');
      await page.waitForSelector('.viewer[data-loaded="true"]', { timeout: opts.timeout * 1000 });
      await page.click('text=Open another…');
      await page.waitForSelector('#file-input', { state: 'attached' });
    }
    await armOpenTimer(page);
    await page.waitForTimeout(300); // let the worker start and the page settle
    mem = sampler();
    result.idlePssSum = mem.first.pssSum;
    result.idleRssSum = mem.first.rssSum;
    let crashed;
    const crash = new Promise((ok) => { crashed = ok; });
    page.on('crash', () => crashed('crash'));
    const t0 = performance.now();
    try {
      await page.setInputFiles('#file-input', file);
      const outcome = await Promise.race([
        page.waitForSelector('.viewer[data-loaded="true"], #error', { timeout: opts.timeout * 1000 })
          .then(async (el) => ((await el.getAttribute('id')) === 'error' ? 'error' : 'ok')),
        crash,
      ]);
      result.harnessMs = performance.now() - t0;
      result.wallMs = await openTime(page).catch(() => NaN);
      if (outcome === 'ok') {
        result.openedMs = Number(await page.getAttribute('body', 'data-opened-ms'));
        result.decodeMs = Number(await page.getAttribute('body', 'data-decode-ms'));
      } else if (outcome === 'error') {
        result.status = `error shown: ${(await page.innerText('#error')).trim().replace(/\s+/g, ' ').slice(0, 160)}`;
      } else {
        result.status = `tab crashed after ${(result.harnessMs / 1000).toFixed(1)} s (out of memory?)`;
      }
    } catch (e) {
      result.harnessMs = result.wallMs = performance.now() - t0;
      result.status = /Timeout/i.test(String(e)) ? `timed out after ${opts.timeout} s`
        : /crash/i.test(String(e)) ? 'tab crashed (out of memory?)'
          : `failed: ${String(e).split('\n')[0]}`;
    }
    Object.assign(result, mem.stop());
    mem = undefined;
    if (result.status !== 'ok' && errors.length) result.status += ` — ${errors[0].slice(0, 160)}`;
    if (result.status === 'ok') {
      // The page's main-thread JS heap (the decode worker's wasm memory is not in it).
      try {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Performance.enable');
        const { metrics } = await cdp.send('Performance.getMetrics');
        result.jsHeapUsed = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
      } catch { /* not worth failing a run for */ }
    }
  } catch (e) {
    result.status = `failed: ${String(e).split('\n')[0]}`;
  } finally {
    if (mem) Object.assign(result, mem.stop());
    await browser.close().catch(() => {});
  }
  return result;
}

// ---------------------------------------------------------------- report
function log(msg) { console.error(`bench-browser: ${msg}`); }
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');
const mib = (b) => (Number.isFinite(b) && b > 0 ? `${Math.round(b / MiB).toLocaleString('en-US')} MiB` : '—');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : '—');
const int = (n) => n.toLocaleString('en-US');

function machine(loadStart, started) {
  const out = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return '?'; } };
  return {
    date: started.toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model ?? '?',
    nproc: out('nproc', []),
    memGiB: (totalmem() / 1024 ** 3).toFixed(1),
    chromium: out(CHROMIUM, ['--version']),
    node: process.version,
    loadStart,
    loadEnd: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

function markdown(m, rows) {
  const L = [];
  L.push(`Browser benchmark — ${m.date}`, '');
  L.push(`Machine: ${m.cpu}, nproc ${m.nproc}, ${m.memGiB} GiB; ${m.chromium} (headless); node ${m.node}.`);
  L.push(`Load average (1/5/15 min): ${m.loadStart} at start, ${m.loadEnd} at end. ${opts.runs} run(s) per size, native and browser alternating; timeout ${opts.timeout} s; `
    + `${opts.warm ? 'warm (the built-in example opened first in the same page)' : 'cold (the file is the page\'s first decode)'}; memory sampled ${opts.sampleMs > 0 ? `every ${opts.sampleMs} ms` : 'never'}`
    + `${opts.jsFlags ? `; Chromium --js-flags=${opts.jsFlags}` : ''}.`, '');
  L.push('Medians over the successful runs. drop → report: timed in the page, from the file input\'s `change` event to the first frame with all views rendered (`.viewer[data-loaded]`); '
    + 'harness wait: the same, as the harness saw it (Playwright re-checks at growing intervals, up to 500 ms apart, so it can be ~0.5 s late); '
    + 'worker decode: `data-decode-ms`; peak memory: sum over all Chromium processes (RSS / PSS) and the largest renderer (page + decode worker), '
    + 'sampled as above; ratio: median over runs of worker decode ÷ native wall of the same run (native and browser alternate).', '');
  L.push('| sockets (TIME_WAIT) | .tar.gz | native wall | native CPU | native max RSS | browser drop → report | worker decode | peak RSS sum / PSS sum | peak renderer RSS / PSS | decode ÷ native | browser runs ok |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const okB = r.runs.filter((x) => x.browser.status === 'ok');
    const okN = r.runs.filter((x) => x.native.status === 'ok');
    const ratios = r.runs.filter((x) => x.browser.status === 'ok' && x.native.status === 'ok').map((x) => x.browser.decodeMs / x.native.wallMs);
    const mb = (k) => median(okB.map((x) => x.browser[k]));
    const allB = (k) => median(r.runs.map((x) => x.browser[k]));
    L.push(`| ${int(r.snap.sockets)} (${int(r.snap.time_wait)}) | ${(r.snap.bytes / 1e6).toFixed(1)} MB | ${sec(median(okN.map((x) => x.native.wallMs)))} | ${sec(median(okN.map((x) => x.native.cpuMs)))} | ${mib(median(okN.map((x) => x.native.maxRss)))} `
      + `| ${sec(mb('wallMs'))} | ${sec(mb('decodeMs'))} | ${mib(allB('rssSum'))} / ${mib(allB('pssSum'))} | ${mib(allB('rendererRss'))} / ${mib(allB('rendererPss'))} | ${ratio(median(ratios))} | ${okB.length} of ${r.runs.length} |`);
  }
  L.push('', 'All runs (peak memory is measured for failed runs too, up to the failure):', '');
  L.push('| sockets | run | native wall / CPU / max RSS | browser result | drop → report | harness wait | page marker | worker decode | peak RSS sum / PSS sum | peak renderer RSS / PSS | idle PSS sum | page JS heap | decode ÷ native |');
  L.push('|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    for (const [i, x] of r.runs.entries()) {
      const n = x.native, b = x.browser;
      const nat = n.status === 'ok' ? `${sec(n.wallMs)} / ${sec(n.cpuMs)} / ${mib(n.maxRss)}` : n.status;
      L.push(`| ${int(r.snap.sockets)} | ${i + 1} | ${nat} | ${b.status.replace(/\|/g, '\\|')} | ${sec(b.wallMs)} | ${sec(b.harnessMs)} | ${sec(b.openedMs)} | ${sec(b.decodeMs)} `
        + `| ${mib(b.rssSum)} / ${mib(b.pssSum)} | ${mib(b.rendererRss)} / ${mib(b.rendererPss)} | ${mib(b.idlePssSum)} | ${mib(b.jsHeapUsed)} `
        + `| ${b.status === 'ok' && n.status === 'ok' ? ratio(b.decodeMs / n.wallMs) : '—'} |`);
    }
  }
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------- main
const started = new Date();
const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const server = await serve(DIST);
const rows = [];
try {
  for (const n of opts.sizes) {
    const snap = snapshot(n);
    const row = { snap, runs: [] };
    rows.push(row);
    for (let i = 1; i <= opts.runs; i++) {
      const nat = native(snap.file);
      log(`${int(snap.sockets)} sockets, run ${i}/${opts.runs}: native ${nat.status === 'ok' ? `${sec(nat.wallMs)} wall, ${sec(nat.cpuMs)} CPU, ${mib(nat.maxRss)}` : nat.status}`);
      const br = await browserRun(server.origin, snap.file);
      log(`${int(snap.sockets)} sockets, run ${i}/${opts.runs}: browser ${br.status}; drop → report ${sec(br.wallMs)}, decode ${sec(br.decodeMs)}, `
        + `peak RSS sum ${mib(br.rssSum)}, PSS sum ${mib(br.pssSum)}, renderer ${mib(br.rendererRss)} (${br.samples} samples of ${br.processes} processes)`);
      row.runs.push({ native: nat, browser: br });
    }
  }
} finally {
  await server.close();
}
const m = machine(loadStart, started);
const md = markdown(m, rows);
mkdirSync(join(opts.out, '..'), { recursive: true });
writeFileSync(opts.out, md);
writeFileSync(opts.out.replace(/(\.md)?$/, '.json'), JSON.stringify({ machine: m, options: opts, rows }, null, 1));
process.stdout.write('\n' + md);
log(`wrote ${relative(process.cwd(), opts.out)} (and .json)`);
