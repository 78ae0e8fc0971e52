// Baseline: the mock Zendesk and the harness work in each browser with NO extension loaded.
// A click on an attachment link in the agent UI downloads the file into the download ROOT
// under its own name, with the expected bytes, after a 302 from acme.zendesk.com to
// p12.zdusercontent.com. Proves the infrastructure independently of the extension.
//
//   node --test tests/e2e/baseline.test.mjs              (E2E_BROWSERS=chromium,firefox by default)
//   E2E_BROWSERS=firefox node --test tests/e2e/baseline.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startEnvironment, browsersFromEnv, openPage, clickLink, waitForFile, waitForSelector, listTree, formatTree,
  attachment, expectedBytes, expectedToolBytes, attachmentFetches, attachmentSelector, agentTicketUrl, partialFiles,
} from './harness.mjs';

for (const kind of browsersFromEnv()) {
  describe(`baseline without extension (${kind})`, () => {
    let env;
    before(async () => {
      const t0 = Date.now();
      env = await startEnvironment({ browser: kind });
      console.log(`# ${kind}: launched in ${Date.now() - t0} ms; downloads in ${env.downloadDir}`);
    });
    after(async () => {
      if (env) {
        console.log(`# ${kind} download tree:\n${formatTree(env.downloadDir)}`);
        await env.close();
      }
    });

    it('downloads an attachment from the agent UI into the download root, via the 302 to p12.zdusercontent.com', async () => {
      const a = attachment(4711, 'production_log.tar.gz');
      const page = await openPage(env.browser, agentTicketUrl(4711));
      await clickLink(page, attachmentSelector(4711, 'production_log.tar.gz'));
      const bytes = await waitForFile(env.downloadDir, 'production_log.tar.gz', { timeoutMs: 20_000 });
      assert.ok(bytes.equals(expectedBytes(a.token)), 'bytes differ from the token\'s expected bytes');

      const { redirects, contents } = attachmentFetches(env.mock.log(), a.token);
      assert.ok(redirects.some((e) => e.status === 302), `no 302 on acme.zendesk.com: ${JSON.stringify(redirects)}`);
      const done = contents.filter((e) => e.status === 200 && !e.aborted);
      assert.ok(done.length >= 1, `no completed fetch from p12.zdusercontent.com: ${JSON.stringify(contents)}`);
      assert.ok(done[0].time >= redirects[0].time, 'p12 fetch came before the redirect');
      await page.close();
    });

    it('downloads a plain file from a non-Zendesk site', async () => {
      const page = await openPage(env.browser, 'https://files.example.org/');
      await clickLink(page, '[data-testid="tool-link"]');
      const bytes = await waitForFile(env.downloadDir, 'tool.bin');
      assert.ok(bytes.equals(expectedToolBytes()));
      await page.close();
    });

    it('leaves only complete files behind', async () => {
      assert.deepEqual(partialFiles(env.downloadDir), []);
      assert.deepEqual(listTree(env.downloadDir), ['production_log.tar.gz', 'tool.bin']);
    });
  });
}
