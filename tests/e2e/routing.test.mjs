// Shared routing scenarios, run once per browser in E2E_BROWSERS (default "chromium,firefox")
// against the built extension in dist/chrome or dist/firefox and the mock Zendesk on the real
// host names. One browser launch per browser (fresh profile, fresh download dir); scenarios
// run in order, each on its own tickets/files, and assert exact paths and exact bytes.
//
//   node --test tests/e2e/routing.test.mjs
//   E2E_BROWSERS=chromium node --test tests/e2e/routing.test.mjs
//   E2E_DEBUG=1 ...   forwards page and extension console output and prints the mock log
//
// A browser whose dist/<browser>/manifest.json is missing gives a failing test, not a skip.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, OTHER_EXTENSION_DIR, startEnvironment, browsersFromEnv, openPage, clickLink, waitForFile, waitForSelector,
  waitForPath, listTree, partialFiles, attachment, expectedBytes, expectedToolBytes, attachmentFetches, apiCallsFor,
  attachmentSelector, extensionWorker, chromiumExtensionId, sleep, until, pageSet, logRunEnd,
  missingExtension, fixtures,
} from './harness.mjs';

// An attachment no other scenario clicks, so that only its own download can put its bytes
// in its folder.
const REDIRECTED = 4715;
fixtures.addTicket({ id: REDIRECTED, organizationId: 10, subject: 'Redirected bundle', comments: [['redirected_bundle.tar.gz']] });

const FILE_TIMEOUT_MS = 20_000;
const FALLBACK_TIMEOUT_MS = 15_000;
const DEBUG = !!process.env.E2E_DEBUG;

/** The name each browser gives the second file of the same name (conflictAction uniquify). */
export const UNIQUIFY = {
  chromium: (name) => name.replace(/^(.*?)(\.[^.]*)?$/, (_, stem, ext = '') => `${stem} (1)${ext}`), // "dup (1).log"
  firefox: (name) => name.replace(/^(.*?)(\.[^.]*)?$/, (_, stem, ext = '') => `${stem}(1)${ext}`), // "dup(1).log"
};

