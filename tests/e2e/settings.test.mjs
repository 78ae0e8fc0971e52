// The options page and the popup, driven like a user in each browser of E2E_BROWSERS
// (default "chromium,firefox") against the built dist/<browser> and the mock Zendesk; and
// where settings are stored (storage.local; storage.sync only by opt-in, without organization
// names unless asked; an older version's sync settings moved to storage.local on update).
//
//   node --test tests/e2e/settings.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/settings.test.mjs
//   E2E_SCREENSHOTS=0 ...   do not rewrite docs/screenshots/*.png (Chromium writes them)
//
// Extension pages are opened as tabs: chrome-extension://<id>/ (the id Chromium derives
// from the unpacked path) and moz-extension://<uuid>/ (Firefox gets a fixed UUID through
// the `extensions.webextensions.uuids` pref, and MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1 so that
// WebDriver BiDi may navigate to it). The team-policy scenario runs in a browser of
// its own with storage.managed filled the way an administrator would (harness managedPolicy:
// a Chromium policy file for a private copy of dist/chrome, a Firefox managed-storage
// manifest under a HOME of its own).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, REPO_ROOT, browsersFromEnv, clickLink, waitForFile, waitForSelector, attachment, expectedBytes,
  attachmentSelector, agentTicketUrl, chromiumExtensionId, tempDir, sleep, startWithExtensionPages,
  pageSet, logRunEnd, until, restartExtensionWorker,
  typeInto,
  missingExtension,
  managedPolicy,
} from './harness.mjs';

const FILE_TIMEOUT_MS = 20_000;
const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');
const SCREENSHOTS = process.env.E2E_SCREENSHOTS !== '0';
const POLICY = { template: 'policy-{ticket_id}/{filename}', enabled: true };

/**
 * Mock (+ proxy) + browser with the extension. Firefox gets a fixed extension UUID and, with
 * `home`, a HOME of its own (for the managed-storage manifest).
 */
async function start(kind, extDir, { home = null } = {}) {
  const env = await startWithExtensionPages({ kind, extDir, downloadPrefix: `zd-e2e-settings-${kind}-`, env: home ? { HOME: home } : {} });
  const tabs = pageSet(() => env.browser);
  return {
    kind,
    extDir,
    mock: env.mock,
    browser: env.browser,
    downloadDir: env.downloadDir,
    base: env.base,
    open: (url) => tabs.open(url),
    closePages: () => tabs.closeAll(),
    async close() {
      await this.closePages();
      logRunEnd(kind, env);
      await env.close();
    },
  };
}

async function openOptions(env) {
  const page = await env.open(`${env.base}options.html`);
  await waitForSelector(page, 'main[aria-busy="false"]');
  return page;
}

/** The stored user settings (storage.local), read from an extension page. */
function storedSettings(page) {
  return page.evaluate(async () => {
    const api = globalThis.browser ?? globalThis.chrome;
    const got = await api.storage.local.get('settings');
    return got.settings ?? null;
  });
}

/** `settings` in storage.local and storage.sync (null when absent), and every key storage.sync holds. */
function storedIn(page) {
  return page.evaluate(async () => {
    const api = globalThis.browser ?? globalThis.chrome;
    const [local, sync] = await Promise.all([api.storage.local.get('settings'), api.storage.sync.get(null)]);
    return { local: local.settings ?? null, sync: sync.settings ?? null, syncKeys: Object.keys(sync) };
  });
}

/**
 * Starts the background afresh, as after an update, with its storage kept. Chromium: stop the
 * service worker (CDP ServiceWorker.stopAllWorkers) and start it again (startWorker; the
 * restarted worker waits for the debugger puppeteer attached at launch, so it is resumed) —
 * runtime.reload() would leave an extension loaded with --load-extension disabled. Firefox:
 * runtime.reload() of the add-on, then wait until its options page loads again.
 */
