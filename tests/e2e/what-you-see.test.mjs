// What the user sees is true (issue 14, items 1, 2, 5, 6): the popup, the toolbar badge and
// the fallback notification, in each browser of E2E_BROWSERS (default "chromium,firefox")
// against the built dist/<browser> (or E2E_EXT_CHROMIUM / E2E_EXT_FIREFOX) and the mock Zendesk.
//
//   node --test tests/e2e/what-you-see.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/what-you-see.test.mjs
//   E2E_DEBUG=1 ...   forwards page and service-worker console output, prints the mock log
//
// One browser per kind; the scenarios run in order on their own tickets, each closing the
// tabs it opened. popup.html is opened as a tab (as in settings.test.mjs): it then shows the
// agent tab activated last, so a scenario brings an agent tab to the front
// (page.bringToFront()) and then opens the popup.
//
// 1. The popup follows the agent tab in front: with no agent tab, `No Zendesk ticket open.`
//    and Download all disabled (`Open a Zendesk ticket…`), no badge; ticket A (ACME Corp.)
//    then ticket B (Globex) open; A in front → `#A · ACME Corp. · acme`, its subject and
//    `Attachments go to Downloads/zendesk/ACME Corp/A/`; B in front → B's, never A's; A again
//    → A's. A's attachment then lands in that folder and the badge reads 1, no warning.
// 2. A ticket whose API fails (mock fault api-500): the popup says exactly
//    `Ticket #N — details could not be loaded (HTTP 500)`, shows no folder, and Download all
//    is disabled with that reason. A click on its attachment lands in
//    zendesk/_unsorted/N/<file> within a bounded time; the notification `fallback:<download
//    id>` says `Saved outside its ticket folder` and
//    `Downloads/zendesk/_unsorted/N/<file> — ticket details could not be loaded (HTTP 500)`
//    (never the attachment token), with a `Show file` button in Chromium (Firefox
//    notifications have no buttons). Clicking a notification is not possible in a headless
//    browser (no notification UI to click), so the id (which carries the download id the
//    click shows) and the button are asserted instead. The popup's history entry is a
//    fallback with its note and a Show button; the badge counts it and warns (its colour
//    changes from scenario 1's, its title says `1 routed, 1 fell back`).
// 3. History rows name the real files: two attachments named dup.log in one ticket both land
//    (the second uniquified by the browser: Chromium `dup (1).log`, Firefox `dup(1).log`);
//    the popup shows the two names found on disk. One deleted from disk (right after a popup
//    showed it, as a user would) → the reopened popup's row says `deleted or moved` without
//    a Show button, the other keeps its Show button. Chromium re-checks whether files exist
//    at most once per 10 s (ExtensionDownloadsEventRouter::CheckForHistoryFilesRemoval,
//    kFileExistenceRateLimitSeconds), so the popup is given 15 s. Firefox never re-checks
//    `exists` in downloads.search for a file deleted outside the browser (see bulk.test.mjs):
//    there this step is a todo.
// 4. Download all's status stays under its ticket: after a run on A, the popup with B in
//    front shows no progress; with A in front again, it shows A's run. The badge counts the
//    attachments, not the ticket.html sidecar.
// 5. Routing off (the popup's switch): banner, Download all disabled with the reason
//    `Routing is off…`, no folder, badge `off`; switched back on, the badge counts again.
//
// The notification is read through a spy on notifications.create installed in the background
// before the click: Chromium's chrome.notifications.getAll gives ids only, and headless
// Firefox closes a notification as soon as it is shown (notifications.onClosed fires at
// once, getAll() is then empty), so there the spy is installed from an extension page on
// runtime.getBackgroundPage() (the page stays open until the click has been seen). Each
// browser also shows that the notification was really created: Chromium lists its id in
// getAll(), Firefox reports its onClosed.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, browsersFromEnv, clickLink, waitForFile, waitForSelector, listTree, attachment, expectedBytes,
  attachmentSelector, sleep, until, fixtures, startWithExtensionPages, pageSet, logRunEnd, bulkProgress,
  missingExtension,
} from './harness.mjs';

