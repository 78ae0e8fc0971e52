// One folder per comment (issue 17 §3), driven like a user in each browser of E2E_BROWSERS
// (default "chromium,firefox") against dist/<browser> and the mock Zendesk:
//   (a) the preset picked in the options page: a click on an attachment of a ticket with
//       several comments lands in zendesk/ACME Corp/4711/<day the comment was added>_<comment
//       id>/<file> — day and id read from the mock's fixtures;
//   (b) an attachment the comments API does not list (past the 50 comment pages a page
//       reads), attributed by its page: the documented words, `unknown-comment` and the
//       download's own date;
//   (c) the Zendesk API failing: the fallback template's comment folder says the same;
//   (d) Download all of the same ticket puts each file in the folder a click put it in (and
//       ticket.html in the ticket's folder); two files of one name in two comments get a
//       folder each.
//
//   E2E_BROWSERS=firefox node --test tests/e2e/comment-folders.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIST, browsersFromEnv, clickLink, waitForFile, waitForSelector, listTree, attachment, expectedBytes,
  attachmentSelector, typeInto, until, fixtures, extensionPagesSuite, bulkProgress, missingExtension,
} from './harness.mjs';

const DAY_MS = 86_400_000;
const PER_COMMENT = '{org}/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{filename}';
const FALLBACK = '_unsorted/{ticket_id}/{uploaded:%Y-%m-%d}_{comment_id}/{filename}';

// A ticket whose last comment is on page 51 of the comments API: a page reads 50.
const LONG = 4821;
fixtures.addTicket({
  id: LONG,
  organizationId: 9,
  subject: 'A very long conversation',
  comments: [...Array.from({ length: 100 }, () => []), ['late_upload.log']],
});

/** The folder of attachment `a` under the preset, from the fixtures: `<created_at day>_<comment id>`. */
function commentFolder(ticketId, a) {
  const comment = fixtures.tickets.get(ticketId).comments.find((c) => c.id === a.commentId);
  return `${comment.createdAt.slice(0, 10)}_${comment.id}`;
}

