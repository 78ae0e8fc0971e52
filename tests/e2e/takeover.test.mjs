// Firefox's take-over of a Zendesk download it did not start (platform/firefox/platform.js,
// downloads.onCreated; the decision is src/takeover.rs): the browser's copy is the customer's
// file until the routed copy is complete on disk. Firefox only (Chromium names downloads
// before they start and has nothing to take over), against dist/firefox or E2E_EXT_FIREFOX.
//
//   (a) the routed copy's fetch resets the connection: the browser's copy stays where it was,
//       exactly once, and the history says "kept unrouted: …"; no second attempt;
//   (b) happy path: exactly one copy, in the ticket folder, and at no moment no complete copy
//       on disk (the browser's copy is removed only after the routed one is complete).
//
// The downloads are started by page script (the mock agent UI's button.script-download with
// location.href), which the content script does not intercept.
//
//   E2E_BROWSERS=firefox node --test tests/e2e/takeover.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, browsersFromEnv, clickLink, waitForFile, listTree, partialFiles, pathsNamed, attachment, expectedBytes,
  attachmentFetches, fixtures, sleep, until, startWithExtensionPages, pageSet, logRunEnd,
  missingExtension,
} from './harness.mjs';

const DEBUG = !!process.env.E2E_DEBUG;
const TICKET = 4830; // organization 10, "Globex"
const RESET = 'tk_reset.log';
const HAPPY = 'tk_happy.log';
const SETTLE_MS = 5_000; // after the routed copy was fetched: time for a wrong removal or a retry
const FILE_TIMEOUT_MS = 25_000;
fixtures.addTicket({ id: TICKET, organizationId: 10, subject: 'Take-over', comments: [[RESET], [HAPPY]] });
const routed = (fileName) => `zendesk/Globex/${TICKET}/${fileName}`;

/** Every file (empty and partial ones too) whose name contains the stem of fileName. */
const copiesOf = (dir, fileName) => pathsNamed(dir, fileName, { contains: true });

/** True when dir/rel is on disk with exactly `bytes.length` bytes and no `.part` beside it. */
function completeAt(dir, rel, bytes) {
  const full = path.join(dir, ...rel.split('/'));
  try {
    return fs.statSync(full).size === bytes.length && !fs.existsSync(`${full}.part`);
  } catch {
    return false;
  }
}

