// Fault scenarios, run once per browser in E2E_BROWSERS (default "chromium,firefox") against
// the built extension (dist/chrome, dist/firefox) and the mock Zendesk's fault switches.
//
// The promise under test: every download completes — routed, in zendesk/_unsorted/[<ticket>/], or
// untouched in the download root — within a bound (watchdog + margin), whatever fails; and
// no file ever lands in a wrong ticket/organization folder. Each fault gets its own ticket;
// at the end the whole download tree is checked file by file (every file's bytes name its
// token, hence its ticket and organization), then a burst of 200 clicks over 20 tickets.
//
//   node --test tests/e2e/faults.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/faults.test.mjs
//   E2E_DEBUG=1 ...   page / service-worker console output, mock log at the end
//
// Fallbacks are checked in storage.local.history in Chromium (evaluated in the service
// worker); in Firefox the background cannot be evaluated, so only the files on disk count.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, startEnvironment, browsersFromEnv, openPage, clickLink, waitForFile, waitForSelector, listTree, formatTree,
  partialFiles, attachment, attachmentsOf, expectedBytes, apiCallsFor, attachmentFetches, attachmentSelector,
  agentTicketUrl, chromiumExtensionId, fixtures, tempDir, sleep, until, pageSet, logRunEnd, pathsNamed as harnessPathsNamed,
  stopExtensionWorker,
  missingExtension,
} from './harness.mjs';

const DEBUG = !!process.env.E2E_DEBUG;
const WATCHDOG_MS = 2000; // the default setting; the tests do not change it
// Click → file complete. Chromium's own fallback (no suggest) comes after ~15 s, so a bound
// well below that still tells "our watchdog answered" from "the browser gave up on us".
const BOUND_MS = WATCHDOG_MS + 500 + 7000;
const FILE_TIMEOUT_MS = 25_000;

// ---- fixtures: one ticket per fault ---------------------------------------------------

const ORG_FOLDER = (orgId) => {
  const o = fixtures.organizations.get(orgId);
  return o.name.replace(/[. ]+$/, ''); // "ACME Corp." → "ACME Corp" (the sanitizer drops trailing dots)
};

function ticket(id, organizationId, files) {
  if (!fixtures.tickets.has(id)) fixtures.addTicket({ id, organizationId, subject: `Fault ticket ${id}`, comments: [files] });
  return id;
}

const T = {
  api500: ticket(4801, 11, ['t4801_api500.log']),
  api429: ticket(4802, 9, ['t4802_api429.log']),
  hang: ticket(4803, 10, ['t4803_hang.log']),
  api401: ticket(4804, 9, ['t4804_api401.log']),
  loginHtml: ticket(4805, 10, ['t4805_login.log']),
  malformed: ticket(4806, 11, ['t4806_malformed.log']),
  noOrgSideload: ticket(4807, 10, ['t4807_noorg.log']),
  att404: ticket(4808, 9, ['t4808_missing.log', 't4808_after.log']),
  attReset: ticket(4809, 9, ['t4809_reset.log', 't4809_after.log']),
  swStop: ticket(4810, 9, ['t4810_before.log', 't4810_sw.log']),
  swLookup: ticket(4814, 10, ['t4814_sw_lookup.log']),
  settings: ticket(4811, 9, ['t4811_settings1.log', 't4811_settings2.log', 't4811_settings3.log']),
  wasm: ticket(4812, 9, ['t4812_wasm.log']),
  slow: ticket(4813, 11, ['t4813_slow.log']),
};
const BULK_FIRST = 5000;
const BULK_COUNT = 20;
const BULK_PER_TICKET = 10;
if (!fixtures.tickets.has(BULK_FIRST)) fixtures.addBulkTickets({ firstId: BULK_FIRST, count: BULK_COUNT, attachmentsPerTicket: BULK_PER_TICKET, organizationId: 9 });

function routedPath(ticketId, fileName) {
  const t = fixtures.tickets.get(ticketId);
  const org = t.organizationId == null ? '_no-organization' : ORG_FOLDER(t.organizationId);
  return `zendesk/${org}/${ticketId}/${fileName}`;
}
// A click on a ticket page tells the ticket number (the referrer) even when its details
// cannot be loaded: the fallback keeps it.
const fallbackPath = (ticketId, fileName) => `zendesk/_unsorted/${ticketId}/${fileName}`;

