// End-to-end browser benchmarks against the mock Zendesk (same harness as tests/e2e).
//
// Chromium, extension vs no extension (same flags, fresh profile each launch):
//   - click → file complete for 1 MB attachments (N each) and for 100 small ones
//   - onDeterminingFilename → suggest latency, recorded by the extension itself
//     (globalThis.zdDlRouterSuggestMs in its service worker, read with a plain evaluate;
//     nothing is paused or patched): ticket known, ticket resolved through the API
//   - a burst of 200 attachments over 20 tickets; API calls per ticket from the mock log;
//     the extension run repeats it (5 × 200) for memory after 1,000 routed downloads:
//     worker JS heap (Runtime.getHeapUsage after a forced GC) and the WASM memory
//     (Runtime.queryObjects on WebAssembly.Memory.prototype) on the worker target
// Firefox: click → file complete with / without the add-on.
// Cold click (coldClickBench), both browsers: the first download after the background slept
// (Chromium: CDP ServiceWorker.stopAllWorkers; Firefox: the event page suspended after
// `extensions.background.idle.timeout`), ticket known from storage.session, the product
// against the floor extension (tests/bench/floor), alternating launches.
// Records at 50,000 files (recordsChromium): in the extension's worker, one download's record
// write (storage.local.set of one `file:` key) with 0 and with 50,000 records stored, against
// the old per-download get + rewrite of a 5,000-element routedFiles array; and the worker's
// one-off load (storage.local.get(null) + Router.loadRecords) at 50,000.

import fs from 'node:fs';
import path from 'node:path';
import { storedSnapshot } from './wasm-node.mjs';
import {
  DIST, startMock, startProxy, launchChromium, launchFirefox, tempDir, sleep, openPage, waitForSelector,
  attachmentSelector, agentTicketUrl, listTree, partialFiles, fixtures, apiCallsFor, chromiumExtensionId, until, REPO_ROOT,
} from '../e2e/harness.mjs';

const ORG = 'ACME Corp'; // organization 9 ("ACME Corp.") after sanitizing

/** Poll (fast) until downloadDir/rel is complete with `size` bytes; returns performance.now(). */
async function waitComplete(dir, rel, size, timeoutMs = 30_000) {
  const full = path.join(dir, ...rel.split('/'));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (fs.statSync(full).size === size && !fs.existsSync(`${full}.crdownload`) && !fs.existsSync(`${full}.part`)) return performance.now();
    } catch {}
    if (performance.now() > deadline) throw new Error(`timeout waiting for ${rel} in ${dir}: ${JSON.stringify(listTree(dir))}`);
    await sleep(3);
  }
}

/** Click the centre of an element (works in background tabs). */
async function clickEl(page, selector) {
  const box = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, selector);
  await page.mouse.click(box.x, box.y);
}

// ---- fixtures --------------------------------------------------------------------------

let nextId = 8100;
function bigTicket(n, size = 1 << 20) {
  const id = nextId++;
  const t = fixtures.addTicket({
    id, organizationId: 9, subject: `Bench big ${id}`,
    comments: Array.from({ length: n }, (_, i) => [{ fileName: `big_${id}_${i}.bin`, size, contentType: 'application/octet-stream' }]),
  });
  return { id, files: t.comments.flatMap((c) => c.attachments) };
}

