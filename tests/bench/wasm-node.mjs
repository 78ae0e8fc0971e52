// WASM in Node: module size (raw cargo output, after wasm-bindgen + wasm-opt, gzip -9,
// brotli), cold compile / instantiate of the shipped module, and the warm cost of one
// decision through the JS boundary (Router.decide) — to compare with the native decision.
// recordsNode: the core's cost per download (recordStarted + observeDownload) with 0, 5,000
// and 50,000 file records loaded, and the one-off loadRecords of a 50,000-record snapshot.
//
//   node tests/bench/wasm-node.mjs [--json]       (reads dist/chrome, the shipped files)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL, fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOW = 1_795_456_906_000;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

export function wasmSizes() {
  const shipped = fs.readFileSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router_bg.wasm'));
  const rawPath = path.join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'zd_dl_router.wasm');
  const raw = fs.existsSync(rawPath) ? fs.statSync(rawPath).size : null;
  const js = fs.statSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router.js')).size;
  return {
    cargoRawBytes: raw, // includes names and DWARF of std: not what ships
    shippedBytes: shipped.length,
    shippedGzipBytes: zlib.gzipSync(shipped, { level: 9 }).length,
    shippedBrotliBytes: zlib.brotliCompressSync(shipped, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    glueJsBytes: js,
  };
}

/** The shipped glue beside {"type":"module"} (--target web output needs an ES module context). */
function shippedGlue() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-bench-wasm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  fs.copyFileSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router.js'), path.join(dir, 'zd_dl_router.js'));
  const bytes = fs.readFileSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router_bg.wasm'));
  return { dir, bytes, url: pathToFileURL(path.join(dir, 'zd_dl_router.js')).href };
}

const TICKET = {
  ticket: { id: 4711, subject: 'Production logs after upgrade', status: 'open', requester_id: 501, organization_id: 9 },
  organizations: [{ id: 9, name: 'ACME Corp.' }],
  users: [{ id: 501, name: 'Jane Doe' }],
};

export async function wasmNode({ iterations = 20000 } = {}) {
  const { dir, bytes, url } = shippedGlue();

  // Cold: a fresh copy of the glue module each time (initSync runs once per module instance).
  const compile = [], instantiate = [], firstRouter = [];
  let mod;
  for (let i = 0; i < 15; i++) {
    const m = await import(`${url}?cold=${i}`);
    const t0 = performance.now();
    const module = await WebAssembly.compile(bytes);
    const t1 = performance.now();
    m.initSync({ module });
    const t2 = performance.now();
    const r = new m.Router({});
    const t3 = performance.now();
    r.free?.();
    compile.push(t1 - t0); instantiate.push(t2 - t1); firstRouter.push(t3 - t2);
    mod = m;
  }

  // Warm: the same decision the extension makes for a known ticket (referrer + ticket record).
  const router = new mod.Router({});
  router.observeTicket('acme', TICKET, NOW);
  const routed = {
    url: 'https://acme.zendesk.com/attachments/token/ZZunindexedTokenAbCdEfGh/?name=x.log',
    referrer: 'https://acme.zendesk.com/agent/tickets/4711',
    filename: 'x.log', mime: 'application/gzip', size: 1 << 20, timeMs: NOW,
  };
  const pass = {
    url: 'https://files.example.org/downloads/tool-1.2.3-linux-x86_64.tar.gz',
    referrer: 'https://files.example.org/', filename: 'tool-1.2.3-linux-x86_64.tar.gz', timeMs: NOW,
  };
  const check = router.decide(routed);
  if (check.action !== 'route') throw new Error(`bench decision is not a route: ${JSON.stringify(check)}`);
  const perCall = (event) => {
    const runs = [];
    for (let rep = 0; rep < 7; rep++) {
      const t0 = performance.now();
      for (let i = 0; i < iterations / 5; i++) router.decide(event);
      runs.push(((performance.now() - t0) * 1000) / (iterations / 5));
    }
    for (let i = 0; i < 200; i++) router.decide(event);
    return Math.min(...runs);
  };
  perCall(routed); // JIT warm-up
  const routedUs = perCall(routed);
  const passUs = perCall(pass);
  // Per-call samples for the latency chart (each call timed alone, µs).
  const samples = (event) => Array.from({ length: 3000 }, () => { const t = performance.now(); router.decide(event); return (performance.now() - t) * 1000; });
  const routedSamples = samples(routed);
  const passSamples = samples(pass);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    compileMsMedian: median(compile),
    instantiateMsMedian: median(instantiate),
    newRouterMsMedian: median(firstRouter),
    coldTotalMsMedian: median(compile.map((c, i) => c + instantiate[i] + firstRouter[i])),
    decideRoutedUs: routedUs,
    decidePassUs: passUs,
    decisionPath: check.path,
    routedSamplesUs: routedSamples,
    passSamplesUs: passSamples,
  };
}