async function restartBackground(env) {
  if (env.kind === 'chromium') {
    const page = await env.open(`chrome-extension://${chromiumExtensionId(env.extDir)}/options.html`);
    try {
      await restartExtensionWorker(env.browser, page, env.extDir);
    } finally {
      await env.closePages();
    }
    return;
  }
  const page = await env.open(`${env.base}options.html`);
  await page.evaluate(() => {
    setTimeout(() => (globalThis.browser ?? globalThis.chrome).runtime.reload(), 50);
  });
  await sleep(1_500);
  await env.closePages();
  const reopened = await until('the reloaded add-on', async () => {
    const p = await env.open(`${env.base}options.html`).catch(() => null);
    const loaded = p && (await waitForSelector(p, 'main[aria-busy="false"]', { timeoutMs: 5_000 }).catch(() => null));
    if (loaded) return p;
    await p?.close().catch(() => {});
    return null;
  }, { timeoutMs: 30_000, pollMs: 500 });
  await reopened.close().catch(() => {});
}

async function click(page, selector) {
  await clickLink(page, selector, { timeoutMs: 10_000 });
}

async function downloadFrom(env, ticketId, fileName, relPath) {
  const a = attachment(ticketId, fileName);
  const page = await env.open(agentTicketUrl(ticketId));
  await waitForSelector(page, `[data-testid="ticket-panel-${ticketId}"][data-loaded="true"]`);
  await clickLink(page, attachmentSelector(ticketId, fileName));
  const bytes = await waitForFile(env.downloadDir, relPath, { timeoutMs: FILE_TIMEOUT_MS });
  assert.ok(bytes.equals(expectedBytes(a.token)), `${relPath}: bytes differ from token ${a.token}`);
  await page.close().catch(() => {});
}