const DEBUG = !!process.env.E2E_DEBUG;
const FILE_TIMEOUT_MS = 20_000;
// The fallback is bounded by the background's watchdog (a few seconds): well within this.
const FALLBACK_TIMEOUT_MS = 15_000;
const POPUP_TIMEOUT_MS = 10_000;

// ---- fixtures (before the mock starts) ---------------------------------------------------

const ACME = 4880; // scenario 1 (and 4's other ticket is GLOBEX)
const GLOBEX = 4881;
const FAILING = 4882; // its API answers 500
const DUP = 4883; // two different attachments named dup.log
const SMALL = 4884; // Download all
const SMALL_FILES = ['small_a.log', 'small_b.log'];

fixtures.addTicket({ id: ACME, organizationId: 9, subject: 'Popup follows the front tab', comments: [['acme.log']] });
fixtures.addTicket({ id: GLOBEX, organizationId: 10, requesterId: 502, subject: 'Globex side', comments: [['globex.log']] });
fixtures.addTicket({ id: FAILING, organizationId: 9, subject: 'API fails', comments: [['broken_api.log']] });
fixtures.addTicket({ id: DUP, organizationId: 9, subject: 'Same name twice', comments: [['dup.log'], ['dup.log']] });
fixtures.addTicket({ id: SMALL, organizationId: 9, subject: 'Download all, small', comments: [SMALL_FILES] });

