// Browser harness for the zd-dl-router E2E tests (puppeteer-core, system browsers only).
//
//   launchChromium({extDir, downloadDir, mockPort, extraExtensions, headless, locale, colorScheme})
//   launchFirefox({extDir, downloadDir, proxyPort, headless, colorScheme})
//   startEnvironment({browser, extDir, extraExtensions, headless})  mock + proxy + browser + dirs
//   waitForFile(downloadDir, relPath, {timeoutMs, expectBytes})
//   listTree(dir), partialFiles(dir), clickLink(page, selector), openPage(browser, url)
//   attachmentSelector(ticketId, fileName, occurrence), expectedBytes(token), ...
//   startWithExtensionPages({kind, extDir, downloadPrefix, env, locale, colorScheme, downloadDir, profileDir})  env whose extension pages open as tabs
//   helperHome(kind, {roots})  a temporary home where the local helper is installed for one run
//   waitForRouterReady(browser, extDir), stopExtensionWorker(page, extDir),
//   restartExtensionWorker(browser, page, extDir)  Chromium's service worker
//   saveOptions(page, values), bulkProgress(popup), typeInto(page, selector, text)  the options page and the popup, like a user
//   ageFileRecords(page, days)  time passes for the routed files' records (retention)
//   runDailyCleanup(browser, extDir)  Chromium: the daily clean-up now; its notification
//   openTab(browser, url), pageSet(getBrowser, {label, debug}), pathsNamed(dir, fileName, opts),
//   logRunEnd(kind, env, {debug, extraLines})
//
// Chromium reaches the mock through --host-resolver-rules; Firefox through the CONNECT proxy.
// Neither browser gets any test switch in the extension: it sees the real host names.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import puppeteer from 'puppeteer-core';

import { startMock, expectedBytes, expectedToolBytes, attachment, attachmentsOf, apiCallsFor, attachmentFetches, fixtures } from '../mock-zendesk/server.mjs';
import { startProxy } from '../mock-zendesk/proxy.mjs';

export { startMock, startProxy, expectedBytes, expectedToolBytes, attachment, attachmentsOf, apiCallsFor, attachmentFetches, fixtures };

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Extension folders under test (overridable for experiments: E2E_EXT_CHROMIUM, E2E_EXT_FIREFOX).
export const DIST = {
  chromium: path.resolve(process.env.E2E_EXT_CHROMIUM ?? path.join(REPO_ROOT, 'dist', 'chrome')),
  firefox: path.resolve(process.env.E2E_EXT_FIREFOX ?? path.join(REPO_ROOT, 'dist', 'firefox')),
};
export const OTHER_EXTENSION_DIR = path.join(REPO_ROOT, 'tests', 'e2e', 'fixtures', 'other-extension');
/** The add-on id in dist/firefox/manifest.json (browser_specific_settings.gecko.id). */
export const FIREFOX_ADDON_ID = 'zd-dl-router@zd-dl-router.dev';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--no-default-browser-check',
];

