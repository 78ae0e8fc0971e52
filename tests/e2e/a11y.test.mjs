// Accessibility of the extension's pages, in each browser of E2E_BROWSERS (default
// "chromium,firefox") against dist/<browser>, once in the light and once in the dark colour
// scheme (the browser launched with that scheme: Chromium `--blink-settings=
// preferredColorScheme`, Firefox the pref `layout.css.prefers-color-scheme.content-override`;
// each page checks that it matches):
//
//   1. axe-core (node_modules/axe-core, default rules: WCAG 2.x A and AA plus best practices)
//      finds no violation on the options page (rules — one incomplete —, aliases — one warned
//      about —, a host-mapped domain without access; then with an invalid rule pattern shown
//      at its field), the popup (the ticket in front, Download all waiting for a flagged
//      file's confirmation, a history with a routed and a fallen-back file) and the clean-up
//      page (files due for review, then the report). axe's source is evaluated through the
//      automation protocol (CDP Runtime.evaluate, BiDi script.evaluate), which the pages'
//      CSP (only the extension's own scripts) does not govern;
//   2. the options page works from the keyboard alone (Tab, Shift+Tab, Enter and typing, as
//      real key events): from the top of the page change the template, add a rule and fill its
//      condition, reach Save and save — the settings land in storage — and every element that
//      takes the focus on the way shows a focus indicator (its outline or box-shadow, or its
//      label's, differs from when it is not focused);
//   3. (no browser) in every locale of extension/_locales, a button's accessible name
//      contains the text it shows, as axe's label-content-name-mismatch asks of English.
//
//   node --test tests/e2e/a11y.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/a11y.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, REPO_ROOT, browsersFromEnv, waitForSelector, clickLink, waitForFile, attachment, attachmentSelector,
  expectedBytes, fixtures, until, typeInto, bulkProgress, ageFileRecords,
  extensionPagesSuite,
  missingExtension,
} from './harness.mjs';

const AXE_SOURCE = fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const ROUTED = 4711; // ACME Corp.
const FALLBACK = 4799; // its API fails: the file falls back to _unsorted/4799/
const FLAGGED = 4860; // Download all: one clean file, one Zendesk's scan flagged
if (!fixtures.tickets.has(FLAGGED)) {
  fixtures.addTicket({ id: FLAGGED, organizationId: 9, subject: 'Archive flagged by the scan', comments: [['app.log'], [{ fileName: 'dump.zip', malwareScanResult: 'malware_found' }]] });
}

/** What the options page shows besides the defaults: a complete and an incomplete rule, an alias that matches an organization seen and one that matches none, a domain without access, a retention period. */
const SETTINGS = {
  rules: [
    { name: 'Browser traces', extensions: ['har'], leaveAlone: true },
    { template: 'logs/{ticket_id}/{filename}' },
  ],
  aliases: { 'ACME Corp': 'acme', Initech: 'initech' },
  hostMappedDomains: ['support.example.com'],
  retentionAfterDownloadDays: 30,
};
const NEW_TEMPLATE = 'zd-{ticket_id}/{filename}';
const NEW_PATTERN = '^core_dump';
const MAX_TAB_STOPS = 300;

/**
 * axe-core's violations on the page as {id, impact, help, nodes: [{target, summary}]}. The
 * viewport first grows to hold the whole page: axe judges the contrast of what it sees, and
 * the options page's sticky Save bar would cover whatever sits under it.
 */