// ---- records at 50,000 files ------------------------------------------------------------------

/** Download `id` (attachment file_<id>.log of ticket 4711) as the worker sees it: the event, the
 *  router's decision, the browser's completion ({state: 'complete', …} of observeDownload). */
function benchDownload(router, id, timeMs) {
  const name = `file_${id}.log`;
  const event = {
    url: `https://acme.zendesk.com/attachments/token/Tk${String(id).padStart(22, '0')}/?name=${name}`,
    referrer: 'https://acme.zendesk.com/agent/tickets/4711', filename: name, mime: 'text/plain', size: 1 << 20, timeMs,
  };
  const decision = router.decide(event);
  const complete = { state: 'complete', filename: `/home/u/Downloads/${decision.path}`, bytes: 1 << 20, startMs: timeMs };
  return { id, timeMs, event, decision, complete, key: `${timeMs}-${id}` };
}

/**
 * A storage.local snapshot of `n` file records shaped like `record` (one the Router wrote):
 * `file:<time>-<id>` keys, ids 1…n, one a minute up to `newestMs`, each its own file and token.
 * Self-contained: browser.mjs runs it in the extension's worker (through its source text).
 */
export function storedSnapshot(record, n, newestMs) {
  const name = record.path.split('/').pop(), token = record.attachment.token;
  const stored = {};
  for (let i = 1; i <= n; i++) {
    const timeMs = newestMs - (n - i) * 60_000;
    const tok = `St${String(i).padStart(22, '0')}`;
    const vary = (s) => s.replaceAll(name, `stored_${i}.log`).replaceAll(token, tok);
    stored[`file:${timeMs}-${i}`] = {
      ...record, downloadId: i, timeMs, attachment: { ...record.attachment, token: tok },
      url: vary(record.url), requested: vary(record.requested), path: vary(record.path), absolute: vary(record.absolute),
    };
  }
  return stored;
}

/** One record exactly as the Router writes it: a real recordStarted, then its completion. */
function writtenRecord(mod) {
  const router = new mod.Router({});
  router.observeTicket('acme', TICKET, NOW);
  const d = benchDownload(router, 0, NOW);
  if (d.decision.action !== 'route') throw new Error(`bench download is not routed: ${JSON.stringify(d.decision)}`);
  const started = router.recordStarted(d.id, d.event, d.decision, d.timeMs).set[`file:${d.key}`];
  const complete = router.observeDownload(d.id, d.complete).set[`file:${d.key}`];
  if (!started || !complete || complete.state !== 'complete') throw new Error('recordStarted/observeDownload wrote no record');
  router.free?.();
  return complete; // stored files are complete: the format of nearly all of 50,000 records
}

export async function recordsNode({ sizes = [0, 5000, 50000], downloads = 200, batches = 15, loadReps = 5 } = {}) {
  const { dir, bytes, url } = shippedGlue();
  const mod = await import(`${url}?records`);
  mod.initSync({ module: bytes });
  const record = writtenRecord(mod);
  const newest = NOW - 60_000;
  const out = { record, newestMs: newest, recordJsonBytes: JSON.stringify(record).length, perDownloadUs: {}, loadMs: {} };
  for (const n of sizes) {
    const stored = storedSnapshot(record, n, newest);
    const router = new mod.Router({});
    router.observeTicket('acme', TICKET, NOW);
    const { loaded, skipped } = router.loadRecords(stored, false);
    if (loaded !== n || skipped.length) throw new Error(`loadRecords: ${loaded}/${n} loaded, skipped ${skipped[0]}`);
    // New downloads, newer than every stored record (the worker appends). Decisions made
    // beforehand: only the records' cost is timed. Each batch is forgotten again (untimed),
    // so every batch runs with exactly n records loaded.
    const ds = Array.from({ length: downloads }, (_, i) => benchDownload(router, 1_000_000 + i, NOW + i * 1000));
    const runs = [];
    for (let b = 0; b < batches + 2; b++) {
      const t0 = performance.now();
      for (const d of ds) {
        router.recordStarted(d.id, d.event, d.decision, d.timeMs);
        router.observeDownload(d.id, d.complete);
      }
      runs.push(((performance.now() - t0) * 1000) / ds.length);
      router.forgetRecords(ds.map((d) => d.key));
    }
    out.perDownloadUs[n] = median(runs.slice(2)); // first two batches: JIT warm-up
    router.free?.();
    if (n === 0) continue;
    const load = [];
    for (let i = 0; i < loadReps; i++) {
      const fresh = new mod.Router({});
      const t0 = performance.now();
      fresh.loadRecords(stored, false);
      load.push(performance.now() - t0);
      fresh.free?.();
    }
    out.loadMs[n] = median(load);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = { sizes: wasmSizes(), node: await wasmNode() };
  console.log(process.argv.includes('--json') ? JSON.stringify(out) : out);
}
