// Trust boundaries of the background, driven in Chromium against dist/chrome (or
// E2E_EXT_CHROMIUM) and the mock Zendesk. E2E_BROWSERS defaults to "chromium" here; with
// "firefox" the file reports a skip (see FIREFOX_NO_CONTENT_WORLD).
//
//   node --test tests/e2e/trust.test.mjs
//
// 1. Message senders (issue item 11). Messages are sent from the content script's own
//    isolated world in a real agent tab (CDP Runtime.evaluate in the execution context
//    Chromium made for the extension in that page: the sender is exactly what content.js
//    is) and from the extension's own pages:
//    - a content script may not send the extension pages' messages (`state`, `downloadAll`,
//      `confirmAttachment`, `cleanupReview`, `cleanupRun`, `cleanupForget`): each is refused
//      with `refused: "<type>" is not accepted from a content script`, nothing is deleted,
//      forgotten or downloaded; its own messages (`page`, `saved`) are still answered;
//    - an extension page may not send the content scripts' messages;
//    - the clean-up runs on the worker's clock: with "30 days after download", a file saved
//      just now is not due even when a page sends `now` 31 days ahead (cleanupReview,
//      cleanupRun, the clean-up page's old `?now=`).
// 2. Download all (issue item 4):
//    - two `downloadAll` messages sent at once from the popup give one run (each attachment
//      saved and fetched once, no `name (1).ext`) and one "already running" error;
//    - a run cut short by a service-worker stop (CDP ServiceWorker.stopAllWorkers, as soon as
//      3 of 30 attachments are saved, one download at a time) is shown by the reopened popup
//      as over and interrupted within a bounded time; the next run skips what was saved
//      ("already saved") and fetches the rest: every attachment exactly once on disk.
// Each scenario has its own browser (settings and records do not leak between them).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, browsersFromEnv, chromiumExtensionId, clickLink, waitForFile, waitForSelector, listTree, partialFiles,
  attachment, attachmentsOf, expectedBytes, attachmentFetches, attachmentSelector, sleep, until,
  fixtures, startWithExtensionPages, pageSet, logRunEnd, saveOptions, bulkProgress, stopExtensionWorker,
  missingExtension,
} from './harness.mjs';

const DAY_MS = 86_400_000;
const DEBUG = !!process.env.E2E_DEBUG;
// A test that is not interrupted by one of these bounds hangs nowhere else.
const RUN_TIMEOUT_MS = 90_000;

// ---- fixtures (before the mock starts) ---------------------------------------------------

const SENDER = 4860; // one attachment: saved by a click, then the target of the messages
const TWICE = 4861; // 8 attachments: Download all asked for twice at once
const MANY = 4862; // 30 attachments of 512 KB: Download all cut short by a worker stop
const TWICE_FILES = Array.from({ length: 4 }, (_, c) => [`twice_a${c}.log`, `twice_b${c}.log`]);
const MANY_FILES = Array.from({ length: 3 }, (_, c) => Array.from({ length: 10 }, (_, k) => ({ fileName: `many_${c * 10 + k + 1}.log`, size: 512 * 1024 + c * 10 + k })));

fixtures.addTicket({ id: SENDER, organizationId: 9, subject: 'Sender checks', comments: [['customer_secret.log']] });
fixtures.addTicket({ id: TWICE, organizationId: 9, subject: 'Two quick starts', comments: TWICE_FILES });
fixtures.addTicket({ id: MANY, organizationId: 9, subject: 'Cut short', comments: MANY_FILES });

const dirOf = (ticketId) => `zendesk/ACME Corp/${ticketId}`;

const CONTENT_TYPES = ['page', 'ticketData', 'links', 'saved', 'show'];
const PAGE_TYPES = ['state', 'downloadAll', 'confirmAttachment', 'cleanupReview', 'cleanupRun', 'cleanupForget'];
const refusal = (type, from) => ({ error: `refused: "${type}" is not accepted from ${from}` });

// Firefox has no sound way here to run code in the content script's world of an agent tab:
// WebDriver BiDi's script.getRealms lists the tab's window realm and puppeteer's own
// sandbox, not the add-on's content script sandbox (checked on Firefox ESR 153), and the
// manifest has no `scripting` permission to inject a script from an extension page (adding
// it would test another extension).
const FIREFOX_NO_CONTENT_WORLD = 'no way to evaluate in a Firefox content script world (see FIREFOX_NO_CONTENT_WORLD)';

