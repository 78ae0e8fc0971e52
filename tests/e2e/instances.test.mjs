// Several Zendesk instances at once (issue 17 §2), in each browser of E2E_BROWSERS: the mock's
// `acme.zendesk.com` and `acme-eu.zendesk.com` are two accounts whose ticket 4711 belongs to
// different organizations (ACME Corp. and ACME Europe GmbH) and both carry an attachment
// `production_log.tar.gz` (different tokens and bytes). Both are open in tabs side by side, as
// an agent of a partner team has them. The oracle is the mock's fixtures: which organization
// each instance's 4711 has, and each token's bytes.
//
//   E2E_BROWSERS=chromium node --test tests/e2e/instances.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIST, browsersFromEnv, missingExtension, extensionPagesSuite, fixtures, attachment, expectedBytes, agentTicketUrl,
  attachmentSelector, clickLink, waitForSelector, waitForFile, listTree, until, typeInto, downloadAllInPopup, savedMarks,
} from './harness.mjs';

const { AGENT_HOST, EU_HOST } = fixtures;
const FILE = 'production_log.tar.gz';
const ACME_FOLDER = 'zendesk/ACME Corp/4711'; // "ACME Corp." without its trailing dot
const EU_FOLDER = 'zendesk/ACME Europe GmbH/4711';

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router several Zendesk instances (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'instances', { before, after });

    /** Ticket 4711's agent page on `host`, loaded. */
    async function ticketOn(host) {
      const page = await suite.tabs.open(agentTicketUrl(4711, '', host));
      await waitForSelector(page, '[data-testid="ticket-panel-4711"][data-loaded="true"]');
      return page;
    }

    /** Clicks `FILE` on `page` and waits for exactly that instance's bytes at `relPath`. */
    async function download(page, host, relPath) {
      const { token } = attachment(4711, FILE, 1, { host });
      await clickLink(page, attachmentSelector(4711, FILE));
      const bytes = await waitForFile(suite.env.downloadDir, relPath, { timeoutMs: 20_000 });
      assert.ok(bytes.equals(expectedBytes(token)), `${relPath} holds the bytes of ${host}'s attachment`);
    }

    it('routes ticket 4711 of each instance into its own organization folder', async () => {
      const acmeToken = attachment(4711, FILE, 1, { host: AGENT_HOST }).token;
      const euToken = attachment(4711, FILE, 1, { host: EU_HOST }).token;
      assert.ok(!expectedBytes(acmeToken).equals(expectedBytes(euToken)), 'the two attachments differ');

      const acme = await ticketOn(AGENT_HOST);
      const eu = await ticketOn(EU_HOST);
      await download(acme, AGENT_HOST, `${ACME_FOLDER}/${FILE}`);
      // Saved on acme only: the ✓ shows on acme's link, not on acme-eu's link of the same name.
      await until('✓ on acme’s link', async () => ((await savedMarks(acme, 4711)).marked.includes(FILE) ? true : null));
      assert.deepEqual((await savedMarks(eu, 4711)).marked, [], 'nothing of acme-eu is saved yet');

      await download(eu, EU_HOST, `${EU_FOLDER}/${FILE}`);
      await until('✓ on acme-eu’s link', async () => ((await savedMarks(eu, 4711)).marked.includes(FILE) ? true : null));
      const tree = listTree(suite.env.downloadDir);
      assert.deepEqual(tree.filter((f) => f.endsWith(FILE)).sort(), [`${ACME_FOLDER}/${FILE}`, `${EU_FOLDER}/${FILE}`]);
      await suite.tabs.closeAll();
    });

    it('Download all on one instance skips only what that instance saved', async () => {
      const eu = await ticketOn(EU_HOST);
      await eu.bringToFront();
      const popup = await suite.tabs.open(`${suite.env.base}popup.html`);
      await waitForSelector(popup, '#download-all');
      // acme-eu's 4711 has two attachments; its production_log.tar.gz is saved (test above).
      const others = fixtures.attachmentsOf(4711, undefined, { host: EU_HOST }).filter((a) => a.fileName !== FILE);
      assert.equal(others.length, 1);
      await downloadAllInPopup(popup, 4711, { expect: { total: 1, done: 1, skipped: 1 } });
      const [other] = others;
      const bytes = await waitForFile(suite.env.downloadDir, `${EU_FOLDER}/${other.fileName}`, { timeoutMs: 20_000 });
      assert.ok(bytes.equals(expectedBytes(other.token)));
      assert.ok(!listTree(suite.env.downloadDir).some((f) => f.startsWith(`${ACME_FOLDER}/${other.fileName}`)), 'nothing of acme-eu in acme’s folder');
      await suite.tabs.closeAll();
    });

    it('separates the instances on disk with {instance} in the template', async () => {
      const options = await suite.tabs.open(`${suite.env.base}options.html`);
      await waitForSelector(options, 'main[aria-busy="false"]');
      const template = '{instance}/{org}/{ticket_id}/{filename}';
      const storage = (keys) => options.evaluate((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), keys);
      const { status: { time: before = 0 } = {} } = await storage('status');
      await typeInto(options, '#template', template);
      await clickLink(options, '#save:not([disabled])');
      // Stored, and applied by the background (it writes a newer `status` when it has).
      await until('the template stored and applied', async () => {
        const { settings, status } = await storage(['settings', 'status']);
        return settings?.template === template && (status?.time ?? 0) > before ? true : null;
      });
      await download(await ticketOn(AGENT_HOST), AGENT_HOST, `zendesk/acme/ACME Corp/4711/${FILE}`);
      await download(await ticketOn(EU_HOST), EU_HOST, `zendesk/acme-eu/ACME Europe GmbH/4711/${FILE}`);
      await suite.tabs.closeAll();
    });
  });
}