export const FIREFOX_SAVE_MIME_TYPES = [
  'application/octet-stream',
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/zip',
  'image/png',
  'image/jpeg',
  'application/json',
  'text/plain',
].join(',');

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` (sync or async) until it returns a truthy value that is not `{error}`. */
export async function until(what, fn, { timeoutMs = 30_000, pollMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await Promise.resolve().then(fn).catch((e) => ({ error: String(e) }));
    if (last && !last.error) return last;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(pollMs);
  }
}

/** The id Chromium gives an unpacked extension loaded from `dir`: sha256 of its manifest's `key`, else of its path, as a-p. */
export function chromiumExtensionId(dir) {
  const { key } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const hex = createHash('sha256').update(key ? Buffer.from(key, 'base64') : path.resolve(dir)).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

export function hostResolverRules(port) {
  return [
    `MAP *.zendesk.com 127.0.0.1:${port}`,
    `MAP *.zdusercontent.com 127.0.0.1:${port}`,
    `MAP *.example.org 127.0.0.1:${port}`,
    `MAP ${fixtures.MAPPED_HOST} 127.0.0.1:${port}`,
    'MAP * ~NOTFOUND',
    'EXCLUDE 127.0.0.1',
    'EXCLUDE localhost',
  ].join(', ');
}

/**
 * Launch headless Chromium (as root) with the extension(s) unpacked, downloads into
 * downloadDir via the profile's Preferences (puppeteer does not touch download handling,
 * so chrome.downloads.onDeterminingFilename fires).
 *
 * extDir may be null (baseline: no extension). loading: 'flag' (--load-extension, default;
 * works in Chromium 156) or 'cdp' (puppeteer enableExtensions + pipe). locale: the browser's
 * UI language (e.g. 'de'; `--lang`, which headless Chromium also applies to extensions'
 * messages), default English. colorScheme: 'light' or 'dark', what `prefers-color-scheme`
 * matches in every page (`--blink-settings=preferredColorScheme`), default the system's.
 * Returns {browser, profileDir, downloadDir, extensionIds, kind:'chromium', close()}.
 */
export async function launchChromium({ extDir = null, downloadDir, mockPort, extraExtensions = [], headless = true, loading = 'flag', dumpio = false, profileDir, locale = null, colorScheme = null } = {}) {
  if (!downloadDir) throw new Error('launchChromium: downloadDir is required');
  if (!mockPort) throw new Error('launchChromium: mockPort is required');
  const ownProfile = !profileDir;
  profileDir ??= tempDir('zd-e2e-chromium-profile-');
  fs.mkdirSync(path.join(profileDir, 'Default'), { recursive: true });
  fs.mkdirSync(downloadDir, { recursive: true });
  fs.writeFileSync(
    path.join(profileDir, 'Default', 'Preferences'),
    JSON.stringify({
      download: { default_directory: downloadDir, prompt_for_download: false, directory_upgrade: true },
      savefile: { default_directory: downloadDir },
      safebrowsing: { enabled: false },
      profile: { default_content_setting_values: { automatic_downloads: 1 } },
    }),
  );
  const exts = [extDir, ...extraExtensions].filter(Boolean).map((d) => path.resolve(d));
  for (const d of exts) if (!fs.existsSync(path.join(d, 'manifest.json'))) throw new Error(`no manifest.json in extension folder ${d}`);

  const args = [
    ...CHROMIUM_FLAGS,
    `--host-resolver-rules=${hostResolverRules(mockPort)}`,
    '--ignore-certificate-errors',
  ];
  if (locale) args.push(`--lang=${locale}`);
  if (colorScheme) args.push(`--blink-settings=preferredColorScheme=${colorSchemeValue(colorScheme)}`);
  const opts = { executablePath: CHROMIUM_PATH, headless: headless ? true : false, userDataDir: profileDir, args, defaultViewport: { width: 1200, height: 900 }, dumpio, timeout: 60_000 };
  if (exts.length && loading === 'flag') {
    opts.ignoreDefaultArgs = ['--disable-extensions'];
    args.push(`--disable-extensions-except=${exts.join(',')}`, `--load-extension=${exts.join(',')}`);
  } else if (exts.length) {
    opts.enableExtensions = exts;
    opts.pipe = true;
  }
  const browser = await puppeteer.launch(opts);
  const extensionIds = Object.fromEntries(exts.map((d) => [d, chromiumExtensionId(d)]));
  return {
    kind: 'chromium',
    browser,
    profileDir,
    downloadDir,
    extensionIds,
    async close() {
      await closeQuietly(browser);
      if (ownProfile) fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * Launch headless Firefox ESR over WebDriver BiDi with download prefs (no dialogs), the
 * CONNECT proxy and acceptInsecureCerts; install extDir as a temporary add-on. colorScheme:
 * 'light' or 'dark', what `prefers-color-scheme` matches in every page, extension pages
 * included (pref `layout.css.prefers-color-scheme.content-override`), default the system's.
 * Returns {browser, downloadDir, addonId, kind:'firefox', close()}.
 */
export async function launchFirefox({ extDir = null, downloadDir, proxyPort, headless = true, dumpio = false, extraPrefs = {}, colorScheme = null } = {}) {
  if (!downloadDir) throw new Error('launchFirefox: downloadDir is required');
  if (!proxyPort) throw new Error('launchFirefox: proxyPort is required');
  fs.mkdirSync(downloadDir, { recursive: true });
  const prefs = {
    'browser.download.folderList': 2,
    'browser.download.dir': downloadDir,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.download.start_downloads_in_tmp_dir': false,
    'browser.download.manager.showWhenStarting': false,
    'browser.download.alwaysOpenPanel': false,
    'browser.download.panel.shown': true,
    'browser.download.open_pdf_attachments_inline': false,
    'browser.helperApps.neverAsk.saveToDisk': FIREFOX_SAVE_MIME_TYPES,
    'browser.helperApps.alwaysAsk.force': false,
    'pdfjs.disabled': true,
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': false,
    'network.dns.disablePrefetch': true,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'extensions.update.enabled': false,
    'app.update.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'xpinstall.signatures.required': false,
    ...(colorScheme ? { 'layout.css.prefers-color-scheme.content-override': colorSchemeValue(colorScheme) } : {}),
    ...extraPrefs,
  };
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: headless ? true : false,
    acceptInsecureCerts: true,
    extraPrefsFirefox: prefs,
    defaultViewport: { width: 1200, height: 900 },
    dumpio,
    timeout: 60_000,
  });
  let addonId = null;
  if (extDir) {
    if (!fs.existsSync(path.join(extDir, 'manifest.json'))) {
      await closeQuietly(browser);
      throw new Error(`no manifest.json in extension folder ${extDir}`);
    }
    addonId = await browser.installExtension(path.resolve(extDir));
  }
  return {
    kind: 'firefox',
    browser,
    downloadDir,
    addonId,
    async close() {
      await closeQuietly(browser);
    },
  };
}

/** Both browsers number the schemes alike: 0 dark, 1 light. */
function colorSchemeValue(scheme) {
  if (scheme !== 'light' && scheme !== 'dark') throw new Error(`colorScheme ${JSON.stringify(scheme)}: use 'light' or 'dark'`);
  return scheme === 'dark' ? 0 : 1;
}

async function closeQuietly(browser) {
  const proc = browser.process?.();
  let timer;
  try {
    await Promise.race([
      browser.close(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('close timeout')), 10_000);
      }),
    ]);
  } catch {
    try {
      proc?.kill('SIGKILL');
    } catch {}
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Start everything one browser run needs: the mock, (Firefox) the proxy, a fresh download
 * dir and the browser. Returns {mock, proxy, session, browser, downloadDir, close()}.
 */
export async function startEnvironment({ browser: kind, extDir = null, extraExtensions = [], headless = true, mockOptions = {} }) {
  const mock = await startMock(mockOptions);
  let proxy = null;
  let session = null;
  const downloadDir = tempDir(`zd-e2e-downloads-${kind}-`);
  try {
    if (kind === 'chromium') {
      session = await launchChromium({ extDir, downloadDir, mockPort: mock.port, extraExtensions, headless });
    } else if (kind === 'firefox') {
      proxy = await startProxy({ targetPort: mock.port });
      session = await launchFirefox({ extDir, downloadDir, proxyPort: proxy.port, headless });
    } else {
      throw new Error(`unknown browser ${kind} (use chromium or firefox)`);
    }
  } catch (e) {
    await proxy?.close();
    await mock.close();
    throw e;
  }
  return runningEnvironment({ kind, mock, proxy, session, downloadDir });
}

/** {kind, mock, proxy, session, browser, downloadDir, ...extra, close()} of a started run. */
function runningEnvironment({ kind, mock, proxy, session, downloadDir, ...extra }) {
  return {
    kind,
    mock,
    proxy,
    session,
    browser: session.browser,
    downloadDir,
    ...extra,
    /** Close browser, proxy and mock; the download dir is removed unless keepDownloads (or E2E_KEEP=1). */
    async close({ keepDownloads = !!process.env.E2E_KEEP } = {}) {
      await session.close();
      await proxy?.close();
      await mock.close();
      if (!keepDownloads) fs.rmSync(downloadDir, { recursive: true, force: true });
    },
  };
}

/**
 * Mock (+ proxy) + browser with the extension, whose pages can be opened as tabs at
 * `${base}page.html`: chrome-extension://<id>/ (the id Chromium derives from the manifest's
 * `key`, chromiumExtensionId) or moz-extension://<uuid>/ (Firefox gets a fixed UUID through the
 * `extensions.webextensions.uuids` pref). puppeteer hands process.env to the browser: it is
 * launched with `env` (e.g. {HOME}), restored afterwards; Firefox also with
 * MOZ_REMOTE_ALLOW_SYSTEM_ACCESS=1 (lets WebDriver BiDi navigate a tab to moz-extension://,
 * refused otherwise). `downloadDir` and (Chromium) `profileDir`: given folders instead of
 * fresh ones (the caller removes them).
 * `locale` (Chromium only: Firefox shows only the languages it has a language pack for) sets
 * the browser's UI language; `colorScheme` ('light', 'dark') the colour scheme pages see;
 * `firefoxPrefs` more Firefox preferences.
 * Returns {kind, mock, proxy, session, browser, downloadDir, base,
 * worker (Chromium's service worker or null), close()}.
 */
export async function startWithExtensionPages({ kind, extDir, downloadPrefix = `zd-e2e-${kind}-`, env = {}, locale = null, colorScheme = null, firefoxPrefs = {}, downloadDir = tempDir(downloadPrefix), profileDir = undefined }) {
  const mock = await startMock();
  let proxy = null;
  let session;
  let base;
  let worker = null;
  try {
    if (kind === 'chromium') {
      session = await withEnv(env, () => launchChromium({ extDir, downloadDir, mockPort: mock.port, locale, colorScheme, profileDir }));
      const id = chromiumExtensionId(extDir);
      base = `chrome-extension://${id}/`;
      worker = await extensionWorker(session.browser, id, { timeoutMs: 10_000 }).catch(() => null);
    } else {
      if (locale) throw new Error(`startWithExtensionPages: Firefox cannot switch its language to ${locale} (no language pack)`);
      proxy = await startProxy({ targetPort: mock.port });
      const uuid = randomUUID();
      session = await withEnv({ MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1', ...env }, () => launchFirefox({
        extDir,
        downloadDir,
        proxyPort: proxy.port,
        colorScheme,
        extraPrefs: { 'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ADDON_ID]: uuid }), ...firefoxPrefs },
      }));
      assert.equal(session.addonId, FIREFOX_ADDON_ID);
      base = `moz-extension://${uuid}/`;
    }
  } catch (e) {
    await proxy?.close();
    await mock.close();
    throw e;
  }
  return runningEnvironment({ kind, mock, proxy, session, downloadDir, base, worker });
}

