// *Make a rule…*: a rule made from a download in the popup, edited and saved in the options
// page, routes the next file of its kind. Run once per browser in E2E_BROWSERS (default
// "chromium,firefox") against dist/<browser> and the mock Zendesk:
//
//   1. web07_gitlabsos.tar.gz is downloaded from ticket FIRST of "Initech (EU)+" and lands
//      in zendesk/Initech (EU)+/FIRST/.
//   2. The popup (opened as a tab) lists it; its *Make a rule…* button (named after the
//      file) opens the options page in a new tab with a new rule FIRST in the list: the
//      fields the test expects for that concrete name (host captured, everything else
//      escaped and anchored, the organization escaped and anchored, `tar.gz`), and the
//      preview renders that download: zendesk/Initech (EU)+/FIRST/gitlabsos/web07/<file>,
//      decided by rule 1, the user's own rule after it. storage.local still holds the old
//      settings (that one rule).
//   3. Editing the rule's template updates the preview at once; Save stores the rule.
//   4. db02_gitlabsos.tar.gz from ticket SECOND goes where the edited rule says, its host
//      as a folder: zendesk/Initech (EU)+/sos/db02/db02_gitlabsos.tar.gz.
//
//   node --test tests/e2e/make-rule.test.mjs
//   E2E_BROWSERS=chromium node --test tests/e2e/make-rule.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIST, browsersFromEnv, clickLink, waitForFile, waitForSelector, attachmentSelector, fixtures,
  extensionPagesSuite, missingExtension, until, typeInto,
} from './harness.mjs';

const ORG = { id: 77, name: 'Initech (EU)+' };
const FIRST = 4970;
const SECOND = 4971;
const FILE = 'web07_gitlabsos.tar.gz';
const NEXT = 'db02_gitlabsos.tar.gz';
if (!fixtures.tickets.has(FIRST)) {
  fixtures.addOrganization(ORG.id, ORG.name);
  fixtures.addTicket({ id: FIRST, organizationId: ORG.id, subject: 'Make a rule', comments: [[FILE]] });
  fixtures.addTicket({ id: SECOND, organizationId: ORG.id, subject: 'Make a rule, next', comments: [[NEXT]] });
}

/** The rule this test expects for FILE of ORG (written out by hand, not by the product). */
const EXPECTED_RULE = {
  name: 'gitlabsos',
  fileName: String.raw`^(?P<host>[a-z0-9-]+)_gitlabsos\.tar\.gz$`,
  extensions: 'tar.gz',
  organization: String.raw`^Initech \(EU\)\+$`,
  template: '{org}/{ticket_id}/gitlabsos/{host}/{filename}',
};
const EDITED_TEMPLATE = '{org}/sos/{host}/{filename}';
/** A rule the user had before: the new one goes before it. */
const OLD_RULE = { extensions: ['har'], leaveAlone: true };

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router make a rule (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'make-rule', { before, after });
    const storedSettings = (page) => page.evaluate(async () => (await (globalThis.browser ?? globalThis.chrome).storage.local.get(['settings', 'status'])));

    it('makes a rule from a download, first and unsaved, previews that download, and routes the next one after Save', async () => {
      const { env, tabs } = suite;
      const ticket = await tabs.ticketPage(FIRST);
      await clickLink(ticket, attachmentSelector(FIRST, FILE));
      await waitForFile(env.downloadDir, `zendesk/${ORG.name}/${FIRST}/${FILE}`);

      const popup = await tabs.open(`${env.base}popup.html`);
      await popup.evaluate((rule) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ settings: { rules: [rule] } }), OLD_RULE);
      const button = `#history li[data-source] button.make-rule[aria-label="Make a rule… from ${FILE}"]`;
      await waitForSelector(popup, button);
      const before = await storedSettings(popup);
      await clickLink(popup, button);

      const options = await until('the options page opened by Make a rule…', async () => {
        const pages = await env.browser.pages();
        return pages.find((p) => p.url().includes('/options.html')) ?? null;
      }, { timeoutMs: 10_000 });
      tabs.pages.push(options);
      await waitForSelector(options, '#rule-0-fileName');
      await waitForSelector(options, 'main[aria-busy="false"]');
      const shown = () => options.evaluate(() => {
        const value = (key) => document.getElementById(`rule-0-${key}`).value;
        return {
          rules: document.querySelectorAll('#rules > li').length,
          rule: { name: value('name'), fileName: value('fileName'), extensions: value('extensions'), organization: value('organization'), template: value('template') },
          preview: document.getElementById('preview').textContent,
          decidedBy: document.getElementById('preview-rule').textContent,
          sampleFile: document.getElementById('sample-file').value,
          saveDisabled: document.getElementById('save').disabled,
          focused: document.activeElement?.id,
        };
      });
      const made = await shown();
      assert.equal(made.rules, 2, 'the new rule and the old one');
      assert.deepEqual(made.rule, EXPECTED_RULE);
      assert.equal(made.sampleFile, FILE);
      assert.equal(made.preview, `Downloads/zendesk/${ORG.name}/${FIRST}/gitlabsos/web07/${FILE}`);
      assert.equal(made.decidedBy, 'Rule 1 — gitlabsos');
      assert.equal(made.saveDisabled, false, 'the new rule can be saved');
      assert.equal(made.focused, 'rule-0-fileName');
      const unsaved = await storedSettings(options);
      assert.deepEqual(unsaved.settings, before.settings, 'nothing is saved before Save');
      assert.deepEqual(unsaved.settings.rules, [OLD_RULE]);

      await typeInto(options, '#rule-0-template', EDITED_TEMPLATE);
      await until('the preview follows the edited template', async () => {
        const { preview } = await shown();
        return preview === `Downloads/zendesk/${ORG.name}/sos/web07/${FILE}` || { error: preview };
      }, { timeoutMs: 5_000 });

      await clickLink(options, '#save:not([disabled])');
      await until('the rule stored and applied', async () => {
        const { settings = {}, status = {} } = await storedSettings(options);
        const rule = settings.rules?.[0];
        const ok = rule?.fileName === EXPECTED_RULE.fileName && rule?.template === EDITED_TEMPLATE
          && JSON.stringify(settings.rules[1]) === JSON.stringify(OLD_RULE) && (status.time ?? 0) > (before.status?.time ?? 0);
        return ok || { error: JSON.stringify({ rules: settings.rules, status }) };
      }, { timeoutMs: 10_000 });

      const next = await tabs.ticketPage(SECOND);
      await clickLink(next, attachmentSelector(SECOND, NEXT));
      await waitForFile(env.downloadDir, `zendesk/${ORG.name}/sos/db02/${NEXT}`);
    });
  });
}
