// Host-mapped agent domains end to end (issue 17 §1), in each browser of E2E_BROWSERS: the
// mock Zendesk also serves acme on support.example.com (a certificate of its own; attachment
// links on that name, redirecting to p12.zdusercontent.com). The extension's manifest runs its
// content script on *.zendesk.com only; for a host-mapped domain the worker registers it at
// run time once the domain is in the settings and its access is granted.
//
//   node --test tests/e2e/host-mapped.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/host-mapped.test.mjs
//
// Granting access. Firefox: the pref `extensions.webextOptionalPermissionPrompts = false`
// makes the real `permissions.request` of the *Grant access* buttons grant without a prompt,
// so the options page's and the popup's buttons are exercised as a user clicks them.
// Chromium has no headless way to answer the permission prompt: `permissions.request` stays
// pending (the prompt is browser UI puppeteer cannot reach; the auto-confirm in
// permissions_api.cc is a static for browser tests only, `--apps-gallery-install-auto-confirm-
// for-tests` does not reach it, and chrome://extensions' developerPrivate.addHostPermission
// answers "ok" for an optional host without granting it — all tried). So in Chromium the
// user-case run uses a private copy of dist/chrome whose manifest already holds
// `https://support.example.com/*`: the button's own `permissions.request` then resolves true
// at once (access held), and everything after the grant — the settings change, the
// registration, the content script on the page, the routing — is the product's. What
// Chromium does not exercise is the prompt itself and `permissions.onAdded`; the revocation
// case runs in Firefox only (a manifest host permission cannot be removed). Under the team
// policy, Chromium checks that the popup offers *Grant access* for the policy's domain.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIST, browsersFromEnv, clickLink, waitForFile, waitForSelector, attachment, expectedBytes, attachmentSelector,
  apiCallsFor, listTree, startWithExtensionPages, waitForRouterReady, pageSet, logRunEnd, until,
  restartExtensionWorker, missingExtension, extensionCopy, managedPolicy, fixtures,
} from './harness.mjs';

const DOMAIN = fixtures.MAPPED_HOST;
const ORIGIN = `https://${DOMAIN}/*`;
const SCRIPT_ID = `host-mapped:${DOMAIN}`;
const FIREFOX_PREFS = { 'extensions.webextOptionalPermissionPrompts': false };
const FILE_TIMEOUT_MS = 20_000;

/** Mock + browser with the extension (Firefox: permission requests granted without a prompt). */
async function start(kind, extDir, env = {}) {
  const run = await startWithExtensionPages({ kind, extDir, downloadPrefix: `zd-e2e-host-mapped-${kind}-`, env, firefoxPrefs: FIREFOX_PREFS });
  if (kind === 'chromium') await waitForRouterReady(run.browser, extDir);
  return { ...run, tabs: pageSet(() => run.browser, { label: kind }) };
}

async function stop(run) {
  if (!run) return;
  await run.tabs.closeAll();
  logRunEnd(run.kind, run);
  await run.close();
}

/** Ids of the content scripts registered at run time, read from an extension page. */
function registeredIds(page) {
  return page.evaluate(() => (globalThis.browser ?? globalThis.chrome).scripting.getRegisteredContentScripts().then((s) => s.map((x) => x.id).sort()));
}

async function waitForRegistered(page, want) {
  await until(`registered content scripts ${JSON.stringify(want)}`, async () => {
    const ids = await registeredIds(page);
    return JSON.stringify(ids) === JSON.stringify(want) ? true : { error: JSON.stringify(ids) };
  }, { timeoutMs: 10_000 });
}

function granted(page) {
  return page.evaluate((origin) => (globalThis.browser ?? globalThis.chrome).permissions.contains({ origins: [origin] }), ORIGIN);
}

async function openOptions(run) {
  const page = await run.tabs.open(`${run.base}options.html`);
  await waitForSelector(page, 'main[aria-busy="false"]');
  return page;
}

/** Saves the open options page and waits until the worker put the settings in force. */
async function save(page) {
  const status = () => page.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.local.get('status').then((r) => r.status?.time ?? 0));
  const before = await status();
  await clickLink(page, '#save:not([disabled])', { timeoutMs: 10_000 });
  await until('the settings applied', async () => (await status()) > before, { timeoutMs: 10_000 });
}

/** Clicks attachment `fileName` of a ticket on the host-mapped agent page (a fresh tab). */
async function clickOnMappedPage(run, fileName, ticketId = 4711) {
  const page = await run.tabs.ticketPage(ticketId, DOMAIN);
  await clickLink(page, attachmentSelector(ticketId, fileName));
  return page;
}

async function expectFile(run, relPath, fileName, ticketId = 4711) {
  const a = attachment(ticketId, fileName);
  const bytes = await waitForFile(run.downloadDir, relPath, { timeoutMs: FILE_TIMEOUT_MS });
  assert.ok(bytes.equals(expectedBytes(a.token)), `${relPath}: bytes differ from token ${a.token}`);
}

function mappedApiCalls(run) {
  return apiCallsFor(run.mock.log(), 4711, DOMAIN).length;
}