/** `launch()` with the environment variables `vars` set (puppeteer hands them to the browser), restored afterwards. */
async function withEnv(vars, launch) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await launch();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * A private copy of a built extension (in Chromium an id of its own, so that a machine-wide
 * policy or a changed manifest touches nothing else); `manifest(m)` may change its manifest.
 * Returns {dir, cleanup()}.
 */
export function extensionCopy(extDir, { manifest = null } = {}) {
  const dir = path.join(tempDir('zd-e2e-ext-copy-'), path.basename(extDir));
  fs.cpSync(extDir, dir, { recursive: true });
  if (manifest) {
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(manifest(JSON.parse(fs.readFileSync(file, 'utf8'))), null, 2));
  }
  return { dir, cleanup: () => fs.rmSync(path.dirname(dir), { recursive: true, force: true }) };
}

// ---- the local helper --------------------------------------------------------------------

/** The local helper `./build.sh build` makes, whose `helper install` the E2E runs as a user does. */
export const HELPER_BIN = path.resolve(process.env.E2E_HELPER_BIN ?? path.join(REPO_ROOT, 'target', 'helper', 'zd-dl-router'));
/** The helper's name in its host manifest (README "Local helper"). */
export const HELPER_NAME = 'dev.zd_dl_router.helper';

/**
 * A temporary home (and for Chromium a profile folder, its --user-data-dir) for one browser
 * run, where `install()` installs the local helper the way a user does: `zd-dl-router helper
 * install --browser <kind> --root <each of roots>` with HOME and XDG_CONFIG_HOME in that
 * home, so the helper reads its roots from <home>/.config/zd-dl-router/helper.json, Firefox
 * its host manifest from <home>/.mozilla/native-messaging-hosts/, and Chromium from
 * <profileDir>/NativeMessagingHosts/ (`--profile`; the manifest allows the extension's fixed
 * id, the one its `key` gives). Pass `env` (and `profileDir`) to startWithExtensionPages.
 * Returns {home, env, profileDir, manifest (the host manifest's path), install(), cleanup()}.
 */
