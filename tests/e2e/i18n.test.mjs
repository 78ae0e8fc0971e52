// The extension speaks German in a German browser: headless Chromium started with
// `--lang=de` shows the options page, the popup, the clean-up page and the ✓ mark on a saved
// attachment in the words of extension/_locales/de/messages.json — texts, labels,
// placeholders, accessible names and the strings the pages compose at run time — and no
// English message is left on those pages. The expected strings are read from the locale
// files and filled in by this test; nothing of the extension computes them.
//
// Chromium only: Firefox shows an extension in the languages it has a language pack for,
// and Debian's firefox-esr has English alone (the English pages are what every other E2E
// file checks, in both browsers).
//
//   node --test tests/e2e/i18n.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, REPO_ROOT, browsersFromEnv, waitForSelector, clickLink, waitForFile, attachmentSelector, until,
  extensionPagesSuite, missingExtension,
} from './harness.mjs';

const TICKET = 4711; // ACME Corp., the options page's sample ticket too
const FOLDER = `zendesk/ACME Corp/${TICKET}/`;
const FILE = 'production_log.tar.gz';

const messages = (lang) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'extension', '_locales', lang, 'messages.json'), 'utf8'));
const DE = messages('de');
const EN = messages('en');

/** The German message `key` with `values` for its placeholders ($1 = the first), as the locale file defines them. */
function de(key, ...values) {
  const entry = DE[key];
  assert.ok(entry, `no German message ${key}`);
  return entry.message.replace(/\$([A-Za-z0-9_]+)\$/g, (_, name) => {
    const content = Object.entries(entry.placeholders ?? {}).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1].content;
    return String(values[Number(content.slice(1)) - 1]);
  });
}

/** English messages without placeholders that German words differently: none may be shown in a German browser. */
const ENGLISH_ONLY = Object.keys(EN).filter((k) => !EN[k].placeholders && EN[k].message !== DE[k].message).map((k) => EN[k].message);

/** Every text the page shows or speaks: text nodes, the title, and title/aria-label/placeholder/alt attributes. */
function shownTexts(page) {
  return page.evaluate(() => {
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) texts.push(walker.currentNode.textContent.trim());
    for (const e of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
      for (const a of ['title', 'aria-label', 'placeholder', 'alt']) if (e.hasAttribute(a)) texts.push(e.getAttribute(a));
    }
    return texts.filter(Boolean);
  });
}

async function expectNoEnglish(page, what) {
  const texts = new Set(await shownTexts(page));
  assert.deepEqual(ENGLISH_ONLY.filter((m) => texts.has(m)), [], `${what}: English left`);
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent);
const attr = (page, selector, name) => page.$eval(selector, (e, n) => e.getAttribute(n), name);

