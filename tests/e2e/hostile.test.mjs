// Hostile names in real browsers: tickets on the mock Zendesk whose organization names,
// subjects and attachment file names come from tests/fixtures/hostile-names (file names in
// `?name=` and in Content-Disposition). Every attachment is clicked; then two separate
// judgements of where the files landed:
//   1. by the browsers' own rules: each file landed inside `zendesk/` (elsewhere would mean the
//      browser ignored or rejected the suggested path), in its ticket's folder, with its bytes,
//      at a path both browsers keep unchanged on Windows, macOS and Linux — judged by the test
//      oracle (`tests/oracle`, run as `cargo run --example path_oracle`), not by the product;
//   2. by the product: each file landed exactly where the native core predicts
//      (`zd-dl-router route`, fed the same event and ticket JSON).
//
//   node --test tests/e2e/hostile.test.mjs
//   E2E_BROWSERS=chromium node --test tests/e2e/hostile.test.mjs
//
// Chromium runs with template `{org}/{subject}/{ticket_id}/{filename}` (set through
// chrome.storage.local in the extension's service worker), so subjects are covered too;
// Firefox has no worker to evaluate in and keeps the default template (org + file names).
// Names that collide after sanitizing within one folder expect the browser's uniquify.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import {
  DIST, REPO_ROOT, startEnvironment, browsersFromEnv, openPage, clickLink, waitForSelector, listTree, formatTree,
  partialFiles, expectedBytes, attachmentsOf, agentTicketUrl, extensionWorker, chromiumExtensionId, sleep, fixtures,
  missingExtension,
} from './harness.mjs';
import { addHostileTickets } from '../mock-zendesk/fixtures.mjs';

const LAND_TIMEOUT_MS = 30_000; // longer than Chromium's own ~15 s give-up on a pending suggest
const DEBUG = !!process.env.E2E_DEBUG;
const CHROMIUM_TEMPLATE = '{org}/{subject}/{ticket_id}/{filename}';

// ---- the corpus (same format as tests/hostile.rs reads) ---------------------------------

export function unescapeName(line) {
  let out = '';
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (c !== '\\') {
      const cp = line.codePointAt(i);
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = line[i + 1];
    i += 2;
    const simple = { '\\': '\\', '#': '#', n: '\n', r: '\r', t: '\t', 0: '\0', s: ' ', e: '' };
    if (e in simple) out += simple[e];
    else if (e === 'x') {
      out += String.fromCodePoint(parseInt(line.slice(i, i + 2), 16));
      i += 2;
    } else if (e === 'u' || e === '*') {
      const end = line.indexOf('}', i);
      const inner = line.slice(i + 1, end);
      i = end + 1;
      if (e === 'u') out += String.fromCodePoint(parseInt(inner, 16));
      else {
        const prev = [...out].pop();
        out += prev.repeat(Number(inner) - 1);
      }
    } else throw new Error(`unknown escape \\${e} in ${line}`);
  }
  return out;
}

const CORPUS_LINES = fs
  .readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'hostile-names'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'));

/** A corpus name by its line as written in the file (so the test cannot drift from it). */
function name(line) {
  if (!CORPUS_LINES.includes(line)) throw new Error(`not in tests/fixtures/hostile-names: ${line}`);
  return unescapeName(line);
}