export function helperHome(kind, { roots }) {
  const home = tempDir('zd-e2e-helper-home-');
  const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
  const profileDir = kind === 'chromium' ? tempDir('zd-e2e-helper-profile-') : undefined;
  const manifest = kind === 'chromium'
    ? path.join(profileDir, 'NativeMessagingHosts', `${HELPER_NAME}.json`)
    : path.join(home, '.mozilla', 'native-messaging-hosts', `${HELPER_NAME}.json`);
  return {
    home,
    env,
    profileDir,
    manifest,
    install() {
      for (const root of roots) fs.mkdirSync(root, { recursive: true });
      const args = ['helper', 'install', '--browser', kind, ...roots.flatMap((root) => ['--root', root])];
      if (kind === 'chromium') args.push('--profile', profileDir);
      execFileSync(HELPER_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      if (!fs.existsSync(manifest)) throw new Error(`zd-dl-router helper install wrote no ${manifest}`);
    },
    cleanup() {
      for (const dir of [home, profileDir].filter(Boolean)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';
let policies = 0;

/**
 * An administrator's policy `data` in storage.managed, filled the way an administrator would:
 *   Chromium: /etc/chromium/policies/managed/<file>.json with {"3rdparty": {"extensions":
 *             {"<id>": data}}} — machine-wide, so written for a private copy of extDir (its
 *             own id; `manifest` as extensionCopy) and removed by cleanup();
 *   Firefox:  $HOME/.mozilla/managed-storage/<add-on id>.json ({"name", "type": "storage",
 *             "data"}), with HOME a temporary folder for that browser only (pass `env` to
 *             startWithExtensionPages).
 * Returns {extDir, env, unavailable (why the policy cannot be set, or null), cleanup()}.
 */
export function managedPolicy(kind, extDir, data, { manifest = null } = {}) {
  const cleanup = [];
  const done = () => {
    for (const f of cleanup.reverse()) f();
  };
  if (kind === 'chromium') {
    const copy = extensionCopy(extDir, { manifest });
    cleanup.push(copy.cleanup);
    const file = path.join(CHROMIUM_POLICY_DIR, `zd-dl-router-e2e-${process.pid}-${++policies}.json`);
    try {
      fs.mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ '3rdparty': { extensions: { [chromiumExtensionId(copy.dir)]: data } } }));
    } catch (err) {
      return { extDir: copy.dir, env: {}, unavailable: `Chromium reads policies only from ${CHROMIUM_POLICY_DIR} (needs root): ${err.code ?? err.message}`, cleanup: done };
    }
    cleanup.push(() => fs.rmSync(file, { force: true }));
    return { extDir: copy.dir, env: {}, unavailable: null, cleanup: done };
  }
  const home = tempDir('zd-e2e-firefox-home-');
  cleanup.push(() => fs.rmSync(home, { recursive: true, force: true }));
  const dir = path.join(home, '.mozilla', 'managed-storage');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${FIREFOX_ADDON_ID}.json`), JSON.stringify({ name: FIREFOX_ADDON_ID, description: 'zd-dl-router e2e policy', type: 'storage', data }));
  return { extDir, env: { HOME: home }, unavailable: null, cleanup: done };
}

/**
 * End-of-run log of one browser's run: its download tree, the partial files left, `extraLines`
 * and (debug) the mock's request log.
 */
export function logRunEnd(kind, { downloadDir, mock }, { debug = false, extraLines = [] } = {}) {
  console.log(`# ${kind} download tree (${downloadDir}):\n${formatTree(downloadDir)}`);
  const partial = partialFiles(downloadDir);
  if (partial.length) console.log(`# ${kind} partial files left: ${partial.join(', ')}`);
  for (const line of extraLines) console.log(`# ${kind} ${line}`);
  if (debug) console.log(`# ${kind} mock log:\n${mock.log().map((e) => `#   ${e.status} ${e.method} ${e.host}${e.path}${e.aborted ? ' (aborted)' : ''}`).join('\n')}`);
}

// ---- pages -------------------------------------------------------------------------------

/** A new tab at `url`, loaded (domcontentloaded). */
export async function openPage(browser, url, { timeoutMs = 20_000 } = {}) {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  return page;
}

/**
 * A new tab at `url`, loaded. Extension pages too: on a moz-extension:// URL the tab moves to
 * the extension process and puppeteer's BiDi navigation wait never completes, although the
 * page loads, so the navigation is started and the document's location polled.
 */
export async function openTab(browser, url, { timeoutMs = 20_000 } = {}) {
  if (!url.startsWith('moz-extension:')) return openPage(browser, url, { timeoutMs });
  const page = await browser.newPage();
  page.goto(url, { timeout: 30_000 }).catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while ((await page.evaluate(() => location.href).catch(() => '')) !== url) {
    if (Date.now() > deadline) {
      await page.close().catch(() => {});
      throw new Error(`timeout opening ${url}`);
    }
    await sleep(100);
  }
  return page;
}

/**
 * The tabs a test opens, closed together. getBrowser() gives the browser at call time; with
 * `debug`, each tab's console is forwarded to stderr, prefixed with `label`.
 * Returns {pages, open(url), ticketPage(ticketId) (the mock agent UI, ticket loaded), closeAll()}.
 */
export function pageSet(getBrowser, { label = '', debug = false } = {}) {
  const pages = [];
  return {
    pages,
    async open(url) {
      const page = await openTab(getBrowser(), url);
      pages.push(page);
      if (debug) page.on('console', (m) => console.error(`[${label} page ${page.url()}] ${m.type()}: ${m.text()}`));
      return page;
    },
    async ticketPage(ticketId, host = undefined) {
      const page = await this.open(agentTicketUrl(ticketId, '', host));
      await waitForSelector(page, `[data-testid="ticket-panel-${ticketId}"][data-loaded="true"]`);
      return page;
    },
    async closeAll() {
      while (pages.length) await pages.pop().close().catch(() => {});
    },
  };
}

/** Poll for a selector without requestAnimationFrame (works in background tabs too). */
export async function waitForSelector(page, selector, { timeoutMs = 20_000, visible = false } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await page
      .evaluate(
        (sel, vis) => {
          const el = document.querySelector(sel);
          if (!el) return false;
          if (!vis) return true;
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
        },
        selector,
        visible,
      )
      .catch(() => false);
    if (ok) return page.$(selector);
    if (Date.now() > deadline) throw new Error(`timeout after ${timeoutMs} ms waiting for ${visible ? 'visible ' : ''}${selector} on ${page.url()}`);
    await sleep(100);
  }
}

/** Wait until location.pathname matches (string prefix or RegExp). */
export async function waitForPath(page, expected, { timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await page.evaluate(() => location.pathname).catch(() => '');
    if (expected instanceof RegExp ? expected.test(p) : p === expected) return p;
    if (Date.now() > deadline) throw new Error(`timeout waiting for path ${expected}; at ${p}`);
    await sleep(100);
  }
}

/**
 * Click a (visible) element like a user: scroll it into view, read its box and use
 * page.mouse.click at its centre (page.click() hangs in background tabs).
 */
export async function clickLink(page, selector, { timeoutMs = 20_000 } = {}) {
  await waitForSelector(page, selector, { timeoutMs, visible: true });
  const box = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height };
  }, selector);
  if (!box || box.w === 0 || box.h === 0) throw new Error(`element ${selector} has no box`);
  await page.mouse.click(box.x, box.y);
}

