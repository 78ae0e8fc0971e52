// The API budget of an unknown attachment token (issue item 13), run once per browser in
// E2E_BROWSERS (default "chromium,firefox") against dist/chrome / dist/firefox.
//
// Zendesk's API limit (200–700 requests a minute, by plan) is shared by the whole support
// team. Three agent tabs each walk through four tickets inside the single-page app (the
// mock's `goto-ticket-<id>` links, history.pushState), so every tab has loaded four tickets
// and shows the last one; a fourth agent tab shows the dashboard (no ticket). Then
// attachments no tab lists and no referrer names are downloaded:
//
//   1. a link on the dashboard (both browsers ask the agent tabs: Chromium from
//      onDeterminingFilename, Firefox from its click interception): the mock's request log
//      after the download started holds exactly one reload of each ticket shown now — its
//      `tickets/<id>.json` and each of its comment pages once — and nothing of the tickets
//      the tabs showed before;
//   2. another such link within 30 s: no API request at all;
//   3. a token URL pasted into a new, non-agent tab (no referrer; Firefox: the
//      downloads.onCreated take-over, whose signed zdusercontent URL names no instance)
//      within 30 s: no API request at all.
//
// Each download lands in the fallback folder `zendesk/_unsorted/`, once.
//
//   node --test tests/e2e/api-budget.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/api-budget.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  DIST, startEnvironment, browsersFromEnv, pageSet, clickLink, waitForPath, waitForSelector, waitForFile, partialFiles,
  pathsNamed, attachment, expectedBytes, apiCallsFor, fixtures, sleep, until, logRunEnd,
  waitForRouterReady,
  missingExtension,
} from './harness.mjs';

const DEBUG = !!process.env.E2E_DEBUG;
const FILE_TIMEOUT_MS = 25_000;
const SETTLE_MS = 3_000; // after a download is complete: time for late API requests or a second copy
const RELOAD_INTERVAL_MS = 30_000; // src/lookup.rs: a ticket is reloaded for a token at most this often
const COMMENTS_PER_PAGE = 2; // the mock's default page size

// Three tabs, four tickets each (the last one is what the tab shows); each ticket has three
// comments with an attachment each: two comment pages. Organization 9 ("ACME Corp.").
const TABS = [
  [4860, 4861, 4862, 4863],
  [4864, 4865, 4866, 4867],
  [4868, 4869, 4870, 4871],
];
// Tickets no tab ever shows: their attachment links arrive by chat or e-mail.
const UNKNOWN = [4872, 4873, 4874];
for (const id of [...TABS.flat(), ...UNKNOWN]) {
  if (!fixtures.tickets.has(id)) {
    fixtures.addTicket({ id, organizationId: 9, subject: `Budget ${id}`, comments: [[`budget_${id}_a.log`], [`budget_${id}_b.log`], [`budget_${id}_c.log`]] });
  }
}
const SHOWN = TABS.map((ids) => ids.at(-1));
const commentPages = (id) => Math.ceil(fixtures.tickets.get(id).comments.length / COMMENTS_PER_PAGE);

/** "ticket" or "comments page N" for an API request of ticket `id`; the path otherwise. */
function what(id, entry) {
  const url = new URL(entry.path, 'https://x');
  if (url.pathname === `/api/v2/tickets/${id}.json`) return 'ticket';
  if (url.pathname === `/api/v2/tickets/${id}/comments.json`) return `comments page ${url.searchParams.get('page') ?? 1}`;
  return url.pathname;
}