// Ticket id, organization (null = none), subject, attachment file names. 35 downloads.
const SPECS = [
  [4901, '../../../../etc/passwd', '..', ['..', '../../../../etc/passwd', '..\\\\..\\\\..\\\\Windows\\\\System32\\\\drivers\\\\etc\\\\hosts', '%2e%2e%2f']],
  [4902, '..', '/etc/passwd', ['%c0%ae%c0%ae%c0%af', '/etc/passwd', 'C:\\\\Windows\\\\win.ini', '\\\\\\\\server\\\\share']],
  [4903, 'C:\\\\', 'CON', ['~', 'CON', 'com1.txt', 'LPT9']],
  [4904, 'CON', 'desktop.ini', ['lpt1.tar.gz', 'AUX .txt', 'desktop.ini', 'trailing.', 'trailing\\s']],
  [4905, 'ACME Corp.', 'trailing\\s.\\s.', ['.hidden', 'evil.lnk', 'app.exe.local', 'site.url']],
  [4906, 'ACME.url', 'invoice\\u{202E}fdp.exe', ['doc.{20D04FE0-3AEA-1069-A2D8-08002B30309D}', 'a\\0b.txt', 'line\\nbreak.txt', 'invoice\\u{202E}gpj.txt']],
  [4907, 'invoice\\u{202E}fdp.exe', 'a\\0b.txt', ['pay\\u{200B}pal.txt', '\\u{FEFF}bom.txt', 'tag\\u{E0041}char', 'nonchar\\u{FFFE}\\u{FFFF}']],
  [4908, 'a\\*{1000}', '👨\\u{200D}👩\\u{200D}👧', ['a<b>c:d"e|f?g*h.txt', '100% done.txt', '📎 Report 🚀.pdf', 'Cafe\\u{301} déjà vu.txt']],
  [4909, '\\s', 'a\\*{1000}', ['a\\*{1000}.txt', 'é\\*{600}.txt', 'Report.txt', 'report.txt', 'REPORT.TXT']],
  [4910, '\\e', '\\e', ['\\e']],
];

const TICKETS = SPECS.map(([id, org, subject, files]) => ({
  id,
  organization: org === null ? null : { id: 90000 + id, name: name(org) },
  subject: name(subject),
  files: files.map(name),
}));
addHostileTickets(TICKETS);

// ---- prediction -------------------------------------------------------------------------