/** CSS selector of an attachment link in the mock agent UI (occurrence: nth link with that name). */
export function attachmentSelector(ticketId, fileName, occurrence = 1) {
  return `a.attachment-link[data-ticket-id="${ticketId}"][data-file-name="${cssString(fileName)}"][data-occurrence="${occurrence}"]`;
}

function cssString(s) {
  return s.replace(/["\\]/g, '\\$&');
}

/** The agent page of a ticket on agent host `host` (default acme's; fixtures.MAPPED_HOST, fixtures.EU_HOST). */
export function agentTicketUrl(ticketId, suffix = '', host = fixtures.AGENT_HOST) {
  return `https://${host}/agent/tickets/${ticketId}${suffix}`;
}

// ---- files -------------------------------------------------------------------------------

const PARTIAL_RE = /(\.crdownload|\.part)$|^\.org\.chromium\.|^\.com\.google\.Chrome\./;

export function isPartialName(name) {
  return PARTIAL_RE.test(name);
}

function walk(dir, rel = '') {
  let entries;
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

/**
 * Every file under dir (any size, partial or not) whose basename starts with (`contains`:
 * contains) the stem of fileName, sorted; `withSizes` appends " (N bytes)" to each.
 */
export function pathsNamed(dir, fileName, { contains = false, withSizes = false } = {}) {
  const stem = fileName.replace(/\.[^.]*$/, '');
  return walk(dir)
    .filter((r) => {
      const name = path.posix.basename(r);
      return contains ? name.includes(stem) : name.startsWith(stem);
    })
    .map((r) => (withSizes ? `${r} (${fs.statSync(path.join(dir, r)).size} bytes)` : r))
    .sort();
}

/** Partial downloads anywhere under dir (.crdownload, .part, hidden .org.chromium.*). */
export function partialFiles(dir) {
  return walk(dir).filter((r) => isPartialName(path.posix.basename(r))).sort();
}

/** Relative paths ('/'-separated) of the complete files under dir, sorted. */
export function listTree(dir) {
  const all = walk(dir);
  const set = new Set(all);
  return all
    .filter((r) => {
      if (isPartialName(path.posix.basename(r))) return false;
      if (set.has(`${r}.part`) || set.has(`${r}.crdownload`)) return false;
      try {
        return fs.statSync(path.join(dir, r)).size > 0;
      } catch {
        return false;
      }
    })
    .sort();
}

/** `tree`-like rendering of listTree(dir). */
export function formatTree(dir) {
  const files = listTree(dir);
  return files.length ? files.map((f) => `  ${f}  (${fs.statSync(path.join(dir, f)).size} bytes)`).join('\n') : '  (no files)';
}

/**
 * Wait until downloadDir/relPath is complete: it exists, size > 0, no `.part`/`.crdownload`
 * sibling, size stable over two polls (and equal to expectBytes when given). Returns its bytes.
 * On timeout the error lists what is in the download dir.
 */
export async function waitForFile(downloadDir, relPath, { timeoutMs = 20_000, expectBytes = null, pollMs = 100 } = {}) {
  const full = path.join(downloadDir, ...relPath.split('/'));
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  for (;;) {
    let size = -1;
    try {
      const st = fs.statSync(full);
      if (st.isFile()) size = st.size;
    } catch {}
    const partial = fs.existsSync(`${full}.part`) || fs.existsSync(`${full}.crdownload`);
    if (size > 0 && !partial && size === lastSize && (!expectBytes || size === expectBytes.length)) {
      return fs.readFileSync(full);
    }
    lastSize = size;
    if (Date.now() > deadline) {
      throw new Error(
        `timeout after ${timeoutMs} ms waiting for ${relPath} in ${downloadDir}` +
          (size >= 0 ? ` (exists, size ${size}${partial ? ', partial file present' : ''})` : ' (missing)') +
          `\ncomplete files:\n${formatTree(downloadDir)}\npartial files: ${JSON.stringify(partialFiles(downloadDir))}`,
      );
    }
    await sleep(pollMs);
  }
}

/** Wait until no partial download remains under dir. */
export async function waitForNoPartials(dir, { timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = partialFiles(dir);
    if (!p.length) return;
    if (Date.now() > deadline) throw new Error(`partial downloads left after ${timeoutMs} ms: ${p.join(', ')}`);
    await sleep(100);
  }
}

/** Wait for the first of several candidate paths to be complete; returns {relPath, bytes}. */
export async function waitForAnyFile(downloadDir, relPaths, { timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const r of relPaths) {
      try {
        const bytes = await waitForFile(downloadDir, r, { timeoutMs: 0, pollMs: 0 });
        return { relPath: r, bytes };
      } catch {}
    }
    if (Date.now() > deadline) throw new Error(`timeout waiting for any of ${relPaths.join(', ')}\ncomplete files:\n${formatTree(downloadDir)}`);
    await sleep(150);
  }
}

// ---- Chromium extension service workers -----------------------------------------------

/**
 * The running service worker (puppeteer WebWorker) of an extension in Chromium. If the worker
 * was stopped (idle), `wakeUrl` (an extension page that messages the worker) is opened first.
 */
export async function extensionWorker(browser, extensionId, { scriptName = null, wakePath = null, timeoutMs = 10_000 } = {}) {
  const match = (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`) && (!scriptName || t.url().endsWith(`/${scriptName}`));
  let target = browser.targets().find(match);
  let wakePage = null;
  if (!target && wakePath) {
    wakePage = await browser.newPage();
    await wakePage.goto(`chrome-extension://${extensionId}/${wakePath}`).catch(() => {});
  }
  target ??= await browser.waitForTarget(match, { timeout: timeoutMs });
  const worker = await target.worker();
  if (wakePage) await wakePage.close().catch(() => {});
  return worker;
}

// ---- browsers to run -----------------------------------------------------------------

export function browsersFromEnv(defaultList = 'chromium,firefox') {
  return (process.env.E2E_BROWSERS ?? defaultList)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((s) => (s === 'chrome' ? 'chromium' : s));
}

/**
 * Chromium: waits until the router has loaded (it writes storage.local `status` when it has):
 * a download in the first moments after the browser starts may find the core still loading
 * and is then, by design, left untouched.
 */
export async function waitForRouterReady(browser, extDir, { timeoutMs = 15_000 } = {}) {
  const id = chromiumExtensionId(extDir);
  const t = await browser.waitForTarget((x) => x.type() === 'service_worker' && x.url().startsWith(`chrome-extension://${id}/`), { timeout: timeoutMs });
  const w = await t.worker();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await w.evaluate(() => chrome.storage.local.get('status')).then((r) => r.status, () => null))) await sleep(200);
}