for (const kind of browsersFromEnv('chromium').filter((k) => k === 'chromium')) {
  const extDir = DIST[kind];
  describe(`zd-dl-router in German (${kind}, --lang=de)`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'i18n', { before, after, locale: 'de' });

    it('shows the options page in German, the rule editor and the preview included', async () => {
      const page = await suite.tabs.open(`${suite.env.base}options.html`);
      await waitForSelector(page, 'main[aria-busy="false"]');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      assert.equal(await page.title(), de('optionsTitle'));
      assert.equal(await text(page, 'h1'), de('optionsTitle'));
      assert.equal(await text(page, '#h-routing'), de('optionsRouting'));
      assert.equal(await text(page, 'label[for="template"]'), de('optionsTemplate'));
      assert.equal(await text(page, '#preset option[value=""]'), de('optionsPresetPick'));
      assert.equal(await attr(page, '#retentionAfterDownloadDays', 'placeholder'), de('optionsNever'));
      assert.equal(await attr(page, '.actions', 'aria-label'), de('optionsActionsGroup'));
      assert.equal(await text(page, '#save'), de('optionsSave'));
      assert.equal(await text(page, '#aliases-empty'), de('optionsAliasesEmpty'));
      // A message with markup in it: the <em> and <kbd> sit where German puts them.
      assert.equal(await text(page, '#h-bulk + p'), de('optionsBulkIntro', de('downloadAll'), de('downloadAllShortcut')));
      assert.deepEqual(await page.$eval('#h-bulk + p', (p) => [...p.children].map((c) => c.tagName)), ['EM', 'KBD']);
      assert.match(await text(page, '#template-hint'), /^Unterhalb des Basisordners\. Platzhalter: \{org\} \{org_id\}/);
      // Composed at run time.
      assert.equal(await text(page, '#preview-sample'), de('optionsPreviewSample', TICKET, de('optionsSampleSubject'), 'ACME Corp.', 'open'));
      assert.equal(await text(page, '#preview'), `${de('downloadsPath', '')}zendesk/ACME Corp/${TICKET}/${FILE}`);
      assert.equal(await text(page, '#preview-rule'), de('optionsPreviewNoRule'));

      await clickLink(page, '#add-rule');
      await waitForSelector(page, '#rule-0-fileName');
      assert.equal(await text(page, '#rules .rule-no'), de('optionsRuleNumber', 1));
      assert.equal(await text(page, 'label[for="rule-0-fileName"]'), de('optionsRuleFileName'));
      assert.equal(await text(page, '#rules .rule-incomplete'), de('optionsRuleIncomplete'));
      assert.equal(await attr(page, '#rules [data-act="delete"]', 'aria-label'), de('optionsRuleDeleteLabel', 1));
      assert.equal(await text(page, '#save-status'), de('optionsUnsaved'));
      await expectNoEnglish(page, 'options page');
      await suite.tabs.closeAll();
    });

    it('marks a saved attachment on the ticket page in German', async () => {
      const page = await suite.tabs.ticketPage(TICKET);
      await clickLink(page, attachmentSelector(TICKET, FILE));
      await waitForFile(suite.env.downloadDir, `${FOLDER}${FILE}`, { timeoutMs: 25_000 });
      const mark = `${attachmentSelector(TICKET, FILE)} + .zd-dl-router-mark`;
      await waitForSelector(page, mark, { timeoutMs: 15_000 });
      assert.equal(await attr(page, mark, 'title'), de('savedMarkTitle', FOLDER));
      assert.equal(await attr(page, mark, 'aria-label'), de('savedMarkTitle', FOLDER));
      await suite.tabs.closeAll();
    });

    it('shows the popup in German, its history of the saved file included', async () => {
      const page = await suite.tabs.open(`${suite.env.base}popup.html`);
      await waitForSelector(page, '#history li .show');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de');
      assert.equal(await text(page, 'label[for="enabled"]'), de('popupRouting'));
      assert.equal(await text(page, '#h-history'), de('popupHistory'));
      assert.equal(await text(page, '#download-all'), de('downloadAll'));
      assert.equal(await text(page, '#open-options'), de('popupOpenOptions'));
      assert.equal(await text(page, '#history li .dir'), de('downloadsPath', FOLDER));
      assert.equal(await text(page, '#history li .show'), de('popupShow'));
      assert.equal(await attr(page, '#history li .show', 'aria-label'), de('popupShowLabel', FILE));
      const meta = await text(page, '#history li .meta');
      assert.ok(meta.endsWith(de('popupAgoNow')), meta);
      assert.ok([de('popupSourceTokenIndex'), de('popupSourceReferrer')].some((s) => meta.includes(s)), meta);
      await expectNoEnglish(page, 'popup');
      await suite.tabs.closeAll();
    });

    it('shows the clean-up page in German', async () => {
      const page = await suite.tabs.open(`${suite.env.base}cleanup.html`);
      await waitForSelector(page, 'body[data-loaded="true"]');
      assert.equal(await page.title(), de('cleanupTitle'));
      assert.equal(await text(page, 'h1'), de('cleanupHeading'));
      await until('the retention policy shown', async () => ((await text(page, '#policy')) === de('cleanupRedactedOnly') ? true : { error: await text(page, '#policy') }), { timeoutMs: 5_000 });
      assert.equal(await text(page, '#status'), de('cleanupNothingDue', 1));
      assert.equal(await text(page, '#open-options'), de('cleanupOpenOptions'));
      await expectNoEnglish(page, 'clean-up page');
      await suite.tabs.closeAll();
    });
  });
}