/** The UTC days a download started between `t0` and now can be dated (the day may turn); `ago` earlier. */
const daysSince = (t0, ago = 0) => [...new Set([t0, Date.now()].map((t) => new Date(t - ago).toISOString().slice(0, 10)))];

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router folders per comment (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'comments', { before, after });
    const env = () => suite.env;

    async function expectFile(relPath, token) {
      const bytes = await waitForFile(env().downloadDir, relPath, { timeoutMs: 20_000 });
      assert.ok(bytes.equals(expectedBytes(token)), `${relPath}: bytes differ from token ${token}`);
    }

    /** Waits for a file in one of `relPaths`; returns the one that appeared. */
    async function expectOneOf(relPaths, token) {
      const found = await until(`one of ${relPaths.join(', ')}`, () => {
        const tree = listTree(env().downloadDir);
        return relPaths.find((p) => tree.includes(p)) ?? { error: tree.join(', ') };
      }, { timeoutMs: 20_000 });
      await expectFile(found, token);
      return found;
    }

    const filesUnder = (dir) => listTree(env().downloadDir).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)).sort();

    async function downloadAll(ticketId, { force, total }) {
      await suite.tabs.ticketPage(ticketId);
      const popup = await suite.tabs.open(`${env().base}popup.html`);
      await waitForSelector(popup, '#download-all');
      await popup.evaluate((f) => {
        document.getElementById('force').checked = f;
      }, force);
      await clickLink(popup, '#download-all:not([disabled])', { timeoutMs: 30_000 });
      const p = await until(`download all of ${ticketId}`, async () => {
        const p = await bulkProgress(popup);
        return p.shown && !p.running && p.ticketId === ticketId ? p : { error: JSON.stringify(p) };
      }, { timeoutMs: 60_000 });
      assert.deepEqual({ total: p.total, done: p.done, failed: p.failed, error: p.error }, { total, done: total, failed: 0, error: '' });
    }

    it('(a) picks the preset; a click lands in the folder of its comment, named by the day it was added', async () => {
      const page = await suite.tabs.open(`${env().base}options.html`);
      await waitForSelector(page, 'main[aria-busy="false"]');
      await page.select('#preset', PER_COMMENT);
      assert.equal(await page.$eval('#template', (e) => e.value), PER_COMMENT);
      // The preview's sample file was added a day before, in comment 900000001 (options.js).
      const t0 = Date.now();
      await until('the preview of the preset', async () => {
        const shown = await page.$eval('#preview', (e) => e.textContent);
        const want = daysSince(t0, DAY_MS).map((day) => `Downloads/zendesk/ACME Corp/4711/${day}_900000001/production_log.tar.gz`);
        return want.includes(shown) || { error: `${shown} (want ${want.join(' or ')})` };
      }, { timeoutMs: 10_000 });
      await typeInto(page, '#fallbackTemplate', FALLBACK);
      const storage = (keys) => page.evaluate((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), keys);
      const { status: { time: before = 0 } = {} } = await storage('status');
      await clickLink(page, '#save:not([disabled])');
      await until('the templates stored and applied', async () => {
        const { settings = {}, status = {} } = await storage(['settings', 'status']);
        const ok = settings.template === PER_COMMENT && settings.fallbackTemplate === FALLBACK && (status.time ?? 0) > before;
        return ok || { error: JSON.stringify({ settings, status }) };
      }, { timeoutMs: 10_000 });
      await suite.tabs.closeAll();

      const ticket = await suite.tabs.ticketPage(4711);
      for (const name of ['production_log.tar.gz', 'gitlabsos.tar.gz']) {
        const a = attachment(4711, name);
        await clickLink(ticket, attachmentSelector(4711, name));
        await expectFile(`zendesk/ACME Corp/4711/${commentFolder(4711, a)}/${name}`, a.token);
      }
      const folders = new Set(filesUnder('zendesk/ACME Corp/4711').map((f) => f.split('/')[0]));
      assert.equal(folders.size, 2, `one folder per comment: ${[...folders]}`);
      await suite.tabs.closeAll();
    });

    it('(b) an attachment the comments API did not list says unknown-comment, dated by the download', async () => {
      const a = attachment(LONG, 'late_upload.log');
      const ticket = await suite.tabs.ticketPage(LONG);
      const t0 = Date.now();
      await clickLink(ticket, attachmentSelector(LONG, 'late_upload.log'));
      await expectOneOf(daysSince(t0).map((day) => `zendesk/ACME Corp/${LONG}/${day}_unknown-comment/late_upload.log`), a.token);
      await suite.tabs.closeAll();
    });

    it('(c) when the Zendesk API fails, the fallback folder of the comment says the same', async () => {
      const a = attachment(4799, 'support_bundle.zip');
      env().mock.setFaults({ 4799: 'api-500' });
      try {
        const ticket = await suite.tabs.ticketPage(4799);
        const t0 = Date.now();
        await clickLink(ticket, attachmentSelector(4799, 'support_bundle.zip'));
        await expectOneOf(daysSince(t0).map((day) => `zendesk/_unsorted/4799/${day}_unknown-comment/support_bundle.zip`), a.token);
      } finally {
        env().mock.resetFaults();
        await suite.tabs.closeAll();
      }
    });

    it('(d) Download all puts each file in the folder a click put it in, ticket.html in the ticket folder', async () => {
      const dir = 'zendesk/ACME Corp/4711';
      const clicked = filesUnder(dir);
      await downloadAll(4711, { force: true, total: 2 });
      await waitForFile(env().downloadDir, `${dir}/ticket.html`);
      for (const a of fixtures.attachmentsOf(4711)) {
        const folder = commentFolder(4711, a);
        const copies = await until(`two copies of ${a.fileName} in ${folder}`, () => {
          const names = filesUnder(`${dir}/${folder}`);
          return names.length === 2 ? names : { error: names.join(', ') };
        }, { timeoutMs: 20_000 });
        for (const name of copies) await expectFile(`${dir}/${folder}/${name}`, a.token);
      }
      assert.equal(filesUnder(dir).length, clicked.length * 2 + 1, `${filesUnder(dir)}`);

      // Two files named dup.log in two comments: a folder each, no renaming.
      await downloadAll(4714, { force: false, total: 2 });
      const dups = fixtures.attachmentsOf(4714, 'dup.log');
      for (const a of dups) await expectFile(`zendesk/ACME Corp/4714/${commentFolder(4714, a)}/dup.log`, a.token);
      await suite.tabs.closeAll();
    });
  });
}
