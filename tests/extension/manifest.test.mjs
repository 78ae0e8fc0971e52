// The built manifests ask for exactly the permissions the README's "Security and privacy"
// section justifies, load no remote code, and differ between browsers only where they must.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BROWSERS = ['chrome', 'firefox'];
const read = (browser) => JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', browser, 'manifest.json'), 'utf8'));

for (const browser of BROWSERS) {
  describe(`dist/${browser}`, () => {
    const manifest = read(browser);
    const dir = path.join(ROOT, 'dist', browser);

    it('asks only for the documented permissions', () => {
      assert.deepEqual([...manifest.permissions].sort(), ['alarms', 'downloads', 'notifications', 'scripting', 'storage', 'unlimitedStorage']);
      assert.deepEqual(manifest.host_permissions, ['https://*.zendesk.com/*', 'https://*.zdusercontent.com/*']);
      assert.deepEqual(manifest.optional_host_permissions, ['https://*/*']);
      assert.deepEqual(manifest.optional_permissions, ['nativeMessaging']);
    });

    if (browser === 'chrome') {
      it('lets a team policy set every setting the README documents (managed-storage schema)', () => {
        const schema = JSON.parse(fs.readFileSync(path.join(dir, 'managed_schema.json'), 'utf8'));
        const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
        const documented = [...readme.matchAll(/^\| setting \| default \| meaning \|\n\|[-|]+\|\n((?:\|.*\n)+)/gm)]
          .flatMap(([, rows]) => [...rows.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map(([, name]) => name));
        assert.ok(documented.length >= 15, `settings tables found in the README: ${documented}`);
        assert.deepEqual(documented.filter((name) => !(name in schema.properties)), []);
      });
    }

    it('runs its content scripts on Zendesk agent pages only', () => {
      assert.deepEqual(manifest.content_scripts.map((c) => c.matches), [['https://*.zendesk.com/agent/*']]);
    });

    it('allows only its own scripts and WASM compilation', () => {
      assert.equal(manifest.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
      assert.equal(manifest.web_accessible_resources, undefined);
      assert.equal(manifest.externally_connectable, undefined);
    });

    it('ships no remote code and no eval', () => {
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.html'))) {
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        assert.doesNotMatch(text, /<script[^>]+src=["']https?:/i, `${file} loads a remote script`);
        assert.doesNotMatch(text, /\bimport\s*\(?\s*["']https?:/, `${file} imports remote code`);
        assert.doesNotMatch(text, /\beval\s*\(|new Function\s*\(/, `${file} evaluates strings as code`);
      }
    });

    it('starts its background from one file: nothing to fetch before it can answer', () => {
      const text = fs.readFileSync(path.join(dir, 'background.js'), 'utf8');
      assert.doesNotMatch(text, /^\s*import\b|\bimport\s*\(/m, 'background.js imports another file');
      // …and it is the whole worker: the router's loader and the download listener are in it.
      assert.match(text, /zd_dl_router_bg\.wasm/);
      assert.match(text, browser === 'chrome' ? /onDeterminingFilename/ : /downloads\.onCreated/);
    });
  });
}

describe('per-browser differences', () => {
  it('are only the background, the gecko settings, the Chrome key and the managed-storage schema', () => {
    const [chrome, firefox] = BROWSERS.map(read);
    const differing = [...new Set([...Object.keys(chrome), ...Object.keys(firefox)])]
      .filter((k) => JSON.stringify(chrome[k]) !== JSON.stringify(firefox[k]))
      .sort();
    assert.deepEqual(differing, ['background', 'browser_specific_settings', 'key', 'minimum_chrome_version', 'storage']);
    assert.deepEqual(chrome.background, { service_worker: 'background.js', type: 'module' });
    assert.deepEqual(firefox.background, { scripts: ['background.js'], type: 'module' });
  });

  it('share every file except the platform ones', () => {
    const files = (b) => fs.readdirSync(path.join(ROOT, 'dist', b)).sort();
    const onlyIn = (a, b) => files(a).filter((f) => !files(b).includes(f));
    assert.deepEqual(onlyIn('chrome', 'firefox'), ['managed_schema.json']);
    assert.deepEqual(onlyIn('firefox', 'chrome'), []);
    // background.js is the worker bundled with its platform.js.
    const platformFiles = ['background.js', 'content-platform.js', 'manifest.json', 'platform.js'];
    for (const f of files('chrome').filter((f) => !platformFiles.includes(f) && f !== 'managed_schema.json')) {
      const [a, b] = BROWSERS.map((br) => fs.statSync(path.join(ROOT, 'dist', br, f)));
      if (a.isFile()) assert.ok(fs.readFileSync(path.join(ROOT, 'dist', 'chrome', f)).equals(fs.readFileSync(path.join(ROOT, 'dist', 'firefox', f))), f);
      else assert.ok(b.isDirectory(), f);
    }
  });
});
