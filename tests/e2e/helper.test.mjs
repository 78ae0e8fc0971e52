// The local helper end to end (issue 18), in each browser of E2E_BROWSERS: the real native
// binary (target/helper/zd-dl-router, which ./build.sh build makes; or E2E_HELPER_BIN) installed for the test
// browser the way a user installs it (`zd-dl-router helper install --browser <browser> --root
// <Downloads>/zendesk --root <destination>`, harness helperHome: a temporary HOME — Firefox
// reads <home>/.mozilla/native-messaging-hosts/ — and for Chromium `--profile <its
// --user-data-dir>`), and archives the mock Zendesk serves byte for byte
// (tests/mock-zendesk/archives.mjs), so every unpacked file is checked against what the test
// itself put into the archive.
//
//   node --test tests/e2e/helper.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/helper.test.mjs
//
// Cases: a gitlabsos-like .tar.gz lands routed and unpacked beside itself with exact bytes; a
// hostile archive (`..`, an absolute name, symbolic links and files through them) writes
// nothing outside its folder (the whole Downloads folder is walked, and / and /tmp checked);
// with a destination root the archive is moved there (and gone from Downloads), then unpacked
// at its new place; the clean-up with `helperCleanup` deletes the files, the unpacked trees,
// the moved file and the emptied ticket and organization folders, in Downloads and in the
// destination root. Without the helper (not installed; installed but exiting with 1 at once)
// every download still lands routed, the archive stays, and the popup says the helper failed;
// a helper that never answers holds up neither the options page nor a download.
//
// The permission. `nativeMessaging` is optional: the options page asks for it when a helper
// setting is turned on. Firefox: the pref `extensions.webextOptionalPermissionPrompts = false`
// grants the page's real `permissions.request` without a prompt, so the grant is the
// product's. Chromium has no headless way to answer the prompt (see host-mapped.test.mjs), so
// it runs a private copy of dist/chrome whose manifest already holds `nativeMessaging`: the
// page's request then resolves at once. Not exercised in Chromium: the prompt itself.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, HELPER_BIN, browsersFromEnv, clickLink, waitForFile, waitForSelector, attachment, expectedBytes, attachmentSelector,
  listTree, startWithExtensionPages, waitForRouterReady, pageSet, logRunEnd, until, missingExtension, extensionCopy,
  helperHome, tempDir, ageFileRecords, fixtures,
} from './harness.mjs';
import { tarGz } from '../mock-zendesk/archives.mjs';

const FIREFOX_PREFS = { 'extensions.webextOptionalPermissionPrompts': false };
const TIMEOUT_MS = 30_000;
const ORG = { id: 31, name: 'Umbrella Inc', folder: 'Umbrella Inc' };

// ---- the archives: what goes in is the oracle of what comes out -------------------------

const SOS_STEM = 'gitlabsos_gitlab-host_20261120120000';
const SOS = `${SOS_STEM}.tar.gz`;
/** A gitlabsos-like bundle: text files in nested folders under one top folder. */
const SOS_FILES = {
  [`${SOS_STEM}/hostname`]: 'gitlab-host\n',
  [`${SOS_STEM}/uptime`]: ' 12:00:00 up 42 days,  3:14,  1 user,  load average: 0.42, 0.36, 0.30\n',
  [`${SOS_STEM}/gitlab_status`]: 'run: gitaly: (pid 611) 3600s; run: log: (pid 610) 3600s\nrun: puma: (pid 620) 3600s\n',
  [`${SOS_STEM}/var/log/gitlab/gitlab-rails/production_json.log`]: Array.from({ length: 40 }, (_, i) => `{"time":"2026-11-20T11:${String(i).padStart(2, '0')}:00Z","status":${i % 7 ? 200 : 500},"path":"/api/v4/jobs/request"}\n`).join(''),
  [`${SOS_STEM}/var/log/gitlab/sidekiq/current`]: '2026-11-20_11:59:59 {"severity":"WARN","message":"job retried"}\n',
  [`${SOS_STEM}/etc/gitlab/gitlab.rb.redacted`]: "external_url 'https://gitlab.example.com'\n# secrets redacted\n",
};
const SOS_ARCHIVE = tarGz([
  { name: SOS_STEM, dir: true },
  { name: `${SOS_STEM}/var/log/gitlab/gitlab-rails`, dir: true },
  ...Object.entries(SOS_FILES).map(([name, text]) => ({ name, text })),
]);