// ---- the extension's service worker, read from outside ------------------------------------
//
// Nothing in the worker is paused, patched or wrapped. The extension keeps, in its worker,
// globalThis.zdDlRouterSuggestMs: ms from onDeterminingFilename entry to suggest() for each
// Zendesk decision (last 2,000; platform/chrome/platform.js). Each read attaches a raw CDP
// session to the worker target (Target.attachToTarget from the browser session), evaluates
// and detaches again, under timeouts. Puppeteer's `target.worker()` is not used: its session
// stays attached, and after ServiceWorker.stopAllWorkers the restarted worker then never
// runs (the old handle hangs; the next download waits for Chromium's 15 s timeout).

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const isOurWorker = (id) => (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`);

/** The running service worker targets of extension `id` (0 when stopped). */
async function swTargets(root, id) {
  const { targetInfos } = await withTimeout(root.send('Target.getTargets'), 10_000, 'Target.getTargets');
  return targetInfos.filter(isOurWorker(id));
}

/** Run fn(session) on a fresh CDP session attached to the running worker; detach after. */
async function withWorker(root, id, fn, { timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let targets;
  while ((targets = await swTargets(root, id)).length === 0) {
    if (Date.now() > deadline) throw new Error(`no running service worker of ${id}`);
    await sleep(20);
  }
  const { sessionId } = await withTimeout(root.send('Target.attachToTarget', { targetId: targets.at(-1).targetId, flatten: true }), timeoutMs, 'attach to the worker');
  const session = root.connection().session(sessionId);
  try {
    return await withTimeout(fn(session), timeoutMs, 'worker evaluation');
  } finally {
    await root.send('Target.detachFromTarget', { sessionId }).catch(() => {});
  }
}

async function workerEval(session, expression) {
  const r = await session.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value;
}

/**
 * {origin: the worker's performance.timeOrigin (epoch ms), ms: copy of zdDlRouterSuggestMs,
 * firstAt: ms from the worker's start to its first suggest(), ready: ms from its start to the
 * product's router being ready (its `zd-dl-router: ready` mark; null for the floor)}.
 */
async function suggestLog(root, id) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await withWorker(root, id, (s) => workerEval(s, '({origin: performance.timeOrigin, ms: Array.isArray(globalThis.zdDlRouterSuggestMs) ? globalThis.zdDlRouterSuggestMs.slice() : null, ' +
      'firstAt: globalThis.zdDlRouterFirstSuggestAt ?? null, ready: performance.getEntriesByName(\'zd-dl-router: ready\')[0]?.startTime ?? null})'));
    if (r.ms) return r;
    // A worker that is just starting has not evaluated platform.js yet.
    if (Date.now() > deadline) throw new Error('the extension does not expose globalThis.zdDlRouterSuggestMs (rebuild dist/chrome)');
    await sleep(50);
  }
}

/** suggestLog, or {origin: null, ms: []} when no worker runs (stopped: its array is gone). */
async function suggestLogOrNone(root, id) {
  try {
    return await suggestLog(root, id);
  } catch (err) {
    if ((await swTargets(root, id)).length === 0) return { origin: null, ms: [], error: err.message };
    throw err;
  }
}

/** Suggest latencies recorded since the last mark() (same worker), or all of a restarted worker's. */
function suggestMarks(root, id) {
  let last = null;
  return {
    async mark() { last = await suggestLogOrNone(root, id); },
    async since() {
      const now = await suggestLogOrNone(root, id);
      if (now.ms.length >= 2000) throw new Error('zdDlRouterSuggestMs is full (2,000): phase too long to slice');
      const out = !last || now.origin !== last.origin ? { restarted: !!last, running: now.origin != null, ms: now.ms } : { restarted: false, running: true, ms: now.ms.slice(last.ms.length) };
      last = now;
      return out;
    },
  };
}

async function workerMemory(root, id) {
  return withWorker(root, id, async (s) => {
    await s.send('HeapProfiler.enable').catch(() => {});
    await s.send('HeapProfiler.collectGarbage').catch(() => {});
    const heap = await s.send('Runtime.getHeapUsage');
    let wasmBytes = null;
    try {
      // The module's memory is not a global: find WebAssembly.Memory objects on the heap.
      const proto = await s.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', objectGroup: 'zd-bench' });
      const objs = await s.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'zd-bench' });
      const sizes = await s.send('Runtime.callFunctionOn', {
        objectId: objs.objects.objectId,
        functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength); }',
        returnByValue: true,
      });
      wasmBytes = sizes.result.value.reduce((a, b) => a + b, 0);
      await s.send('Runtime.releaseObjectGroup', { objectGroup: 'zd-bench' }).catch(() => {});
    } catch {}
    const origin = await workerEval(s, 'performance.timeOrigin');
    return { jsHeapUsedBytes: heap.usedSize, jsHeapTotalBytes: heap.totalSize, wasmMemoryBytes: wasmBytes, workerOrigin: origin };
  }, { timeoutMs: 30_000 });
}

/** Wait until the mock saw the ticket JSON of `id` (the content script loads it), then settle. */
async function waitTicketLoaded(mock, id, settleMs = 600, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!mock.log().some((e) => e.path.startsWith(`/api/v2/tickets/${id}.json`) && e.status === 200)) {
    if (Date.now() > deadline) throw new Error(`the extension never loaded ticket ${id} through the API`);
    await sleep(20);
  }
  await sleep(settleMs);
}

/** Poll fast (10 ms) for a visible element. */
async function waitVisible(page, selector, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    }, selector).catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${selector}`);
    await sleep(10);
  }
}

/** A complete file named `name` anywhere under dir that was not in `before`; returns its path. */
async function waitNewFile(dir, name, before, size, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const hit = listTree(dir).find((f) => path.posix.basename(f) === name && !before.has(f) && fs.statSync(path.join(dir, f)).size === size);
    if (hit) return { rel: hit, t: performance.now() };
    if (performance.now() > deadline) throw new Error(`timeout waiting for ${name}: ${JSON.stringify(listTree(dir))}`);
    await sleep(3);
  }
}