for (const kind of browsersFromEnv('firefox')) {
  const extDir = DIST[kind];
  describe(`zd-dl-router Firefox take-over (${kind})`, () => {
    if (kind !== 'firefox') {
      it('take-over', { skip: 'Firefox only: Chromium names a download before it starts (onDeterminingFilename)' }, () => {});
      return;
    }
    if (missingExtension(kind, extDir)) return;
    let env;
    const pages = pageSet(() => env.browser, { label: kind, debug: DEBUG });

    before(async () => {
      env = await startWithExtensionPages({ kind, extDir, downloadPrefix: 'zd-e2e-takeover-' });
      console.log(`# ${kind}: downloads in ${env.downloadDir}`);
    });

    after(async () => {
      if (!env) return;
      await pages.closeAll();
      logRunEnd(kind, env, { debug: DEBUG });
      await env.close();
    });

    /** Starts the download of fileName from page script (not intercepted: the take-over path). */
    async function scriptDownload(fileName) {
      const page = await pages.ticketPage(TICKET);
      await clickLink(page, `button.script-download[data-mode="location"][data-file-name="${fileName}"]`);
    }

    /** The popup's history (storage.local `history`, the list popup.html shows), read in popup.html. */
    let popup;
    async function history() {
      popup ??= await pages.open(`${env.base}popup.html`);
      const { history: h = [] } = await popup.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.local.get('history'));
      return h;
    }

    it('the routed copy fails (connection reset): the browser\'s copy stays, once, and its record says "kept unrouted"', async () => {
      const a = attachment(TICKET, RESET);
      const bytes = expectedBytes(a.token);
      // The first fetch (the page's own download) gets the file; the routed copy's is reset.
      env.mock.setFaults({ [a.token]: { fault: 'attachment-reset', after: 1 } });
      await scriptDownload(RESET);
      await until('the routed copy to fetch the file (a second fetch)', () => attachmentFetches(env.mock.log(), a.token).contents.length >= 2, { timeoutMs: FILE_TIMEOUT_MS });
      await sleep(SETTLE_MS);

      const fetches = attachmentFetches(env.mock.log(), a.token).contents;
      const copies = copiesOf(env.downloadDir, RESET);
      console.log(`# ${kind} reset: files ${JSON.stringify(pathsNamed(env.downloadDir, RESET, { contains: true, withSizes: true }))}; content fetches ${fetches.map((e) => `${e.status}${e.aborted ? ' aborted' : ''}`).join(', ')}`);
      assert.deepEqual(copies, [RESET], 'the browser\'s copy stays where the browser put it, and nothing else (no other copy, no .part, no empty routed file)');
      assert.ok(fs.readFileSync(path.join(env.downloadDir, RESET)).equals(bytes), `${RESET}: bytes differ from token ${a.token}`);
      assert.equal(fetches.length, 2, 'one routed attempt, no retry');

      const mine = await until('a history entry for the kept file', async () => {
        const h = (await history()).filter((e) => String(e.path ?? '').endsWith(RESET));
        return h.length > 0 && h;
      }, { timeoutMs: 10_000, pollMs: 500 });
      console.log(`# ${kind} reset: history ${JSON.stringify(mine)}`);
      assert.equal(mine.length, 1, `one history entry for ${RESET}`);
      assert.match(String(mine[0].note), /^kept unrouted: /, 'the history says why the file was kept where the browser put it');
      assert.equal(mine[0].source, 'keptUnrouted');
      assert.equal(mine[0].path, RESET, 'the history points at the kept copy, not the failed routed one');
    });

    it('happy path: exactly one copy, in the ticket folder; the browser\'s copy is removed only after the routed one is complete', async () => {
      const a = attachment(TICKET, HAPPY);
      const bytes = expectedBytes(a.token);
      const rel = routed(HAPPY);
      // Watch the disk while the take-over runs: once a complete copy exists, one must exist
      // at every later moment (a gap means the original went before the routed copy was there).
      const samples = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          samples.push({ t: Date.now(), original: completeAt(env.downloadDir, HAPPY, bytes), routed: completeAt(env.downloadDir, rel, bytes) });
          await sleep(5);
        }
      })();
      try {
        await scriptDownload(HAPPY);
        assert.ok((await waitForFile(env.downloadDir, rel, { timeoutMs: FILE_TIMEOUT_MS })).equals(bytes), `${rel}: bytes differ from token ${a.token}`);
        await until(`the browser's copy ${HAPPY} to be removed`, () => !fs.existsSync(path.join(env.downloadDir, HAPPY)), { timeoutMs: 10_000 });
        await sleep(SETTLE_MS);
      } finally {
        watching = false;
        await watcher;
      }
      const first = samples.findIndex((s) => s.original || s.routed);
      const gaps = samples.slice(Math.max(first, 0)).filter((s) => !s.original && !s.routed);
      const routedAt = samples.find((s) => s.routed)?.t;
      const originalSeen = samples.some((s) => s.original);
      console.log(`# ${kind} happy: files ${JSON.stringify(pathsNamed(env.downloadDir, HAPPY, { contains: true, withSizes: true }))}; ${samples.length} samples, browser's copy seen complete: ${originalSeen}, moments without a complete copy: ${gaps.length}${gaps.length ? ` (first ${gaps[0].t - samples[first].t} ms after the first copy, routed copy complete ${routedAt - samples[first].t} ms after it)` : ''}`);
      assert.ok(first >= 0, 'a complete copy was seen');
      assert.equal(gaps.length, 0, 'at some moment neither the browser\'s copy nor the routed copy was complete on disk');
      assert.deepEqual(copiesOf(env.downloadDir, HAPPY), [rel], 'exactly one copy, in the ticket folder');

      const h = await until('the history entry of the routed copy', async () => (await history()).find((e) => e.path === rel && e.state === 'complete'), { timeoutMs: 10_000, pollMs: 500 });
      assert.ok(!/kept unrouted/.test(String(h.note ?? '')), `the routed copy is not marked kept unrouted: ${h.note}`);
    });

    it('nothing partial or empty is left anywhere', () => {
      const all = fs.readdirSync(env.downloadDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const files = all.map((e) => path.relative(env.downloadDir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/')).sort();
      assert.deepEqual(partialFiles(env.downloadDir), [], 'partial files left');
      assert.deepEqual(files, listTree(env.downloadDir), 'empty files left');
      assert.deepEqual(files, [RESET, routed(HAPPY)].sort(), 'the download folder holds exactly the kept copy and the routed one');
    });
  });
}