/**
 * Chromium: stops the extension's service worker (CDP ServiceWorker.stopAllWorkers;
 * ServiceWorker.* is not on the browser target, a page's session reaches the profile's
 * workers) and waits until it reported "stopped" — an event (a download finishing) may start
 * it again at once. Returns the CDP session, still recording the worker's states in
 * `states`, for a caller that goes on (starts it again); the caller detaches it.
 */
export async function stopExtensionWorker(page, extDir, { timeoutMs = 10_000 } = {}) {
  const prefix = `chrome-extension://${chromiumExtensionId(extDir)}/`;
  const cdp = await page.createCDPSession();
  const states = [];
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) if (v.scriptURL.startsWith(prefix)) states.push(v.runningStatus);
  });
  try {
    await cdp.send('ServiceWorker.enable');
    await until('the extension service worker to be listed', () => states.length > 0, { timeoutMs: 5_000, pollMs: 20 });
    const from = states.length;
    await cdp.send('ServiceWorker.stopAllWorkers');
    await until('the extension service worker to stop', () => (states.slice(from).includes('stopped') ? true : { error: JSON.stringify(states) }), { timeoutMs, pollMs: 20 });
  } catch (err) {
    await cdp.detach().catch(() => {});
    throw err;
  }
  return { cdp, states };
}