// ---- Chromium ------------------------------------------------------------------------------

async function chromiumRun({ withExt, mock, fx, burst, log }) {
  const downloadDir = tempDir('zd-bench-dl-');
  const extDir = withExt ? DIST.chromium : null;
  const session = await launchChromium({ extDir, downloadDir, mockPort: mock.port });
  const { browser } = session;
  const id = withExt ? chromiumExtensionId(extDir) : null;
  const out = { clickToComplete: [], clickToCompleteSmall: [], suggest: { big: [], known: [], resolved: [] }, resolvedDetail: [], burst: [], memory: [] };
  const root = await browser.target().createCDPSession();
  const marks = withExt ? suggestMarks(root, id) : null;
  try {
    if (withExt) {
      await suggestLog(root, id).catch((e) => {
        throw new Error(`Chromium did not start the extension's service worker (${extDir}, id ${id}): ${e.message}`);
      });
    }

    // 1. click → 1 MB file complete, ticket known (page open, ticket loaded by the content script).
    const page = await openPage(browser, agentTicketUrl(fx.big.id));
    await waitForSelector(page, `[data-testid="ticket-panel-${fx.big.id}"][data-loaded="true"]`);
    if (withExt) await waitTicketLoaded(mock, fx.big.id);
    else await sleep(600);
    await marks?.mark();
    for (const f of fx.big.files) {
      const rel = withExt ? `zendesk/${ORG}/${fx.big.id}/${f.fileName}` : f.fileName;
      const t0 = performance.now();
      await clickEl(page, attachmentSelector(fx.big.id, f.fileName));
      out.clickToComplete.push((await waitComplete(downloadDir, rel, f.size)) - t0);
    }
    if (withExt) out.suggest.big = (await marks.since()).ms;
    await page.close();

    // 2. ≥ 100 small downloads of one known ticket, one after another (suggest latency, known).
    {
      const p = await openPage(browser, agentTicketUrl(fx.known.id));
      await waitForSelector(p, `[data-testid="ticket-panel-${fx.known.id}"][data-loaded="true"]`);
      if (withExt) await waitTicketLoaded(mock, fx.known.id, 1000);
      else await sleep(600);
      await marks?.mark();
      for (const f of fx.known.files) {
        const rel = withExt ? `zendesk/${ORG}/${fx.known.id}/${f.fileName}` : f.fileName;
        const t0 = performance.now();
        await clickEl(p, attachmentSelector(fx.known.id, f.fileName));
        out.clickToCompleteSmall.push((await waitComplete(downloadDir, rel, f.size)) - t0);
      }
      if (withExt) out.suggest.known = (await marks.since()).ms;
      await p.close();
    }

    if (withExt) {
      // 3. ticket resolved through the API: click as soon as the link shows on a page just opened.
      for (const t of fx.fresh) {
        const f = t.files[0];
        await marks.mark();
        const p = await browser.newPage();
        await p.goto(agentTicketUrl(t.id), { waitUntil: 'domcontentloaded' });
        await waitVisible(p, attachmentSelector(t.id, f.fileName));
        const clickAt = Date.now();
        const t0 = performance.now();
        await clickEl(p, attachmentSelector(t.id, f.fileName));
        const t1 = await waitComplete(downloadDir, `zendesk/${ORG}/${t.id}/${f.fileName}`, f.size);
        const ms = (await marks.since()).ms;
        const api = apiCallsFor(mock.log(), t.id);
        out.suggest.resolved.push(...ms);
        out.resolvedDetail.push({
          ticket: t.id, suggestMs: ms[0] ?? null, clickToCompleteMs: t1 - t0,
          firstApiRequestAfterClickMs: api.length ? api[0].time - clickAt : null,
          apiRequestsAfterClick: api.filter((e) => e.time >= clickAt).length, // > 0: knowledge was not complete at the click
        });
        await p.close();
      }
    }

    // 4. burst: 200 attachments over 20 tickets (one link per tab per step); the extension
    //    run repeats it (memory after ~1,000 routed downloads).
    const pages = [];
    for (const t of burst.tickets) pages.push(await openPage(browser, agentTicketUrl(t.id)));
    for (const [i, t] of burst.tickets.entries()) await waitForSelector(pages[i], `[data-testid="ticket-panel-${t.id}"][data-loaded="true"]`);
    if (withExt) for (const t of burst.tickets) await waitTicketLoaded(mock, t.id, 0);
    await sleep(1500);
    if (withExt) out.memoryIdle = await workerMemory(root, id);
    const rounds = withExt ? burst.rounds : burst.baselineRounds;
    let zendeskBefore = 0;
    let routedTotal = 0;
    for (let r = 0; r < rounds; r++) {
      await marks?.mark();
      const total = burst.tickets.length * burst.perTicket;
      const startCount = listTree(downloadDir).length;
      const t0 = performance.now();
      for (let k = 0; k < burst.perTicket; k++) {
        for (const [i, t] of burst.tickets.entries()) {
          pages[i].evaluate((sel) => document.querySelector(sel).click(), attachmentSelector(t.id, t.files[k].fileName)).catch(() => {});
        }
        // Next step once this step's downloads exist (partial or complete): no tab has two
        // navigations pending, so none is cancelled.
        const want = startCount + (k + 1) * burst.tickets.length;
        const deadline = performance.now() + 20_000;
        while (listTree(downloadDir).length + partialFiles(downloadDir).length < want && performance.now() < deadline) await sleep(5);
      }
      const deadline = performance.now() + 60_000;
      while ((listTree(downloadDir).length - startCount < total || partialFiles(downloadDir).length) && performance.now() < deadline) await sleep(10);
      const t1 = performance.now();
      const entry = { ms: t1 - t0, landed: listTree(downloadDir).length - startCount, total };
      if (withExt) {
        const zendesk = listTree(downloadDir).filter((f) => f.startsWith('zendesk/') && /\/bulk_/.test(f)).length;
        entry.underZendesk = zendesk - zendeskBefore;
        zendeskBefore = zendesk;
        const s = await marks.since();
        entry.suggest = s.ms;
        entry.workerRestarted = s.restarted;
        entry.workerRunningAfter = s.running;
        routedTotal += entry.underZendesk;
        // The worker may be busy for many seconds after a round (see below): a measurement
        // that times out is recorded as such and the run goes on.
        const m = await workerMemory(root, id).catch((err) => ({ error: err.message }));
        out.memory.push({ routedDownloads: routedTotal, ...m });
      }
      out.burst.push(entry);
      log(`chromium ${withExt ? 'extension' : 'baseline'}: burst round ${r + 1}/${rounds}: ${entry.landed}/${total} in ${entry.ms.toFixed(0)} ms${withExt ? `, ${entry.underZendesk} routed` : ''}`);
    }
    if (withExt) {
      // Right after a round the worker still works off the ✓-mark refreshes the completions
      // triggered (every agent tab asks for its saved links): that backlog is in the heap.
      // Settle (no clicks) and measure again, on the same worker, to tell backlog from growth.
      const t0 = Date.now();
      out.memorySettled = [];
      while (Date.now() - t0 < 20_000) {
        await sleep(4000);
        const m = await workerMemory(root, id).catch((err) => ({ error: err.message }));
        out.memorySettled.push({ afterMs: Date.now() - t0, ...m });
        if (m.jsHeapUsedBytes < 2 * out.memoryIdle.jsHeapUsedBytes) break;
      }
    }
    for (const p of pages) await p.close().catch(() => {});
    if (withExt) {
      const mlog = mock.log();
      out.apiPerTicket = burst.tickets.map((t) => {
        const calls = apiCallsFor(mlog, t.id);
        return { id: t.id, all: calls.length, ticketJson: calls.filter((e) => e.path.startsWith(`/api/v2/tickets/${t.id}.json`)).length };
      });
    }
  } finally {
    await root.detach().catch(() => {});
    await session.close();
    fs.rmSync(downloadDir, { recursive: true, force: true });
  }
  return out;
}

