// `./build.sh bench`: the router's cost, against a baseline, in one run (≤ 10 minutes).
//
//   node tests/bench/run.mjs [--quick] [--no-browsers] [--no-firefox] [--no-native] [--only records]
//
// 1. native core (cargo bench --bench router; unpack vs tar -xzf: --bench unpack)  2. WASM in Node (size, cold start, boundary)
// 3. Chromium end to end, extension vs none           4. memory after 1,000 routed downloads
// 5. Firefox click → file complete, add-on vs none
// 3/5 also: the cold click (the background asleep, ticket known from storage.session), the
//    product vs the floor extension (tests/bench/floor), alternating launches
// 6. records at 50,000 files: the core's cost per download in Node (vs 0 records loaded), one
//    record write in Chromium's storage.local (vs 0 stored, vs the old 5,000-element array)
//    and the worker's one-off load
// --only native|wasm|chromium|firefox|records runs that part alone (results in
// target/bench-results-<part>.json; the chart is left alone).
// Writes bench-results.json and docs/bench/latency.png (python3 + matplotlib, installed into
// target/bench-venv when missing), prints: figure | with extension | baseline | ratio | target | met?
//
// Environment: E2E_EXT_CHROMIUM / E2E_EXT_FIREFOX (another extension folder), BENCH_MS (native
// time per case, default 300), BENCH_N (clicks per mode, default 10; cold clicks: BENCH_N per
// extension, over BENCH_N / 2 launches each).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wasmSizes, wasmNode, recordsNode } from './wasm-node.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const ONLY = args.has('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const part = (name) => !ONLY || ONLY === name;
const N = Number(process.env.BENCH_N ?? (QUICK ? 4 : 10));
const log = (...a) => console.error('==>', ...a);
const started = Date.now();

const pct = (xs, p) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs) => pct(xs, 50);
const fmtMs = (v) => (v == null ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const percentiles = (xs) => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: pct(xs, 100), n: xs.length });
const spread = (xs) => `${fmtMs(Math.min(...xs))} / ${fmtMs(median(xs))} / ${fmtMs(Math.max(...xs))} ms`;

const results = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
  loadAverageAtStart: os.loadavg(),
  extension: { chromium: process.env.E2E_EXT_CHROMIUM ?? 'dist/chrome', firefox: process.env.E2E_EXT_FIREFOX ?? 'dist/firefox' },
};
const rows = []; // {figure, ext, base, ratio, target, met, unit}
const chart = []; // panels of docs/bench/latency.png
const row = (figure, ext, base, { unit = '', target = null, met = null, ratio } = {}) =>
  rows.push({ figure, ext, base, ratio: ratio !== undefined ? ratio : (typeof ext === 'number' && base ? ext / base : null), target, met, unit });

// ---- 1. native ---------------------------------------------------------------------------------
if (part('native') && !args.has('--no-native')) {
  log('native core: cargo bench --bench router');
  // Own target dir and panic=unwind: the bench profile inherits panic=abort from release, which
  // cargo ignores for the bench crate itself (a lib built twice → "filename collision" errors).
  const r = spawnSync('cargo', ['bench', '--bench', 'router', '--', '--json'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CARGO_PROFILE_BENCH_PANIC: 'unwind', CARGO_TARGET_DIR: path.join(ROOT, 'target', 'bench-native'), BENCH_MS: process.env.BENCH_MS ?? (QUICK ? '100' : '300') },
  });
  if (r.status !== 0) throw new Error('cargo bench failed');
  results.native = JSON.parse(r.stdout.trim().split('\n').pop());
  const c = (prefix) => results.native.cases.find((x) => x.name.startsWith(prefix));
  const known = c('decide: routed, ticket known (token index)');
  row('native decisions/s, routed, ticket known (1 core)', known.opsPerSec, null, { target: '≥ 1,000,000/s', met: known.opsPerSec >= 1e6, unit: '/s' });
  row('native decisions/s, routed via referrer', c('decide: routed, ticket known (referrer)').opsPerSec, null, { unit: '/s' });
  row('native decisions/s, 4 rules + date template', c('decide: routed, 4 rules').opsPerSec, null, { unit: '/s' });
  row('native decisions/s, pass-through (not Zendesk)', c('decide: pass-through').opsPerSec, null, { unit: '/s' });
  row('template render + sanitize, hostile 2 KB name', c('template render').nsPerOp / 1000, null, { unit: 'µs' });
  row('settings validation, 4 rules', c('settings: validate 4 rules').nsPerOp / 1000, null, { unit: 'µs' });
  log('native unpack: cargo bench --bench unpack (a log .tar.gz vs tar -xzf)');
  const u = spawnSync('cargo', ['bench', '--bench', 'unpack', '--', '--json'], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CARGO_PROFILE_BENCH_PANIC: 'unwind', CARGO_TARGET_DIR: path.join(ROOT, 'target', 'bench-native'), BENCH_UNPACK_MB: process.env.BENCH_UNPACK_MB ?? (QUICK ? '50' : '200') },
  });
  if (u.status !== 0) throw new Error('cargo bench --bench unpack failed');
  results.unpack = JSON.parse(u.stdout.trim().split('\n').pop()).unpack;
  const mb = Math.round(results.unpack.unpackedBytes / 1e6);
  row(`unpack ${mb} MB log .tar.gz (s): ours vs tar -xzf`, results.unpack.oursSeconds, results.unpack.tarSeconds, { unit: 's', target: '≤ 1.5×', met: results.unpack.ratio <= 1.5 });
}