/**
 * Chromium: stops the extension's service worker and starts it again (startWorker; the
 * restarted worker waits for puppeteer's debugger, so it is resumed with
 * Runtime.runIfWaitingForDebugger); returns once it runs.
 */
export async function restartExtensionWorker(browser, page, extDir) {
  const prefix = `chrome-extension://${chromiumExtensionId(extDir)}/`;
  const { cdp, states } = await stopExtensionWorker(page, extDir);
  const b = await browser.target().createCDPSession();
  try {
    const started = cdp.send('ServiceWorker.startWorker', { scopeURL: prefix }).catch(() => {});
    const info = await until('the restarted service worker', async () => (await b.send('Target.getTargets')).targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(prefix)), { timeoutMs: 10_000 });
    const { sessionId } = await b.send('Target.attachToTarget', { targetId: info.targetId, flatten: true });
    await b.connection().session(sessionId).send('Runtime.runIfWaitingForDebugger');
    await b.send('Target.detachFromTarget', { sessionId }).catch(() => {});
    await started;
    await until('the service worker running', () => states.at(-1) === 'running', { timeoutMs: 10_000 });
  } finally {
    await cdp.detach().catch(() => {});
    await b.detach().catch(() => {});
  }
}

/**
 * Types `values` ({field id: text}, '' to clear) into the open options page like a user, saves,
 * and waits until the background applied them (it notes `status.time` whenever it applies
 * settings). Values are numbers or null once stored.
 */
export async function saveOptions(page, values) {
  const storage = (keys) => page.evaluate((k) => (globalThis.browser ?? globalThis.chrome).storage.local.get(k), keys);
  await waitForSelector(page, 'main[aria-busy="false"]');
  const { status: { time: before = 0 } = {} } = await storage('status');
  for (const [id, value] of Object.entries(values)) {
    await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      el.focus();
      el.select?.();
    }, `#${id}`);
    await page.keyboard.press('Backspace');
    if (value !== '') await page.type(`#${id}`, value);
  }
  await clickLink(page, '#save:not([disabled])', { timeoutMs: 10_000 });
  const want = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === '' ? null : Number(v)]));
  await until(`settings ${JSON.stringify(want)} stored and applied`, async () => {
    const { settings = {}, status = {} } = await storage(['settings', 'status']);
    const stored = Object.entries(want).every(([k, v]) => (settings[k] ?? null) === v);
    return stored && (status.time ?? 0) > before ? true : { error: JSON.stringify({ settings, status, before }) };
  }, { timeoutMs: 10_000 });
}

/**
 * Chromium: runs the daily clean-up now — its alarm brought forward (unpacked extensions may
 * set alarms under Chromium's 30 s minimum) — and resolves to the options of the notification
 * it shows, read through a spy on the worker's notifications.create.
 */
export async function runDailyCleanup(browser, extDir) {
  const worker = await extensionWorker(browser, chromiumExtensionId(extDir), { wakePath: 'popup.html' });
  await worker.evaluate(() => {
    globalThis.__notes = [];
    const create = chrome.notifications.create;
    chrome.notifications.create = (...a) => {
      globalThis.__notes.push(a);
      return create.apply(chrome.notifications, a);
    };
    chrome.alarms.create('retention', { when: Date.now() + 200 });
  });
  const [options] = await until('the daily clean-up\'s notification', async () => {
    const notes = await worker.evaluate(() => globalThis.__notes ?? null);
    if (notes === null) throw new Error('the worker restarted: the spy is gone');
    return notes.length ? notes.map((n) => n.at(-1)) : null;
  }, { timeoutMs: 30_000 });
  return options;
}

/**
 * Time passes for the routed files: every stored file record (storage.local
 * `file:<start time>-<id>`) becomes `days` older and is stored again under the key of its new
 * start time. The worker reads the records afresh for each clean-up review, on its own clock
 * (no page can make a file due otherwise). `page`: any extension page. Returns how many
 * records were aged.
 */