export async function chromiumBench({ n = 10, rounds = 5, knownN = 100, freshN = 10, log = console.error } = {}) {
  const mock = await startMock();
  try {
    const big = bigTicket(n);
    // 100 small attachments, 4 per comment (the content script reads 2 comments per page).
    const knownId = nextId++;
    const kt = fixtures.addTicket({
      id: knownId, organizationId: 9, subject: `Bench known ${knownId}`,
      comments: Array.from({ length: Math.ceil(knownN / 4) }, (_, c) => Array.from({ length: Math.min(4, knownN - c * 4) }, (_, k) => ({ fileName: `known_${c * 4 + k}.bin`, size: 16 * 1024, contentType: 'application/octet-stream' }))),
    });
    const known = { id: knownId, files: kt.comments.flatMap((c) => c.attachments) };
    // Fresh tickets with 10 comments (5 comment pages: the content script's load is 6
    // sequential API requests), clicked as soon as the first link shows: the download's
    // decision has to wait for the ticket to come through the API.
    const fresh = Array.from({ length: freshN }, () => {
      const t = bigTicket(10, 64 * 1024);
      return { id: t.id, files: t.files.slice(0, 1) };
    });
    const bulk = fixtures.addBulkTickets({ firstId: 9100, count: 20, attachmentsPerTicket: 10 });
    const burst = { tickets: bulk.map((t) => ({ id: t.id, files: t.comments.flatMap((c) => c.attachments) })), perTicket: 10, rounds, baselineRounds: Math.min(2, rounds) };
    const fx = { big, known, fresh };
    log('chromium: baseline (no extension)');
    const base = await chromiumRun({ withExt: false, mock, fx, burst, log });
    mock.clearLog();
    log('chromium: with the extension');
    const ext = await chromiumRun({ withExt: true, mock, fx, burst, log });
    return { base, ext };
  } finally {
    await mock.close();
  }
}