const HOSTILE_STEM = 'hostile';
const HOSTILE = `${HOSTILE_STEM}.tar.gz`;
/**
 * Names an escaping entry would leave behind outside the folder. The helper skips the links
 * and keeps the rest inside (`../x` → `x`, `/tmp/x` → `tmp/x`, a file "through" a skipped link
 * in a plain folder of the link's name): unpacked, never refused.
 */
const ESCAPES = ['zd-e2e-helper-dotdot.txt', 'zd-e2e-helper-absolute.txt', 'zd-e2e-helper-through-link.txt', 'zd-e2e-helper-through-abs-link.txt'];
const HOSTILE_KEPT = { name: 'hostile/readme.txt', text: 'the one harmless file\n' };
const HOSTILE_ARCHIVE = tarGz([
  { name: 'hostile', dir: true },
  HOSTILE_KEPT,
  { name: `../${ESCAPES[0]}`, text: 'escaped with ..\n' },
  { name: `/tmp/${ESCAPES[1]}`, text: 'escaped by an absolute name\n' },
  { name: 'hostile/up', symlink: '../../../../../../../..' },
  { name: `hostile/up/tmp/${ESCAPES[2]}`, text: 'escaped through a relative link\n' },
  { name: 'hostile/abs', symlink: '/tmp' },
  { name: `hostile/abs/${ESCAPES[3]}`, text: 'escaped through an absolute link\n' },
]);

const T = { unpacked: 4821, hostile: 4822, moved: 4823, noHelper: 4824, failing: 4825, hung: 4826 };
fixtures.addOrganization(ORG.id, ORG.name);
fixtures.addTicket({ id: T.unpacked, organizationId: ORG.id, subject: 'Pipelines hang (gitlabsos)', comments: [[{ fileName: SOS, content: SOS_ARCHIVE }]] });
fixtures.addTicket({ id: T.hostile, organizationId: ORG.id, subject: 'Odd archive', comments: [[{ fileName: HOSTILE, content: HOSTILE_ARCHIVE }]] });
fixtures.addTicket({ id: T.moved, organizationId: ORG.id, subject: 'Kept on the encrypted volume', comments: [[{ fileName: SOS, content: SOS_ARCHIVE }]] });
fixtures.addTicket({ id: T.noHelper, organizationId: ORG.id, subject: 'No helper here', comments: [[{ fileName: SOS, content: SOS_ARCHIVE }, 'notes.txt']] });
fixtures.addTicket({ id: T.failing, organizationId: ORG.id, subject: 'Broken helper', comments: [[{ fileName: SOS, content: SOS_ARCHIVE }]] });
fixtures.addTicket({ id: T.hung, organizationId: ORG.id, subject: 'Hung helper', comments: [[{ fileName: SOS, content: SOS_ARCHIVE }]] });

// ---- a run ------------------------------------------------------------------------------

/**
 * Mock + browser with the extension (Chromium: a copy holding nativeMessaging), its home
 * and profile made by helperHome, the helper installed there unless `install` is false.
 */
async function start(kind, { install, destination = null }) {
  const copy = kind === 'chromium' ? extensionCopy(DIST.chromium, { manifest: (m) => ({ ...m, permissions: [...m.permissions, 'nativeMessaging'] }) }) : null;
  const extDir = copy?.dir ?? DIST.firefox;
  const downloadDir = tempDir(`zd-e2e-helper-${kind}-`);
  const home = helperHome(kind, { roots: [path.join(downloadDir, 'zendesk'), destination].filter(Boolean) });
  if (install) home.install();
  const run = await startWithExtensionPages({ kind, extDir, downloadDir, env: home.env, profileDir: home.profileDir, firefoxPrefs: FIREFOX_PREFS });
  if (kind === 'chromium') await waitForRouterReady(run.browser, extDir);
  return {
    ...run,
    home,
    tabs: pageSet(() => run.browser, { label: kind, debug: Boolean(process.env.E2E_DEBUG) }),
    async stop() {
      await this.tabs.closeAll();
      logRunEnd(kind, run);
      await run.close();
      home.cleanup();
      copy?.cleanup();
    },
  };
}

async function openOptions(run) {
  const page = await run.tabs.open(`${run.base}options.html`);
  await waitForSelector(page, 'main[aria-busy="false"]');
  return page;
}