export function ageFileRecords(page, days) {
  return page.evaluate(async (ms) => {
    const api = globalThis.browser ?? globalThis.chrome;
    const all = await api.storage.local.get(null);
    const set = {};
    const remove = [];
    for (const [key, record] of Object.entries(all)) {
      const m = /^file:(\d+)-(\d+)$/.exec(key);
      if (!m || typeof record?.timeMs !== 'number') continue;
      const timeMs = record.timeMs - ms;
      remove.push(key);
      set[`file:${timeMs}-${m[2]}`] = { ...record, timeMs };
    }
    await api.storage.local.remove(remove);
    await api.storage.local.set(set);
    return remove.length;
  }, days * 86_400_000);
}

/** The popup's Download all progress (its data attributes mirror storage.session `bulk`). */
export function bulkProgress(popup) {
  return popup.evaluate(() => {
    const box = document.getElementById('bulk-progress');
    const d = box.dataset;
    const err = document.getElementById('bulk-error');
    return {
      shown: !box.hidden,
      running: d.running === 'true',
      ticketId: Number(d.ticketId),
      total: Number(d.total),
      done: Number(d.done),
      failed: Number(d.failed),
      skipped: Number(d.skipped),
      alreadySaved: Number(d.alreadySaved ?? 0),
      text: document.getElementById('bulk-status').textContent,
      error: err.hidden ? '' : err.textContent,
      button: document.getElementById('download-all').textContent,
      confirm: [...document.querySelectorAll('#confirm-list li')].map((li) => ({
        file: li.querySelector('.file').textContent,
        scan: li.querySelector('.scan').textContent,
        button: li.querySelector('button')?.textContent ?? '',
      })),
    };
  });
}

/**
 * Clicks "Download all" in `popup` (an open popup.html tab; `force`: its Force box) and waits
 * for the run of `ticketId` to end with the progress fields in `expect` ({total, done,
 * skipped, …} as bulkProgress reads them). Returns the final progress.
 */
export async function downloadAllInPopup(popup, ticketId, { force = false, expect }) {
  await popup.evaluate((f) => {
    document.getElementById('force').checked = f;
  }, force);
  await clickLink(popup, '#download-all:not([disabled])', { timeoutMs: 30_000 });
  return until(`download all of ${ticketId} to end with ${JSON.stringify(expect)}`, async () => {
    const p = await bulkProgress(popup);
    const match = p.shown && !p.running && p.ticketId === ticketId && Object.entries(expect).every(([k, v]) => p[k] === v);
    if (match) return p;
    const stored = await popup.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.session.get('bulk')).catch((e) => String(e));
    return { ...p, error: `not yet (${p.error})`, stored };
  }, { timeoutMs: 90_000 });
}

/**
 * Which visible attachment links of ticket `ticketId` on an agent page carry a ✓ mark:
 * {marked: [file name], total: marks on the page, stray: marks not next to a link, title}.
 */
export function savedMarks(page, ticketId) {
  return page.evaluate((id) => {
    const links = [...document.querySelectorAll(`a.attachment-link[data-ticket-id="${id}"]`)].filter((a) => a.offsetParent !== null);
    const all = [...document.querySelectorAll('.zd-dl-router-mark')];
    const stray = all.filter((m) => !m.previousElementSibling?.matches('a.attachment-link')).length;
    return {
      marked: links.filter((a) => a.nextElementSibling?.classList.contains('zd-dl-router-mark')).map((a) => a.dataset.fileName).sort(),
      total: all.length,
      stray,
      title: all[0]?.title ?? '',
    };
  }, ticketId);
}

/** Replaces an input's text like a user: focus, select all, erase, type (nothing for ''). */
export async function typeInto(page, selector, text) {
  await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    el.focus();
    el.select?.();
  }, selector);
  await page.keyboard.press('Backspace');
  if (text) await page.type(selector, text);
}

/**
 * One browser with the extension's pages for a `describe` block (call it inside one): started
 * in `before` (Chromium: once the router is ready), its tabs closed and the run logged in
 * `after`. `locale`, `colorScheme`: see startWithExtensionPages. Returns {env, tabs}, filled in by `before`.
 */
export function extensionPagesSuite(kind, extDir, name, { before: beforeHook, after: afterHook, locale = null, colorScheme = null }) {
  const suite = { env: null, tabs: null };
  beforeHook(async () => {
    suite.env = await startWithExtensionPages({ kind, extDir, downloadPrefix: `zd-e2e-${name}-${kind}-`, locale, colorScheme });
    suite.tabs = pageSet(() => suite.env.browser, { label: kind, debug: !!process.env.E2E_DEBUG });
    if (kind === 'chromium') await waitForRouterReady(suite.env.browser, extDir);
  });
  afterHook(async () => {
    await suite.tabs?.closeAll();
    if (suite.env) logRunEnd(kind, suite.env);
    await suite.env?.close();
  });
  return suite;
}

/**
 * Inside a `describe`: when `extDir` holds no built extension, registers one failing test that
 * says so and returns true (the caller returns: nothing else can run).
 */
export function missingExtension(kind, extDir) {
  const manifest = extDir && path.join(extDir, 'manifest.json');
  if (manifest && fs.existsSync(manifest)) return false;
  it('has a built extension to test', () => assert.fail(`${kind}: no built extension at ${extDir} (run ./build.sh build)`));
  return true;
}