// ---- Firefox -------------------------------------------------------------------------------

async function firefoxRun({ withExt, mock, proxy, ticket }) {
  const downloadDir = tempDir('zd-bench-dl-ff-');
  const session = await launchFirefox({ extDir: withExt ? DIST.firefox : null, downloadDir, proxyPort: proxy.port });
  const times = [];
  try {
    const page = await openPage(session.browser, agentTicketUrl(ticket.id));
    await waitForSelector(page, `[data-testid="ticket-panel-${ticket.id}"][data-loaded="true"]`);
    await sleep(withExt ? 1500 : 300);
    for (const f of ticket.files) {
      const rel = withExt ? `zendesk/${ORG}/${ticket.id}/${f.fileName}` : f.fileName;
      const t0 = performance.now();
      await clickEl(page, attachmentSelector(ticket.id, f.fileName));
      times.push((await waitComplete(downloadDir, rel, f.size)) - t0);
    }
  } finally {
    await session.close();
    fs.rmSync(downloadDir, { recursive: true, force: true });
  }
  return times;
}

export async function firefoxBench({ n = 6, log = console.error } = {}) {
  const mock = await startMock();
  const proxy = await startProxy({ targetPort: mock.port });
  try {
    const ticket = bigTicket(n);
    log('firefox: baseline (no add-on)');
    const base = await firefoxRun({ withExt: false, mock, proxy, ticket });
    log('firefox: with the add-on');
    const ext = await firefoxRun({ withExt: true, mock, proxy, ticket });
    return { base, ext };
  } finally {
    await proxy.close();
    await mock.close();
  }
}

// ---- cold click: the product against the floor ---------------------------------------------
//
// The click users live on: the first download after the background slept, the ticket known
// from storage.session (its agent tab open and reported before). Launches alternate product,
// floor, product, floor…; each launch clicks `clicks` attachments of its own 64 KB ticket, the
// background put to sleep before every click and checked to be asleep:
//  - Chromium: CDP ServiceWorker.stopAllWorkers, then Target.getTargets lists no worker of the
//    extension; after the click the worker's performance.timeOrigin is new.
//  - Firefox: `extensions.background.idle.timeout` (ms; Firefox clamps it to 100 ms – 5 min)
//    suspends the event page; the bench reads the add-on's backgroundState ('stopped',
//    what about:debugging shows) in the browser's chrome scope (WebDriver BiDi with
//    MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1), and hears 'background-script-started' after the click.

export const FLOOR = { chromium: path.join(REPO_ROOT, 'tests', 'bench', 'floor', 'chrome'), firefox: path.join(REPO_ROOT, 'tests', 'bench', 'floor', 'firefox') };
const FIREFOX_IDLE_MS = 1000;

/** The attachments of `ticket` but the first, each clicked once the background is asleep
 *  (`sleeper.stop()`, and `sleeper.asleep()` still 300 ms later: the product's work after a
 *  download, the ✓ marks on the agent tab, can wake it again; a few tries): ms to the complete
 *  file, where it landed, whether it was asleep and what `sleeper.woke()` saw. The first is
 *  downloaded before, not measured: a browser's first download (download manager,
 *  connections to the mock) costs the same with any extension or none. */