function underZendesk(downloadDir) {
  return listTree(downloadDir).filter((f) => f.startsWith('zendesk/'));
}

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  if (!extDir) {
    describe(`zd-dl-router routing (${kind})`, () => {
      it('is a known browser', () => assert.fail(`unknown browser "${kind}" in E2E_BROWSERS (use chromium, firefox)`));
    });
    continue;
  }

  describe(`zd-dl-router routing (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;

    let env;
    const tabs = pageSet(() => env.browser, { label: kind, debug: DEBUG });
    const { pages } = tabs;
    const newTicketPage = (ticketId) => tabs.ticketPage(ticketId);
    const closePages = () => tabs.closeAll();

    async function expectFile(relPath, token, timeoutMs = FILE_TIMEOUT_MS) {
      const bytes = await waitForFile(env.downloadDir, relPath, { timeoutMs });
      const want = token === 'tool.bin' ? expectedToolBytes() : expectedBytes(token);
      assert.ok(bytes.equals(want), `${relPath}: bytes differ from ${token === 'tool.bin' ? 'tool.bin' : `token ${token}`} (got ${bytes.length} bytes, want ${want.length})`);
      return bytes;
    }

    before(async () => {
      const t0 = Date.now();
      env = await startEnvironment({
        browser: kind,
        extDir,
        extraExtensions: kind === 'chromium' ? [OTHER_EXTENSION_DIR] : [],
      });
      console.log(`# ${kind}: browser with ${extDir} up in ${Date.now() - t0} ms; downloads in ${env.downloadDir}`);
      if (kind === 'chromium') {
        // Give the router's service worker a moment to start (it is registered at load).
        const id = chromiumExtensionId(extDir);
        const w = await extensionWorker(env.browser, id, { timeoutMs: 5_000 }).catch(() => null);
        if (!w) console.log(`# chromium: no running service worker seen for ${id} (extension id differs if manifest has "key")`);
        if (w && DEBUG) w.on('console', (m) => console.error(`[chromium router sw] ${m.type()}: ${m.text()}`));
      }
    });

    after(async () => {
      if (!env) return;
      await closePages();
      logRunEnd(kind, env, { debug: DEBUG });
      await env.close();
    });

    it('routes an attachment into its organization and ticket folder', async () => {
      const a = attachment(4711, 'production_log.tar.gz');
      const page = await newTicketPage(4711);
      await clickLink(page, attachmentSelector(4711, 'production_log.tar.gz'));
      await expectFile('zendesk/ACME Corp/4711/production_log.tar.gz', a.token);
      assert.ok(!listTree(env.downloadDir).includes('production_log.tar.gz'), 'a copy also landed in the download root');
      await closePages();
    });

    it('routes a ticket without organization into the no-organization folder', async () => {
      const a = attachment(4712, 'screenshot.png');
      const page = await newTicketPage(4712);
      await clickLink(page, attachmentSelector(4712, 'screenshot.png'));
      await expectFile('zendesk/_no-organization/4712/screenshot.png', a.token);
      await closePages();
    });

    it('routes each attachment to its own ticket when two tickets are open in Agent Workspace', async () => {
      const gitlabsos = attachment(4711, 'gitlabsos.tar.gz');
      const har = attachment(4713, 'network.har');
      const page = await newTicketPage(4711);
      // Open 4713 in a second workspace tab: the URL switches, 4711's DOM stays (hidden).
      await clickLink(page, '[data-testid="nav-ticket-4713"]');
      await waitForPath(page, '/agent/tickets/4713');
      await waitForSelector(page, '[data-testid="ticket-panel-4713"][data-loaded="true"]');
      assert.ok(await page.$(attachmentSelector(4711, 'gitlabsos.tar.gz')), "4711's attachment links left the DOM");
      assert.equal(await page.$eval('[data-testid="ticket-panel-4711"]', (e) => e.hidden), true);

      await clickLink(page, '[data-testid="workspace-tab-4711"]');
      await waitForPath(page, '/agent/tickets/4711');
      await clickLink(page, attachmentSelector(4711, 'gitlabsos.tar.gz'));
      await expectFile('zendesk/ACME Corp/4711/gitlabsos.tar.gz', gitlabsos.token);

      await clickLink(page, '[data-testid="workspace-tab-4713"]');
      await waitForPath(page, '/agent/tickets/4713');
      await clickLink(page, attachmentSelector(4713, 'network.har'));
      await expectFile('zendesk/Globex/4713/network.har', har.token);
      await closePages();
    });

    it('follows client-side navigation to another ticket', async () => {
      const a = attachment(4713, 'production_log.tar.gz');
      const page = await newTicketPage(4711);
      await clickLink(page, '[data-testid="goto-ticket-4713"]');
      await waitForPath(page, '/agent/tickets/4713');
      await waitForSelector(page, '[data-testid="ticket-panel-4713"][data-loaded="true"]');
      await clickLink(page, attachmentSelector(4713, 'production_log.tar.gz'));
      await expectFile('zendesk/Globex/4713/production_log.tar.gz', a.token);
      // 4711's production_log (scenario 1) must still be 4711's bytes.
      await expectFile('zendesk/ACME Corp/4711/production_log.tar.gz', attachment(4711, 'production_log.tar.gz').token);
      await closePages();
    });

    it('routes an attachment that redirects to p12.zdusercontent.com, saving the bytes served there', async () => {
      // acme.zendesk.com answers the link with a 302 and an HTML body; the file's bytes come
      // only from p12.zdusercontent.com, distinct per token.
      const a = attachment(REDIRECTED, 'redirected_bundle.tar.gz');
      const page = await newTicketPage(REDIRECTED);
      await clickLink(page, attachmentSelector(REDIRECTED, 'redirected_bundle.tar.gz'));
      await expectFile(`zendesk/Globex/${REDIRECTED}/redirected_bundle.tar.gz`, a.token);
      assert.deepEqual(listTree(env.downloadDir).filter((f) => f.includes('redirected_bundle')), [`zendesk/Globex/${REDIRECTED}/redirected_bundle.tar.gz`], 'exactly one copy');
      // Diagnostic only: how the mock served it.
      const { redirects, contents } = attachmentFetches(env.mock.log(), a.token);
      console.log(`# ${kind}: ${a.token}: ${redirects.map((e) => `${e.status} ${e.host}`).concat(contents.map((e) => `${e.status} ${e.host}${e.aborted ? ' (aborted)' : ''}`)).join(', ')}`);
      await closePages();
    });

    it('leaves downloads from non-Zendesk sites untouched', async () => {
      const before = underZendesk(env.downloadDir);
      const page = await openPage(env.browser, 'https://files.example.org/');
      pages.push(page);
      await clickLink(page, '[data-testid="tool-link"]');
      await expectFile('tool.bin', 'tool.bin');
      assert.deepEqual(underZendesk(env.downloadDir), before, 'something new appeared under zendesk/');
      await closePages();
    });

    it('keeps both files when two attachments of a ticket have the same name', async () => {
      const [first, second] = [attachment(4714, 'dup.log', 1), attachment(4714, 'dup.log', 2)];
      const dir = 'zendesk/ACME Corp/4714';
      const page = await newTicketPage(4714);
      await clickLink(page, attachmentSelector(4714, 'dup.log', 1));
      await waitForFile(env.downloadDir, `${dir}/dup.log`, { timeoutMs: FILE_TIMEOUT_MS });
      await clickLink(page, attachmentSelector(4714, 'dup.log', 2));
      const uniq = `${dir}/${UNIQUIFY[kind]('dup.log')}`;
      const b2 = await waitForFile(env.downloadDir, uniq, { timeoutMs: FILE_TIMEOUT_MS });
      const b1 = fs.readFileSync(path.join(env.downloadDir, dir, 'dup.log'));
      const want = [expectedBytes(first.token), expectedBytes(second.token)];
      const got = [b1, b2];
      assert.ok(
        (got[0].equals(want[0]) && got[1].equals(want[1])) || (got[0].equals(want[1]) && got[1].equals(want[0])),
        `dup.log / ${uniq} do not hold the two attachments' bytes (sizes ${got.map((b) => b.length)} vs ${want.map((b) => b.length)})`,
      );
      const names = listTree(env.downloadDir).filter((f) => f.startsWith(`${dir}/`));
      assert.deepEqual(names, [`${dir}/dup.log`, uniq].sort());
      await closePages();
    });

    it('falls back to the unsorted folder, keeping the ticket number, when the Zendesk API fails', async () => {
      const a = attachment(4799, 'support_bundle.zip');
      env.mock.setFaults({ 4799: 'api-500' });
      try {
        const page = await newTicketPage(4799);
        await clickLink(page, attachmentSelector(4799, 'support_bundle.zip'));
        await expectFile('zendesk/_unsorted/4799/support_bundle.zip', a.token, FALLBACK_TIMEOUT_MS);
        const calls = apiCallsFor(env.mock.log(), 4799);
        console.log(`# ${kind}: API calls for 4799 under api-500: ${calls.length} (${calls.map((c) => `${c.status} ${c.path}`).join('; ')})`);
      } finally {
        env.mock.resetFaults();
        await closePages();
      }
    });

    it(
      "leaves another extension's own download filename alone",
      { skip: kind !== 'chromium' ? 'Chromium only: the Firefox shim never touches downloads with a byExtensionId, and the driver cannot trigger another add-on here' : false },
      async () => {
        const otherId = chromiumExtensionId(OTHER_EXTENSION_DIR);
        const worker = await extensionWorker(env.browser, otherId, { scriptName: 'other-extension-sw.js', wakePath: 'wake.html' });
        const result = await Promise.race([
          worker.evaluate(() => self.otherExtensionDownload('https://files.example.org/tool.bin', 'other/x.bin')),
          sleep(FILE_TIMEOUT_MS + 5_000).then(() => ({ state: 'timeout' })),
        ]);
        console.log(`# chromium: other extension's download: ${JSON.stringify(result)}`);
        await expectFile('other/x.bin', 'tool.bin');
      },
    );

    it(
      "keeps another extension's filename while a Zendesk download is still being routed",
      { skip: kind !== 'chromium' ? 'Chromium only, as above' : false },
      async () => {
        // The ticket API hangs, so our routing of slow_bundle.zip waits on its lookup (up to
        // the watchdog) while the other extension's download comes in.
        const slow = attachment(4798, 'slow_bundle.zip');
        env.mock.setFaults({ 4798: 'api-hang' });
        try {
          const page = await newTicketPage(4798);
          await clickLink(page, attachmentSelector(4798, 'slow_bundle.zip'));
          // Chromium writes a hidden partial file while the name is being determined: from
          // then on our routing is pending. (A Zendesk download whose naming starts within
          // the millisecond our listener is re-added is not routed — see platform.js.)
          await until('slow_bundle.zip waiting for its name', () => partialFiles(env.downloadDir).length > 0);
          const otherId = chromiumExtensionId(OTHER_EXTENSION_DIR);
          const worker = await extensionWorker(env.browser, otherId, { scriptName: 'other-extension-sw.js', wakePath: 'wake.html' });
          worker.evaluate(() => self.otherExtensionDownload('https://files.example.org/tool.bin', 'other/y.bin')).catch(() => {});
          await expectFile('other/y.bin', 'tool.bin');
          await expectFile('zendesk/_unsorted/4798/slow_bundle.zip', slow.token, FALLBACK_TIMEOUT_MS);
        } finally {
          env.mock.resetFaults();
          await closePages();
        }
      },
    );
  });
}