/** The options page's helper section once its status is `state` ('found', 'notFound', 'notAllowed'): {state, text, roots, command, allow}. */
async function helperSection(page, state) {
  await until(`the helper status ${state}`, async () => {
    const now = await page.$eval('#helper-status', (e) => ({ state: e.dataset.state, text: e.textContent }));
    return now.state === state ? true : { error: JSON.stringify(now) };
  }, { timeoutMs: 15_000 });
  return page.evaluate(() => ({
    state: document.getElementById('helper-status').dataset.state,
    text: document.getElementById('helper-status').textContent,
    roots: [...document.querySelectorAll('#helper-roots li')].map((li) => li.textContent),
    command: document.getElementById('helper-command').value,
    allow: !document.getElementById('helper-allow').hidden,
  }));
}

/** Turns unpacking of every routed archive on in the options page like a user, with the keyboard (which asks for the permission), and saves. */
async function turnUnpackingOn(run) {
  const page = await openOptions(run);
  await page.focus('#unpackArchives');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('#unpackArchives', (e) => e.value), 'all');
  await until('the permission granted', () => page.evaluate(() => (globalThis.browser ?? globalThis.chrome).permissions.contains({ permissions: ['nativeMessaging'] })), { timeoutMs: 10_000 });
  await save(page);
  return page;
}

/** Saves the open options page and waits until the worker put the settings in force. */
async function save(page) {
  const before = await statusTime(page);
  await clickLink(page, '#save:not([disabled])', { timeoutMs: 10_000 });
  await until('the settings applied', async () => (await statusTime(page)) > before, { timeoutMs: 10_000 });
}

function statusTime(page) {
  return page.evaluate(() => (globalThis.browser ?? globalThis.chrome).storage.local.get('status').then((r) => r.status?.time ?? 0));
}

/** Merges `patch` into the stored settings from an extension page and waits until they are in force. */
async function patchSettings(run, patch) {
  const page = await run.tabs.open(`${run.base}popup.html`);
  const before = await statusTime(page);
  await page.evaluate(async (p) => {
    const api = globalThis.browser ?? globalThis.chrome;
    const { settings = {} } = await api.storage.local.get('settings');
    await api.storage.local.set({ settings: { ...settings, ...p } });
  }, patch);
  await until(`settings ${JSON.stringify(patch)} in force`, async () => (await statusTime(page)) > before, { timeoutMs: 10_000 });
  await page.close().catch(() => {});
}

/** Clicks attachment `fileName` of ticket `ticketId` on its agent page; waits for the complete file at `relPath` below `dir`. */
async function download(run, ticketId, fileName, dir, relPath) {
  const page = await run.tabs.ticketPage(ticketId);
  await clickLink(page, attachmentSelector(ticketId, fileName));
  const bytes = await waitForFile(dir, relPath, { timeoutMs: TIMEOUT_MS });
  assert.ok(bytes.equals(expectedBytes(attachment(ticketId, fileName).token)), `${relPath}: not the attachment's bytes`);
  await page.close().catch(() => {});
}

/** The popup history's helper line of the newest entry for ticket `ticketId`'s `fileName` once it is in one of `states` (the popup follows the history as it changes). */
async function historyHelper(run, ticketId, fileName, states) {
  const popup = await run.tabs.open(`${run.base}popup.html`);
  const found = await until(`the popup's helper line for #${ticketId} ${fileName} (${states})`, async () => {
    const lines = await popup.evaluate((id, file) => [...document.querySelectorAll('#history li')]
      .filter((li) => li.querySelector('.file')?.textContent === file && li.querySelector('.meta')?.textContent.includes(`#${id}`))
      .map((li) => ({ state: li.querySelector('.helper')?.dataset.helper ?? null, text: li.querySelector('.helper')?.textContent ?? '' })), ticketId, fileName);
    return states.includes(lines[0]?.state) ? lines[0] : { error: JSON.stringify(lines) };
  }, { timeoutMs: TIMEOUT_MS, pollMs: 500 });
  await popup.close().catch(() => {});
  return found;
}

/** Installs the helper in `run`'s home, its host manifest then pointing at a shell script of `text` instead. */
function helperScript(run, text) {
  const script = path.join(run.home.home, 'helper.sh');
  fs.writeFileSync(script, text, { mode: 0o755 });
  run.home.install();
  const manifest = JSON.parse(fs.readFileSync(run.home.manifest, 'utf8'));
  fs.writeFileSync(run.home.manifest, JSON.stringify({ ...manifest, path: script }));
}

/** Every entry below `dir` ('/'-separated, relative), symbolic links as `<path> -> <target>`, found with lstat (never following a link). */
function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) out.push(`${r} -> ${fs.readlinkSync(path.join(dir, r))}`);
    else if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** The unpacked bundle's files below `folder` (its paths relative to it) with their text, as read from disk. */