async function coldClicks(page, downloadDir, ticket, sleeper) {
  const [warm, ...cold] = ticket.files;
  await clickEl(page, attachmentSelector(ticket.id, warm.fileName));
  await waitNewFile(downloadDir, warm.fileName, new Set(), warm.size);
  const out = [];
  for (const f of cold) {
    let stoppedBeforeClick = false;
    for (let tries = 0; tries < 5 && !stoppedBeforeClick; tries++) {
      await sleeper.stop();
      await sleep(300);
      stoppedBeforeClick = await sleeper.asleep();
    }
    const existing = new Set(listTree(downloadDir));
    const clickAt = Date.now();
    const t0 = performance.now();
    await clickEl(page, attachmentSelector(ticket.id, f.fileName));
    const done = await waitNewFile(downloadDir, f.fileName, existing, f.size);
    out.push({ clickToCompleteMs: done.t - t0, path: done.rel, routed: done.rel === `zendesk/${ORG}/${ticket.id}/${f.fileName}`, stoppedBeforeClick, ...(await sleeper.woke(clickAt)) });
  }
  return out;
}

async function chromiumCold({ extDir, product, mock, ticket }) {
  const downloadDir = tempDir('zd-bench-dl-cold-');
  const session = await launchChromium({ extDir, downloadDir, mockPort: mock.port });
  const root = await session.browser.target().createCDPSession();
  const id = chromiumExtensionId(extDir);
  try {
    await suggestLog(root, id); // the worker has started
    const page = await openPage(session.browser, agentTicketUrl(ticket.id));
    await waitForSelector(page, `[data-testid="ticket-panel-${ticket.id}"][data-loaded="true"]`);
    if (product) await waitTicketLoaded(mock, ticket.id, 800);
    await until(`ticket ${ticket.id} in storage.session`, () => withWorker(root, id, (s) => workerEval(s, `chrome.storage.session.get(null).then((v) => JSON.stringify(v).includes('${ticket.id}'))`)), { timeoutMs: 10_000, pollMs: 100 });
    // A page session's ServiceWorker.stopAllWorkers stops every worker of the profile (the
    // browser session has no ServiceWorker domain in Chromium 156).
    const cdp = await page.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    let before;
    return await coldClicks(page, downloadDir, ticket, {
      async stop() {
        before = await suggestLogOrNone(root, id);
        await withTimeout(cdp.send('ServiceWorker.stopAllWorkers'), 10_000, 'ServiceWorker.stopAllWorkers');
        const deadline = Date.now() + 5000;
        while ((await swTargets(root, id)).length && Date.now() < deadline) await sleep(10);
      },
      asleep: async () => (await swTargets(root, id)).length === 0,
      async woke(clickAt) {
        const after = await suggestLog(root, id);
        const restarted = after.origin !== before.origin;
        return {
          restarted, firstSuggestMs: restarted ? (after.ms[0] ?? null) : null, startAfterClickMs: after.origin - clickAt,
          startToSuggestMs: restarted ? after.firstAt : null, startToReadyMs: restarted ? after.ready : null,
        };
      },
    });
  } finally {
    await root.detach().catch(() => {});
    await session.close();
    fs.rmSync(downloadDir, { recursive: true, force: true });
  }
}

async function firefoxCold({ extDir, product, mock, proxy, ticket }) {
  const downloadDir = tempDir('zd-bench-dl-cold-ff-');
  const session = await launchFirefox({ extDir, downloadDir, proxyPort: proxy.port, extraPrefs: { 'extensions.background.idle.timeout': FIREFOX_IDLE_MS } });
  const bidi = session.browser.connection;
  try {
    const { contexts } = await bidi.send('browsingContext.getTree', { 'moz:scope': 'chrome' }).then((r) => r.result);
    const ext = `WebExtensionPolicy.getByID(${JSON.stringify(session.addonId)}).extension`;
    const inChrome = async (expression) => (await bidi.send('script.evaluate', { expression, target: { context: contexts[0].context }, awaitPromise: false, resultOwnership: 'none' })).result.result.value;
    const asleep = async () => (await inChrome(`${ext}.backgroundState`)) === 'stopped';
    const page = await openPage(session.browser, agentTicketUrl(ticket.id));
    await waitForSelector(page, `[data-testid="ticket-panel-${ticket.id}"][data-loaded="true"]`);
    if (product) await waitTicketLoaded(mock, ticket.id, 0);
    await sleep(500); // the agent tab's report reaches the event page (which then stays up ≥ 1 s)
    return await coldClicks(page, downloadDir, ticket, {
      async stop() {
        await until('the event page suspended', asleep, { timeoutMs: 30_000, pollMs: 20 });
        await inChrome(`globalThis.zdBenchWoke = null; ${ext}.once('background-script-started', () => { globalThis.zdBenchWoke = Date.now(); })`);
      },
      asleep,
      async woke(clickAt) {
        const woke = await inChrome('globalThis.zdBenchWoke');
        return { restarted: woke != null, startAfterClickMs: woke != null ? woke - clickAt : null };
      },
    });
  } finally {
    await session.close();
    fs.rmSync(downloadDir, { recursive: true, force: true });
  }
}