// ---- 2. WASM in Node ---------------------------------------------------------------------------
if (part('wasm')) {
  log('WASM: sizes, cold start and boundary cost in Node');
  results.wasm = { sizes: wasmSizes(), node: await wasmNode({ iterations: QUICK ? 5000 : 20000 }) };
  const s = results.wasm.sizes;
  const budget = Number(/WASM_GZIP_BUDGET:-(\d+)/.exec(fs.readFileSync(path.join(ROOT, 'build.sh'), 'utf8'))?.[1] ?? NaN);
  row('WASM shipped, gzip -9 (KB)', s.shippedGzipBytes / 1000, null, { unit: 'KB', target: `≤ 90 (build.sh budget: ${budget / 1000})`, met: s.shippedGzipBytes <= 90_000 });
  row('WASM shipped, raw / brotli (KB)', s.shippedBytes / 1000, null, { unit: 'KB' });
  const n = results.wasm.node;
  row('WASM cold compile + instantiate + new Router (Node)', n.coldTotalMsMedian, null, { unit: 'ms' });
  const nativeRef = results.native?.cases.find((x) => x.name.startsWith('decide: routed, ticket known (referrer)'));
  row('one routed decision: WASM via boundary vs native', n.decideRoutedUs, nativeRef ? nativeRef.nsPerOp / 1000 : null, { unit: 'µs' });
  const nativePass = results.native?.cases.find((x) => x.name.startsWith('decide: pass-through'));
  row('one pass-through decision: WASM vs native', n.decidePassUs, nativePass ? nativePass.nsPerOp / 1000 : null, { unit: 'µs' });
}

// ---- cold click, product vs floor (Chromium and Firefox) -----------------------------------
/** Runs coldClickBench for `kind` and adds its rows; returns its result (null when it failed). */
async function coldPart(kind, label) {
  const { coldClickBench } = await import('./browser.mjs');
  const launches = Math.ceil(N / 2);
  log(`${label} cold click, product vs floor (${launches} launches each, 2 clicks per launch)`);
  let cold;
  try {
    cold = results[`${kind}Cold`] = await coldClickBench({ kind, launches, clicks: 2, log });
  } catch (err) {
    results[`${kind}Cold`] = { error: String(err.stack ?? err) };
    log(`${label} cold click failed: ${err.message}`);
    row(`${label} cold click: NOT MEASURED (${err.message.split('\n')[0].slice(0, 120)})`, null, null, { met: false });
    return null;
  }
  const { product: p, floor: f } = cold;
  const ok = [...p, ...f].every((x) => x.routed && x.stoppedBeforeClick && x.restarted);
  const ms = (xs) => xs.map((x) => x.clickToCompleteMs);
  const [pm, fm] = [median(ms(p)), median(ms(f))];
  row(`${label} cold click → 64 KB file complete, ticket known from storage.session, product vs floor, median (n=${p.length} / ${f.length}, alternating launches; every click routed, on a background asleep before it and started by it: ${ok ? 'yes' : '**no**'})`, pm, fm, { unit: 'ms', target: 'ratio ≤ 1.10', met: ok && pm / fm <= 1.10 });
  row('… min / median / max', spread(ms(p)), spread(ms(f)), { ratio: null });
  const starts = (xs) => xs.map((x) => x.startAfterClickMs);
  row(`… click → ${kind === 'firefox' ? "event page running ('background-script-started')" : 'worker started (its performance.timeOrigin)'}, median`, median(starts(p)), median(starts(f)), { unit: 'ms' });
  chart.push({ title: `${label} cold click → 64 KB file complete`, series: [
    { label: 'product', n: p.length, percentiles: percentiles(ms(p)) }, { label: 'floor', n: f.length, percentiles: percentiles(ms(f)) }] });
  return cold;
}