for (const kind of browsersFromEnv('chromium')) {
  const extDir = DIST[kind];

  describe(`zd-dl-router trust boundaries (${kind})`, () => {
    if (kind !== 'chromium') {
      it('sends messages from a content script world', { skip: FIREFOX_NO_CONTENT_WORLD }, () => {});
      return;
    }
    if (missingExtension(kind, extDir)) return;
    const extensionId = chromiumExtensionId(extDir);
    const origin = `chrome-extension://${extensionId}`;

    /** One browser (mock, download dir) per scenario; `tabs` opens and closes its pages. */
    function scenario() {
      const s = { env: null };
      s.tabs = pageSet(() => s.env.browser, { label: kind, debug: DEBUG });
      before(async () => {
        s.env = await startWithExtensionPages({ kind, extDir, downloadPrefix: `zd-e2e-trust-${kind}-` });
        if (s.env.worker && DEBUG) s.env.worker.on('console', (m) => console.error(`[chromium sw] ${m.type()}: ${m.text()}`));
      });
      after(async () => {
        if (!s.env) return;
        await s.tabs.closeAll();
        logRunEnd(kind, s.env, { debug: DEBUG });
        await s.env.close();
      });
      return s;
    }

    // ---- helpers over one scenario's browser --------------------------------------------

    /** Sends `messages` at once from an extension page; the answers in order ({thrown} for a rejection). */
    function sendFromPage(page, messages) {
      return page.evaluate((msgs) => Promise.all(msgs.map((m) => chrome.runtime.sendMessage(m).then(
        (r) => r ?? null,
        (e) => ({ thrown: String(e?.message ?? e) }),
      ))), messages);
    }

    /**
     * Runs `messages` through chrome.runtime.sendMessage from the isolated world Chromium
     * made for this extension's content script in `page` (an agent tab), one after another;
     * the answers in order ({thrown} for a rejection).
     */
    async function sendFromContentScript(page, messages) {
      const cdp = await page.createCDPSession();
      try {
        const contexts = [];
        cdp.on('Runtime.executionContextCreated', ({ context }) => contexts.push(context));
        const { frameTree } = await cdp.send('Page.getFrameTree');
        await cdp.send('Runtime.enable'); // reports the existing contexts
        const world = await until('the content script world of the agent tab', () => contexts.find((c) =>
          c.auxData?.type === 'isolated' && c.auxData.frameId === frameTree.frame.id && (c.origin === origin || c.name === 'zd-dl-router')),
        { timeoutMs: 10_000, pollMs: 50 });
        const expression = `(async (msgs) => {
          if (chrome.runtime?.id !== ${JSON.stringify(extensionId)}) throw new Error('not the extension world: ' + chrome.runtime?.id);
          const out = [];
          for (const m of msgs) out.push(await chrome.runtime.sendMessage(m).then((r) => r ?? null, (e) => ({ thrown: String(e?.message ?? e) })));
          return out;
        })(${JSON.stringify(messages)})`;
        const r = await cdp.send('Runtime.evaluate', { contextId: world.id, expression, awaitPromise: true, returnByValue: true, timeout: 20_000 });
        if (r.exceptionDetails) throw new Error(`in the content script world: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
        return r.result.value;
      } finally {
        await cdp.detach().catch(() => {});
      }
    }

    async function storageOf(page, area, keys) {
      return page.evaluate((a, k) => chrome.storage[a].get(k), area, keys);
    }

    /** Saves numeric settings through the options page like a user; waits until applied. */
    async function saveSettings(s, values) {
      const page = await s.tabs.open(`${s.env.base}options.html`);
      await saveOptions(page, values);
      await page.close().catch(() => {});
    }

    async function openPopup(s) {
      const page = await s.tabs.open(`${s.env.base}popup.html`);
      await waitForSelector(page, '#download-all');
      return page;
    }

    const progress = bulkProgress;

    const filesIn = (s, dir) => listTree(s.env.downloadDir).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)).sort();

    /** Waits until the downloads under `dir` stop changing: no partial file, same list twice. */
    async function settled(s, dir, { timeoutMs = 30_000 } = {}) {
      let last = null;
      return until(`downloads in ${dir} to settle`, async () => {
        const now = JSON.stringify(filesIn(s, dir));
        const partial = partialFiles(s.env.downloadDir);
        const stable = now === last && partial.length === 0;
        last = now;
        return stable ? JSON.parse(now) : { error: `partial ${JSON.stringify(partial)}` };
      }, { timeoutMs, pollMs: 500 });
    }

    async function stopServiceWorker(page) {
      const { cdp } = await stopExtensionWorker(page, extDir);
      await cdp.detach().catch(() => {});
    }

    // ---- 1. message senders -------------------------------------------------------------

    describe('message senders', () => {
      const s = scenario();
      const FILE = 'customer_secret.log';
      const filePath = `${dirOf(SENDER)}/${FILE}`;
      let agent;
      let record; // {key, downloadId} of the saved file

      it('saves a file with "delete 30 days after download" in force', async () => {
        await saveSettings(s, { retentionAfterDownloadDays: '30' });
        agent = await s.tabs.ticketPage(SENDER);
        await clickLink(agent, attachmentSelector(SENDER, FILE));
        const bytes = await waitForFile(s.env.downloadDir, filePath, { timeoutMs: 30_000 });
        assert.ok(bytes.equals(expectedBytes(attachment(SENDER, FILE).token)));
        const cleanupPage = await s.tabs.open(`${s.env.base}cleanup.html`);
        await waitForSelector(cleanupPage, 'main[aria-busy="false"]', { timeoutMs: 30_000 });
        record = await until(`a review entry for ${filePath}`, async () => {
          const [answer] = await sendFromPage(cleanupPage, [{ type: 'cleanupReview' }]);
          const r = answer?.reviews?.find((x) => x.path === filePath);
          return r ? { key: r.key, downloadId: r.downloadId } : { error: JSON.stringify(answer) };
        }, { timeoutMs: 15_000 });
        await cleanupPage.close();
      });

      it('refuses every extension-page message from the content script of an agent tab; deletes, forgets and downloads nothing', async () => {
        assert.ok(record, 'the previous step saved the file');
        const later = Date.now() + 31 * DAY_MS;
        // What a content script taken over by a hostile page could try (in every shape the
        // handlers ever read: record keys, download ids, a clock).
        const attempts = [
          { type: 'cleanupRun', keys: [record.key], downloadIds: [record.downloadId], now: later },
          { type: 'cleanupReview', now: later },
          { type: 'cleanupForget', keys: [record.key], downloadIds: [record.downloadId] },
          { type: 'downloadAll', force: true },
          { type: 'confirmAttachment', attachmentId: attachmentsOf(SENDER)[0].id },
          { type: 'state' },
        ];
        assert.deepEqual(attempts.map((m) => m.type).sort(), [...PAGE_TYPES].sort(), 'every extension-page message is tried');
        const since = s.env.mock.log().length;
        const answers = await sendFromContentScript(agent, attempts);
        assert.deepEqual(
          Object.fromEntries(attempts.map((m, i) => [m.type, answers[i]])),
          Object.fromEntries(attempts.map((m) => [m.type, refusal(m.type, 'a content script')])),
        );
        // The content script's own messages from the same world are still answered.
        const [pageAnswer, savedAnswer] = await sendFromContentScript(agent, [
          { type: 'page', url: agent.url() },
          { type: 'saved', links: [`https://acme.zendesk.com/attachments/token/${attachment(SENDER, FILE).token}/?name=${FILE}`] },
        ]);
        assert.equal(pageAnswer?.ticketId, SENDER, JSON.stringify(pageAnswer));
        assert.equal(savedAnswer?.saved?.length, 1, `the saved file is still marked: ${JSON.stringify(savedAnswer)}`);

        await sleep(1500); // a run or deletion started anyway would show by now
        const bytes = await waitForFile(s.env.downloadDir, filePath, { timeoutMs: 1000 });
        assert.ok(bytes.equals(expectedBytes(attachment(SENDER, FILE).token)), 'the file is still on disk, unchanged');
        assert.deepEqual(filesIn(s, dirOf(SENDER)), [FILE], 'no Download all ran (no ticket.html, no copy)');
        assert.deepEqual(partialFiles(s.env.downloadDir), []);
        const fetched = s.env.mock.log().slice(since).filter((e) => e.path.includes('/attachment'));
        assert.deepEqual(fetched, [], 'no attachment fetched');
        const popup = await s.tabs.open(`${s.env.base}popup.html`);
        const { bulk } = await storageOf(popup, 'session', 'bulk');
        assert.ok(!bulk?.running && bulk?.ticketId === undefined, `no Download all started: ${JSON.stringify(bulk)}`);
        const [review] = await sendFromPage(popup, [{ type: 'cleanupReview' }]);
        assert.ok(review?.reviews?.some((r) => r.path === filePath), `the file is still on the clean-up list: ${JSON.stringify(review)}`);
        await popup.close();
      });

      it('refuses the content scripts\' messages from an extension page', async () => {
        const popup = await s.tabs.open(`${s.env.base}popup.html`);
        assert.ok(record, 'the first step saved the file');
        const url = `https://acme.zendesk.com/agent/tickets/${SENDER}`;
        const attempts = [
          { type: 'page', url },
          { type: 'ticketData', url, ticketId: SENDER, ticket: null, comments: [] },
          { type: 'links', url, links: [] },
          { type: 'saved', links: [] },
          { type: 'show', downloadId: record.downloadId },
        ];
        assert.deepEqual(attempts.map((m) => m.type).sort(), [...CONTENT_TYPES].sort(), 'every content-script message is tried');
        const answers = await sendFromPage(popup, attempts);
        assert.deepEqual(answers, attempts.map((m) => refusal(m.type, 'an extension page')));
        await popup.close();
      });

      it('answers the clean-up page on the worker\'s clock: a file saved now is not due 31 days "later"', async () => {
        const later = Date.now() + 31 * DAY_MS;
        const cleanupPage = await s.tabs.open(`${s.env.base}cleanup.html`);
        await waitForSelector(cleanupPage, 'main[aria-busy="false"]', { timeoutMs: 30_000 });
        const [review] = await sendFromPage(cleanupPage, [{ type: 'cleanupReview', now: later }]);
        const entry = review?.reviews?.find((r) => r.path === filePath);
        assert.ok(entry, `the clean-up page's review is answered and lists the file: ${JSON.stringify(review)}`);
        assert.deepEqual({ verdict: entry.verdict, ageDays: entry.ageDays }, { verdict: 'keep', ageDays: 0 });

        const [run] = await sendFromPage(cleanupPage, [{ type: 'cleanupRun', keys: [record.key], downloadIds: [record.downloadId], now: later }]);
        assert.ok(!run?.error, JSON.stringify(run));
        const reports = run?.report ?? run;
        assert.deepEqual(reports.map((r) => [r.outcome, r.removed]), [['notDue', false]], JSON.stringify(run));
        await sleep(500);
        assert.ok(fs.existsSync(path.join(s.env.downloadDir, ...filePath.split('/'))), 'the file is not deleted');

        // The page's old clock parameter is gone: the page shows nothing due.
        const old = await s.tabs.open(`${s.env.base}cleanup.html?now=${later}`);
        await waitForSelector(old, 'body[data-loaded="true"]', { timeoutMs: 30_000 });
        const shown = await old.evaluate(() => ({ status: document.getElementById('status').textContent, due: document.querySelectorAll('#due tr').length }));
        assert.deepEqual(shown, { status: 'Nothing is due (1 saved files reviewed).', due: 0 });
        assert.ok(fs.existsSync(path.join(s.env.downloadDir, ...filePath.split('/'))), 'the file is still there');
      });
    });

    // ---- 2. Download all: one run, and a run cut short --------------------------------

    describe('Download all started twice at once', () => {
      const s = scenario();

      it('runs once: one run, one "already running" answer, each attachment saved and fetched once', async () => {
        await s.tabs.ticketPage(TWICE);
        const popup = await openPopup(s);
        await waitForSelector(popup, '#download-all:not([disabled])', { timeoutMs: 20_000 });
        const answers = await sendFromPage(popup, [{ type: 'downloadAll' }, { type: 'downloadAll' }]);
        const names = TWICE_FILES.flat();
        const { p } = await until('the run to end', async () => {
          const now = await progress(popup);
          return now.shown && !now.running && now.ticketId === TWICE && now.done >= names.length ? { p: now } : { ...now, error: 'not yet' };
        }, { timeoutMs: RUN_TIMEOUT_MS });
        const files = await settled(s, dirOf(TWICE));
        await sleep(1500); // a second run would have started more downloads by now
        assert.deepEqual(filesIn(s, dirOf(TWICE)), files, 'nothing more arrives');
        assert.deepEqual(files, [...names, 'ticket.html'].sort(), 'each attachment exactly once (no "name (1).log")');
        const refused = answers.filter((a) => /Download all is already running/.test(a?.error ?? ''));
        assert.equal(refused.length, 1, `exactly one start refused: ${JSON.stringify(answers)}`);
        assert.deepEqual(answers.filter((a) => !a?.error), [{ started: true }], `exactly one start accepted: ${JSON.stringify(answers)}`);
        assert.deepEqual({ total: p.total, done: p.done, failed: p.failed }, { total: names.length, done: names.length, failed: 0 });

        for (const name of names) {
          const bytes = await waitForFile(s.env.downloadDir, `${dirOf(TWICE)}/${name}`, { timeoutMs: 1000 });
          assert.ok(bytes.equals(expectedBytes(attachment(TWICE, name).token)), `${name}: bytes`);
          assert.equal(attachmentFetches(s.env.mock.log(), attachment(TWICE, name).token).contents.length, 1, `${name} fetched once`);
        }
      });
    });

    describe('Download all cut short by a worker restart', () => {
      const s = scenario();
      const names = MANY_FILES.flat().map((a) => a.fileName);
      let popup;
      let before; // the attachments on disk once the interrupted run's last download settled

      it('shows a run cut short by a worker stop as over and interrupted, within a bounded time', async () => {
        // One download at a time: the run lasts long enough to be cut in the middle.
        await saveSettings(s, { bulkConcurrency: '1' });
        const agent = await s.tabs.ticketPage(MANY);
        popup = await openPopup(s);
        await clickLink(popup, '#download-all:not([disabled])', { timeoutMs: 20_000 });

        // Stop the worker as soon as a few attachments are saved.
        const attachmentsSaved = () => filesIn(s, dirOf(MANY)).filter((f) => names.includes(f));
        await until('3 attachments saved', () => attachmentsSaved().length >= 3, { timeoutMs: RUN_TIMEOUT_MS, pollMs: 20 });
        await stopServiceWorker(agent);
        const atStop = attachmentsSaved().length;
        await popup.close();

        // What was started carries on in the browser; nothing new starts without a worker run.
        before = (await settled(s, dirOf(MANY))).filter((f) => names.includes(f));
        assert.ok(before.length < names.length, `the run was cut short (${before.length} of ${names.length} saved; ${atStop} at the stop)`);
        assert.ok(before.length <= atStop + 1, `at most the one download in flight finished after the stop (${atStop} → ${before.length})`);

        // The reopened popup shows the run over and interrupted (not "downloading…" forever).
        popup = await openPopup(s);
        const { p: shown } = await until('the popup to show the run interrupted', async () => {
          const p = await progress(popup);
          return p.shown && !p.running && p.ticketId === MANY && /^Download all: Interrupted:/.test(p.error) ? { p } : { ...p, error: `not yet: ${p.error}` };
        }, { timeoutMs: 15_000 });
        assert.doesNotMatch(shown.text, /downloading…/);
        assert.equal(shown.button, 'Download all attachments');
        const { bulk } = await storageOf(popup, 'session', 'bulk');
        assert.deepEqual({ running: bulk.running, interrupted: bulk.interrupted }, { running: false, interrupted: true });
        assert.match(bulk.error, /^Interrupted:/);
      });

      it('runs again: skips what was saved ("already saved"), fetches the rest, every attachment exactly once', async () => {
        assert.ok(popup && before, 'the previous step cut a run short');
        await clickLink(popup, '#download-all:not([disabled])', { timeoutMs: 20_000 });
        const { p: again } = await until('the second run to end', async () => {
          const p = await progress(popup);
          return p.shown && !p.running && p.ticketId === MANY && !/Interrupted/.test(p.error) && p.done + p.failed === p.total && p.total > 0
            ? { p } : { ...p, error: `not yet: ${p.error}` };
        }, { timeoutMs: RUN_TIMEOUT_MS });

        const files = await settled(s, dirOf(MANY));
        const copies = files.filter((f) => !names.includes(f) && f !== 'ticket.html');
        assert.deepEqual(files, [...names, 'ticket.html'].sort(),
          `every attachment exactly once; extra copies ${JSON.stringify(copies)} (${before.length} on disk after the stop, the run counted ${again.alreadySaved} already saved)`);
        assert.deepEqual(
          { total: again.total, done: again.done, failed: again.failed, alreadySaved: again.alreadySaved, error: again.error },
          { total: names.length - before.length, done: names.length - before.length, failed: 0, alreadySaved: before.length, error: '' },
        );
        assert.match(again.text, new RegExp(`${before.length} already saved`));
        for (const name of names) {
          const a = attachment(MANY, name);
          const bytes = await waitForFile(s.env.downloadDir, `${dirOf(MANY)}/${name}`, { timeoutMs: 1000 });
          assert.ok(bytes.equals(expectedBytes(a.token)), `${name}: bytes`);
          assert.equal(attachmentFetches(s.env.mock.log(), a.token).contents.length, 1, `${name} fetched once`);
        }
      });
    });
  });
}
