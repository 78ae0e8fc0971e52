// No file this extension routed leaves retention's list until it is deleted, found gone, or
// removed from the list by the user (issue item 5): an earlier version kept the newest 5,000
// routed files and silently forgot older ones, which were then never cleaned up.
//
//   node --test tests/e2e/retention-scale.test.mjs      (Chromium: the worker is restarted)
//
// The routed-files list of an earlier version, at its 5,000 cap, is put into storage; a fresh
// worker then starts and one more attachment is downloaded. The clean-up page must review
// all 5,001 files — and with a 30-day policy list exactly the 5,000 old ones as due.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  DIST, clickLink, waitForFile, waitForSelector, attachment, attachmentSelector, expectedBytes, until,
  startWithExtensionPages, pageSet, logRunEnd, saveOptions, restartExtensionWorker,
  missingExtension,
} from './harness.mjs';

const DAY_MS = 86_400_000;
const OLD_FILES = 5_000;
const kind = 'chromium';
const extDir = DIST[kind];

describe(`zd-dl-router retention keeps every routed file (${kind})`, () => {
  if (missingExtension(kind, extDir)) return;
  let env;
  const tabs = pageSet(() => env.browser, { label: kind });

  before(async () => {
    env = await startWithExtensionPages({ kind, extDir, downloadPrefix: 'zd-e2e-retention-scale-' });
  });
  after(async () => {
    if (!env) return;
    await tabs.closeAll();
    logRunEnd(kind, env);
    await env.close();
  });

  /** The clean-up page's summary: how many files it reviewed and how many are due. */
  async function reviewCounts() {
    const page = await tabs.open(`${env.base}cleanup.html`);
    await waitForSelector(page, 'body[data-loaded="true"]', { timeoutMs: 60_000 });
    const status = await page.evaluate(() => document.getElementById('status').textContent);
    await page.close().catch(() => {});
    const due = /^(\d+) of (\d+) saved files are due/.exec(status);
    const none = /^Nothing is due \((\d+) saved files reviewed\)/.exec(status);
    assert.ok(due || none, status);
    return due ? { due: Number(due[1]), reviewed: Number(due[2]) } : { due: 0, reviewed: Number(none[1]) };
  }

  it('reviews the 5,000 files of an earlier version and a new download: 5,001', async () => {
    const popup = await tabs.open(`${env.base}popup.html`);
    await popup.evaluate(async (n, old) => {
      const routedFiles = Array.from({ length: n }, (_, i) => ({
        downloadId: 100_000 + i,
        path: `zendesk/Old Customer/${1000 + i}/log_${i}.txt`,
        timeMs: old + i,
        ticket: { instance: 'acme', id: 1000 + i },
      }));
      await chrome.storage.local.set({ routedFiles });
    }, OLD_FILES, Date.now() - 40 * DAY_MS);
    // A fresh worker reads what storage holds.
    await restartExtensionWorker(env.browser, popup, extDir);
    await popup.close().catch(() => {});

    const agent = await tabs.ticketPage(4711);
    await clickLink(agent, attachmentSelector(4711, 'production_log.tar.gz'));
    const { token } = attachment(4711, 'production_log.tar.gz');
    const bytes = await waitForFile(env.downloadDir, 'zendesk/ACME Corp/4711/production_log.tar.gz', { timeoutMs: 30_000 });
    assert.ok(bytes.equals(expectedBytes(token)));

    const counts = await until('the clean-up to review every file', async () => {
      const c = await reviewCounts();
      return c.reviewed === OLD_FILES + 1 ? c : { error: JSON.stringify(c) };
    }, { timeoutMs: 30_000, pollMs: 1000 });
    assert.deepEqual(counts, { due: 0, reviewed: OLD_FILES + 1 });
  });

  it('with "30 days after download", exactly the 5,000 old files are due', async () => {
    const options = await tabs.open(`${env.base}options.html`);
    await saveOptions(options, { retentionAfterDownloadDays: '30' });
    await options.close().catch(() => {});
    assert.deepEqual(await reviewCounts(), { due: OLD_FILES, reviewed: OLD_FILES + 1 });
  });
});