async function screenshot(page, name, { dark, width, height }) {
  await page.setViewport({ width, height });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }]);
  await sleep(200);
  // The whole page in one viewport (a full-page capture would paint the sticky Save bar mid-page).
  const full = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewport({ width, height: Math.max(height, full) });
  await sleep(200);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name) });
}

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router options and popup (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    before(async () => {
      env = await start(kind, extDir);
    });
    after(async () => {
      await env?.close();
    });

    it('shows an invalid rule pattern next to its field and does not save it', async () => {
      const page = await openOptions(env);
      const before = await storedSettings(page);
      await click(page, '#add-rule');
      await waitForSelector(page, '#rule-0-fileName');
      await typeInto(page, '#rule-0-fileName', '(');
      await waitForSelector(page, '#rule-0-fileName[aria-invalid="true"]', { timeoutMs: 5_000 });
      const shown = await page.evaluate(() => {
        const input = document.querySelector('#rule-0-fileName');
        const err = document.getElementById('rule-0-fileName-error');
        return {
          describedBy: input.getAttribute('aria-describedby') ?? '',
          error: err.hidden ? '' : err.textContent,
          nextToInput: input.nextElementSibling === err,
          saveDisabled: document.getElementById('save').disabled,
          preview: document.getElementById('preview').textContent,
        };
      });
      assert.match(shown.error, /invalid pattern/, `error next to rule 1's file-name field: ${JSON.stringify(shown)}`);
      assert.ok(shown.nextToInput);
      assert.ok(shown.describedBy.split(' ').includes('rule-0-fileName-error'), `aria-describedby: ${shown.describedBy}`);
      assert.ok(shown.saveDisabled, 'Save is disabled while the settings are invalid');
      assert.match(shown.preview, /fix the problems/i);
      // Try anyway: click the (disabled) button and press Enter on it.
      await page.evaluate(() => document.getElementById('save').click());
      await page.focus('#save').catch(() => {});
      await page.keyboard.press('Enter');
      await sleep(500);
      assert.deepEqual(await storedSettings(page), before, 'storage unchanged');
      // An invalid settings file is rejected with the reason; nothing changes.
      const bad = path.join(tempDir('zd-e2e-import-'), 'bad-settings.json');
      fs.writeFileSync(bad, JSON.stringify({ template: '{org}/{nope}/{filename}' }));
      const fileInput = await page.$('#import-file');
      await fileInput.uploadFile(bad);
      await waitForSelector(page, '#save-status', { timeoutMs: 5_000 });
      const deadlineImport = Date.now() + 5_000;
      let status = '';
      while (Date.now() < deadlineImport && !status.startsWith('Import rejected')) {
        status = await page.$eval('#save-status', (e) => e.textContent);
        await sleep(100);
      }
      assert.match(status, /^Import rejected: template: unknown placeholder \{nope\}/);
      assert.equal(await page.$eval('#template', (e) => e.value), '{org}/{ticket_id}/{filename}', 'the form is untouched');
      fs.rmSync(path.dirname(bad), { recursive: true, force: true });
      // Deleting the rule makes the form valid again (nothing to save: it equals the stored state).
      await click(page, '#rules [data-act="delete"]');
      await waitForSelector(page, '#preview.preview-route', { timeoutMs: 5_000 });
      assert.equal(await page.$eval('#rule-0-fileName', () => true).catch(() => false), false);
      await env.closePages();
    });

    it('saves a new template and routes the next attachment with it', async () => {
      const page = await openOptions(env);
      await typeInto(page, '#template', 'zd-{ticket_id}/{filename}');
      await waitForSelector(page, '#preview.preview-route');
      const preview = await page.$eval('#preview', (e) => e.textContent);
      assert.equal(preview, 'Downloads/zendesk/zd-4711/production_log.tar.gz');
      assert.equal(await page.$eval('#preset', (e) => e.value), 'zd-{ticket_id}/{filename}', 'the preset picker follows the template');
      await click(page, '#save:not([disabled])');
      await waitForSelector(page, '#save-status', { timeoutMs: 5_000 });
      const deadline = Date.now() + 5_000;
      let saved;
      while (Date.now() < deadline) {
        saved = await storedSettings(page);
        if (saved?.template === 'zd-{ticket_id}/{filename}') break;
        await sleep(100);
      }
      assert.equal(saved?.template, 'zd-{ticket_id}/{filename}');
      assert.equal(await page.$eval('#save-status', (e) => e.textContent), 'Saved');
      await sleep(500); // the background re-applies settings on storage.onChanged
      await downloadFrom(env, 4711, 'production_log.tar.gz', 'zendesk/zd-4711/production_log.tar.gz');
      await env.closePages();
    });

    it('lists the routed download in the popup', async () => {
      if (kind === 'chromium') {
        // Two more entries for the screenshot: another ticket, and a fallback (API down).
        await downloadFrom(env, 4712, 'screenshot.png', 'zendesk/zd-4712/screenshot.png');
        env.mock.setFaults({ 4799: 'api-500' });
        try {
          await downloadFrom(env, 4799, 'support_bundle.zip', 'zendesk/_unsorted/4799/support_bundle.zip');
        } finally {
          env.mock.resetFaults();
        }
      }
      // An agent tab, so the popup has a current ticket.
      const agent = await env.open(agentTicketUrl(4711));
      await waitForSelector(agent, '[data-testid="ticket-panel-4711"][data-loaded="true"]');
      const page = await env.open(`${env.base}popup.html`);
      await waitForSelector(page, '#history li button.show'); // Show comes once the file is found on disk
      const items = await page.$$eval('#history li', (lis) =>
        lis.map((li) => ({
          file: li.querySelector('.file').textContent,
          dir: li.querySelector('.dir').textContent,
          fallback: li.classList.contains('fallback'),
          show: Boolean(li.querySelector('button.show')),
        })),
      );
      const routed = items.find((i) => i.file === 'production_log.tar.gz');
      assert.ok(routed, `popup history: ${JSON.stringify(items)}`);
      assert.equal(routed.dir, 'Downloads/zendesk/zd-4711/');
      assert.equal(routed.fallback, false);
      assert.ok(routed.show, 'a "Show" button for a download the browser still knows');
      await waitForSelector(page, '#folder:not([hidden])', { timeoutMs: 10_000 });
      assert.equal(await page.$eval('#folder', (e) => e.textContent), 'Attachments go to Downloads/zendesk/zd-4711/');
      assert.match(await page.$eval('#ticket', (e) => e.textContent), /#4711.*ACME Corp\./);
      assert.equal(await page.$eval('#enabled', (e) => e.checked && !e.disabled), true);
      if (kind === 'chromium') {
        const fb = items.find((i) => i.file === 'support_bundle.zip');
        assert.ok(fb?.fallback, `the fallback is highlighted: ${JSON.stringify(items)}`);
        if (SCREENSHOTS) {
          await screenshot(page, 'popup-light.png', { dark: false, width: 380, height: 300 });
          await screenshot(page, 'popup-dark.png', { dark: true, width: 380, height: 300 });
          // Routing switched off in the popup: the banner and a disabled Download all, shown.
          await click(page, '#enabled');
          await waitForSelector(page, '#routing-off:not([hidden])', { timeoutMs: 10_000 });
          assert.equal(await page.$eval('#download-all', (e) => e.disabled), true);
          await screenshot(page, 'popup-off-light.png', { dark: false, width: 380, height: 300 });
          await click(page, '#enabled');
          await waitForSelector(page, '#routing-off[hidden]', { timeoutMs: 10_000 });
          const options = await openOptions(env);
          await click(options, '#add-rule');
          await typeInto(options, '#rule-0-name', 'GitLab SOS bundles');
          await typeInto(options, '#rule-0-fileName', '^(?P<host>[a-z0-9-]+)_gitlabsos\\.tar\\.gz$');
          await typeInto(options, '#rule-0-template', '{org}/{ticket_id}/sos/{host}/{filename}');
          await typeInto(options, '#alias-org', 'ACME Corp');
          await typeInto(options, '#alias-folder', 'acme');
          await click(options, '#add-alias');
          await typeInto(options, '#sample-file', 'db-1_gitlabsos.tar.gz');
          await waitForSelector(options, '#preview.preview-route');
          await options.evaluate(() => document.activeElement?.blur());
          await screenshot(options, 'options-light.png', { dark: false, width: 900, height: 900 });
          await screenshot(options, 'options-dark.png', { dark: true, width: 900, height: 900 });
        }
      }
      await env.closePages();
    });
  });

  // Where settings live: storage.local; storage.sync only by the user's choice, and without
  // what names customers unless the user ticks that too. One browser, the steps in order.
  describe(`zd-dl-router settings storage (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    before(async () => {
      env = await start(kind, extDir);
    });
    after(async () => {
      await env?.close();
    });

    it('a fresh install saves the options page to storage.local and leaves storage.sync empty', async () => {
      const page = await openOptions(env);
      assert.deepEqual(await storedIn(page), { local: null, sync: null, syncKeys: [] }, 'nothing stored yet');
      await typeInto(page, '#noOrgFolder', '_none');
      await click(page, '#save:not([disabled])');
      await until('settings in storage.local', async () => (await storedIn(page)).local?.noOrgFolder === '_none', { timeoutMs: 5_000, pollMs: 100 });
      await sleep(500); // a sync copy would be written right after the local one
      const stored = await storedIn(page);
      assert.equal(stored.local.syncSettings, false, 'syncing is off unless the user turns it on');
      assert.deepEqual(stored.syncKeys, [], `storage.sync stays empty: ${JSON.stringify(stored.sync)}`);
      assert.equal(await page.$eval('#syncSettings', (e) => e.checked), false);
      assert.equal(await page.$eval('#syncCustomerNames', (e) => e.disabled), true, 'customer names only with sync on');
      await env.closePages();
    });

    it('moves settings an older version kept in storage.sync to storage.local on update, still in force', async () => {
      const OLD = {
        template: 'migrated-{ticket_id}/{filename}',
        aliases: { 'Initech Ltd': 'initech' },
        rules: [{ name: 'Initech', organization: '^Initech', template: 'initech/{filename}' }],
      };
      const page = await openOptions(env);
      // What a version that kept its settings in storage.sync leaves behind.
      await page.evaluate(async (old) => {
        const api = globalThis.browser ?? globalThis.chrome;
        await api.storage.local.remove('settings');
        await api.storage.sync.set({ settings: old });
      }, OLD);
      assert.deepEqual((await storedIn(page)).sync, OLD);
      await restartBackground(env);
      // The next download goes where the migrated template says.
      await downloadFrom(env, 4711, 'production_log.tar.gz', 'zendesk/migrated-4711/production_log.tar.gz');
      const options = await openOptions(env);
      const stored = await until('settings moved to storage.local', async () => {
        const s = await storedIn(options);
        return s.local && s.syncKeys.length === 0 && s;
      }, { timeoutMs: 10_000 }).catch(async () => storedIn(options));
      assert.deepEqual(stored.local, OLD, 'storage.local holds the settings, aliases and rules included');
      assert.deepEqual(stored.syncKeys, [], `storage.sync no longer holds them: ${JSON.stringify(stored.sync)}`);
      await until('the options page showing the migrated settings', () => options.$eval('#template', (e) => e.value === 'migrated-{ticket_id}/{filename}'), { timeoutMs: 5_000 });
      assert.equal(await options.$eval('#alias-0-folder', (e) => e.value), 'initech');
      await env.closePages();
    });

    it('syncs only when the user opts in, and then without organization names unless asked', async () => {
      const MINE = {
        template: '{org}/{ticket_id}/{filename}',
        aliases: { 'ACME Corp.': 'acme' },
        rules: [
          { name: 'ACME SOS', organization: '^ACME', fileName: 'gitlabsos', template: '{org}/sos/{filename}' },
          { name: 'HAR files', extensions: ['har'], template: 'har/{ticket_id}/{filename}' },
        ],
      };
      let page = await openOptions(env);
      await page.evaluate((mine) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ settings: mine }), MINE);
      await env.closePages();
      page = await openOptions(env);
      assert.equal(await page.$eval('#syncCustomerNames', (e) => e.disabled), true);
      await click(page, '#syncSettings');
      assert.deepEqual(await page.$eval('#syncCustomerNames', (e) => [e.disabled, e.checked]), [false, false], 'the second box is offered, unticked');
      await click(page, '#save:not([disabled])');
      let stored = await until('a sync copy', async () => {
        const s = await storedIn(page);
        return s.sync && s;
      }, { timeoutMs: 5_000, pollMs: 100 });
      assert.equal(stored.sync.syncSettings, true);
      assert.equal('aliases' in stored.sync, false, `no aliases in storage.sync: ${JSON.stringify(stored.sync)}`);
      assert.deepEqual(stored.sync.rules.map((r) => r.name), ['HAR files'], 'the rule on an organization stays local');
      assert.equal(JSON.stringify(stored.sync).includes('ACME'), false, 'no organization name in storage.sync');
      assert.deepEqual(stored.local.aliases, MINE.aliases, 'storage.local keeps the aliases');
      assert.deepEqual(stored.local.rules.map((r) => r.name), ['ACME SOS', 'HAR files'], 'and both rules');
      assert.equal(stored.local.syncCustomerNames, false);

      // Another computer changes the sync copy: this one takes it and keeps its own names.
      await page.evaluate((copy) => (globalThis.browser ?? globalThis.chrome).storage.sync.set({ settings: copy }), { ...stored.sync, template: 'elsewhere-{ticket_id}/{filename}' });
      stored = await until('the synced change in storage.local', async () => {
        const s = await storedIn(page);
        return s.local?.template === 'elsewhere-{ticket_id}/{filename}' && s;
      }, { timeoutMs: 10_000, pollMs: 100 });
      assert.deepEqual(stored.local.aliases, MINE.aliases, 'the aliases stay');
      assert.deepEqual(stored.local.rules.map((r) => r.name), ['ACME SOS', 'HAR files'], 'the rule on an organization stays');
      await until('the options page following', () => page.$eval('#template', (e) => e.value === 'elsewhere-{ticket_id}/{filename}'), { timeoutMs: 5_000 });

      // With organization names ticked too, the sync copy is the whole settings.
      await click(page, '#syncCustomerNames');
      await click(page, '#save:not([disabled])');
      stored = await until('a sync copy with names', async () => {
        const s = await storedIn(page);
        return s.sync?.syncCustomerNames && s;
      }, { timeoutMs: 5_000, pollMs: 100 });
      assert.deepEqual(stored.sync, stored.local);

      // Turning sync off removes the sync copy; the settings stay.
      await click(page, '#syncSettings');
      assert.equal(await page.$eval('#syncCustomerNames', (e) => e.disabled), true);
      await click(page, '#save:not([disabled])');
      stored = await until('no sync copy', async () => {
        const s = await storedIn(page);
        return s.syncKeys.length === 0 && s;
      }, { timeoutMs: 5_000, pollMs: 100 });
      assert.deepEqual(stored.local.aliases, MINE.aliases);
      assert.equal(stored.local.syncSettings, false);
      await env.closePages();
    });
  });

  describe(`zd-dl-router team policy (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    let unavailable = null;
    let policy = null;
    before(async () => {
      policy = managedPolicy(kind, extDir, POLICY);
      unavailable = policy.unavailable;
      if (!unavailable) env = await start(kind, policy.extDir, { home: policy.env.HOME ?? null });
    });
    after(async () => {
      try {
        await env?.close();
      } finally {
        policy?.cleanup();
      }
    });

    it('shows policy values locked, keeps the user value, and routes with the policy', async (t) => {
      if (unavailable) return t.skip(unavailable);
      let page = await openOptions(env);
      const managed = await page.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.managed.get());
      assert.deepEqual(managed, POLICY, 'storage.managed holds the policy');
      await page.evaluate(() => {
        const api = globalThis.browser ?? globalThis.chrome;
        return api.storage.local.set({ settings: { template: 'zd-{ticket_id}/{filename}', noOrgFolder: '_none' } });
      });
      await page.close();
      page = await openOptions(env);
      const shown = await page.evaluate(() => {
        const t = document.getElementById('template');
        const note = document.getElementById('template-locked');
        return {
          template: t.value,
          disabled: t.disabled,
          presetDisabled: document.getElementById('preset').disabled,
          note: note && !note.hidden ? note.textContent : '',
          describedBy: t.getAttribute('aria-describedby') ?? '',
          enabledDisabled: document.getElementById('enabled').disabled,
          noOrg: document.getElementById('noOrgFolder').value,
          noOrgDisabled: document.getElementById('noOrgFolder').disabled,
          banner: !document.getElementById('policy-banner').hidden,
          preview: document.getElementById('preview').textContent,
        };
      });
      assert.equal(shown.template, POLICY.template, 'the policy value is shown, not the user value');
      assert.equal(shown.disabled, true);
      assert.equal(shown.presetDisabled, true);
      assert.equal(shown.note, 'Locked by your administrator');
      assert.ok(shown.describedBy.includes('template-locked'));
      assert.equal(shown.enabledDisabled, true);
      assert.equal(shown.noOrg, '_none', 'unlocked fields keep the user value');
      assert.equal(shown.noOrgDisabled, false);
      assert.ok(shown.banner);
      assert.equal(shown.preview, 'Downloads/zendesk/policy-4711/production_log.tar.gz');

      // Saving another field keeps the user's own template (the policy is not copied into it).
      await typeInto(page, '#noOrgFolder', '_no-org');
      await click(page, '#save:not([disabled])');
      const deadline = Date.now() + 5_000;
      let saved;
      while (Date.now() < deadline) {
        saved = await storedSettings(page);
        if (saved?.noOrgFolder === '_no-org') break;
        await sleep(100);
      }
      assert.equal(saved?.noOrgFolder, '_no-org');
      assert.equal(saved?.template, 'zd-{ticket_id}/{filename}');

      const popup = await env.open(`${env.base}popup.html`);
      await waitForSelector(popup, '#enabled-note:not([hidden])');
      assert.equal(await popup.$eval('#enabled', (e) => e.disabled), true, 'the popup switch is locked');
      assert.equal(await popup.$eval('#enabled-note', (e) => e.textContent), 'Locked by your administrator');

      await downloadFrom(env, 4711, 'production_log.tar.gz', 'zendesk/policy-4711/production_log.tar.gz');
      await env.closePages();
    });
  });
}
