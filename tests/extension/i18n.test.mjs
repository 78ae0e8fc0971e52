// Every string the extension shows comes from extension/_locales/<lang>/messages.json, so a
// team can translate it: the locales agree with English (keys, placeholders), every key the
// code names exists and every key defined is used, and no visible string is written into the
// pages' HTML or JavaScript (nor into the content scripts' marks) instead of a message.
//
// The checks read the source files with their own small HTML and JavaScript scanners (no
// product code); each scanner is first shown to catch a planted hard-coded string.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXT = path.join(ROOT, 'extension');
const read = (file) => fs.readFileSync(file, 'utf8');
const messagesOf = (lang) => JSON.parse(read(path.join(EXT, '_locales', lang, 'messages.json')));
const LOCALES = fs.readdirSync(path.join(EXT, '_locales')).sort();
const EN = messagesOf('en');

/** Every file below `dir` (recursively) whose name passes `keep`. */
function filesBelow(dir, keep) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === '_locales' ? [] : filesBelow(p, keep);
    return keep(d.name) ? [p] : [];
  });
}
const SOURCES = filesBelow(EXT, (name) => /\.(js|html|json)$/.test(name));
const PAGE_HTML = filesBelow(path.join(EXT, 'pages'), (name) => name.endsWith('.html'));
const PAGE_JS = filesBelow(path.join(EXT, 'pages'), (name) => name.endsWith('.js'));
const PAGE_CSS = filesBelow(path.join(EXT, 'pages'), (name) => name.endsWith('.css'));
const CONTENT_JS = [path.join(EXT, 'content', 'content.js'), ...filesBelow(path.join(EXT, 'platform'), (name) => name === 'content-platform.js')];
/** The pages' module that defines the translation helpers (it passes keys on, so it may name them by variable). */
const HELPERS = path.join(EXT, 'pages', 'ui.js');
const rel = (file) => path.relative(ROOT, file);

/** The placeholders a message declares: name (lower case) → content, and the $NAME$s its text uses. */
function placeholdersOf(entry) {
  const declared = Object.fromEntries(Object.entries(entry.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]));
  const used = [...new Set([...entry.message.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase()))].sort();
  return { declared, used };
}