function unpacked(folder) {
  return Object.fromEntries(walk(folder).map((r) => [r, fs.readFileSync(path.join(folder, r), 'utf8')]));
}

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];

  describe(`zd-dl-router local helper installed (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let run;
    let destination;
    before(async () => {
      assert.ok(fs.existsSync(HELPER_BIN), `no helper binary at ${HELPER_BIN} (run ./build.sh build)`);
      destination = tempDir(`zd-e2e-helper-destination-${kind}-`);
      for (const name of ESCAPES) for (const dir of ['/', '/tmp']) fs.rmSync(path.join(dir, name), { force: true });
      run = await start(kind, { install: true, destination });
    });
    after(async () => {
      await run?.stop();
      fs.rmSync(destination, { recursive: true, force: true });
    });

    it('the options page finds the helper once the permission is granted, with its roots and the install command for this browser', async () => {
      const page = await turnUnpackingOn(run);
      const section = await helperSection(page, 'found');
      assert.deepEqual(section.roots.sort(), [path.join(run.downloadDir, 'zendesk'), destination].sort());
      assert.equal(section.command, `zd-dl-router helper install --browser ${kind}`);
      assert.equal(section.allow, false, 'no Allow button once granted');
      assert.equal(await page.$eval('#unpackArchives', (e) => e.value), 'all');
      await run.tabs.closeAll();
    });

    it('unpacks a gitlabsos archive beside itself in its ticket folder, every file with the bytes put in', async () => {
      const ticketDir = path.join(run.downloadDir, 'zendesk', ORG.folder, String(T.unpacked));
      await download(run, T.unpacked, SOS, run.downloadDir, `zendesk/${ORG.folder}/${T.unpacked}/${SOS}`);
      const line = await historyHelper(run, T.unpacked, SOS, ['unpacked']);
      assert.match(line.text, new RegExp(`${Object.keys(SOS_FILES).length}\\b`), line.text);
      assert.deepEqual(unpacked(path.join(ticketDir, SOS_STEM)), SOS_FILES);
      assert.deepEqual(fs.readdirSync(ticketDir).sort(), [SOS_STEM, SOS].sort(), 'the archive stays beside its folder');
      await run.tabs.closeAll();
    });

    it('a hostile archive writes nothing outside its folder', async () => {
      const ticket = `zendesk/${ORG.folder}/${T.hostile}`;
      const before = walk(run.downloadDir).filter((r) => !r.startsWith(`${ticket}/`));
      await download(run, T.hostile, HOSTILE, run.downloadDir, `${ticket}/${HOSTILE}`);
      const line = await historyHelper(run, T.hostile, HOSTILE, ['unpacked']);
      console.log(`# ${kind} hostile archive: "${line.text}", in the ticket folder: ${walk(path.join(run.downloadDir, ticket)).join(', ')}`);
      assert.deepEqual(walk(run.downloadDir).filter((r) => !r.startsWith(`${ticket}/`)), before, 'nothing new outside the ticket folder');
      const inTicket = walk(path.join(run.downloadDir, ticket));
      assert.deepEqual(inTicket.filter((r) => r !== HOSTILE && !r.startsWith(`${HOSTILE_STEM}/`)), [], 'only the archive and its folder in the ticket folder');
      assert.deepEqual(inTicket.filter((r) => r.includes(' -> ')), [], 'no symbolic link unpacked');
      for (const name of ESCAPES) for (const dir of ['/', '/tmp', destination]) assert.equal(fs.existsSync(path.join(dir, name)), false, `${path.join(dir, name)} written`);
      assert.equal(fs.readFileSync(path.join(run.downloadDir, ticket, HOSTILE_STEM, HOSTILE_KEPT.name), 'utf8'), HOSTILE_KEPT.text, 'the harmless file unpacked');
      await run.tabs.closeAll();
    });

    it('with a destination root the archive moves there, out of Downloads, and is unpacked at its new place', async () => {
      await patchSettings(run, { destinationRoot: destination });
      const rel = `${ORG.folder}/${T.moved}/${SOS}`;
      await download(run, T.moved, SOS, destination, rel);
      const line = await historyHelper(run, T.moved, SOS, ['unpacked']);
      assert.ok(line.text.includes(path.join(destination, rel)), `the popup names the new place: ${line.text}`);
      assert.deepEqual(unpacked(path.join(destination, ORG.folder, String(T.moved), SOS_STEM)), SOS_FILES);
      assert.deepEqual(listTree(run.downloadDir).filter((r) => r.includes(`/${T.moved}/`)), [], 'nothing of it left in Downloads');
      await patchSettings(run, { destinationRoot: '' });
      await run.tabs.closeAll();
    });

    it('the clean-up with helperCleanup deletes files, unpacked trees, the moved file and the emptied ticket and organization folders', async () => {
      await patchSettings(run, { retentionAfterDownloadDays: 1, helperCleanup: true });
      const popup = await run.tabs.open(`${run.base}popup.html`);
      assert.ok((await ageFileRecords(popup, 2)) >= 3, 'the records aged');
      const page = await run.tabs.open(`${run.base}cleanup.html`);
      await waitForSelector(page, 'body[data-loaded="true"]', { timeoutMs: 30_000 });
      const moved = path.join(destination, ORG.folder, String(T.moved), SOS);
      const due = await page.$$eval('#due tr', (rows) => rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      assert.ok(due.some((cells) => cells[1] === moved && cells[4] === 'moved by the local helper'), `the moved file listed where it is: ${JSON.stringify(due)}`);
      await clickLink(page, '#confirm:not([disabled])');
      await waitForSelector(page, 'body[data-done="true"]', { timeoutMs: 60_000 });
      const report = await page.$$eval('#report li', (lis) => lis.map((li) => li.textContent));
      assert.equal(report.length, 3, report.join('\n'));
      for (const line of report) assert.match(line, /: deleted$/, line);
      assert.ok(report.includes(`${moved}: deleted`), 'the moved file reported where it was');
      await until('the organization folders gone', () => {
        const left = [path.join(run.downloadDir, 'zendesk', ORG.folder), path.join(destination, ORG.folder)].filter((d) => fs.existsSync(d));
        return left.length ? { error: left.map((d) => `${d}: ${walk(d)}`).join('; ') } : true;
      }, { timeoutMs: 10_000 });
      assert.deepEqual(walk(destination), [], 'nothing left in the destination root');
    });
  });

  describe(`zd-dl-router local helper absent or failing (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let run;
    before(async () => {
      run = await start(kind, { install: false });
    });
    after(async () => {
      await run?.stop();
    });

    it('without the helper a download still lands routed, the archive stays, and the popup says the helper was not found', async () => {
      const page = await turnUnpackingOn(run);
      const section = await helperSection(page, 'notFound');
      const ticket = `zendesk/${ORG.folder}/${T.noHelper}`;
      await download(run, T.noHelper, SOS, run.downloadDir, `${ticket}/${SOS}`);
      const line = await historyHelper(run, T.noHelper, SOS, ['failed']);
      assert.match(line.text, /helper failed: .*(not found|No such native application)/i, line.text);
      await download(run, T.noHelper, 'notes.txt', run.downloadDir, `${ticket}/notes.txt`);
      assert.deepEqual(walk(path.join(run.downloadDir, ticket)), ['notes.txt', SOS].sort(), 'nothing unpacked, nothing lost');
      await run.tabs.closeAll();
    });

    it('a helper that exits at once leaves the archive where the browser put it, and the popup says it failed', async () => {
      helperScript(run, '#!/bin/sh\nexit 1\n');
      const ticket = `zendesk/${ORG.folder}/${T.failing}`;
      await download(run, T.failing, SOS, run.downloadDir, `${ticket}/${SOS}`);
      const line = await historyHelper(run, T.failing, SOS, ['failed']);
      assert.match(line.text, /helper failed: /, line.text);
      assert.deepEqual(walk(path.join(run.downloadDir, ticket)), [SOS]);
      await run.tabs.closeAll();
    });

    it('a helper that never answers holds up nothing: the options page says so within seconds, a download lands routed and waits', async () => {
      // Reads its request and stays without answering (a minute; its stderr, which it shares
      // with the browser and so with this test, closed at once).
      helperScript(run, '#!/bin/sh\nexec 2>/dev/null\ncat >/dev/null\nexec sleep 60\n');
      const page = await openOptions(run);
      const section = await helperSection(page, 'notFound');
      assert.match(section.text, /timed out/, section.text);
      const ticket = `zendesk/${ORG.folder}/${T.hung}`;
      await download(run, T.hung, SOS, run.downloadDir, `${ticket}/${SOS}`);
      const line = await historyHelper(run, T.hung, SOS, ['pending']);
      assert.equal(line.text, 'waiting for the local helper');
      await run.tabs.closeAll();
    });
  });
}
