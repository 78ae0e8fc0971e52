// WASM in Node: module size (raw cargo output, after wasm-bindgen + wasm-opt, gzip -9,
// brotli), cold compile / instantiate of the shipped module, and the warm cost of one
// decision through the JS boundary (Router.decide) — to compare with the native decision.
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

export async function wasmNode({ iterations = 20000 } = {}) {
  // --target web output needs an ES module context: copy it next to {"type":"module"}.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zd-bench-wasm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  fs.copyFileSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router.js'), path.join(dir, 'zd_dl_router.js'));
  const bytes = fs.readFileSync(path.join(ROOT, 'dist', 'chrome', 'zd_dl_router_bg.wasm'));
  const url = pathToFileURL(path.join(dir, 'zd_dl_router.js')).href;

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
  router.observeTicket('acme', {
    ticket: { id: 4711, subject: 'Production logs after upgrade', status: 'open', requester_id: 501, organization_id: 9 },
    organizations: [{ id: 9, name: 'ACME Corp.' }],
    users: [{ id: 501, name: 'Jane Doe' }],
  }, NOW);
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

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = { sizes: wasmSizes(), node: await wasmNode() };
  console.log(process.argv.includes('--json') ? JSON.stringify(out) : out);
}