/** A native command of this repository, through cargo so that it is never older than the source. */
function cargoRun(target, args, input) {
  const r = spawnSync('cargo', ['run', '--quiet', '--release', ...target, '--', ...args], { cwd: REPO_ROOT, input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`cargo run ${target.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

/** The test oracle's objections to each path (`[]`: both browsers keep it unchanged on every OS). */
function oracle(paths) {
  if (!paths.length) return [];
  const verdicts = cargoRun(['--example', 'path_oracle'], [], paths.map((p) => JSON.stringify(p)).join('\n') + '\n');
  assert.equal(verdicts.length, paths.length, 'one verdict per path');
  return verdicts;
}

/** The event each browser's shim gives the core for a click on attachment `a` of ticket `t`. */
function eventFor(kind, t, a) {
  const url = `https://${fixtures.AGENT_HOST}/attachments/token/${a.token}/?name=${encodeURIComponent(a.fileName)}`;
  const common = {
    url,
    referrer: agentTicketUrl(t.id),
    timeMs: Date.now(),
    lookupDone: true,
    tickets: [{ id: t.id, organization: t.organization, subject: t.subject, requester: 'Pat Nobody', status: 'open' }],
    attachments: [{ token: a.token, ticketId: t.id }],
  };
  if (kind === 'firefox') return common; // the click interception sends only url + page URL
  // Chromium: onDeterminingFilename after the 302; item.filename from Content-Disposition,
  // or (empty filename="") the last segment of the final URL.
  const finalUrl = `https://${fixtures.CONTENT_HOST}/attachment/${fixtures.ACCOUNT_ID}/${a.token}`;
  return { ...common, finalUrl, filename: a.fileName || a.token };
}

/** [{ticket, attachment, event, path}] — the core's decision for every download, in click order. */
function predict(kind) {
  const rows = TICKETS.flatMap((t) => attachmentsOf(t.id).map((a) => ({ ticket: t, attachment: a, event: eventFor(kind, t, a) })));
  const args = ['route'];
  let settingsFile = null;
  if (kind === 'chromium') {
    settingsFile = path.join(fs.mkdtempSync(path.join(REPO_ROOT, 'target', 'hostile-settings-')), 'settings.json');
    fs.writeFileSync(settingsFile, JSON.stringify({ template: CHROMIUM_TEMPLATE }));
    args.push('--settings', settingsFile);
  }
  let decisions;
  try {
    decisions = cargoRun(['--bin', 'zd-dl-router'], args, rows.map((r) => JSON.stringify(r.event)).join('\n') + '\n');
  } finally {
    if (settingsFile) fs.rmSync(path.dirname(settingsFile), { recursive: true, force: true });
  }
  assert.equal(decisions.length, rows.length, 'one decision per event');
  const seen = new Set();
  return rows.map((row, i) => {
    const d = decisions[i];
    if (d.action !== 'route') throw new Error(`core does not route ${JSON.stringify(row.event)}: ${JSON.stringify(d)}`);
    // A later file with the same path (case-sensitive here: Linux) gets the browser's uniquify.
    let p = d.path;
    if (seen.has(p)) p = path.posix.join(path.posix.dirname(p), UNIQUIFY[kind](path.posix.basename(p)));
    seen.add(p);
    return { ...row, decision: d, path: p };
  });
}

const UNIQUIFY = {
  chromium: (n) => n.replace(/^(.*?)(\.[^.]*)?$/, (_, stem, ext = '') => `${stem} (1)${ext}`),
  firefox: (n) => n.replace(/^(.*?)(\.[^.]*)?$/, (_, stem, ext = '') => `${stem}(1)${ext}`),
};

const show = (s) => JSON.stringify(s);

// ---- the runs ---------------------------------------------------------------------------

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router hostile names (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    let env;
    let expected;
    const results = [];

    before(async () => {
      expected = predict(kind);
      const t0 = Date.now();
      env = await startEnvironment({ browser: kind, extDir });
      console.log(`# ${kind}: up in ${Date.now() - t0} ms; downloads in ${env.downloadDir}; ${expected.length} hostile downloads`);
      if (kind === 'chromium') {
        const worker = await extensionWorker(env.browser, chromiumExtensionId(extDir), { timeoutMs: 10_000 });
        if (DEBUG) worker.on('console', (m) => console.error(`[chromium sw] ${m.type()}: ${m.text()}`));
        await worker.evaluate((template) => chrome.storage.local.set({ settings: { template } }), CHROMIUM_TEMPLATE);
        const stored = await worker.evaluate(() => chrome.storage.local.get('settings'));
        assert.equal(stored.settings.template, CHROMIUM_TEMPLATE);
        await sleep(1_000); // storage.onChanged → applySettings
      }
      await clickEveryAttachment();
    }, { timeout: 15 * 60_000 });

    /** Clicks every hostile attachment in turn and records where its file landed. */
    async function clickEveryAttachment() {
      const t0 = Date.now();
      for (const t of TICKETS) {
        const page = await openPage(env.browser, agentTicketUrl(t.id));
        if (DEBUG) page.on('console', (m) => console.error(`[${kind} page] ${m.type()}: ${m.text()}`));
        await waitForSelector(page, `[data-testid="ticket-panel-${t.id}"][data-loaded="true"]`);
        for (const row of expected.filter((r) => r.ticket.id === t.id)) {
          const a = row.attachment;
          const before = new Set(listTree(env.downloadDir));
          const selector = `a.attachment-link[data-attachment-id="${a.id}"]`;
          // Empty or invisible names render as zero-size links: give every link a box to click.
          await page.evaluate((sel) => {
            const el = document.querySelector(sel);
            if (el) Object.assign(el.style, { display: 'inline-block', minWidth: '60px', minHeight: '14px', maxWidth: '600px', overflow: 'hidden' });
          }, selector);
          await clickLink(page, selector);
          const landed = await waitForNewFile(env.downloadDir, before, LAND_TIMEOUT_MS);
          const bytesOk = landed !== null && fs.readFileSync(path.join(env.downloadDir, landed)).equals(expectedBytes(a.token));
          results.push({ ticket: t, file: a.fileName, predicted: row.path, landed, bytesOk });
          console.log(`# ${kind} ${show(a.fileName).slice(0, 80)} -> ${show(landed)}${bytesOk ? '' : ' BYTES DIFFER'}`);
        }
        await page.close().catch(() => {});
      }
      await sleep(1_000);
      console.log(`# ${kind}: ${results.length} hostile downloads in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    after(async () => {
      if (!env) return;
      console.log(`# ${kind} download tree:\n${formatTree(env.downloadDir)}`);
      const partial = partialFiles(env.downloadDir);
      if (partial.length) console.log(`# ${kind} partial files left: ${partial.join(', ')}`);
      await env.close();
    });

    const blank = (s) => s == null || s.trim() === '';
    const what = (r) => `ticket ${r.ticket.id} org ${show(r.ticket.organization?.name ?? null)} file ${show(r.file)}`;

    it('lands every attachment in its ticket folder inside zendesk/, with its bytes, at a path both browsers keep on every OS', () => {
      assert.equal(results.length, expected.length, 'every attachment clicked');
      const problems = [];
      const landed = results.filter((r) => r.landed !== null);
      for (const r of results) {
        if (r.landed === null) {
          problems.push(`${what(r)}: no file landed`);
          continue;
        }
        if (!r.bytesOk) problems.push(`${what(r)}: ${show(r.landed)} does not hold the attachment's bytes`);
        // The template's folders, stated from the ticket: zendesk/<org>[/<subject>]/<id>/<file>,
        // a missing or blank organization as `_no-organization`, a blank subject's folder left out.
        const parts = r.landed.split('/');
        const subjectFolder = kind === 'chromium' && !blank(r.ticket.subject) ? 1 : 0;
        const noOrg = blank(r.ticket.organization?.name);
        const shapeOk =
          parts.length === 4 + subjectFolder &&
          parts[0] === 'zendesk' &&
          parts[parts.length - 2] === String(r.ticket.id) &&
          (parts[1] === '_no-organization') === noOrg;
        if (!shapeOk) problems.push(`${what(r)}: ${show(r.landed)} is not zendesk/<organization>${subjectFolder ? '/<subject>' : ''}/${r.ticket.id}/<file>`);
      }
      const verdicts = oracle(landed.map((r) => r.landed));
      landed.forEach((r, i) => {
        if (verdicts[i].length) problems.push(`${what(r)}: ${show(r.landed)} would not be kept everywhere:\n#     ${verdicts[i].join('\n#     ')}`);
      });
      for (const f of listTree(env.downloadDir).filter((f) => !f.startsWith('zendesk/'))) {
        problems.push(`outside zendesk/ (the browser ignored the path): ${show(f)}`);
      }
      if (problems.length) console.log(`# ${kind} hostile problems:\n${problems.map((l) => `#   ${l}`).join('\n')}`);
      assert.deepEqual(problems, [], `${kind}: hostile names not saved where the browsers' rules allow`);
    });

    it('lands every attachment at exactly the path the native core predicts', () => {
      assert.equal(results.length, expected.length, 'every attachment clicked');
      const mismatches = results
        .filter((r) => r.landed !== r.predicted)
        .map((r) => `${what(r)}: predicted ${show(r.predicted)}, landed ${show(r.landed)}`);
      const tree = listTree(env.downloadDir);
      for (const f of tree.filter((f) => !expected.some((r) => r.path === f))) mismatches.push(`unexpected file: ${show(f)}`);
      if (mismatches.length) console.log(`# ${kind} hostile mismatches:\n${mismatches.map((l) => `#   ${l}`).join('\n')}`);
      assert.deepEqual(mismatches, [], `${kind}: hostile names not routed as the core predicts`);
    });
  });
}

/** The first complete file under dir that is not in `before` (sequential clicks: ours), or null. */
async function waitForNewFile(dir, before, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let candidate = null;
  let lastSize = -1;
  for (;;) {
    const fresh = listTree(dir).filter((f) => !before.has(f));
    if (fresh.length) {
      const f = fresh[0];
      const size = fs.statSync(path.join(dir, f)).size;
      if (f === candidate && size === lastSize && !partialFiles(dir).length) return f;
      candidate = f;
      lastSize = size;
    }
    if (Date.now() > deadline) return candidate;
    await sleep(150);
  }
}
