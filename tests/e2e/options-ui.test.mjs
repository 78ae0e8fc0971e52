// The options page's alias editor and "Add rule" (issue 14, items 3 and 4), driven like a
// user in each browser of E2E_BROWSERS (default "chromium,firefox") against dist/<browser>
// and the mock Zendesk. One browser per browser kind; the scenarios run in order:
//
//   1. fresh install (no organization seen yet): an alias shows no warning;
//   2. after a download from ticket 4711 (ACME Corp.), the organization input offers
//      "ACME Corp."; an alias "ACME Crop" is warned about (saving stays possible), "ACME Corp"
//      (the folder name) is not;
//   3. the alias "ACME Corp" → "acme", saved, routes the next attachment of 4711 into acme/;
//   4. Add rule: the template the user picked, an empty file-name condition with the focus,
//      "incomplete — not applied" until a condition is filled; the preview names the rule
//      that decided ("no rule: the template", "Rule 1", "Rule 1 — <name>");
//   5. an alias with an invalid folder gets its folder input marked with the core's message,
//      for organizations named with a quote, a backslash or a control character too.
//
//   node --test tests/e2e/options-ui.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/options-ui.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import {
  DIST, browsersFromEnv, waitForSelector, clickLink,
  waitForFile, attachment, expectedBytes, attachmentSelector, until, sleep,
  typeInto,
  extensionPagesSuite,
  missingExtension,
} from './harness.mjs';

const TICKET = 4711; // organization "ACME Corp." (folder "ACME Corp")
const CLASSIC = 'zd-{ticket_id}/{filename}';

/** What the alias row `i` shows: its organization, the warning (or ''), whether the input points to it, Save's state. */
function aliasRow(page, i) {
  return page.evaluate((n) => {
    const input = document.getElementById(`alias-${n}-org`);
    const warning = document.getElementById(`alias-${n}-warning`);
    return {
      org: input.value,
      list: input.list?.id ?? null,
      warning: warning && !warning.hidden ? warning.textContent : '',
      describedBy: (input.getAttribute('aria-describedby') ?? '').split(/\s+/).includes(warning?.id),
      saveEnabled: !document.getElementById('save').disabled,
    };
  }, i);
}

/** The alias row of organization `org`: whether its folder input is marked invalid, the error shown next to it, and whether the input points to it. */
function aliasError(page, org) {
  return page.evaluate((o) => {
    const orgInput = [...document.querySelectorAll('#aliases input[id$="-org"]')].find((i) => i.value === o);
    if (!orgInput) return { missing: o };
    const n = orgInput.id.split('-')[1];
    const folder = document.getElementById(`alias-${n}-folder`);
    const error = document.getElementById(`alias-${n}-error`);
    return {
      invalid: folder.getAttribute('aria-invalid') === 'true',
      error: error.hidden ? '' : error.textContent,
      describedBy: (folder.getAttribute('aria-describedby') ?? '').split(/\s+/).includes(error.id),
    };
  }, org);
}

/** Rule `i`'s "incomplete" label (text when shown, else '') and whether it is in the rule's legend. */
function incompleteLabel(page, i) {
  return page.evaluate((n) => {
    const label = document.querySelectorAll('#rules > li')[n].querySelector('.rule-incomplete');
    return { text: label.hidden ? '' : label.textContent, inLegend: Boolean(label.closest('legend')) };
  }, i);
}

/** The preview path and the line naming the rule that decided. */
function preview(page) {
  return page.evaluate(() => ({
    path: document.getElementById('preview').textContent,
    rule: document.getElementById('preview-rule').hidden ? '' : document.getElementById('preview-rule').textContent,
  }));
}

