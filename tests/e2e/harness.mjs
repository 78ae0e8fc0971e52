// Browser harness for the zd-dl-router E2E tests (puppeteer-core, system browsers only).
//
//   launchChromium({extDir, downloadDir, mockPort, extraExtensions, headless})
//   launchFirefox({extDir, downloadDir, proxyPort, headless})
//   startEnvironment({browser, extDir, extraExtensions, headless})  mock + proxy + browser + dirs
//   waitForFile(downloadDir, relPath, {timeoutMs, expectBytes})
//   listTree(dir), partialFiles(dir), clickLink(page, selector), openPage(browser, url)
//   attachmentSelector(ticketId, fileName, occurrence), expectedBytes(token), ...
//
// Chromium reaches the mock through --host-resolver-rules; Firefox through the CONNECT proxy.
// Neither browser gets any test switch in the extension: it sees the real host names.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
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

/** The id Chromium gives an unpacked extension loaded from `dir` (sha256 of the path, a-p). */
export function chromiumExtensionId(dir) {
  const hex = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

export function hostResolverRules(port) {
  return [
    `MAP *.zendesk.com 127.0.0.1:${port}`,
    `MAP *.zdusercontent.com 127.0.0.1:${port}`,
    `MAP *.example.org 127.0.0.1:${port}`,
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
 * works in Chromium 156) or 'cdp' (puppeteer enableExtensions + pipe).
 * Returns {browser, profileDir, downloadDir, extensionIds, kind:'chromium', close()}.
 */
export async function launchChromium({ extDir = null, downloadDir, mockPort, extraExtensions = [], headless = true, loading = 'flag', dumpio = false, profileDir } = {}) {
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
 * CONNECT proxy and acceptInsecureCerts; install extDir as a temporary add-on.
 * Returns {browser, downloadDir, addonId, kind:'firefox', close()}.
 */
export async function launchFirefox({ extDir = null, downloadDir, proxyPort, headless = true, dumpio = false, extraPrefs = {} } = {}) {
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
  return {
    kind,
    mock,
    proxy,
    session,
    browser: session.browser,
    downloadDir,
    /** Close browser, proxy and mock; the download dir is removed unless keepDownloads (or E2E_KEEP=1). */
    async close({ keepDownloads = !!process.env.E2E_KEEP } = {}) {
      await session.close();
      await proxy?.close();
      await mock.close();
      if (!keepDownloads) fs.rmSync(downloadDir, { recursive: true, force: true });
    },
  };
}

// ---- pages -------------------------------------------------------------------------------

/** A new tab at `url`, loaded (domcontentloaded). */
export async function openPage(browser, url, { timeoutMs = 20_000 } = {}) {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  return page;
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

export function agentTicketUrl(ticketId, suffix = '') {
  return `https://${fixtures.AGENT_HOST}/agent/tickets/${ticketId}${suffix}`;
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