for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router host-mapped domain, user set-up (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let run;
    let copy = null;
    before(async () => {
      // Chromium: access held from the start (see the header); Firefox: the real dist.
      copy = kind === 'chromium' ? extensionCopy(extDir, { manifest: (m) => ({ ...m, host_permissions: [...m.host_permissions, ORIGIN] }) }) : null;
      run = await start(kind, copy?.dir ?? extDir);
    });
    after(async () => {
      try {
        await stop(run);
      } finally {
        copy?.cleanup();
      }
    });

    it('routes a download from the host-mapped agent page into its ticket folder once the domain is added and access granted', async () => {
      const options = await openOptions(run);
      assert.deepEqual(await registeredIds(options), [], 'nothing registered before the domain is added');
      await options.type('#domain-new', DOMAIN);
      await clickLink(options, '#add-domain');
      await until('the options page shows access granted', () => options.$eval('#domain-0-access', (e) => e.classList.contains('ok')), { timeoutMs: 10_000 });
      assert.equal(await granted(options), true, 'the browser holds the host permission');
      await save(options);
      await waitForRegistered(options, [SCRIPT_ID]);

      const apiBefore = mappedApiCalls(run);
      await clickOnMappedPage(run, 'production_log.tar.gz');
      await expectFile(run, 'zendesk/ACME Corp/4711/production_log.tar.gz', 'production_log.tar.gz');
      assert.ok(mappedApiCalls(run) > apiBefore, 'the content script read the ticket through support.example.com');
      assert.deepEqual(listTree(run.downloadDir).filter((f) => f.includes('_unsorted') || !f.startsWith('zendesk/')), [], 'nothing fell back or stayed unrouted');
      await run.tabs.closeAll();
    });

    if (kind === 'chromium') {
      it('keeps the registration across a worker restart and routes after it', async () => {
        const options = await openOptions(run);
        await restartExtensionWorker(run.browser, options, copy.dir);
        await waitForRegistered(options, [SCRIPT_ID]);
        await clickOnMappedPage(run, 'gitlabsos.tar.gz');
        await expectFile(run, 'zendesk/ACME Corp/4711/gitlabsos.tar.gz', 'gitlabsos.tar.gz');
        await run.tabs.closeAll();
      });
    }

    if (kind === 'firefox') {
      it('drops the registration when access is revoked and registers again when it is granted from the options page', async () => {
        const options = await openOptions(run);
        await waitForRegistered(options, [SCRIPT_ID]);
        await options.evaluate((origin) => browser.permissions.remove({ origins: [origin] }), ORIGIN);
        await waitForRegistered(options, []);
        const again = await openOptions(run);
        await clickLink(again, '#domain-0-access button[data-grant]:not([disabled])');
        await until('access granted again', () => granted(again), { timeoutMs: 10_000 });
        await waitForRegistered(again, [SCRIPT_ID]);
        await run.tabs.closeAll();
      });
    }

    it('drops the registration when the domain is removed: its agent pages get no content script', async () => {
      const options = await openOptions(run);
      await clickLink(options, '#domains li button:not([data-grant])');
      await save(options);
      await waitForRegistered(options, []);
      await run.tabs.closeAll();

      // A ticket the extension never saw (4713, Globex): without a content script nobody
      // reads it, so its download falls back instead of reaching its organization's folder.
      const apiBefore = apiCallsFor(run.mock.log(), 4713, DOMAIN).length;
      await clickOnMappedPage(run, 'production_log.tar.gz', 4713);
      await expectFile(run, 'zendesk/_unsorted/production_log.tar.gz', 'production_log.tar.gz', 4713);
      assert.equal(apiCallsFor(run.mock.log(), 4713, DOMAIN).length, apiBefore, 'no content script read the ticket');
      assert.ok(!listTree(run.downloadDir).some((f) => f.startsWith('zendesk/Globex/')), 'not routed to the organization');
      await run.tabs.closeAll();
    });
  });

  describe(`zd-dl-router host-mapped domain set by team policy (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let run;
    let policy = null;
    before(async () => {
      policy = managedPolicy(kind, extDir, { hostMappedDomains: [DOMAIN] });
      if (!policy.unavailable) run = await start(kind, policy.extDir, policy.env);
    });
    after(async () => {
      try {
        await stop(run);
      } finally {
        policy?.cleanup();
      }
    });

    it('offers Grant access in the popup and the options page; granting from the popup makes routing work', async (t) => {
      if (policy.unavailable) return t.skip(policy.unavailable);
      const options = await openOptions(run);
      assert.equal(await options.$eval('#domain-new', (e) => e.disabled), true, 'the domain list is locked by the policy');
      await waitForSelector(options, '#domain-0-access button[data-grant]');
      assert.equal(await options.$eval('#domain-0-access button[data-grant]', (e) => e.disabled), false, 'granting stays possible under the policy');

      const popup = await run.tabs.open(`${run.base}popup.html`);
      const button = `#access:not([hidden]) button[data-domain="${DOMAIN}"]`;
      await waitForSelector(popup, button, { timeoutMs: 10_000 });
      assert.match(await popup.$eval('#access', (e) => e.textContent), new RegExp(DOMAIN.replace(/\./g, '\\.')), 'the prompt names the domain');
      assert.deepEqual(await registeredIds(popup), [], 'nothing registered without access');
      if (kind === 'chromium') return; // the browser's prompt cannot be answered headless (see the header)

      await clickLink(popup, button);
      await until('the popup prompt gone once access is granted', () => popup.$eval('#access', (e) => e.hidden), { timeoutMs: 10_000 });
      assert.equal(await granted(popup), true);
      await waitForRegistered(popup, [SCRIPT_ID]);
      await clickOnMappedPage(run, 'production_log.tar.gz');
      await expectFile(run, 'zendesk/ACME Corp/4711/production_log.tar.gz', 'production_log.tar.gz');
    });
  });
}