/** {product: [...], floor: [...]}: coldClicks' entries of every launch. */
export async function coldClickBench({ kind, launches = 5, clicks = 2, log = console.error }) {
  const mock = await startMock();
  const proxy = kind === 'firefox' ? await startProxy({ targetPort: mock.port }) : null;
  const hadSystemAccess = 'MOZ_REMOTE_ALLOW_SYSTEM_ACCESS' in process.env;
  process.env.MOZ_REMOTE_ALLOW_SYSTEM_ACCESS = '1'; // puppeteer hands process.env to Firefox
  const out = { product: [], floor: [] };
  try {
    for (let i = 0; i < launches; i++) {
      for (const which of ['product', 'floor']) {
        const extDir = which === 'product' ? DIST[kind] : FLOOR[kind];
        const run = kind === 'firefox' ? firefoxCold : chromiumCold;
        const got = await run({ extDir, product: which === 'product', mock, proxy, ticket: bigTicket(1 + clicks, 64 * 1024) });
        out[which].push(...got);
        log(`${kind} cold click, ${which} (launch ${i + 1}/${launches}): ${got.map((x) => `${x.clickToCompleteMs.toFixed(0)} ms${x.routed ? '' : ' NOT ROUTED'}${x.stoppedBeforeClick && x.restarted ? '' : ' NOT COLD'}`).join(', ')}`);
      }
    }
    return out;
  } finally {
    if (!hadSystemAccess) delete process.env.MOZ_REMOTE_ALLOW_SYSTEM_ACCESS;
    await proxy?.close();
    await mock.close();
  }
}

// ---- records at 50,000 files ---------------------------------------------------------------
//
// Each step is one function evaluated in the extension's running worker (its source text, with
// JSON arguments and the shared storedSnapshot builder): the same chrome.storage.local the
// product writes, from the same worker. Nothing of the product is paused or patched; for the
// load a second instance of the shipped core is made in that worker (the product's Router is
// module-scoped): the glue zd_dl_router.js as a classic script, instantiated from the
// extension's own zd_dl_router_bg.wasm.

/** In the worker: `reps` downloads, each one storage.local.set of its new `file:` key (as
 *  background.js's write() does); ms each. The keys are removed again afterwards. */
async function timeRecordWrites({ record, reps, firstId, firstMs }) {
  const ms = [], keys = [];
  for (let i = 0; i < reps; i++) {
    const downloadId = firstId + i, timeMs = firstMs + i * 1000, key = `file:${timeMs}-${downloadId}`;
    const t0 = performance.now();
    await chrome.storage.local.set({ [key]: { ...record, downloadId, timeMs } });
    ms.push(performance.now() - t0);
    keys.push(key);
  }
  await chrome.storage.local.remove(keys);
  return ms;
}

/** In the worker, the old way: per download get the routedFiles array ({downloadId, path,
 *  timeMs, ticket} of the newest `size` files) and store it again with the new entry. */
async function timeLegacyWrites({ record, size, reps }) {
  const entry = (i) => ({ downloadId: i, path: record.path.replace(/[^/]+$/, `f_${i}.log`), timeMs: record.timeMs + i, ticket: record.ticket });
  await chrome.storage.local.set({ routedFiles: Array.from({ length: size }, (_, i) => entry(i)) });
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const { routedFiles = [] } = await chrome.storage.local.get('routedFiles');
    await chrome.storage.local.set({ routedFiles: [...routedFiles, entry(size + i)].slice(-size) });
    ms.push(performance.now() - t0);
  }
  await chrome.storage.local.remove('routedFiles');
  return ms;
}

/** In the worker: store n records in chunks (as n downloads would have); stops at the first
 *  failure (storage.local's quota) and says how far it got. */
async function seedRecords({ record, n, newestMs, chunk }, snapshot) {
  const entries = Object.entries(snapshot(record, n, newestMs));
  let seeded = 0, error = null;
  const t0 = performance.now();
  for (let i = 0; i < entries.length && !error; i += chunk) {
    const part = entries.slice(i, i + chunk);
    try {
      await chrome.storage.local.set(Object.fromEntries(part));
      seeded += part.length;
    } catch (err) {
      error = String(err.message ?? err);
    }
  }
  const bytesInUse = await chrome.storage.local.getBytesInUse(null);
  return { seeded, error, bytesInUse, quotaBytes: chrome.storage.local.QUOTA_BYTES ?? null, ms: performance.now() - t0 };
}