const INSTANCE = fixtures.INSTANCE; // "acme"
const ACME_DIR = (id) => `zendesk/ACME Corp/${id}`; // the sanitizer drops the trailing dot of "ACME Corp."
const UNSORTED_DIR = (id) => `zendesk/_unsorted/${id}`;

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router what the user sees (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    const tabs = pageSet(() => env.browser, { label: kind, debug: DEBUG });
    /** Customer files placed since the browser started, as the badge should count them. */
    const placed = { routed: 0, fellBack: 0 };
    let routedBadge = null; // the badge once a file was routed, before any fallback

    before(async () => {
      env = await startWithExtensionPages({ kind, extDir, downloadPrefix: `zd-e2e-wys-${kind}-` });
      if (env.worker && DEBUG) env.worker.on('console', (m) => console.error(`[chromium sw] ${m.type()}: ${m.text()}`));
    });
    after(async () => {
      if (!env) return;
      await tabs.closeAll();
      logRunEnd(kind, env, { debug: DEBUG });
      await env.close();
    });

    // ---- helpers ------------------------------------------------------------------------

    /** Brings an agent tab to the front (its content script reports it) and lets the background note it. */
    async function toFront(page) {
      await page.bringToFront();
      await sleep(300);
    }

    /** Opens popup.html as a tab (it follows the agent tab activated last). */
    async function openPopup() {
      const page = await tabs.open(`${env.base}popup.html`);
      await waitForSelector(page, '#download-all');
      return page;
    }

    /** What the popup shows now. */
    function readPopup(popup) {
      return popup.evaluate(() => {
        const $ = (id) => document.getElementById(id);
        const shown = (e) => !e.hidden && e.getClientRects().length > 0;
        return {
          answered: $('ticket').hasAttribute('data-ticket-id'), // set once the background said which ticket is in front
          ticketId: $('ticket').dataset.ticketId ?? '',
          ticket: [...$('ticket').querySelectorAll('p')].map((p) => p.textContent),
          folder: shown($('folder')) ? $('folder').textContent : null,
          routingOff: shown($('routing-off')),
          downloadAllDisabled: $('download-all').disabled,
          hint: shown($('bulk-hint')) ? $('bulk-hint').textContent : null,
          bulkShown: shown($('bulk-progress')),
          bulkTicketId: $('bulk-progress').dataset.ticketId ?? '',
          problem: shown($('problem')) ? $('problem').textContent : null,
        };
      });
    }

    /** Waits until the popup shows `ticketId` with its details loaded (two lines: #id · org · instance, subject). */
    function popupLoaded(popup, ticketId, extra = () => true) {
      return until(`the popup to show ticket ${ticketId} loaded`, async () => {
        const p = await readPopup(popup);
        return p.ticketId === String(ticketId) && p.ticket.length === 2 && extra(p) ? p : { ...p, error: 'not yet' };
      }, { timeoutMs: POPUP_TIMEOUT_MS });
    }

    /** The toolbar badge as the browser holds it (read from an extension page). */
    function readBadge(page) {
      return page.evaluate(async () => {
        const api = globalThis.browser ?? globalThis.chrome;
        const [text, title, color] = await Promise.all([api.action.getBadgeText({}), api.action.getTitle({}), api.action.getBadgeBackgroundColor({})]);
        return { text, title, color: [...color] };
      });
    }

    /** Waits until the badge counts `placed` (routed + fell back). */
    function badgeCounts(page, what = placed) {
      const want = String(what.routed + what.fellBack);
      return until(`the badge to read ${want}`, async () => {
        const b = await readBadge(page);
        return b.text === want ? b : { ...b, error: 'not yet' };
      }, { timeoutMs: 10_000 });
    }

    /** The popup's history rows (newest first). */
    function readHistory(popup) {
      return popup.evaluate(() => [...document.querySelectorAll('#history li')].map((li) => ({
        key: li.dataset.key,
        source: li.dataset.source,
        fallback: li.classList.contains('fallback'),
        file: li.querySelector('.file')?.textContent ?? null,
        dir: li.querySelector('.dir')?.textContent ?? null,
        note: li.querySelector('.note')?.textContent ?? null,
        onDisk: li.dataset.onDisk ?? null,
        show: li.querySelectorAll('button.show').length,
        gone: li.querySelector('.gone')?.textContent ?? null,
      })));
    }

    /** Rows of `dir` (Downloads/<dir>/) once each has Show or "deleted or moved" and `ok(rows)` holds. */
    function historyRows(popup, dir, ok, what) {
      return until(what, async () => {
        const rows = (await readHistory(popup)).filter((r) => r.dir === `Downloads/${dir}/`);
        return rows.length && rows.every((r) => r.onDisk === 'yes' || r.onDisk === 'gone') && ok(rows) ? rows : { rows, error: 'not yet' };
      }, { timeoutMs: POPUP_TIMEOUT_MS });
    }

    async function expectBytes(relPath, token, timeoutMs = FILE_TIMEOUT_MS) {
      const bytes = await waitForFile(env.downloadDir, relPath, { timeoutMs });
      assert.ok(bytes.equals(expectedBytes(token)), `${relPath}: bytes differ from token ${token}`);
    }

    const filesIn = (dir) => listTree(env.downloadDir).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)).sort();

    // ---- scenarios ----------------------------------------------------------------------

    it('1. the popup follows the agent tab in front', async () => {
      try {
        // No agent tab yet.
        let popup = await openPopup();
        let p = await until('the popup to hear from the background', async () => {
          const r = await readPopup(popup);
          return r.answered ? r : { ...r, error: 'not yet' };
        }, { timeoutMs: POPUP_TIMEOUT_MS });
        assert.deepEqual([p.ticketId, p.ticket, p.folder, p.downloadAllDisabled], ['', ['No Zendesk ticket open.'], null, true], JSON.stringify(p));
        assert.ok(p.hint?.startsWith('Open a Zendesk ticket'), JSON.stringify(p.hint));
        const badge = await readBadge(popup);
        assert.equal(badge.text, '', `no badge before any download: ${JSON.stringify(badge)}`);
        await popup.close();

        const a = await tabs.ticketPage(ACME);
        const b = await tabs.ticketPage(GLOBEX);

        await toFront(a);
        popup = await openPopup();
        p = await popupLoaded(popup, ACME);
        assert.deepEqual(p.ticket, [`#${ACME} · ACME Corp. · ${INSTANCE}`, 'Popup follows the front tab'], JSON.stringify(p));
        assert.equal(p.folder, `Attachments go to Downloads/${ACME_DIR(ACME)}/`);
        assert.equal(p.routingOff, false);
        assert.equal(p.downloadAllDisabled, false, `Download all enabled for a loaded ticket: ${JSON.stringify(p)}`);
        assert.equal(p.problem, null);
        await popup.close();

        await toFront(b);
        popup = await openPopup();
        p = await popupLoaded(popup, GLOBEX);
        assert.deepEqual(p.ticket, [`#${GLOBEX} · Globex · ${INSTANCE}`, 'Globex side'], JSON.stringify(p));
        assert.equal(p.folder, `Attachments go to Downloads/zendesk/Globex/${GLOBEX}/`);
        await popup.close();

        // And back: the popup is not stuck on the ticket opened last.
        await toFront(a);
        popup = await openPopup();
        p = await popupLoaded(popup, ACME);
        assert.equal(p.ticket[0], `#${ACME} · ACME Corp. · ${INSTANCE}`);
        assert.equal(p.folder, `Attachments go to Downloads/${ACME_DIR(ACME)}/`);

        // The folder shown is where the attachment goes; the badge counts it, no warning.
        await clickLink(a, attachmentSelector(ACME, 'acme.log'));
        await expectBytes(`${ACME_DIR(ACME)}/acme.log`, attachment(ACME, 'acme.log').token);
        placed.routed += 1;
        routedBadge = await badgeCounts(popup);
        assert.ok(!routedBadge.title.includes('fell back'), `badge title: ${routedBadge.title}`);
      } finally {
        await tabs.closeAll();
      }
    });

    it('2. a ticket whose API fails: exact headline, no Download all, the fallback said where and why', async () => {
      const file = 'broken_api.log';
      const { token } = attachment(FAILING, file);
      const relPath = `${UNSORTED_DIR(FAILING)}/${file}`;
      const expectedMessage = `Downloads/${relPath} — ticket details could not be loaded (HTTP 500)`;
      env.mock.setFaults({ [FAILING]: 'api-500' });
      let spyPage = null;
      try {
        const agent = await tabs.ticketPage(FAILING);
        await toFront(agent);
        const popup = await openPopup();
        const headline = `Ticket #${FAILING} — details could not be loaded (HTTP 500)`;
        const p = await until('the popup to give up loading the details', async () => {
          const r = await readPopup(popup);
          return r.ticketId === String(FAILING) && r.ticket[0] === headline ? r : { ...r, error: 'not yet' };
        }, { timeoutMs: POPUP_TIMEOUT_MS });
        assert.deepEqual(p.ticket, [headline]);
        assert.equal(p.folder, null, 'no folder shown for a ticket whose details are unknown');
        assert.equal(p.downloadAllDisabled, true, `Download all disabled: ${JSON.stringify(p)}`);
        assert.ok(p.hint?.includes('details could not be loaded (HTTP 500)'), `the reason beside the button: ${JSON.stringify(p.hint)}`);

        // The notification: a spy on the background's notifications.create (see the header).
        if (kind === 'chromium') {
          assert.ok(env.worker, 'the service worker was found at start');
          await env.worker.evaluate(() => {
            const create = chrome.notifications.create;
            globalThis.__notes = [];
            globalThis.__unspy = () => {
              chrome.notifications.create = create;
            };
            chrome.notifications.create = (...a) => {
              globalThis.__notes.push(a);
              return create.apply(chrome.notifications, a);
            };
          });
        } else {
          spyPage = popup;
          await popup.evaluate(async () => {
            const bg = await browser.runtime.getBackgroundPage();
            const n = bg.browser.notifications;
            const create = n.create;
            globalThis.__notes = [];
            globalThis.__closed = [];
            browser.notifications.onClosed.addListener((id) => globalThis.__closed.push(id));
            bg.__wysSpy = true; // gone if the event page is unloaded and started again
            // The spy lives in this page: put the original back before the page closes.
            globalThis.__unspy = () => {
              n.create = create;
            };
            n.create = (...a) => {
              globalThis.__notes.push(JSON.parse(JSON.stringify(a)));
              return create.apply(n, a);
            };
          });
        }
        const started = Date.now();
        await clickLink(agent, attachmentSelector(FAILING, file));
        await expectBytes(relPath, token, FALLBACK_TIMEOUT_MS);
        const took = Date.now() - started;
        placed.fellBack += 1;
        assert.deepEqual(filesIn(UNSORTED_DIR(FAILING)), [file]);
        assert.deepEqual(listTree(env.downloadDir).filter((f) => f.endsWith(file)), [relPath], 'one copy, in the fallback folder');
        console.log(`# ${kind} api-500 click → ${relPath} in ${took} ms`);

        const [{ id: downloadId }] = await popup.evaluate((name) => (globalThis.browser ?? globalThis.chrome).downloads.search({ filenameRegex: `${name.replace('.', '\\.')}$` }), file);
        const noteId = `fallback:${downloadId}`;
        const notes = await until('the fallback notification', async () => {
          const n = kind === 'chromium'
            ? await env.worker.evaluate(() => globalThis.__notes ?? null)
            : await popup.evaluate(async () => ((await browser.runtime.getBackgroundPage()).__wysSpy ? globalThis.__notes : null));
          if (n === null) throw new Error('the spy is gone: the background restarted between the spy and the click');
          return n.length ? n : null;
        }, { timeoutMs: 10_000 });
        assert.equal(notes.length, 1, `one notification: ${JSON.stringify(notes)}`);
        assert.equal(notes[0][0], noteId);
        const options = notes[0][1];
        if (kind === 'chromium') {
          assert.deepEqual(options.buttons, [{ title: 'Show file' }]);
          const live = await popup.evaluate(() => chrome.notifications.getAll());
          assert.ok(Object.hasOwn(live, noteId), `notification ${noteId} is shown: ${JSON.stringify(live)}`);
        } else {
          assert.equal(options.buttons, undefined, 'Firefox notifications have no buttons');
          await until(`notification ${noteId} shown (and closed by headless Firefox)`, () => popup.evaluate((id) => globalThis.__closed.includes(id), noteId), { timeoutMs: 5_000 });
        }
        assert.equal(options.title, 'Saved outside its ticket folder');
        assert.equal(options.message, expectedMessage);
        assert.ok(!options.message.includes(token), 'the message never shows the attachment token');

        // The history: a fallback, with its reason and a Show button.
        const fresh = await openPopup();
        const [row] = await historyRows(fresh, UNSORTED_DIR(FAILING), (rows) => rows.length === 1, `the history row of ${relPath}`);
        assert.deepEqual(
          { source: row.source, fallback: row.fallback, file: row.file, note: row.note, onDisk: row.onDisk, show: row.show, gone: row.gone },
          { source: 'fallback', fallback: true, file, note: 'ticket details could not be loaded (HTTP 500)', onDisk: 'yes', show: 1, gone: null },
        );

        // The badge counts it and warns.
        const badge = await badgeCounts(fresh);
        assert.ok(badge.title.includes(`${placed.routed} routed, ${placed.fellBack} fell back`), `badge title: ${badge.title}`);
        assert.ok(routedBadge, 'scenario 1 read the badge of a routed file');
        assert.notDeepEqual(badge.color, routedBadge.color, `a warning colour after a fallback (routed only: ${JSON.stringify(routedBadge.color)})`);
      } finally {
        env.mock.resetFaults();
        await (kind === 'chromium' ? env.worker : spyPage)?.evaluate(() => globalThis.__unspy?.()).catch(() => {});
        await tabs.closeAll();
      }
    });

    /** The two dup.log files as named on disk, once 3a has seen them land. */
    let dupFiles = null;

    it('3a. history rows name the real files on disk (same name twice)', async () => {
      try {
        const agent = await tabs.ticketPage(DUP);
        const first = attachment(DUP, 'dup.log', 1);
        const second = attachment(DUP, 'dup.log', 2);
        assert.notEqual(first.token, second.token);
        await clickLink(agent, attachmentSelector(DUP, 'dup.log', 1));
        await expectBytes(`${ACME_DIR(DUP)}/dup.log`, first.token);
        await clickLink(agent, attachmentSelector(DUP, 'dup.log', 2));
        const onDisk = await until('both dup.log files on disk', () => {
          const f = filesIn(ACME_DIR(DUP));
          return f.length === 2 ? f : { files: f, error: 'not yet' };
        }, { timeoutMs: FILE_TIMEOUT_MS });
        const other = onDisk.find((f) => f !== 'dup.log');
        assert.ok(onDisk.includes('dup.log') && other, `dup.log and a uniquified name: ${JSON.stringify(onDisk)}`);
        await expectBytes(`${ACME_DIR(DUP)}/${other}`, second.token);
        placed.routed += 2;
        console.log(`# ${kind} the second dup.log is named ${JSON.stringify(other)} on disk`);

        await toFront(agent);
        const popup = await openPopup();
        const rows = await historyRows(popup, ACME_DIR(DUP), (r) => r.length === 2, 'two history rows for the two dup.log');
        assert.deepEqual(rows.map((r) => r.file).sort(), [...onDisk].sort(), `the rows name the files on disk: ${JSON.stringify(rows)}`);
        for (const r of rows) {
          assert.equal(r.fallback, false);
          assert.deepEqual([r.onDisk, r.show, r.gone], ['yes', 1, null], `${r.file} is on disk: ${JSON.stringify(r)}`);
        }
        await badgeCounts(popup);
        dupFiles = { kept: 'dup.log', deleted: other };
      } finally {
        await tabs.closeAll();
      }
    });

    // Chromium checks file existence at most once per 10 s, whoever asks; Firefox never
    // re-checks a file deleted outside the browser (see the header).
    const FIREFOX_EXISTS = 'Firefox keeps downloads.search `exists: true` for a file deleted outside the browser';
    it('3b. a file deleted from disk: its row says "deleted or moved", without Show', { todo: kind === 'firefox' ? FIREFOX_EXISTS : false }, async () => {
      assert.ok(dupFiles, '3a saved the two dup.log files');
      try {
        // The popup a user just looked at (it asked the browser where the files are)...
        const agent = await tabs.ticketPage(DUP);
        await toFront(agent);
        let popup = await openPopup();
        await historyRows(popup, ACME_DIR(DUP), (r) => r.length === 2 && r.every((x) => x.onDisk === 'yes'), 'both dup.log rows on disk');
        await popup.close();
        // ...then the file is deleted by hand and the popup opened again.
        fs.unlinkSync(path.join(env.downloadDir, ...`${ACME_DIR(DUP)}/${dupFiles.deleted}`.split('/')));
        const deletedAt = Date.now();
        popup = await openPopup();
        const rows = await until(`the row of the deleted ${dupFiles.deleted} to say so`, async () => {
          const r = (await readHistory(popup)).filter((x) => x.dir === `Downloads/${ACME_DIR(DUP)}/`);
          return r.length === 2 && r.some((x) => x.onDisk === 'gone') ? r : { rows: r, sinceDeletedMs: Date.now() - deletedAt, error: 'not yet' };
        }, { timeoutMs: 15_000, pollMs: 250 });
        console.log(`# ${kind} the popup said "deleted or moved" ${Date.now() - deletedAt} ms after the deletion`);
        const gone = rows.find((r) => r.file === dupFiles.deleted);
        const kept = rows.find((r) => r.file === dupFiles.kept);
        assert.deepEqual([gone?.onDisk, gone?.show, gone?.gone], ['gone', 0, 'deleted or moved'], JSON.stringify(rows));
        assert.deepEqual([kept?.onDisk, kept?.show, kept?.gone], ['yes', 1, null], JSON.stringify(rows));
      } finally {
        await tabs.closeAll();
      }
    });

    it("4. Download all's status stays under its ticket; the badge does not count the sidecar", async () => {
      try {
        const a = await tabs.ticketPage(SMALL);
        const b = await tabs.ticketPage(GLOBEX);
        await toFront(a);
        let popup = await openPopup();
        await popupLoaded(popup, SMALL);
        await clickLink(popup, '#download-all:not([disabled])', { timeoutMs: POPUP_TIMEOUT_MS });
        const run = await until(`Download all of ${SMALL} to end`, async () => {
          const p = await bulkProgress(popup);
          return p.shown && !p.running && p.ticketId === SMALL && p.done === SMALL_FILES.length ? p : { ...p, error: 'not yet' };
        }, { timeoutMs: 60_000 });
        assert.equal(run.total, SMALL_FILES.length, JSON.stringify(run));
        for (const f of SMALL_FILES) await expectBytes(`${ACME_DIR(SMALL)}/${f}`, attachment(SMALL, f).token);
        placed.routed += SMALL_FILES.length;
        console.log(`# ${kind} Download all of ${SMALL}: ${JSON.stringify(filesIn(ACME_DIR(SMALL)))}`);
        await popup.close();

        await toFront(b);
        popup = await openPopup();
        let p = await popupLoaded(popup, GLOBEX);
        await sleep(500); // Download all's status is read from storage.session, after the view
        p = await readPopup(popup);
        assert.equal(p.ticketId, String(GLOBEX));
        assert.equal(p.bulkShown, false, `no progress of #${SMALL} under #${GLOBEX}: ${JSON.stringify(p)}`);
        await popup.close();

        await toFront(a);
        popup = await openPopup();
        p = await popupLoaded(popup, SMALL, (x) => x.bulkShown);
        assert.equal(p.bulkTicketId, String(SMALL));
        const back = await bulkProgress(popup);
        assert.deepEqual([back.shown, back.running, back.done, back.total], [true, false, SMALL_FILES.length, SMALL_FILES.length], JSON.stringify(back));

        const badge = await badgeCounts(popup);
        await sleep(1000); // a sidecar counted late would show here
        assert.deepEqual(await readBadge(popup), badge, `the badge counts the ${SMALL_FILES.length} attachments, not ticket.html`);
      } finally {
        await tabs.closeAll();
      }
    });

    it('5. routing off: banner, Download all disabled with the reason, badge "off"', async () => {
      let popup;
      let switchedOff = false;
      try {
        const a = await tabs.ticketPage(SMALL);
        await toFront(a);
        popup = await openPopup();
        await popupLoaded(popup, SMALL);
        const before = await readBadge(popup);
        assert.equal(await popup.$eval('#enabled', (e) => e.checked), true, 'routing is on to begin with');

        await clickLink(popup, 'label[for="enabled"]');
        switchedOff = true;
        const off = await until('the popup to show routing off', async () => {
          const r = await readPopup(popup);
          return r.routingOff ? r : { ...r, error: 'not yet' };
        }, { timeoutMs: POPUP_TIMEOUT_MS });
        assert.equal(await popup.$eval('#enabled', (e) => e.checked), false);
        assert.equal(off.downloadAllDisabled, true, JSON.stringify(off));
        assert.ok(off.hint?.startsWith('Routing is off'), `the reason beside the button: ${JSON.stringify(off.hint)}`);
        assert.equal(off.folder, null, 'no folder while routing is off');
        assert.equal(off.ticketId, String(SMALL), 'the ticket is still shown');
        const badge = await until('the badge to read off', async () => {
          const b = await readBadge(popup);
          return b.text === 'off' ? b : { ...b, error: 'not yet' };
        }, { timeoutMs: 10_000 });
        assert.notEqual(badge.title, before.title);

        // A popup opened now says the same.
        const again = await openPopup();
        const r = await until('a new popup to show routing off', async () => {
          const x = await readPopup(again);
          return x.routingOff && x.ticketId === String(SMALL) ? x : { ...x, error: 'not yet' };
        }, { timeoutMs: POPUP_TIMEOUT_MS });
        assert.equal(r.downloadAllDisabled, true);
        assert.ok(r.hint?.startsWith('Routing is off'), JSON.stringify(r.hint));
        await again.close();

        await clickLink(popup, 'label[for="enabled"]');
        switchedOff = false;
        const on = await until('the popup to show routing on', async () => {
          const x = await readPopup(popup);
          return !x.routingOff && x.folder ? x : { ...x, error: 'not yet' };
        }, { timeoutMs: POPUP_TIMEOUT_MS });
        assert.equal(on.folder, `Attachments go to Downloads/${ACME_DIR(SMALL)}/`);
        assert.equal(on.downloadAllDisabled, false);
        const back = await badgeCounts(popup);
        assert.equal(back.title, before.title, 'the badge counts again as before');
      } finally {
        // Leave routing on for whatever runs after, even when an assertion failed mid-way.
        if (switchedOff && popup) {
          await popup.evaluate(async () => {
            const api = globalThis.browser ?? globalThis.chrome;
            const { settings = {} } = await api.storage.local.get('settings');
            await api.storage.local.set({ settings: { ...settings, enabled: true } });
          }).catch(() => {});
        }
        await tabs.closeAll();
      }
    });
  });
}
