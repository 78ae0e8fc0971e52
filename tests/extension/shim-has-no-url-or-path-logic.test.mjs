// The JavaScript shim carries, the core decides: no JavaScript file under extension/ knows
// a Zendesk URL shape (they come from the generated zendesk-patterns.js, which is not under
// extension/, or from the core) or builds or slices a download path (the core returns
// folders and file names). Grep-level: code lines only, whole-line comments may name them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const ZENDESK_URL_SHAPES = [
  [/\/attachments\/token/, 'an attachment link path'],
  [/\/api\/v2\//, 'a Zendesk API path'],
  [/\/agent\/tickets/, 'an agent ticket page path'],
  [/zendesk\.com/i, 'the zendesk.com host'],
  [/zdusercontent/i, 'the signed-attachment host'],
];

const PATH_SURGERY = [
  [/(?:lastI|i)ndexOf\(\s*(['"`])\/\1/, "looks for '/' in a path"],
  [/\.split\(\s*(['"`])\/\1/, "splits a path at '/'"],
  [/\.join\(\s*(['"`])\/\1/, "joins a path with '/'"],
  [/\.replace(?:All)?\(\s*\/.*?\\\//, 'rewrites a path with a regex on /'],
];

/** Every .js/.mjs file under `dir`. */
function scripts(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** "file:line: what — the line" for each code line (not a whole-line comment) that matches. */
function offences(file, text, shapes) {
  const found = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\/\*|\*)/.test(line)) return;
    for (const [re, what] of shapes) {
      if (re.test(line)) found.push(`${path.relative(ROOT, file)}:${i + 1}: ${what} — ${line.trim()}`);
    }
  });
  return found;
}

const files = scripts(path.join(ROOT, 'extension'));
const offencesIn = (shapes) => files.flatMap((f) => offences(f, fs.readFileSync(f, 'utf8'), shapes));

describe('the JavaScript under extension/', () => {
  it('has scripts to look at', () => {
    assert.ok(files.some((f) => f.endsWith('content.js')), `no content.js among ${files.length} files`);
  });

  it('knows no Zendesk URL shape (zendesk-patterns.js and the core do)', () => {
    assert.deepEqual(offencesIn(ZENDESK_URL_SHAPES), []);
  });

  it('builds and slices no download path (the core returns folders and names)', () => {
    assert.deepEqual(offencesIn(PATH_SURGERY), []);
  });
});

describe('the checks above', () => {
  it('catch the URL shapes and path surgery the shim once had', () => {
    const old = [
      "if (!link || !link.href.includes('/attachments/token/')) return;",
      'for (const a of document.querySelectorAll(\'a[href*="/attachments/token/"]\')) {}',
      'getJson(`/api/v2/tickets/${id}.json`);',
      "const folder = preview.path.replace(/\\/attachment$/, '/');",
      "folder: info.path.slice(0, info.path.lastIndexOf('/') + 1)",
      "const parts = String(entry.path).split('/');",
      "const dir = parts.join('/');",
      "const host = `${sub}.zendesk.com`;",
      "if (url.hostname.endsWith('.zdusercontent.com')) {}",
    ];
    for (const line of old) {
      const shapes = [...ZENDESK_URL_SHAPES, ...PATH_SURGERY];
      assert.equal(offences('old.js', line, shapes).length > 0, true, line);
    }
  });

  it('leave comments and ordinary code alone', () => {
    const fine = [
      '// the signed zdusercontent.com URL a token URL redirects to',
      "const origin = `https://${domain}/*`;",
      "const name = text.replace(/\\.$/, '');",
      "if (url.includes('?')) {}",
    ];
    for (const line of fine) assert.deepEqual(offences('fine.js', line, [...ZENDESK_URL_SHAPES, ...PATH_SURGERY]), [], line);
  });
});