// ---- 3/4. Chromium -----------------------------------------------------------------------------
if (results.wasm) {
  const n = results.wasm.node;
  const ms = (xs) => xs.map((x) => x / 1000);
  chart.push({ title: 'Node: one decision through the WASM boundary', series: [
    { label: 'routed (ticket known)', n: n.routedSamplesUs.length, percentiles: percentiles(ms(n.routedSamplesUs)) },
    { label: 'pass-through (baseline)', n: n.passSamplesUs.length, percentiles: percentiles(ms(n.passSamplesUs)) }] });
  results.wasm.node.routedPercentilesUs = percentiles(n.routedSamplesUs);
  results.wasm.node.passPercentilesUs = percentiles(n.passSamplesUs);
  delete n.routedSamplesUs; delete n.passSamplesUs;
}
let chromium = null;
if (part('chromium') && !args.has('--no-browsers')) {
  const { chromiumBench } = await import('./browser.mjs');
  log(`Chromium end to end (N=${N} per mode)`);
  try {
    chromium = await chromiumBench({ n: N, rounds: QUICK ? 2 : 5, knownN: QUICK ? 40 : 100, freshN: QUICK ? 4 : 10, log });
  } catch (err) {
    results.chromium = { error: String(err.stack ?? err) };
    log(`Chromium bench failed: ${err.message}`);
    row(`Chromium end to end: NOT MEASURED (${err.message.split('\n')[0].slice(0, 120)})`, null, null, { met: false });
  }
}
if (chromium) {
  const c = chromium;
  results.chromium = c;
  const e = c.ext, b = c.base;
  const f3 = (v) => (v == null ? '—' : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const pcell = (p) => `${f3(p.p50)} / ${f3(p.p95)} / ${f3(p.p99)} ms`;
  const cEx = median(e.clickToComplete), cBa = median(b.clickToComplete);
  row(`Chromium click → 1 MB file complete, median (n=${e.clickToComplete.length} each)`, cEx, cBa, { unit: 'ms', target: 'ratio ≤ 1.05', met: cEx / cBa <= 1.05 });
  const sEx = median(e.clickToCompleteSmall), sBa = median(b.clickToCompleteSmall);
  row(`Chromium click → 16 KB file complete, median (n=${e.clickToCompleteSmall.length} each)`, sEx, sBa, { unit: 'ms' });
  const sk = percentiles(e.suggest.known.concat(e.suggest.big));
  results.chromium.suggestKnownPercentiles = sk;
  row(`onDeterminingFilename → suggest, ticket known, p50 / p95 / p99 (n=${sk.n})`, pcell(sk), null, { target: 'p99 ≤ 1 ms', met: sk.n ? sk.p99 <= 1 : null, ratio: null });
  const truly = e.resolvedDetail.filter((d) => d.apiRequestsAfterClick > 0).length;
  const sr = percentiles(e.suggest.resolved);
  results.chromium.suggestResolvedPercentiles = sr;
  row(`… ticket resolved through the API (page just opened; ${truly}/${sr.n} still loading at the click), p50 / p95 / p99`, pcell(sr), null, { ratio: null });
  const sb = percentiles(e.burst.flatMap((x) => x.suggest ?? []));
  results.chromium.suggestBurstPercentiles = sb;
  row(`… during the bursts (ticket known, 20 tabs, up to 20 pending), p50 / p95 / p99 (n=${sb.n})`, pcell(sb), null, { ratio: null });
  const be = e.burst[0], bb = b.burst[0];
  row(`burst 200 attachments / 20 tickets, total (landed ${be.landed}/${be.total}, routed ${be.underZendesk})`, be.ms, bb.ms, { unit: 'ms', target: 'ratio ≤ 1.05, 0 lost', met: be.ms / bb.ms <= 1.05 && be.landed === be.total && be.underZendesk === be.total });
  if (e.burst.length > 1 && b.burst.length > 1) {
    const rest = median(e.burst.slice(1).map((x) => x.ms));
    row(`… later rounds, median (ext rounds 2–${e.burst.length}, all routed: ${e.burst.every((x) => x.underZendesk === x.total)}; baseline round 2)`, rest, b.burst[1].ms, { unit: 'ms' });
  }
  const maxTicketJson = Math.max(...e.apiPerTicket.map((x) => x.ticketJson));
  const maxAll = Math.max(...e.apiPerTicket.map((x) => x.all));
  row(`API ticket loads per ticket over ${e.burst.length} bursts (max; all API requests)`, maxTicketJson, null, { target: '≤ 1', met: maxTicketJson <= 1, ratio: null });
  rows.at(-1).extra = maxAll;
  const mem = e.memory.at(-1);
  if (mem && e.memoryIdle) {
    const measured = e.memory.filter((m) => m.jsHeapUsedBytes != null);
    const sameWorker = measured.every((m) => m.workerOrigin === e.memoryIdle.workerOrigin);
    const mb = (x) => (x == null ? 'timeout' : (x / 1e6).toFixed(2));
    row(`worker JS heap before → right after ${mem.routedDownloads} routed downloads (after GC; after each 200: ${e.memory.map((m) => mb(m.jsHeapUsedBytes)).join(', ')} MB${sameWorker ? '' : '; worker restarted in between'})`, `${mb(e.memoryIdle.jsHeapUsedBytes)} → ${mb(mem.jsHeapUsedBytes)} MB`, null, { ratio: null });
    const settled = e.memorySettled?.filter((m) => m.jsHeapUsedBytes != null).at(-1);
    if (settled) row(`… the same ${settled.workerOrigin === mem.workerOrigin ? 'worker' : 'extension (worker restarted)'} ${(settled.afterMs / 1000).toFixed(0)} s after the last burst (nothing clicked)`, `${mb(settled.jsHeapUsedBytes)} MB`, null, { ratio: null });
    const wm = [...measured, ...(e.memorySettled ?? [])].filter((m) => m.wasmMemoryBytes != null).at(-1);
    if (wm) row(`WASM linear memory before → after ${mem.routedDownloads}`, `${mb(e.memoryIdle.wasmMemoryBytes)} → ${mb(wm.wasmMemoryBytes)} MB`, null, { ratio: null });
  }
  chart.push({ title: 'Chromium click → 1 MB file complete', series: [
    { label: 'with extension', n: e.clickToComplete.length, percentiles: percentiles(e.clickToComplete) },
    { label: 'baseline', n: b.clickToComplete.length, percentiles: percentiles(b.clickToComplete) }] });
  chart.push({ title: 'Chromium click → 16 KB file complete', series: [
    { label: 'with extension', n: e.clickToCompleteSmall.length, percentiles: percentiles(e.clickToCompleteSmall) },
    { label: 'baseline', n: b.clickToCompleteSmall.length, percentiles: percentiles(b.clickToCompleteSmall) }] });
  chart.push({ title: 'Chromium onDeterminingFilename → suggest\n(no baseline: without the extension nothing waits)', target: 1, log: true, series: [
    { label: 'ticket known', n: sk.n, percentiles: sk },
    { label: 'during bursts', n: sb.n, percentiles: sb },
    { label: 'resolved via API', n: sr.n, percentiles: sr }] });
}
if (part('chromium') && !args.has('--no-browsers')) {
  const cold = await coldPart('chromium', 'Chromium');
  const firsts = (xs) => xs.map((x) => x.firstSuggestMs).filter((x) => x != null);
  if (cold) {
    const p = firsts(cold.product), f = firsts(cold.floor);
    const cell = (xs) => `${fmtMs(median(xs))} / ${fmtMs(pct(xs, 100))} ms`;
    row(`Chromium worker start → first suggest, median / max (the cold clicks: the woken worker's onDeterminingFilename → suggest, as it records it; n=${p.length} / ${f.length})`, cell(p), cell(f), { target: '≤ 8 / 15 ms', met: p.length === cold.product.length && median(p) <= 8 && pct(p, 100) <= 15, ratio: null });
    const field = (xs, key) => xs.map((x) => x[key]).filter((x) => x != null);
    const [ps, fs] = [field(cold.product, 'startToSuggestMs'), field(cold.floor, 'startToSuggestMs')];
    row(`… from the worker's start (performance.timeOrigin) to its first suggest, median / max (n=${ps.length} / ${fs.length})`, cell(ps), cell(fs), { ratio: median(ps) / median(fs) });
    const ready = field(cold.product, 'startToReadyMs');
    row(`… from the worker's start to the router ready (WASM, settings, knowledge), median / max (n=${ready.length})`, cell(ready), null, { ratio: null });
    chart.push({ title: 'Chromium cold worker: onDeterminingFilename → suggest', target: 8, series: [
      { label: 'product', n: p.length, percentiles: percentiles(p) }, { label: 'floor', n: f.length, percentiles: percentiles(f) }] });
  }
}
if (part('firefox') && !args.has('--no-browsers') && !args.has('--no-firefox')) {
  const { firefoxBench } = await import('./browser.mjs');
  {
    log(`Firefox click → file complete (N=${Math.max(4, Math.ceil(N / 2))} per mode)`);
    try {
      const f = await firefoxBench({ n: Math.max(4, Math.ceil(N / 2)), log });
      results.firefox = f;
      const fe = median(f.ext), fb = median(f.base);
      row('Firefox click → 1 MB file complete, median', fe, fb, { unit: 'ms', target: 'ratio ≤ 1.05', met: fe / fb <= 1.05 });
      chart.push({ title: 'Firefox click → 1 MB file complete', series: [
        { label: 'with add-on', n: f.ext.length, percentiles: percentiles(f.ext) },
        { label: 'baseline', n: f.base.length, percentiles: percentiles(f.base) }] });
    } catch (err) {
      results.firefox = { error: String(err.stack ?? err) };
      log(`Firefox failed: ${err.message}`);
    }
  }
  await coldPart('firefox', 'Firefox');
}

// ---- 6. records at 50,000 files ----------------------------------------------------------------
if (part('records')) {
  log('records: core cost per download with 0 / 5,000 / 50,000 records loaded (Node)');
  const rn = await recordsNode({ batches: QUICK ? 5 : 15 });
  results.records = { node: rn };
  const us = rn.perDownloadUs;
  row('records: core per download (recordStarted + observeDownload), 50,000 vs 0 records loaded (Node)', us[50000], us[0], { unit: 'µs' });
  row('… 5,000 vs 0 records loaded', us[5000], us[0], { unit: 'µs' });
  row('… loadRecords once per worker start, 50,000 records (Node; 5,000: baseline)', rn.loadMs[50000], rn.loadMs[5000], { unit: 'ms' });
  if (!args.has('--no-browsers')) {
    const { recordsChromium } = await import('./browser.mjs');
    results.records.chromium = [];
    // The shipped extension; when storage.local refuses 50,000 records (its 10 MB quota), again
    // with a copy that has the unlimitedStorage permission, for the figures at 50,000.
    for (const unlimitedStorage of [false, true]) {
      const label = unlimitedStorage ? 'dist/chrome + unlimitedStorage' : 'shipped';
      try {
        const c = await recordsChromium({ record: rn.record, reps: QUICK ? 50 : 200, newestMs: rn.newestMs, unlimitedStorage, log });
        results.records.chromium.push(c);
        const empty = median(c.emptyBefore.concat(c.emptyAfter)), full = median(c.full), legacy = median(c.legacy);
        const stored = c.seed.seeded.toLocaleString('en-US');
        if (c.seed.error) row(`records (${label}): storage.local refused more after ${stored} of ${c.n.toLocaleString('en-US')} records (${(c.seed.bytesInUse / 1e6).toFixed(1)} MB in use, quota ${c.seed.quotaBytes ?? '?'} B: ${c.seed.error.slice(0, 60)})`, null, null, { target: `stores ${c.n.toLocaleString('en-US')}`, met: false });
        row(`records (${label}): one record write, storage.local.set of one key, ${stored} vs 0 stored, Chromium worker, median (n=${c.full.length} / ${c.emptyBefore.length + c.emptyAfter.length})`, full, empty, { unit: 'ms' });
        row(`… one key with ${stored} stored vs the old way (get + rewrite a ${c.legacySize.toLocaleString('en-US')}-element routedFiles), median (n=${c.legacy.length})`, full, legacy, { unit: 'ms' });
        const get = median(c.load.get), load = median(c.load.load);
        const total = median(c.load.get.map((g, i) => g + c.load.load[i]));
        row(`… worker load at ${c.load.loaded.toLocaleString('en-US')}: storage.local.get(null) + loadRecords = total, median (n=${c.load.get.length})`, `${fmtMs(get)} + ${fmtMs(load)} = ${fmtMs(total)} ms`, null, { ratio: null });
        if (!c.seed.error) break;
      } catch (err) {
        results.records.chromium.push({ unlimitedStorage, error: String(err.stack ?? err) });
        log(`records in Chromium (${label}) failed: ${err.message}`);
        row(`records in Chromium (${label}): NOT MEASURED (${err.message.split('\n')[0].slice(0, 120)})`, null, null, { met: false });
      }
    }
  }
}

results.loadAverageAtEnd = os.loadavg();
results.table = rows;
results.chart = chart;
results.elapsedS = (Date.now() - started) / 1000;
const resultsFile = ONLY ? path.join(ROOT, 'target', `bench-results-${ONLY}.json`) : path.join(ROOT, 'bench-results.json');
fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');

// ---- chart -------------------------------------------------------------------------------------
if (chart.length && !ONLY) { // a partial run leaves the full run's chart alone
  const venv = path.join(ROOT, 'target', 'bench-venv');
  const py = path.join(venv, 'bin', 'python3');
  const hasMpl = (bin) => spawnSync(bin, ['-c', 'import matplotlib'], { stdio: 'ignore' }).status === 0;
  let bin = hasMpl('python3') ? 'python3' : py;
  if (!hasMpl(bin)) {
    log('installing matplotlib into target/bench-venv (PyPI)');
    spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    spawnSync(path.join(venv, 'bin', 'pip'), ['install', '-q', 'matplotlib'], { stdio: 'inherit' });
  }
  fs.mkdirSync(path.join(ROOT, 'docs', 'bench'), { recursive: true });
  const r = spawnSync(bin, [path.join(ROOT, 'tests', 'bench', 'chart.py'), path.join(ROOT, 'bench-results.json'), path.join(ROOT, 'docs', 'bench', 'latency.png')], { stdio: 'inherit' });
  if (r.status !== 0) log('chart not written (python3/matplotlib missing?)');
}

// ---- table -------------------------------------------------------------------------------------
const fmt = (v, unit) => {
  if (v == null) return '—';
  if (typeof v === 'string') return v;
  if (unit === '/s') return `${Math.round(v).toLocaleString('en-US')}/s`;
  const d = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return `${v.toFixed(d)}${unit && unit !== '/s' ? ' ' + unit : ''}`;
};
const lines = [
  '| figure | with extension | baseline | ratio | target | met? |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.figure} | ${fmt(r.ext, r.unit)}${r.extra != null ? ` / ${fmt(r.extra, r.unit)}` : ''} | ${fmt(r.base, r.unit)} | ${r.ratio != null ? r.ratio.toFixed(2) : '—'} | ${r.target ?? ''} | ${r.met == null ? '' : r.met ? 'yes' : '**no**'} |`),
];
fs.writeFileSync(path.join(ROOT, 'target', 'bench-table.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
const la = (x) => x.map((v) => v.toFixed(2)).join(' ');
console.log(`\nload average (1/5/15 min) at start ${la(results.loadAverageAtStart)}, at end ${la(results.loadAverageAtEnd)} on ${os.cpus().length} cores`);
console.log(`${path.relative(ROOT, resultsFile)} written; ${results.elapsedS.toFixed(0)} s`);