/** In the worker: the one-off load of a worker start, `reps` times: storage.local.get(null),
 *  then loadRecords into a fresh Router of `core` (a second instance of the shipped core). */
async function timeRecordsLoad({ reps }, core) {
  const bytes = await (await fetch(chrome.runtime.getURL('zd_dl_router_bg.wasm'))).arrayBuffer();
  core.initSync({ module: await WebAssembly.compile(bytes) });
  const get = [], load = [];
  let loaded = null;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const stored = await chrome.storage.local.get(null);
    const t1 = performance.now();
    const router = new core.Router({});
    ({ loaded } = router.loadRecords(stored, false));
    get.push(t1 - t0);
    load.push(performance.now() - t1);
    router.free();
  }
  return { get, load, loaded };
}

/** Remove the seeded `file:` keys (in the worker). */
async function removeRecords() {
  const keys = Object.keys(await chrome.storage.local.get(null)).filter((k) => k.startsWith('file:'));
  await chrome.storage.local.remove(keys);
  return keys.length;
}

/** The shipped glue as an expression for Runtime.evaluate: {initSync, Router} (a module
 *  worker cannot import() it, and its CSP rules out eval). */
function glueExpression() {
  const src = fs.readFileSync(path.join(DIST.chromium, 'zd_dl_router.js'), 'utf8')
    .replace(/^export class /m, 'class ')
    .replace(/^export \{[^}]*\};?$/m, '')
    .replaceAll('import.meta.url', 'self.location.href');
  return `(() => {\n${src}\nreturn { initSync, Router };\n})()`;
}

/** `unlimitedStorage`: run a copy of dist/chrome with that permission added (storage.local's
 *  10 MB quota holds about 21,000 records of the shipped format). */
export async function recordsChromium({ record, n = 50_000, legacySize = 5000, reps = 200, loadReps = 5, newestMs, unlimitedStorage = false, log = console.error } = {}) {
  const mock = await startMock(); // launchChromium maps the Zendesk hosts to it; nothing is fetched
  const downloadDir = tempDir('zd-bench-dl-records-');
  let extDir = DIST.chromium;
  if (unlimitedStorage) {
    extDir = tempDir('zd-bench-ext-unlimited-');
    fs.cpSync(DIST.chromium, extDir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(extDir, 'manifest.json'), 'utf8'));
    manifest.permissions = [...manifest.permissions, 'unlimitedStorage'];
    fs.writeFileSync(path.join(extDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  const session = await launchChromium({ extDir, downloadDir, mockPort: mock.port });
  const root = await session.browser.target().createCDPSession();
  const id = chromiumExtensionId(extDir);
  const inWorker = (fn, arg, extra = 'undefined', timeoutMs = 120_000) =>
    withWorker(root, id, (s) => workerEval(s, `(${fn})(${JSON.stringify(arg)}, ${extra})`), { timeoutMs });
  const writes = (firstId) => inWorker(timeRecordWrites, { record, reps, firstId, firstMs: newestMs + 60_000 });
  try {
    await suggestLog(root, id); // the worker has started
    const out = { n, legacySize, reps, unlimitedStorage };
    log(`records: ${reps} record writes with 0 records stored`);
    out.emptyBefore = await writes(1_000_000);
    log(`records: ${reps} downloads the old way (get + rewrite a ${legacySize}-element routedFiles)`);
    out.legacy = await inWorker(timeLegacyWrites, { record, size: legacySize, reps });
    log(`records: storing ${n} records`);
    out.seed = await inWorker(seedRecords, { record, n, newestMs, chunk: 1000 }, storedSnapshot, 300_000);
    if (out.seed.error) log(`records: storage.local refused after ${out.seed.seeded} records: ${out.seed.error}`);
    log(`records: ${reps} record writes with ${out.seed.seeded} records stored`);
    out.full = await writes(2_000_000);
    log(`records: worker load (storage.local.get(null) + loadRecords) × ${loadReps}`);
    out.load = await inWorker(timeRecordsLoad, { reps: loadReps }, glueExpression(), 300_000);
    out.removed = await inWorker(removeRecords, {});
    log(`records: ${reps} record writes with 0 records stored, again`);
    out.emptyAfter = await writes(3_000_000);
    return out;
  } finally {
    await root.detach().catch(() => {});
    await session.close();
    await mock.close();
    fs.rmSync(downloadDir, { recursive: true, force: true });
    if (unlimitedStorage) fs.rmSync(extDir, { recursive: true, force: true });
  }
}