/** Message keys the extension's code names: t('key'), fill('key'), getMessage('key'), data-i18n*="key", __MSG_key__. */
function keysUsedIn(text) {
  const patterns = [
    /\b(?:t|fill|getMessage)\(\s*['"]([A-Za-z0-9_]+)['"]/g,
    /\bdata-i18n(?:-[a-z-]+)?="([A-Za-z0-9_]+)"/g,
    /__MSG_([A-Za-z0-9_]+)__/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

describe('locales', () => {
  it('English is the default locale, and German is there too', () => {
    assert.equal(JSON.parse(read(path.join(EXT, 'manifest.json'))).default_locale, 'en');
    assert.deepEqual(LOCALES, ['de', 'en']);
  });

  it('names keys the way every browser accepts them, none differing from another only in case', () => {
    const keys = Object.keys(EN);
    assert.deepEqual(keys.filter((k) => !/^[A-Za-z0-9_]+$/.test(k)), []);
    const lower = keys.map((k) => k.toLowerCase());
    assert.deepEqual(keys.filter((_, i) => lower.indexOf(lower[i]) !== i), []);
  });

  for (const lang of LOCALES.filter((l) => l !== 'en')) {
    const messages = messagesOf(lang);
    it(`${lang} has exactly the English keys`, () => {
      assert.deepEqual(Object.keys(messages).sort(), Object.keys(EN).sort());
    });

    it(`${lang} has the placeholders of each English message, numbered alike`, () => {
      const differing = Object.keys(EN).filter((k) => messages[k] && JSON.stringify(placeholdersOf(messages[k])) !== JSON.stringify(placeholdersOf(EN[k])));
      assert.deepEqual(differing, []);
    });

    it(`${lang} is a translation, not a copy of the English`, () => {
      const worded = Object.keys(EN).filter((k) => /\p{L}{3,}\s+\p{L}{3,}/u.test(EN[k].message));
      const same = worded.filter((k) => messages[k]?.message === EN[k].message);
      assert.ok(same.length <= worded.length / 20, `left in English: ${same.join(', ')}`);
    });
  }

  for (const lang of LOCALES) {
    it(`${lang}: every placeholder a message declares is used in it, and every one it uses is declared`, () => {
      const messages = messagesOf(lang);
      const wrong = Object.entries(messages)
        .filter(([, entry]) => JSON.stringify(Object.keys(placeholdersOf(entry).declared).sort()) !== JSON.stringify(placeholdersOf(entry).used))
        .map(([key]) => key);
      assert.deepEqual(wrong, []);
    });
  }
});

describe('message keys in the code', () => {
  const used = new Map(); // key → first file naming it
  for (const file of SOURCES) for (const key of keysUsedIn(read(file))) if (!used.has(key)) used.set(key, rel(file));

  it('exist in the English messages', () => {
    assert.deepEqual([...used].filter(([key]) => !Object.hasOwn(EN, key)).map(([key, file]) => `${key} (${file})`), []);
  });

  it('cover every English message (none is left unused)', () => {
    assert.deepEqual(Object.keys(EN).filter((key) => !used.has(key)), []);
  });

  it('are written out where a message is looked up (so the two checks above see them)', () => {
    const dynamic = SOURCES.filter((f) => f !== HELPERS && f.endsWith('.js')).flatMap((file) =>
      read(file).split('\n').flatMap((line, i) => (/\b(?:t|fill|getMessage)\(\s*(?!['")])/.test(line) ? [`${rel(file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(dynamic, []);
  });
});

// ---- no visible string written into the pages ---------------------------------------------

const TEXT_ATTRIBUTES = ['title', 'aria-label', 'placeholder', 'alt'];
/** Three words in a row: a sentence, or the start of one. */
const SENTENCE = /\p{L}{2,}[\s\u00a0]+\p{L}{2,}[\s\u00a0]+\p{L}{2,}/u;

/**
 * Visible text in HTML that does not come from a message: text nodes and text attributes
 * (filled at load from `data-i18n`, `data-i18n-title`, …). Text under `translate="no"` (code,
 * example values) is allowed, but not a sentence. Returns ["line N: what"].
 */
function hardCodedInHtml(html) {
  const found = [];
  const lineAt = (i) => html.slice(0, i).split('\n').length;
  const open = []; // [{tag, noTranslate}]
  const noTranslate = () => open.some((e) => e.noTranslate);
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', '!doctype']);
  const token = /<!--[\s\S]*?-->|<(\/?)([A-Za-z!][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|([^<]+)/g;
  for (const m of html.matchAll(token)) {
    const [, closing, rawTag, attrs, text] = m;
    if (text !== undefined) {
      const visible = text.replace(/&[a-z]+;|&#\d+;/g, 'x').trim();
      if (!visible || ['script', 'style'].includes(open.at(-1)?.tag)) continue;
      if (!noTranslate() || SENTENCE.test(visible)) found.push(`line ${lineAt(m.index)}: text "${visible.slice(0, 60)}"`);
      continue;
    }
    if (!rawTag) continue; // a comment
    const tag = rawTag.toLowerCase();
    if (closing) {
      const at = open.map((e) => e.tag).lastIndexOf(tag);
      if (at >= 0) open.length = at;
      continue;
    }
    const attributes = Object.fromEntries([...attrs.matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)].map((a) => [a[1].toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '']));
    const here = { tag, noTranslate: attributes.translate === 'no' };
    for (const name of TEXT_ATTRIBUTES) {
      const value = attributes[name]?.trim();
      if (value && (!(noTranslate() || here.noTranslate) || SENTENCE.test(value))) found.push(`line ${lineAt(m.index)}: ${name}="${value}"`);
    }
    if (!VOID.has(tag) && !attrs.trim().endsWith('/')) open.push(here);
  }
  return found;
}

/**
 * JavaScript tokens: {type: 'string' | 'ident' | 'punct' | 'regex' | 'number', value, index}.
 * A template literal is one 'string' (its text parts) followed by the tokens of each `${…}`
 * between '${' and '}' tokens. Comments are dropped.
 */
function tokenize(src) {
  const tokens = [];
  const PUNCT = ['...', '===', '!==', '**=', '??=', '||=', '&&=', '>>>', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '**', '<<', '>>'];
  const REGEX_AFTER = new Set(['(', ',', '=', ':', '[', '!', '&&', '||', '??', '?', '{', '}', ';', '=>', '==', '===', '!=', '!==', '+', '-', '*', '%', '<', '>', '&', '|', '^', '~', 'return', 'typeof', 'case', 'in', 'of', 'else', 'void', 'delete']);
  let i = 0;
  const braces = []; // for each open '{' or '${': whether it is a template's '${'
  const lineEnd = (from) => {
    const n = src.indexOf('\n', from);
    return n < 0 ? src.length : n;
  };
  /** Reads a template's text from `i` (after ` or }) up to ` or ${; returns whether it ended. */
  const templatePart = () => {
    let text = '';
    for (;;) {
      const c = src[i];
      if (c === undefined) return { text, ended: true };
      if (c === '\\') {
        text += src[i + 1];
        i += 2;
      } else if (c === '`') {
        i++;
        return { text, ended: true };
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        return { text, ended: false };
      } else {
        text += c;
        i++;
      }
    }
  };
  let template = null; // the 'string' token of the template being read
  while (i < src.length) {
    const c = src[i];
    const start = i;
    const last = tokens.at(-1);
    if (/\s/.test(c)) i++;
    else if (c === '/' && src[i + 1] === '/') i = lineEnd(i);
    else if (c === '/' && src[i + 1] === '*') i = src.indexOf('*/', i + 2) + 2;
    else if (c === '"' || c === "'") {
      let text = '';
      for (i++; i < src.length && src[i] !== c; i++) text += src[i] === '\\' ? src[++i] : src[i];
      i++;
      tokens.push({ type: 'string', value: text, index: start });
    } else if (c === '`') {
      i++;
      template = { type: 'string', value: '', index: start };
      tokens.push(template);
      const part = templatePart();
      template.value += part.text;
      if (!part.ended) {
        braces.push(template);
        tokens.push({ type: 'punct', value: '${', index: i - 2 });
      }
    } else if (c === '/' && (!last || REGEX_AFTER.has(last.value))) {
      let inClass = false;
      for (i++; i < src.length; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        else if (src[i] === '/' && !inClass) break;
      }
      for (i++; /[a-z]/.test(src[i] ?? ''); i++);
      tokens.push({ type: 'regex', value: src.slice(start, i), index: start });
    } else if (/[A-Za-z_$]/.test(c)) {
      for (i++; /[\w$]/.test(src[i] ?? ''); i++);
      tokens.push({ type: 'ident', value: src.slice(start, i), index: start });
    } else if (/[0-9]/.test(c)) {
      for (i++; /[\w.]/.test(src[i] ?? ''); i++);
      tokens.push({ type: 'number', value: src.slice(start, i), index: start });
    } else if (c === '{') {
      braces.push(null);
      tokens.push({ type: 'punct', value: '{', index: i++ });
    } else if (c === '}') {
      const owner = braces.pop();
      tokens.push({ type: 'punct', value: '}', index: i++ });
      if (owner) {
        const part = templatePart();
        owner.value += ` ${part.text}`;
        if (!part.ended) {
          braces.push(owner);
          tokens.push({ type: 'punct', value: '${', index: i - 2 });
        }
      }
    } else {
      const op = PUNCT.find((p) => src.startsWith(p, i)) ?? c;
      i += op.length;
      tokens.push({ type: 'punct', value: op, index: start });
    }
  }
  return tokens;
}

/** Calls whose first argument is a message key. */
const I18N_CALLS = new Set(['t', 'fill', 'getMessage']);
/** Calls that put their (later) arguments into the page as text. */
const TEXT_CALLS = new Set(['replaceChildren', 'append', 'prepend', 'after', 'before', 'createTextNode', 'Text', 'alert', 'confirm', 'prompt']);
/** Properties and object keys whose value is shown. */
const TEXT_PROPERTIES = new Set(['textContent', 'innerText', 'innerHTML', 'outerHTML', 'title', 'placeholder', 'alt', 'ariaLabel', 'label', 'message', ...TEXT_ATTRIBUTES]);
/** Where a sentence is no text to show: console output, selectors, class names. */
const NOT_SHOWN_CALLS = new Set(['log', 'info', 'debug', 'warn', 'error', 'querySelector', 'querySelectorAll', 'closest', 'matches', 'add', 'remove', 'toggle', 'contains']);

/**
 * String literals in JavaScript that put visible text into a page without a message: a
 * literal with a letter passed to el() as a child, to replaceChildren/append/…, set as
 * textContent/title/aria-label/…; and, with `sentences`, any literal of three words or more
 * outside console output, selectors and class names. Returns ["line N: 'text'"].
 */
function hardCodedInJs(src, { sentences }) {
  const tokens = tokenize(src);
  const found = [];
  const frames = [{ open: null, callee: null, arg: 0, key: null, assign: null, first: null }];
  for (const [n, tok] of tokens.entries()) {
    const top = frames.at(-1);
    const prev = tokens[n - 1];
    const next = tokens[n + 1];
    if (tok.type === 'punct') {
      if (['(', '[', '{', '${'].includes(tok.value)) {
        const callee = tok.value === '(' && prev?.type === 'ident' ? prev.value : null;
        frames.push({ open: tok.value, callee, arg: 0, key: null, assign: null, first: null });
      } else if ([')', ']', '}'].includes(tok.value)) {
        if (frames.length > 1) frames.pop();
      } else if (tok.value === ',') {
        Object.assign(top, { arg: top.arg + 1, key: null, assign: null });
      } else if (tok.value === ';') {
        top.assign = null;
      } else if (tok.value === '=' && prev?.type === 'ident' && tokens[n - 2]?.value === '.') {
        top.assign = prev.value;
      }
      continue;
    }
    if ((tok.type === 'ident' || tok.type === 'string') && next?.value === ':' && top.open === '{' && ['{', ','].includes(prev?.value)) {
      top.key = tok.value;
      continue;
    }
    if (tok.type !== 'string') continue;
    if (top.open === '(' && top.arg === 0) top.first ??= tok.value;
    if (top.open === '(' && I18N_CALLS.has(top.callee) && top.arg === 0) continue; // a message key
    const text = tok.value;
    const shown =
      (top.open === '(' && top.callee === 'el' && top.arg >= 2) ||
      (top.open === '(' && TEXT_CALLS.has(top.callee)) ||
      (top.open === '(' && top.callee === 'setAttribute' && top.arg === 1 && TEXT_ATTRIBUTES.includes(top.first)) ||
      (top.open === '{' && TEXT_PROPERTIES.has(top.key)) ||
      TEXT_PROPERTIES.has(top.assign);
    const notShown = (top.open === '(' && NOT_SHOWN_CALLS.has(top.callee)) || top.key === 'class' || top.assign === 'className';
    if ((shown && /\p{L}/u.test(text)) || (sentences && !notShown && SENTENCE.test(text))) {
      found.push(`line ${src.slice(0, tok.index).split('\n').length}: '${text.slice(0, 60)}'`);
    }
  }
  return found;
}

describe('no visible string is written into the pages', () => {
  it('the HTML check catches planted text, a text attribute and a sentence marked untranslatable', () => {
    const planted = [
      '<p>Hello there</p>',
      '<button type="button" title="Close"></button>',
      '<input placeholder="never">',
      '<span translate="no">This is English prose</span>',
      '<img src="x.png" alt="A logo">',
    ];
    for (const html of planted) assert.equal(hardCodedInHtml(html).length, 1, html);
    const fine = '<p data-i18n="k"><code translate="no">{org}</code></p><input placeholder="image/*" translate="no"><img alt="">';
    assert.deepEqual(hardCodedInHtml(fine), []);
  });

  it('the JavaScript check catches a hard-coded English sentence however it reaches the page', () => {
    const planted = [
      "$('status').textContent = 'Saved';",
      "box.append(el('p', {}, 'Nothing to see'));",
      "note.textContent = ok ? t('optionsSaved') : 'Not saved';",
      "el('button', { 'aria-label': `Remove ${domain}` }, t('optionsDomainRemove'));",
      "button.setAttribute('title', 'Close');",
      'const reason = `The background stopped answering after ${ms} ms`;',
    ];
    for (const js of planted) assert.equal(hardCodedInJs(js, { sentences: true }).length, 1, js);
    const fine = [
      "el('span', { class: 'mono path warn small' }, t('popupShow', file), ` · ${x}`);",
      "document.querySelectorAll('#due input[type=\"checkbox\"]');",
      "console.warn('zd-dl-router: aliases not checked at all', err);",
      'const re = /it\'s "quoted" text/; const s = t(\'popupGone\');',
      "el('li', { class: r.result === 'deleted' ? 'result-deleted' : null }, r.path);",
    ];
    for (const js of fine) assert.deepEqual(hardCodedInJs(js, { sentences: true }), [], js);
  });

  for (const file of PAGE_HTML) {
    it(`${rel(file)} holds no text of its own`, () => {
      assert.deepEqual(hardCodedInHtml(read(file)), []);
    });
  }
  for (const file of PAGE_JS) {
    it(`${rel(file)} shows no string literal`, () => {
      assert.deepEqual(hardCodedInJs(read(file), { sentences: true }), []);
    });
  }
  for (const file of PAGE_CSS) {
    it(`${rel(file)} writes no words into the page (CSS content)`, () => {
      const words = [...read(file).matchAll(/\bcontent:\s*(["'])(.*?)\1/g)].map((m) => m[2]).filter((s) => /\p{L}/u.test(s));
      assert.deepEqual(words, []);
    });
  }
  for (const file of CONTENT_JS) {
    it(`${rel(file)} puts no string literal into the agent's page`, () => {
      assert.deepEqual(hardCodedInJs(read(file), { sentences: false }), []);
    });
  }
});
