// Redacted or deleted attachments go away locally too (issue 17 §4), in each browser of
// E2E_BROWSERS (default "chromium,firefox") against dist/chrome / dist/firefox.
//
// Two attachments of one ticket are downloaded into its folder; then an agent redacts one in
// Zendesk (the mock's fixtures: its comment lists an empty `redacted.txt` under a new token,
// the old token URL answers 404). The clean-up page:
//   1. with `deleteRedacted` off (options page checkbox), an agent tab open: lists nothing;
//   2. while the ticket's comments cannot be read (HTTP 500): lists nothing, and says the
//      file is kept because its ticket's attachments could not be checked;
//   3. with no agent tab open: lists nothing (nothing is read);
//   4. with `deleteRedacted` on: lists exactly the redacted file, with its reason; confirmed,
//      it is gone from disk and the other file stays.
// Chromium also runs the daily clean-up (its alarm brought forward, as in bulk.test.mjs):
// with no retention period, only `deleteRedacted`, it deletes a file redacted since.
//
//   E2E_SCREENSHOTS=0 E2E_BROWSERS=chromium,firefox node --test tests/e2e/redacted.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, browsersFromEnv, runDailyCleanup, clickLink, waitForFile, waitForSelector, attachment,
  attachmentSelector, expectedBytes, until, fixtures, extensionPagesSuite, missingExtension,
} from './harness.mjs';

const TICKET = 4870;
const FOLDER = `zendesk/ACME Corp/${TICKET}`;
const SECRET = 'passwords.txt';
const KEEP = 'keep.log';
const LATER = 'later-secret.txt'; // redacted before the daily run
fixtures.addTicket({ id: TICKET, organizationId: 9, subject: 'Oops, secrets', comments: [[SECRET], [KEEP], [LATER]] });

const NOT_LISTED = `ticket ${TICKET}: attachment no longer in its comments (redacted, deleted or its comment removed in Zendesk)`;

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router deletes attachments redacted in Zendesk (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'redacted', { before, after });
    const undo = [];
    after(() => undo.forEach((f) => f()));
    const onDisk = (name) => fs.existsSync(path.join(suite.env.downloadDir, FOLDER, name));

    /** Clicks `name` on the ticket's agent page and waits for its exact bytes in the ticket folder. */
    async function download(agent, name) {
      await clickLink(agent, attachmentSelector(TICKET, name));
      await waitForFile(suite.env.downloadDir, `${FOLDER}/${name}`, { timeoutMs: 30_000, expectBytes: expectedBytes(attachment(TICKET, name).token) });
    }

    /** Sets a checkbox of the options page as a user does, saves, and waits until it is stored. */
    async function setOption(id, on) {
      const page = await suite.tabs.open(`${suite.env.base}options.html`);
      await waitForSelector(page, 'main[aria-busy="false"]');
      if ((await page.evaluate((i) => document.getElementById(i).checked, id)) !== on) await clickLink(page, `#${id}`);
      await clickLink(page, '#save:not([disabled])', { timeoutMs: 10_000 });
      await until(`${id} ${on} stored`, async () => {
        const { settings = {} } = await page.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.local.get('settings'));
        return settings[id] === on ? true : { error: JSON.stringify(settings) };
      }, { timeoutMs: 10_000 });
      await page.close().catch(() => {});
    }

    /** The clean-up page once reviewed: its page, the due rows {path, why}, the kept texts, the policy shown. */
    async function review() {
      const page = await suite.tabs.open(`${suite.env.base}cleanup.html`);
      await waitForSelector(page, 'body[data-loaded="true"]', { timeoutMs: 60_000 });
      return {
        page,
        ...(await page.evaluate(() => ({
          due: [...document.querySelectorAll('#due tr')].map((tr) => ({ path: tr.querySelector('td.path').textContent, why: tr.querySelector('td.why').textContent })),
          kept: [...document.querySelectorAll('#kept li')].map((li) => li.textContent),
          policy: document.getElementById('policy').textContent,
        }))),
      };
    }

    it('lists the redacted file with its reason, only when asked to and only when the comments were read, and deletes it alone', async () => {
      const agent = await suite.tabs.ticketPage(TICKET); // stays open: the clean-up reads through it
      await download(agent, SECRET);
      await download(agent, KEEP);
      undo.push(fixtures.redactAttachment(attachment(TICKET, SECRET).token));

      await setOption('deleteRedacted', false);
      let r = await review();
      assert.deepEqual({ due: r.due, kept: r.kept }, { due: [], kept: [] }, 'deleteRedacted off: nothing listed');
      assert.match(r.policy, /^No retention period is set, so nothing is ever due/);
      await r.page.close();

      await setOption('deleteRedacted', true);
      suite.env.mock.setFaults({ [TICKET]: 'api-500' });
      try {
        r = await review();
      } finally {
        suite.env.mock.resetFaults();
      }
      assert.deepEqual(r.due, [], 'a failed comments load deletes nothing');
      const unchecked = (name) => `${FOLDER}/${name}: attachments of ticket ${TICKET} could not be checked: HTTP 500`;
      assert.deepEqual([...r.kept].sort(), [unchecked(KEEP), unchecked(SECRET)].sort(), 'kept, saying why');
      await r.page.close();

      await agent.close();
      r = await review();
      assert.deepEqual({ due: r.due, kept: r.kept }, { due: [], kept: [] }, 'no agent tab: nothing read, nothing listed');
      await r.page.close();

      await suite.tabs.ticketPage(TICKET);
      r = await review();
      assert.deepEqual(r.due, [{ path: `${FOLDER}/${SECRET}`, why: NOT_LISTED }]);
      assert.deepEqual(r.kept, []);
      assert.match(r.policy, /only files whose attachment was redacted or deleted in Zendesk are due/);
      await clickLink(r.page, '#confirm:not([disabled])');
      await waitForSelector(r.page, 'body[data-done="true"]', { timeoutMs: 60_000 });
      const report = await r.page.evaluate(() => [...document.querySelectorAll('#report li')].map((li) => li.textContent));
      assert.deepEqual(report, [`${FOLDER}/${SECRET}: deleted`]);
      await until(`${SECRET} gone from disk`, async () => !onDisk(SECRET));
      assert.ok(onDisk(KEEP), 'the attachment still in Zendesk stays');
      assert.ok(fs.readFileSync(path.join(suite.env.downloadDir, FOLDER, KEEP)).equals(expectedBytes(attachment(TICKET, KEEP).token)));
      await suite.tabs.closeAll();
    });

    it('the daily clean-up deletes a file redacted since, with no retention period set', { skip: kind !== 'chromium' }, async () => {
      const agent = await suite.tabs.ticketPage(TICKET);
      await download(agent, LATER);
      undo.push(fixtures.redactAttachment(attachment(TICKET, LATER).token));
      await setOption('retentionDaily', true);

      const note = await runDailyCleanup(suite.env.browser, extDir);
      assert.match(note.message, /^Deleted 1 customer file/, note.message);
      assert.ok(!onDisk(LATER), 'the file redacted since is deleted');
      assert.ok(onDisk(KEEP), 'the attachment still in Zendesk stays');
      await setOption('retentionDaily', false);
      await suite.tabs.closeAll();
    });
  });
}