/** {"<id> ticket": n, "<id> comments page N": n, ...} of the API requests of tickets `ids`. */
function countsOf(log, ids) {
  const counts = {};
  for (const id of ids) {
    for (const e of apiCallsFor(log, id)) {
      const key = `${id} ${what(id, e)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/** One reload of each ticket in `ids`: its ticket JSON and every comment page, once. */
function oneReloadOf(ids) {
  const counts = {};
  for (const id of ids) {
    counts[`${id} ticket`] = 1;
    for (let p = 1; p <= commentPages(id); p++) counts[`${id} comments page ${p}`] = 1;
  }
  return counts;
}

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router API budget of an unknown token (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    const tabs = pageSet(() => env.browser, { label: kind, debug: DEBUG });
    const lines = [];
    let firstStarted = null;
    let dashboard = null; // an agent tab that shows no ticket

    /** The API requests to acme.zendesk.com after log entry `seq`. */
    const apiSince = (seq) => env.mock.log().filter((e) => e.seq > seq && e.host === fixtures.AGENT_HOST && e.path.startsWith('/api/'));
    const lastSeq = () => env.mock.log().reduce((max, e) => Math.max(max, e.seq), 0);

    /** Waits until the content script has loaded ticket `id` (ticket JSON and every comment page answered). */
    function loaded(id) {
      return until(`ticket ${id} loaded by the content script`, () => {
        const done = new Set(apiCallsFor(env.mock.log(), id).filter((e) => e.status === 200).map((e) => what(id, e)));
        return done.has('ticket') && Array.from({ length: commentPages(id) }, (_, i) => `comments page ${i + 1}`).every((p) => done.has(p));
      });
    }

    /**
     * Downloads `fileName` of ticket `ticketId` from a place that names no ticket: a link
     * added to the dashboard tab and clicked (`from: 'dashboard'`), or the token URL opened
     * in a new tab that is no agent page (`from: 'pasted'`: no referrer, no content script).
     * Waits until the file is complete in the fallback folder, then SETTLE_MS more. Returns
     * the log position before the download and when it started.
     */
    async function unknownTokenDownload(ticketId, fileName, from) {
      const a = attachment(ticketId, fileName);
      const url = `https://${fixtures.AGENT_HOST}/attachments/token/${a.token}/?name=${encodeURIComponent(fileName)}`;
      const seq = lastSeq();
      const started = Date.now();
      let blank = null;
      try {
        if (from === 'dashboard') {
          await dashboard.evaluate((href, text) => {
            const link = Object.assign(document.createElement('a'), { href, textContent: text, id: 'pasted-link' });
            document.getElementById('pasted-link')?.remove();
            document.getElementById('workspace').append(link);
          }, url, fileName);
          await dashboard.bringToFront();
          await clickLink(dashboard, '#pasted-link');
        } else {
          blank = await env.browser.newPage();
          await Promise.race([blank.goto(url).catch(() => {}), sleep(5_000)]); // a download: the navigation aborts
        }
        const rel = `zendesk/_unsorted/${fileName}`;
        const bytes = await waitForFile(env.downloadDir, rel, { timeoutMs: FILE_TIMEOUT_MS, expectBytes: expectedBytes(a.token) });
        assert.ok(bytes.equals(expectedBytes(a.token)), `${rel}: bytes differ from token ${a.token}`);
        await sleep(SETTLE_MS);
        assert.deepEqual(pathsNamed(env.downloadDir, fileName), [rel], `${fileName}: exactly one copy, in the fallback folder`);
        assert.deepEqual(partialFiles(env.downloadDir), [], 'no partial file left');
      } finally {
        await blank?.close().catch(() => {});
      }
      return { seq, started };
    }

    /** Asserts that a download of an unknown token within 30 s of the first costs no API request. */
    async function expectFreeDownload(label, ticketId, fileName, from) {
      assert.ok(firstStarted, 'the first download ran');
      const { seq, started } = await unknownTokenDownload(ticketId, fileName, from);
      const elapsed = started - firstStarted;
      const api = apiSince(seq);
      lines.push(`${label} (started ${elapsed} ms after the first): ${api.length} API requests: ${JSON.stringify(countsOf(api, [...TABS.flat(), ...UNKNOWN]))}`);
      console.log(`# ${kind} ${lines.at(-1)}`);
      assert.ok(elapsed < RELOAD_INTERVAL_MS, `the download started ${elapsed} ms after the first: not within ${RELOAD_INTERVAL_MS} ms, the test proves nothing`);
      assert.deepEqual(api.map((e) => e.path), [], 'no API request for another unknown token within 30 s');
    }

    before(async () => {
      env = await startEnvironment({ browser: kind, extDir });
      console.log(`# ${kind}: downloads in ${env.downloadDir}`);
      if (kind === 'chromium') await waitForRouterReady(env.browser, extDir);
    });

    after(async () => {
      if (!env) return;
      await tabs.closeAll();
      logRunEnd(kind, env, { debug: DEBUG, extraLines: lines });
      await env.close();
    });

    it('three agent tabs, each walked through four tickets in the single-page app, load each ticket as it is shown', async () => {
      dashboard = await tabs.open(`https://${fixtures.AGENT_HOST}/agent/dashboard`);
      const pages = [];
      for (const [first] of TABS) {
        pages.push(await tabs.ticketPage(first));
        await loaded(first);
      }
      for (const [i, ids] of TABS.entries()) {
        for (const id of ids.slice(1)) {
          await clickLink(pages[i], `[data-testid="goto-ticket-${id}"]`);
          await waitForPath(pages[i], `/agent/tickets/${id}`);
          await waitForSelector(pages[i], `[data-testid="ticket-panel-${id}"][data-loaded="true"]`);
          await loaded(id);
        }
      }
      await sleep(1_500); // the last ticket data reaches the background
      for (const [i, ids] of TABS.entries()) {
        assert.equal(await pages[i].evaluate(() => location.pathname), `/agent/tickets/${ids.at(-1)}`);
      }
      const counts = countsOf(env.mock.log(), TABS.flat());
      assert.deepEqual(counts, oneReloadOf(TABS.flat()), 'each ticket was loaded once as it was shown');
    });

    it(`a download of an unknown token (a link on the dashboard) reloads only the tickets shown now (${SHOWN.join(', ')}), each once, and lands in zendesk/_unsorted/`, async () => {
      const ticketId = UNKNOWN[0];
      const { seq, started } = await unknownTokenDownload(ticketId, `budget_${ticketId}_b.log`, 'dashboard');
      firstStarted = started;
      const api = apiSince(seq);
      const counts = countsOf(api, [...TABS.flat(), ...UNKNOWN]);
      lines.push(`first unknown token: ${api.length} API requests after the download started: ${JSON.stringify(counts)}`);
      console.log(`# ${kind} ${lines.at(-1)}`);
      const others = api.filter((e) => !SHOWN.some((id) => apiCallsFor([e], id).length));
      assert.deepEqual(others.map((e) => e.path), [], 'API requests of tickets no agent tab shows now');
      assert.deepEqual(counts, oneReloadOf(SHOWN), 'each shown ticket reloaded once: its ticket JSON and each comment page once');
    });

    it('a second unknown token within 30 s (a link on the dashboard) costs no API request and lands in zendesk/_unsorted/', async () => {
      const ticketId = UNKNOWN[1];
      await expectFreeDownload('second unknown token (dashboard link)', ticketId, `budget_${ticketId}_a.log`, 'dashboard');
    });

    it('an unknown token pasted into a new tab within 30 s costs no API request and lands in zendesk/_unsorted/', async () => {
      const ticketId = UNKNOWN[2];
      await expectFreeDownload('third unknown token (pasted)', ticketId, `budget_${ticketId}_c.log`, 'pasted');
    });
  });
}
