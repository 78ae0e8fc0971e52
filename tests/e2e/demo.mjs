// Demo: the mock Zendesk + a browser with the built extension; open a few tickets, click a
// few attachments and print where the files landed.
//
//   node tests/e2e/demo.mjs [--firefox] [--headed] [--ext DIR] [--keep]
//
// Exits 0 when at least one file was routed under zendesk/, 1 otherwise.

import fs from 'node:fs';
import path from 'node:path';

import {
  DIST, startEnvironment, openPage, clickLink, waitForSelector, listTree, partialFiles, attachmentSelector,
  agentTicketUrl, sleep,
} from './harness.mjs';

const argv = process.argv.slice(2);
const kind = argv.includes('--firefox') ? 'firefox' : 'chromium';
const headless = !argv.includes('--headed');
const keep = argv.includes('--keep');
const extArg = argv.indexOf('--ext');
const extDir = extArg >= 0 ? path.resolve(argv[extArg + 1]) : DIST[kind];

const CLICKS = [
  [4711, 'production_log.tar.gz'],
  [4711, 'gitlabsos.tar.gz'],
  [4712, 'screenshot.png'],
  [4713, 'production_log.tar.gz'],
  [4713, 'network.har'],
];

/** Render relative paths like `tree`. */
export function renderTree(root, files) {
  const tree = {};
  for (const f of files) {
    let node = tree;
    for (const part of f.split('/')) node = node[part] ??= {};
  }
  const lines = [root];
  const walk = (node, prefix) => {
    const names = Object.keys(node).sort();
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${name}`);
      walk(node[name], prefix + (last ? '    ' : '│   '));
    });
  };
  walk(tree, '');
  return lines.join('\n');
}

async function waitForCount(dir, n, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (listTree(dir).length >= n && partialFiles(dir).length === 0) return true;
    await sleep(200);
  }
  return false;
}

async function main() {
  if (!fs.existsSync(path.join(extDir, 'manifest.json'))) {
    console.error(`demo: ${path.join(extDir, 'manifest.json')} does not exist; build the extension first.`);
    return 2;
  }
  console.log(`demo: ${kind}${headless ? ' (headless)' : ' (headed)'} with ${extDir}`);
  const env = await startEnvironment({ browser: kind, extDir, headless });
  let ok = false;
  try {
    await sleep(500); // let the extension's background start
    let clicks = 0;
    let page = null;
    let current = null;
    for (const [ticket, file] of CLICKS) {
      if (ticket !== current) {
        page = await openPage(env.browser, agentTicketUrl(ticket));
        await waitForSelector(page, `[data-testid="ticket-panel-${ticket}"][data-loaded="true"]`);
        current = ticket;
        console.log(`opened ${agentTicketUrl(ticket)}`);
      }
      await clickLink(page, attachmentSelector(ticket, file));
      clicks++;
      console.log(`  clicked ${file}`);
      if (!(await waitForCount(env.downloadDir, clicks, 20_000))) console.log(`  (no complete file for click ${clicks} after 20 s)`);
    }
    const files = listTree(env.downloadDir);
    console.log(`\n${renderTree(`<Downloads> (${env.downloadDir})`, files)}\n`);
    const routed = files.filter((f) => f.startsWith('zendesk/'));
    console.log(`${routed.length} of ${CLICKS.length} downloads routed under zendesk/`);
    ok = routed.length > 0;
  } finally {
    await env.close();
    if (!keep) fs.rmSync(env.downloadDir, { recursive: true, force: true });
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