/** The token a downloaded file's bytes name (first line of every mock attachment). */
function tokenOfFile(full) {
  const fd = fs.openSync(full, 'r');
  try {
    const buf = Buffer.alloc(120);
    const n = fs.readSync(fd, buf, 0, 120, 0);
    return /^zd-mock attachment token=([A-Za-z0-9_-]+) /.exec(buf.subarray(0, n).toString('latin1'))?.[1] ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every complete file under zendesk/: right bytes for its token, and either in
 * zendesk/_unsorted/ or in exactly its ticket's organization/ticket folder. Returns problems.
 */
export function wrongFolderProblems(downloadDir) {
  const problems = [];
  for (const rel of listTree(downloadDir)) {
    if (!rel.startsWith('zendesk/')) continue;
    const full = path.join(downloadDir, rel);
    const token = tokenOfFile(full);
    const a = token && fixtures.attachmentsByToken.get(token);
    if (!a) {
      problems.push(`${rel}: not a known attachment`);
      continue;
    }
    if (!fs.readFileSync(full).equals(expectedBytes(token))) problems.push(`${rel}: bytes differ from token ${token}`);
    const parts = rel.split('/');
    const name = parts.at(-1);
    const stem = a.fileName.replace(/\.[^.]*$/, '');
    if (!name.startsWith(stem)) problems.push(`${rel}: holds ${a.fileName}`);
    if (parts[1] === '_unsorted') {
      // _unsorted/<file> when no ticket was known, else _unsorted/<its own ticket>/<file>.
      const known = parts.length === 4 && parts[2] === String(a.ticketId);
      if (parts.length !== 3 && !known) problems.push(`${rel}: belongs to ticket ${a.ticketId}, not in _unsorted/ or _unsorted/${a.ticketId}/`);
      continue;
    }
    const want = routedPath(a.ticketId, name);
    if (rel !== want) problems.push(`${rel}: belongs to ticket ${a.ticketId} → ${want}`);
  }
  return problems;
}

/** Every path (complete or not, any size) whose basename starts with the stem of fileName, with its size. */
const pathsNamed = (downloadDir, fileName) => harnessPathsNamed(downloadDir, fileName, { withSizes: true });

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The harness's `until`, polling faster and giving up sooner: these waits are on local events. */
const waitUntil = (fn, { timeoutMs = 10_000, what = 'condition', pollMs = 100 } = {}) => until(what, fn, { timeoutMs, pollMs });

// ---- the scenarios ------------------------------------------------------------------------

const summaries = [];
after(() => {
  if (!summaries.length) return;
  console.log('# ==== fault summary ====');
  for (const s of summaries) console.log(`# ${s}`);
});

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router faults (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;

    let env;
    const stats = { faults: [], attempted: 0, completed: 0, routed: 0, fellBack: 0, untouched: 0, failedAtSource: 0, lost: 0, lostWhat: [] };
    const timings = [];

    const tabs = pageSet(() => env.browser, { label: kind, debug: DEBUG });
    const { pages } = tabs;
    const newTicketPage = (ticketId) => tabs.ticketPage(ticketId);
    const closePages = () => tabs.closeAll();

    /**
     * Chromium: evaluates `fn(arg)` in the router's service worker over a fresh CDP session
     * (puppeteer's worker handles hang once their worker was stopped, and the restarted
     * worker keeps the same target id). A stopped worker is started first.
     */
    async function inWorker(fn, arg) {
      const prefix = `chrome-extension://${chromiumExtensionId(extDir)}/`;
      const b = await env.browser.target().createCDPSession();
      try {
        const find = async () => (await b.send('Target.getTargets')).targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(prefix));
        let info = await find();
        if (!info || !(await workerRunning())) {
          const page = pages.at(-1) ?? (await env.browser.pages())[0];
          const cdp = await page.createCDPSession();
          await cdp.send('ServiceWorker.startWorker', { scopeURL: prefix }).catch(() => {});
          await cdp.detach().catch(() => {});
          info = await waitUntil(find, { what: 'the router service worker target' });
        }
        const { sessionId } = await b.send('Target.attachToTarget', { targetId: info.targetId, flatten: true });
        try {
          const s = b.connection().session(sessionId);
          const r = await withTimeout(
            s.send('Runtime.evaluate', { expression: `(${fn})(${JSON.stringify(arg ?? null)})`, awaitPromise: true, returnByValue: true }),
            8_000,
            'evaluate in the router service worker',
          );
          if (r.exceptionDetails) throw new Error(`in the service worker: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
          return r.result.value;
        } finally {
          await b.send('Target.detachFromTarget', { sessionId }).catch(() => {});
        }
      } finally {
        await b.detach().catch(() => {});
      }
    }

    /** Chromium: is the router's service worker running (CDP ServiceWorker domain)? */
    async function workerRunning() {
      const prefix = `chrome-extension://${chromiumExtensionId(extDir)}/`;
      const page = pages.at(-1) ?? (await env.browser.pages())[0];
      const cdp = await page.createCDPSession();
      const status = new Map();
      cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
        for (const v of e.versions) if (v.scriptURL.startsWith(prefix)) status.set(v.versionId, v.runningStatus);
      });
      try {
        await cdp.send('ServiceWorker.enable');
        await sleep(200);
        return [...status.values()].includes('running');
      } finally {
        await cdp.detach().catch(() => {});
      }
    }

    async function historyFor(token) {
      const { history = [] } = await inWorker(() => chrome.storage.local.get('history'));
      return history.filter((e) => typeof e.url === 'string' && e.url.includes(token));
    }
    /** Stops the router's service worker and waits until it is stopped. */
    async function stopServiceWorkers() {
      const page = pages.at(-1) ?? (await env.browser.pages())[0];
      const { cdp } = await stopExtensionWorker(page, extDir);
      await cdp.detach().catch(() => {});
    }

    /** Waits until the content script's API load for `ticketId` was answered (any status). */
    async function apiAnswered(ticketId, { status = null, minCalls = 1 } = {}) {
      return waitUntil(
        () => {
          const calls = apiCallsFor(env.mock.log(), ticketId).filter((c) => c.path.startsWith(`/api/v2/tickets/${ticketId}.json`) && c.status != null && (status == null || c.status === status));
          return calls.length >= minCalls && calls;
        },
        { timeoutMs: 15_000, what: `ticket ${ticketId} API answer${status ? ` ${status}` : ''}` },
      );
    }

    /**
     * Click one attachment and expect it at `expectPath` (fallback, routed or untouched) within
     * BOUND_MS; the file exists exactly once; Chromium: the history entry matches.
     */
    async function clickAndExpect({ label, page, ticketId, fileName, expectPath, source }) {
      const a = attachment(ticketId, fileName);
      stats.attempted++;
      const t0 = Date.now();
      await clickLink(page, attachmentSelector(ticketId, fileName));
      let bytes;
      try {
        bytes = await waitForFile(env.downloadDir, expectPath, { timeoutMs: FILE_TIMEOUT_MS });
      } catch (e) {
        stats.lost++;
        stats.lostWhat.push(`${label}: ${fileName}`);
        throw e;
      }
      const ms = Date.now() - t0;
      timings.push(`${label}: ${ms} ms → ${expectPath}`);
      stats.completed++;
      if (source === 'fallback') stats.fellBack++;
      else if (source === 'untouched') stats.untouched++;
      else stats.routed++;
      assert.ok(bytes.equals(expectedBytes(a.token)), `${expectPath}: wrong bytes`);
      assert.ok(ms <= BOUND_MS, `${label}: took ${ms} ms from click to complete file (bound ${BOUND_MS} ms)`);
      await sleep(300); // a second copy would show up by now
      assert.deepEqual(pathsNamed(env.downloadDir, fileName), [`${expectPath} (${bytes.length} bytes)`], `${label}: ${fileName} is not exactly once at ${expectPath}`);
      if (kind === 'chromium' && source !== 'untouched') {
        const entries = await historyFor(a.token);
        assert.equal(entries.length, 1, `${label}: history entries for ${a.token}: ${JSON.stringify(entries)}`);
        const [h] = entries;
        assert.equal(h.path, expectPath, `${label}: history path`);
        if (source === 'fallback') {
          assert.equal(h.source, 'fallback', `${label}: history source ${JSON.stringify(h)}`);
          assert.ok(typeof h.note === 'string' && h.note.length > 0, `${label}: fallback without a note ${JSON.stringify(h)}`);
          console.log(`# ${kind} ${label}: history note: ${h.note}`);
        } else {
          assert.notEqual(h.source, 'fallback', `${label}: ${JSON.stringify(h)}`);
        }
      }
      return { ms, bytes };
    }

    async function apiFaultScenario({ label, ticketId, fault, fallback = true, waitForAnswer = false }) {
      const [a] = attachmentsOf(ticketId);
      stats.faults.push(label);
      env.mock.setFaults({ [ticketId]: fault });
      try {
        const page = await newTicketPage(ticketId);
        if (waitForAnswer) await apiAnswered(ticketId, { status: 200 });
        const expectPath = fallback ? fallbackPath(ticketId, a.fileName) : routedPath(ticketId, a.fileName);
        const r = await clickAndExpect({ label, page, ticketId, fileName: a.fileName, expectPath, source: fallback ? 'fallback' : 'routed' });
        const calls = apiCallsFor(env.mock.log(), ticketId);
        console.log(`# ${kind} ${label}: ${r.ms} ms; API calls for ${ticketId}: ${calls.length} (${calls.map((c) => `${c.status ?? 'pending'} ${c.path.replace(/\?.*/, '')}`).join('; ')})`);
        return calls;
      } finally {
        if (fault !== 'api-hang' && (typeof fault !== 'object' || fault.fault !== 'api-hang')) env.mock.setFaults({ [ticketId]: null });
        await closePages();
      }
    }

    before(async () => {
      const t0 = Date.now();
      env = await startEnvironment({ browser: kind, extDir });
      console.log(`# ${kind}: browser with ${extDir} up in ${Date.now() - t0} ms; downloads in ${env.downloadDir}`);
    });

    after(async () => {
      if (!env) return;
      await closePages();
      logRunEnd(kind, env, { debug: DEBUG, extraLines: timings.map((t) => `timing ${t}`) });
      summaries.push(
        `${kind}: faults tried ${stats.faults.length} (${stats.faults.join(', ')}); downloads attempted ${stats.attempted}, ` +
          `completed ${stats.completed} (routed ${stats.routed}, fell back ${stats.fellBack}, untouched ${stats.untouched}), ` +
          `failed at the source as the server made them (expected) ${stats.failedAtSource}, lost ${stats.lost}` +
          (stats.lostWhat.length ? ` [${stats.lostWhat.slice(0, 20).join('; ')}${stats.lostWhat.length > 20 ? '; …' : ''}]` : ''),
      );
      await env.close();
    });

    it('API 500 → zendesk/_unsorted/<ticket>/ within the watchdog bound', async () => {
      await apiFaultScenario({ label: 'api-500', ticketId: T.api500, fault: 'api-500' });
    });

    it('API 429 with Retry-After, then success → routed into its ticket folder, Retry-After honoured', async () => {
      const calls = await apiFaultScenario({ label: 'api-429', ticketId: T.api429, fault: { fault: 'api-429', count: 2, retryAfter: 1 }, fallback: false, waitForAnswer: true });
      // The mock answers the ticket's first two API requests with 429, whichever they are (the
      // ticket and its first comment page are requested together).
      assert.equal(calls.filter((c) => c.status === 429).length, 2, `two 429s in all: ${calls.map((c) => `${c.status} ${c.path}`)}`);
      for (const endpoint of [`/api/v2/tickets/${T.api429}.json`, `/api/v2/tickets/${T.api429}/comments.json`]) {
        const mine = calls.filter((c) => c.path.startsWith(endpoint));
        assert.equal(mine.at(-1)?.status, 200, `${endpoint} answered in the end: ${mine.map((c) => c.status)}`);
        for (let i = 1; i < mine.length; i++) {
          const gap = mine[i].time - mine[i - 1].time;
          if (mine[i - 1].status === 429) assert.ok(gap >= 900, `${endpoint}: retry came ${gap} ms after the 429 (Retry-After: 1)`);
        }
      }
    });

    it('API hanging past the watchdog → zendesk/_unsorted/<ticket>/ within the bound', async () => {
      await apiFaultScenario({ label: 'api-hang', ticketId: T.hang, fault: 'api-hang' });
    });

    it('API 401 → zendesk/_unsorted/<ticket>/', async () => {
      await apiFaultScenario({ label: 'api-401', ticketId: T.api401, fault: 'api-401' });
    });

    it('HTML login page instead of JSON → zendesk/_unsorted/<ticket>/', async () => {
      await apiFaultScenario({ label: 'api-login-html', ticketId: T.loginHtml, fault: 'api-login-html' });
    });

    it('malformed JSON → zendesk/_unsorted/<ticket>/', async () => {
      await apiFaultScenario({ label: 'api-malformed-json', ticketId: T.malformed, fault: 'api-malformed-json' });
    });

    it('organization missing from the sideload → zendesk/_unsorted/<ticket>/, never _no-organization', async () => {
      await apiFaultScenario({ label: 'api-no-org-sideload', ticketId: T.noOrgSideload, fault: 'api-no-org-sideload' });
      assert.ok(!fs.existsSync(path.join(env.downloadDir, 'zendesk', '_no-organization')), '_no-organization/ was created');
    });

    it('API slower than the watchdog (answers after 6 s) → zendesk/_unsorted/<ticket>/ within the bound', async () => {
      await apiFaultScenario({ label: 'api-slow', ticketId: T.slow, fault: { fault: 'api-slow', ms: 6000 } });
    });

    it('attachment 404: no hang, no stray file; a later good download still routes', async () => {
      stats.faults.push('attachment-404');
      const bad = attachment(T.att404, 't4808_missing.log');
      env.mock.setFaults({ [bad.token]: 'attachment-404' });
      let page = await newTicketPage(T.att404);
      stats.attempted++;
      await clickLink(page, attachmentSelector(T.att404, 't4808_missing.log'));
      await waitUntil(() => attachmentFetches(env.mock.log(), bad.token).redirects.some((e) => e.status === 404), { what: '404 for the token' });
      await sleep(BOUND_MS);
      const leftovers = pathsNamed(env.downloadDir, bad.fileName);
      console.log(`# ${kind} attachment-404: paths named like ${bad.fileName}: ${JSON.stringify(leftovers)}`);
      assert.ok(!listTree(env.downloadDir).some((f) => path.posix.basename(f).startsWith('t4808_missing')), `a complete file claims to be the 404ed attachment: ${leftovers}`);
      assert.deepEqual(leftovers.filter((l) => !/\.(part|crdownload) \(/.test(l)), [], `stray files for the 404ed attachment: ${leftovers}`);
      if (kind === 'chromium') {
        const items = await inWorker((tok) => chrome.downloads.search({ urlRegex: tok }), bad.token);
        console.log(`# chromium attachment-404: download items: ${JSON.stringify(items.map((i) => ({ state: i.state, error: i.error, filename: i.filename })))}`);
        assert.ok(items.every((i) => i.state !== 'complete' && i.state !== 'in_progress'), 'a download item for the 404 is complete or still running');
      }
      stats.failedAtSource++;
      // The page may have navigated to the 404 (Chromium: plain link navigation): reopen it.
      await closePages();
      page = await newTicketPage(T.att404);
      await clickAndExpect({ label: 'after attachment-404', page, ticketId: T.att404, fileName: 't4808_after.log', expectPath: routedPath(T.att404, 't4808_after.log'), source: 'routed' });
      await closePages();
    });

    it('attachment connection reset mid-body: no hang, nothing claimed complete; a later good download still routes', async () => {
      stats.faults.push('attachment-reset');
      const bad = attachment(T.attReset, 't4809_reset.log');
      env.mock.setFaults({ [bad.token]: 'attachment-reset' });
      let page = await newTicketPage(T.attReset);
      stats.attempted++;
      await clickLink(page, attachmentSelector(T.attReset, 't4809_reset.log'));
      await waitUntil(() => attachmentFetches(env.mock.log(), bad.token).contents.some((e) => e.aborted || e.status === 200), { what: 'the reset body' });
      if (kind === 'chromium') {
        const items = await waitUntil(async () => {
          const list = await inWorker((tok) => chrome.downloads.search({ urlRegex: tok }), bad.token);
          return list.length && list.every((i) => i.state !== 'in_progress') && list;
        }, { timeoutMs: 30_000, what: 'the reset download to stop', pollMs: 500 });
        console.log(`# chromium attachment-reset: download items: ${JSON.stringify(items.map((i) => ({ state: i.state, error: i.error, filename: i.filename, bytes: i.bytesReceived })))}`);
        assert.ok(items.every((i) => i.state === 'interrupted'), 'the reset download is not interrupted');
      } else {
        await sleep(BOUND_MS);
      }
      const leftovers = pathsNamed(env.downloadDir, bad.fileName);
      console.log(`# ${kind} attachment-reset: paths named like ${bad.fileName}: ${JSON.stringify(leftovers)}; fetches: ${JSON.stringify(attachmentFetches(env.mock.log(), bad.token).contents.map((e) => ({ status: e.status, aborted: e.aborted })))}`);
      assert.ok(!listTree(env.downloadDir).some((f) => path.posix.basename(f).startsWith('t4809_reset')), `a complete file claims to be the reset attachment: ${leftovers}`);
      const zeroByte = leftovers.filter((l) => / \(0 bytes\)$/.test(l) && !/\.(part|crdownload) \(/.test(l));
      assert.deepEqual(zeroByte, [], `empty placeholder files left for the failed download: ${zeroByte}`);
      stats.failedAtSource++;
      await closePages();
      page = await newTicketPage(T.attReset);
      await clickAndExpect({ label: 'after attachment-reset', page, ticketId: T.attReset, fileName: 't4809_after.log', expectPath: routedPath(T.attReset, 't4809_after.log'), source: 'routed' });
      await closePages();
    });

    /**
     * A ticket page whose ticket + comments reached the router, after the 200 ms debounce
     * that persists the knowledge and the tab list in storage.session.
     */
    async function ticketPagePersisted(ticketId) {
      const page = await newTicketPage(ticketId);
      await waitUntil(() => apiCallsFor(env.mock.log(), ticketId).filter((c) => c.status === 200).length >= 2, { what: 'ticket + comments loaded' });
      await sleep(1500);
      return page;
    }

    it(
      'service worker stopped between page load and click → routed from the knowledge in storage.session',
      { skip: kind !== 'chromium' ? 'Chromium only (MV3 service worker)' : false },
      async () => {
        stats.faults.push('service-worker-stopped');
        const page = await ticketPagePersisted(T.swStop);
        await clickAndExpect({ label: 'before sw-stopped', page, ticketId: T.swStop, fileName: 't4810_before.log', expectPath: routedPath(T.swStop, 't4810_before.log'), source: 'routed' });
        const badge = async () => Number(await inWorker(() => chrome.action.getBadgeText({})));
        const badgeBefore = await waitUntil(badge, { what: 'the badge to count the download just routed' });
        await stopServiceWorkers();
        const callsBefore = apiCallsFor(env.mock.log(), T.swStop).length;
        await clickAndExpect({ label: 'sw-stopped', page, ticketId: T.swStop, fileName: 't4810_sw.log', expectPath: routedPath(T.swStop, 't4810_sw.log'), source: 'routed' });
        assert.equal(apiCallsFor(env.mock.log(), T.swStop).length, callsBefore, 'the restarted worker looked the ticket up again instead of using storage.session');
        // The restarted worker goes on counting from where the stopped one was.
        await waitUntil(async () => (await badge()) === badgeBefore + 1, { what: `badge ${badgeBefore + 1}` });
        await closePages();
      },
    );

    it(
      'service worker stopped and its ticket knowledge gone → the restarted worker asks the open agent tab',
      { skip: kind !== 'chromium' ? 'Chromium only (MV3 service worker)' : false },
      async () => {
        stats.faults.push('service-worker-stopped-knowledge-lost');
        const page = await ticketPagePersisted(T.swLookup);
        // The tab reports only when it navigates, so the restarted worker knows it only from
        // storage.session; without the knowledge the download needs that tab.
        await inWorker(() => chrome.storage.session.remove('knowledge'));
        await stopServiceWorkers();
        await clickAndExpect({ label: 'sw-stopped, knowledge lost', page, ticketId: T.swLookup, fileName: 't4814_sw_lookup.log', expectPath: routedPath(T.swLookup, 't4814_sw_lookup.log'), source: 'routed' });
        await closePages();
      },
    );

    it(
      'corrupted settings in storage: downloads still route with the defaults; status.problem records it',
      { skip: kind !== 'chromium' ? 'Chromium only (storage evaluated in the service worker)' : false },
      async () => {
        stats.faults.push('corrupted-settings');
        await inWorker(() => chrome.storage.local.set({ settings: { template: 5 } }));
        const problem = await waitUntil(async () => (await inWorker(() => chrome.storage.local.get('status'))).status?.problem, { what: 'status.problem' });
        console.log(`# chromium corrupted settings: status.problem = ${JSON.stringify(problem)}`);
        assert.match(problem, /template/, 'the problem names the field');
        let page = await newTicketPage(T.settings);
        await clickAndExpect({ label: 'corrupted-settings', page, ticketId: T.settings, fileName: 't4811_settings1.log', expectPath: routedPath(T.settings, 't4811_settings1.log'), source: 'routed' });
        // A fresh worker start reads the same corrupted settings.
        await waitUntil(() => apiCallsFor(env.mock.log(), T.settings).filter((c) => c.status === 200).length >= 2, { what: 'ticket loaded' });
        await sleep(1000);
        await stopServiceWorkers();
        await clickAndExpect({ label: 'corrupted-settings after worker restart', page, ticketId: T.settings, fileName: 't4811_settings2.log', expectPath: routedPath(T.settings, 't4811_settings2.log'), source: 'routed' });
        const after = (await inWorker(() => chrome.storage.local.get('status'))).status?.problem;
        assert.match(after ?? '', /settings rejected/, `status.problem after restart: ${after}`);
        // Repair: the problem clears.
        await inWorker(() => chrome.storage.local.remove('settings'));
        await waitUntil(async () => (await inWorker(() => chrome.storage.local.get('status'))).status?.problem === null, { what: 'status.problem cleared' });
        await closePages();
        page = await newTicketPage(T.settings);
        await clickAndExpect({ label: 'settings repaired', page, ticketId: T.settings, fileName: 't4811_settings3.log', expectPath: routedPath(T.settings, 't4811_settings3.log'), source: 'routed' });
        await closePages();
      },
    );

    it(`burst: ${BULK_COUNT * BULK_PER_TICKET} attachments over ${BULK_COUNT} tickets clicked without waiting → each lands once, in its folder`, { timeout: 400_000 }, async () => {
      stats.faults.push('burst');
      const ids = Array.from({ length: BULK_COUNT }, (_, i) => BULK_FIRST + i);
      const logStart = env.mock.log().length;
      const bulkPages = [];
      for (const id of ids) bulkPages.push({ id, page: await newTicketPage(id), files: attachmentsOf(id) });
      const attemptedBefore = stats.attempted;
      const t0 = Date.now();
      // Round-robin over the tabs: link k of every ticket, then link k+1 … — no waits.
      for (let k = 0; k < BULK_PER_TICKET; k++) {
        for (const { id, page, files } of bulkPages) {
          const sel = attachmentSelector(id, files[k].fileName);
          const box = await page.evaluate((s) => {
            const el = document.querySelector(s);
            el.scrollIntoView({ block: 'center' });
            const r = el.getBoundingClientRect();
            return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
          }, sel);
          await page.mouse.click(box.x, box.y);
          stats.attempted++;
        }
      }
      const clickMs = Date.now() - t0;
      const expected = ids.flatMap((id) => attachmentsOf(id).map((a) => ({ a, rel: routedPath(id, a.fileName) })));
      const deadline = Date.now() + 180_000;
      let missing = expected;
      while (Date.now() < deadline) {
        const have = new Set(listTree(env.downloadDir));
        missing = expected.filter(({ rel }) => !have.has(rel));
        if (!missing.length && !partialFiles(env.downloadDir).some((f) => /bulk_\d+_\d+/.test(f))) break;
        await sleep(500);
      }
      const doneMs = Date.now() - t0;
      await sleep(2000); // late duplicates
      const tree = listTree(env.downloadDir);
      const bulkFiles = tree.filter((f) => /bulk_\d+_\d+/.test(f));
      const landed = expected.filter(({ rel }) => tree.includes(rel));
      stats.completed += landed.length;
      stats.routed += landed.length;
      stats.lost += missing.length;
      for (const { rel } of missing) stats.lostWhat.push(`burst: ${rel}`);
      const log = env.mock.log().slice(logStart);
      const perTicket = ids.map((id) => {
        const calls = apiCallsFor(log, id);
        return { id, ticket: calls.filter((c) => c.path.startsWith(`/api/v2/tickets/${id}.json`)).length, comments: calls.filter((c) => c.path.includes('/comments.json')).length };
      });
      const maxTicket = Math.max(...perTicket.map((p) => p.ticket));
      console.log(`# ${kind} burst: ${stats.attempted - attemptedBefore} clicks issued in ${clickMs} ms; ${landed.length}/${expected.length} landed after ${doneMs} ms; files named bulk_* in tree: ${bulkFiles.length}`);
      console.log(`# ${kind} burst API calls per ticket (ticket.json/comments.json): ${perTicket.map((p) => `${p.id}:${p.ticket}/${p.comments}`).join(' ')}; max ticket.json per ticket ${maxTicket}`);
      if (kind === 'chromium') {
        const { history = [] } = await inWorker(() => chrome.storage.local.get('history'));
        const bulkHist = history.filter((h) => /bulk_/.test(h.path));
        console.log(`# chromium burst: history holds ${history.length} entries (${new Set(history.map((h) => h.url)).size} distinct URLs, ${bulkHist.filter((h) => h.source === 'fallback').length} fallbacks)`);
      }
      for (const { page } of bulkPages) await page.close().catch(() => {});
      pages.length = 0;
      assert.deepEqual(missing.map((m) => m.rel), [], `${missing.length} burst downloads did not land in their folder`);
      const extra = bulkFiles.filter((f) => !expected.some(({ rel }) => rel === f));
      assert.deepEqual(extra, [], 'burst files landed elsewhere or twice');
      for (const { a, rel } of expected) {
        assert.ok(fs.readFileSync(path.join(env.downloadDir, rel)).equals(expectedBytes(a.token)), `${rel}: wrong bytes`);
      }
      assert.ok(maxTicket <= 1, `ticket.json calls per ticket: up to ${maxTicket} (expected ≤ 1)`);
    });

    it('the whole tree: every file under zendesk/<org>/<ticket>/ belongs there; no partials; nothing in the root', async () => {
      await sleep(1000);
      const problems = wrongFolderProblems(env.downloadDir);
      assert.deepEqual(problems, [], `files in a wrong folder:\n${problems.join('\n')}`);
      const root = listTree(env.downloadDir).filter((f) => !f.includes('/'));
      assert.deepEqual(root, [], 'files in the download root');
      const partial = partialFiles(env.downloadDir);
      // Chromium keeps an interrupted download's .crdownload (resumable): only the reset one may remain.
      assert.deepEqual(partial.filter((p) => !p.includes('t4809_reset')), [], 'partial files left');
    });
  });

  // ---- the routing core fails to load: a second browser with a corrupted WASM ----------
  describe(`zd-dl-router faults: WASM fails to load (${kind})`, () => {
    if (!extDir || !fs.existsSync(path.join(extDir, 'manifest.json'))) return;
    let env;
    let copy;
    before(async () => {
      const tmp = tempDir(`zd-e2e-badwasm-${kind}-`);
      copy = path.join(tmp, 'ext');
      fs.cpSync(extDir, copy, { recursive: true });
      const wasm = path.join(copy, 'zd_dl_router_bg.wasm');
      const bytes = fs.readFileSync(wasm);
      // Keep the header, garble the rest: instantiation fails with a CompileError.
      for (let i = 8; i < bytes.length; i += 7) bytes[i] ^= 0x5a;
      fs.writeFileSync(wasm, bytes);
      env = await startEnvironment({ browser: kind, extDir: copy });
    });
    after(async () => {
      if (env) {
        console.log(`# ${kind} (bad WASM) download tree:\n${formatTree(env.downloadDir)}`);
        await env.close();
      }
      if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    });

    it('the download lands untouched in the download root with its original name, within the bound', async () => {
      const a = attachment(T.wasm, 't4812_wasm.log');
      const page = await openPage(env.browser, agentTicketUrl(T.wasm));
      await waitForSelector(page, `[data-testid="ticket-panel-${T.wasm}"][data-loaded="true"]`);
      const t0 = Date.now();
      await clickLink(page, attachmentSelector(T.wasm, 't4812_wasm.log'));
      const bytes = await waitForFile(env.downloadDir, 't4812_wasm.log', { timeoutMs: FILE_TIMEOUT_MS });
      const ms = Date.now() - t0;
      console.log(`# ${kind} bad WASM: untouched download complete ${ms} ms after the click`);
      summaries.push(`${kind} (bad WASM browser): downloads attempted 1, completed 1 untouched in ${ms} ms, lost 0`);
      assert.ok(bytes.equals(expectedBytes(a.token)));
      assert.ok(ms <= BOUND_MS, `took ${ms} ms (bound ${BOUND_MS} ms)`);
      await sleep(500);
      assert.deepEqual(listTree(env.downloadDir), ['t4812_wasm.log']);
      assert.deepEqual(partialFiles(env.downloadDir), []);
      if (kind === 'chromium') {
        const id = chromiumExtensionId(copy);
        const target = await env.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${id}/`), { timeout: 10_000 });
        const w = await target.worker();
        const { status } = await withTimeout(w.evaluate(() => chrome.storage.local.get('status')), 8_000, 'status');
        console.log(`# chromium bad WASM: status.problem = ${JSON.stringify(status?.problem)}`);
        assert.match(status?.problem ?? '', /routing core failed to load/);
      }
      await page.close();
    });
  });
}