/** Waits until `read()` deep-equals `want` (the page re-renders on input events). */
async function expectShown(what, read, want) {
  let last;
  await until(what, async () => {
    last = await read();
    return JSON.stringify(last) === JSON.stringify(want) ? true : { error: JSON.stringify(last) };
  }, { timeoutMs: 5_000, pollMs: 100 }).catch(() => {});
  assert.deepEqual(last, want, what);
}

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router options page: aliases and rules (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'options-ui', { before, after });

    async function openOptions() {
      const page = await suite.tabs.open(`${suite.env.base}options.html`);
      await waitForSelector(page, 'main[aria-busy="false"]');
      return page;
    }

    async function addAlias(page, org, folder) {
      await typeInto(page, '#alias-org', org);
      await typeInto(page, '#alias-folder', folder);
      await clickLink(page, '#add-alias');
    }

    async function download(fileName, relPath) {
      const page = await suite.tabs.ticketPage(TICKET);
      await clickLink(page, attachmentSelector(TICKET, fileName));
      const bytes = await waitForFile(suite.env.downloadDir, relPath, { timeoutMs: 25_000 });
      assert.ok(bytes.equals(expectedBytes(attachment(TICKET, fileName).token)), `${relPath}: bytes differ`);
      await page.close().catch(() => {});
    }

    it('shows no alias warning while no organization has been seen (fresh install)', async () => {
      const page = await openOptions();
      assert.equal(await page.$$eval('#known-organizations option', (o) => o.length), 0);
      await addAlias(page, 'ACME Crop', 'acme');
      await waitForSelector(page, '#alias-0-org');
      await sleep(300);
      assert.deepEqual(await aliasRow(page, 0), { org: 'ACME Crop', list: 'known-organizations', warning: '', describedBy: false, saveEnabled: true });
      await suite.tabs.closeAll();
    });

    it('offers the organizations seen in downloads and warns about an alias that matches none, keeping Save enabled', async () => {
      await download('production_log.tar.gz', `zendesk/ACME Corp/${TICKET}/production_log.tar.gz`);
      const page = await openOptions();
      const offered = await page.evaluate(() => ({
        list: document.getElementById('alias-org').list?.id ?? null,
        names: [...document.querySelectorAll('#known-organizations option')].map((o) => o.value),
      }));
      assert.equal(offered.list, 'known-organizations', 'the new alias input uses the list');
      assert.ok(offered.names.includes('ACME Corp.'), `offered: ${JSON.stringify(offered.names)}`);

      await addAlias(page, 'ACME Crop', 'acme');
      await expectShown('the warning on "ACME Crop"', () => aliasRow(page, 0), {
        org: 'ACME Crop', list: 'known-organizations', warning: 'No organization seen so far matches “ACME Crop” — check the spelling.', describedBy: true, saveEnabled: true,
      });
      await typeInto(page, '#alias-0-org', 'ACME Corp');
      await expectShown('no warning on "ACME Corp" (the folder name)', () => aliasRow(page, 0), {
        org: 'ACME Corp', list: 'known-organizations', warning: '', describedBy: false, saveEnabled: true,
      });
      await suite.tabs.closeAll();
    });

    it('routes into the alias folder when the alias names the organization by its folder name', async () => {
      const page = await openOptions();
      await addAlias(page, 'ACME Corp', 'acme');
      await waitForSelector(page, '#alias-0-org');
      const storage = (keys) => page.evaluate((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), keys);
      const { status: { time: before = 0 } = {} } = await storage('status');
      await clickLink(page, '#save:not([disabled])');
      await until('the alias stored and applied', async () => {
        const { settings = {}, status = {} } = await storage(['settings', 'status']);
        return settings.aliases?.['ACME Corp'] === 'acme' && (status.time ?? 0) > before ? true : { error: JSON.stringify({ settings, status }) };
      }, { timeoutMs: 10_000 });
      await suite.tabs.closeAll();
      await download('gitlabsos.tar.gz', `zendesk/acme/${TICKET}/gitlabsos.tar.gz`);
    });

    it('adds a rule with the picked template and an empty file-name condition, labelled incomplete until it has one', async () => {
      const page = await openOptions();
      await page.select('#preset', CLASSIC);
      assert.equal(await page.$eval('#template', (e) => e.value), CLASSIC);
      await clickLink(page, '#add-rule');
      await waitForSelector(page, '#rule-0-fileName');
      const added = await page.evaluate(() => ({
        focused: document.activeElement?.id,
        fileName: document.getElementById('rule-0-fileName').value,
        template: document.getElementById('rule-0-template').value,
        saveEnabled: !document.getElementById('save').disabled,
      }));
      assert.deepEqual(added, { focused: 'rule-0-fileName', fileName: '', template: CLASSIC, saveEnabled: true });
      await expectShown('rule 1 labelled incomplete', () => incompleteLabel(page, 0), { text: 'incomplete — not applied', inLegend: true });
      await expectShown('the preview decided by the template', () => preview(page), { path: `Downloads/zendesk/zd-${TICKET}/production_log.tar.gz`, rule: 'no rule: the template' });

      await page.type('#rule-0-fileName', '^production_log');
      await expectShown('rule 1 complete', () => incompleteLabel(page, 0), { text: '', inLegend: true });
      await typeInto(page, '#rule-0-template', 'logs/{ticket_id}/{filename}');
      await expectShown('the preview decided by rule 1', () => preview(page), { path: `Downloads/zendesk/logs/${TICKET}/production_log.tar.gz`, rule: 'Rule 1' });
      await typeInto(page, '#rule-0-name', 'Production logs');
      await expectShown('the preview naming rule 1', () => preview(page), { path: `Downloads/zendesk/logs/${TICKET}/production_log.tar.gz`, rule: 'Rule 1 — Production logs' });
      await typeInto(page, '#sample-file', 'notes.txt');
      await expectShown('a file rule 1 does not match', () => preview(page), { path: `Downloads/zendesk/zd-${TICKET}/notes.txt`, rule: 'no rule: the template' });
      await suite.tabs.closeAll();
    });

    it('marks the folder input of an invalid alias, whatever characters name its organization', async () => {
      const page = await openOptions();
      // Rust, JSON and JavaScript escape these differently; the core's error must still
      // find the row the user typed them in.
      const orgs = ['Initech "Q" \\ Ltd', 'Globex\u0001Corp'];
      for (const org of orgs) {
        // Typed text cannot hold a control character: set the value as a paste would.
        await page.evaluate((o) => { document.getElementById('alias-org').value = o; }, org);
        await typeInto(page, '#alias-folder', 'a/b');
        await clickLink(page, '#add-alias');
      }
      const message = "'a/b' is not a portable folder name (it would have to become 'a_b')";
      for (const org of orgs) {
        await expectShown(`the folder of ${JSON.stringify(org)} marked`, () => aliasError(page, org), { invalid: true, error: message, describedBy: true });
      }
      const state = await page.evaluate(() => ({
        summary: document.getElementById('summary').hidden ? '' : document.getElementById('summary-list').textContent,
        saveEnabled: !document.getElementById('save').disabled,
      }));
      assert.deepEqual(state, { summary: '', saveEnabled: false }, 'every problem placed at its input, nothing saved');
      await suite.tabs.closeAll();
    });
  });
}