async function axeViolations(page) {
  const width = await page.evaluate(() => innerWidth);
  await page.setViewport({ width, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  return page.evaluate(async () => {
    if (typeof axe !== 'object') throw new Error('axe-core did not load into the page');
    const { violations } = await axe.run(document);
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
  });
}

/** Fails with every violation axe finds on the page: id, impact, help, and each element with what is wrong with it. */
async function expectNoViolations(page, what) {
  const violations = await axeViolations(page);
  const text = violations.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n')}`).join('\n');
  assert.equal(violations.length, 0, `${what}: ${violations.length} axe violation(s):\n${text}`);
}

/**
 * One keyboard step: presses `key` and describes where the focus is then ({name, id} or
 * null on the page itself). The element focused before is measured again, now without the
 * focus: `left` is {name, focused, unfocused}, its rings (outline and box-shadow of it and of
 * its labels) with and without the focus.
 */
async function press(page, key) {
  if (key === 'Shift+Tab') {
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
  } else {
    await page.keyboard.press(key);
  }
  return page.evaluate(() => {
    const ring = (e) => {
      const s = getComputedStyle(e);
      return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} / ${s.boxShadow}`;
    };
    const rings = (e) => [e, ...(e.labels ?? [])].map(ring);
    const walk = (globalThis.focusWalk ??= { at: null });
    const before = walk.at;
    const left = before && before.el !== document.activeElement ? { name: before.name, focused: before.focused, unfocused: rings(before.el) } : null;
    const el = document.activeElement;
    if (!el || el === document.body) {
      walk.at = null;
      return { at: null, left };
    }
    const name = `${el.tagName.toLowerCase()}#${el.id || el.dataset.key || el.dataset.act || el.textContent.trim().slice(0, 20)}`;
    walk.at = { el, name, focused: rings(el) };
    return { at: { name, id: el.id }, left };
  });
}

/** Whether a measured element showed a focus indicator: with the focus, it or one of its labels looks different. */
const showedFocus = ({ focused, unfocused }) => focused.some((ring, i) => ring !== unfocused[i]);

/**
 * The accessible names the pages give their buttons (`aria-label`, message keys ending in
 * "Label") and the message each button shows: a name must contain what a user sees
 * (WCAG 2.5.3 "Label in Name", axe's label-content-name-mismatch) in every language, not
 * only in the English the browser runs below. Controls without visible text have none.
 */
const NAME_SHOWS = {
  optionsRuleUpLabel: 'optionsRuleUp',
  optionsRuleDownLabel: 'optionsRuleDown',
  optionsRuleDeleteLabel: 'optionsDelete',
  optionsAliasDeleteLabel: 'optionsDelete',
  optionsDomainRemoveLabel: 'optionsDomainRemove',
  optionsGrantAccessLabel: 'optionsGrantAccess',
  popupDownloadAnywayLabel: 'popupDownloadAnyway',
  popupShowLabel: 'popupShow',
  popupMakeRuleLabel: 'popupMakeRule',
  cleanupDeleteLabel: null, // a checkbox
};
const LOCALES_DIR = path.join(REPO_ROOT, 'extension', '_locales');

describe('zd-dl-router accessible names in every locale', () => {
  const words = (text) => text.toLowerCase().replace(/\s+/g, ' ').trim();
  for (const locale of fs.readdirSync(LOCALES_DIR).sort()) {
    it(`${locale}: every button's accessible name contains its visible text`, () => {
      const messages = JSON.parse(fs.readFileSync(path.join(LOCALES_DIR, locale, 'messages.json'), 'utf8'));
      const names = Object.keys(messages).filter((key) => key.endsWith('Label'));
      assert.deepEqual(names.filter((key) => !(key in NAME_SHOWS)), [], 'accessible names this test does not know the visible text of (add them to NAME_SHOWS)');
      const hidden = Object.entries(NAME_SHOWS)
        .filter(([name, shown]) => shown && !words(messages[name].message).includes(words(messages[shown].message)))
        .map(([name, shown]) => `${name} "${messages[name].message}" lacks ${shown} "${messages[shown].message}"`);
      assert.deepEqual(hidden, []);
    });
  }
});

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  for (const scheme of ['light', 'dark']) {
    describe(`zd-dl-router accessibility (${kind}, ${scheme})`, () => {
      if (missingExtension(kind, extDir)) return;
      const suite = extensionPagesSuite(kind, extDir, `a11y-${scheme}`, { before, after, colorScheme: scheme });

      /** An extension page in a new tab, once it matches the colour scheme of the run. */
      async function open(file, ready) {
        const page = await suite.tabs.open(`${suite.env.base}${file}`);
        await waitForSelector(page, ready, { timeoutMs: 30_000 });
        assert.ok(await page.evaluate((s) => matchMedia(`(prefers-color-scheme: ${s})`).matches, scheme), `${file} is shown in the ${scheme} scheme`);
        return page;
      }

      const storage = (page, keys) => page.evaluate((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), keys);

      async function download(ticketId, fileName, relPath) {
        const page = await suite.tabs.ticketPage(ticketId);
        await clickLink(page, attachmentSelector(ticketId, fileName));
        const bytes = await waitForFile(suite.env.downloadDir, relPath, { timeoutMs: 25_000 });
        assert.ok(bytes.equals(expectedBytes(attachment(ticketId, fileName).token)), `${relPath}: bytes differ`);
        await page.close().catch(() => {});
      }

      // A history with a routed and a fallen-back file, month-old records of them (due for the
      // clean-up), and SETTINGS stored and applied.
      before(async () => {
        await download(ROUTED, 'production_log.tar.gz', `zendesk/ACME Corp/${ROUTED}/production_log.tar.gz`);
        suite.env.mock.setFaults({ [FALLBACK]: 'api-500' });
        try {
          await download(FALLBACK, 'support_bundle.zip', `zendesk/_unsorted/${FALLBACK}/support_bundle.zip`);
        } finally {
          suite.env.mock.resetFaults();
        }
        const page = await open('popup.html', '#download-all');
        assert.ok((await ageFileRecords(page, 31)) >= 2, 'the two downloads have records to age');
        const { settings = {}, status: { time: applied = 0 } = {} } = await storage(page, ['settings', 'status']);
        await page.evaluate((s) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ settings: s }), { ...settings, ...SETTINGS });
        await until('the settings applied', async () => ((await storage(page, 'status')).status?.time > applied ? true : null), { timeoutMs: 10_000 });
        await suite.tabs.closeAll();
      });

      it('options page: rules (one incomplete), aliases (one warned about) and a domain without access pass axe', async () => {
        const page = await open('options.html', 'main[aria-busy="false"]');
        await waitForSelector(page, '#alias-1-warning:not([hidden])', { timeoutMs: 5_000 });
        await waitForSelector(page, '#domains button.small-button', { timeoutMs: 5_000 });
        assert.equal(await page.$$eval('#rules > li', (li) => li.length), SETTINGS.rules.length);
        await expectNoViolations(page, `options page (${kind}, ${scheme})`);

        await typeInto(page, '#rule-1-fileName', '(');
        await waitForSelector(page, '#rule-1-fileName[aria-invalid="true"] + .error:not([hidden])', { timeoutMs: 5_000 });
        await expectNoViolations(page, `options page with an invalid rule pattern (${kind}, ${scheme})`);
        await suite.tabs.closeAll();
      });

      it('popup: the ticket in front, Download all waiting for a confirmation, a history with a fallback pass axe', async () => {
        await suite.tabs.ticketPage(FLAGGED);
        const page = await open('popup.html', '#history li button.show');
        await clickLink(page, '#download-all:not([disabled])', { timeoutMs: 30_000 });
        await until('Download all to wait for the flagged file', async () => {
          const p = await bulkProgress(page);
          return p.shown && !p.running && p.confirm.length === 1 ? p : { error: JSON.stringify(p) };
        }, { timeoutMs: 60_000 });
        await waitForSelector(page, `#history li[data-source="fallback"]`);
        await expectNoViolations(page, `popup (${kind}, ${scheme})`);
        await suite.tabs.closeAll();
      });

      it('clean-up page: the files due for review, then the report, pass axe', async () => {
        const page = await open('cleanup.html', 'body[data-loaded="true"]');
        assert.ok((await page.$$eval('#due tr', (rows) => rows.length)) >= 2, 'rows to review');
        await expectNoViolations(page, `clean-up review (${kind}, ${scheme})`);
        await clickLink(page, '#confirm:not([disabled])');
        await waitForSelector(page, 'body[data-done="true"]', { timeoutMs: 60_000 });
        await expectNoViolations(page, `clean-up report (${kind}, ${scheme})`);
        await suite.tabs.closeAll();
      });

      it('options page from the keyboard alone: change the template, add a rule, save — every focused element shows a focus indicator', async () => {
        const page = await open('options.html', 'main[aria-busy="false"]');
        const measured = [];
        const stops = [];
        async function step(key) {
          const { at, left } = await press(page, key);
          if (left) measured.push(left);
          if (at) stops.push(at.name);
          return at;
        }
        async function tabTo(id) {
          for (let i = 0; i < MAX_TAB_STOPS; i++) if ((await step('Tab'))?.id === id) return;
          assert.fail(`Tab never reached #${id}; stops: ${stops.join(' ')}`);
        }

        await tabTo('template'); // the keyboard focus selects the field's text: typing replaces it
        await page.keyboard.type(NEW_TEMPLATE);
        assert.equal(await page.$eval('#template', (e) => e.value), NEW_TEMPLATE, 'typed over the template');
        await tabTo('add-rule');
        const added = await step('Enter');
        const newRule = SETTINGS.rules.length;
        assert.equal(added?.id, `rule-${newRule}-fileName`, 'Add rule puts the focus on the new rule\'s file-name field');
        await page.keyboard.type(NEW_PATTERN);
        await tabTo('save');
        // Away and back, so that Save too is seen without and with the focus.
        await step('Shift+Tab');
        assert.equal((await step('Tab'))?.id, 'save');
        const { status: { time: applied = 0 } = {} } = await storage(page, 'status');
        await step('Enter');

        const saved = await until('the settings stored and applied', async () => {
          const { settings = {}, status = {} } = await storage(page, ['settings', 'status']);
          return settings.rules?.length === newRule + 1 && (status.time ?? 0) > applied ? settings : { error: JSON.stringify(settings) };
        }, { timeoutMs: 10_000 });
        assert.equal(saved.template, NEW_TEMPLATE);
        assert.equal(saved.rules[newRule].fileName, NEW_PATTERN);
        assert.equal(saved.rules[newRule].template, NEW_TEMPLATE, 'the new rule starts with the template picked');
        assert.deepEqual(saved.rules.slice(0, newRule), SETTINGS.rules, 'the other rules kept');

        assert.ok(measured.length > 20, `only ${measured.length} focus stops measured: ${stops.join(' ')}`);
        const unmarked = measured.filter((m) => !showedFocus(m)).map((m) => `${m.name} (${m.focused.join(', ')})`);
        assert.deepEqual(unmarked, [], `focused without a visible indicator: ${unmarked.length} of ${measured.length}`);
      });
    });
  }
}
