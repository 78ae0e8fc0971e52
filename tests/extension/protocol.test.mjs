// The message protocol (extension/shared/protocol.js): one table of every runtime message,
// used by senders and receivers alike. Pins (a) that the table's `listen` refuses what the
// table does not allow and dispatches what it does, and (b), by reading the extension's
// sources, that every message is sent through the table, by the sender it names, and has a
// handler at the receiver it names — no bare message types scattered over files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const ROOT = path.resolve(import.meta.dirname, '../../extension');
const PROTOCOL = path.join(ROOT, 'shared/protocol.js');

function loadProtocol() {
  const context = vm.createContext({});
  vm.runInContext(fs.readFileSync(PROTOCOL, 'utf8'), context);
  return context.zdProtocol;
}

function sources(dir = ROOT) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.js') && p !== PROTOCOL ? [{ file: path.relative(ROOT, p), text: fs.readFileSync(p, 'utf8') }] : [];
  });
}

/** Who runs a source file: the worker, a content script or an extension page. */
function roleOf(file) {
  if (file.startsWith('worker/') || file.endsWith('/platform.js')) return 'worker';
  if (file.startsWith('content/') || file.endsWith('/content-platform.js')) return 'content';
  if (file.startsWith('pages/')) return 'page';
  return null;
}

/** A fake browser API with one runtime.onMessage listener slot. */
function fakeApi() {
  const api = { runtime: { onMessage: { addListener: (fn) => { api.listener = fn; } } } };
  return api;
}

/** Delivers `message` from a sender of `role` to the installed listener; resolves to the reply (as JSON would carry it). */
function deliver(api, message, role) {
  return new Promise((resolve) => {
    const async = api.listener(message, { role }, (reply) => resolve(JSON.parse(JSON.stringify(reply))));
    if (!async) setTimeout(() => resolve(undefined), 10);
  });
}

test('the table refuses a message from a sender it does not name, before any handler runs', async () => {
  const p = loadProtocol();
  const api = fakeApi();
  let ran = false;
  p.listen(api, p.WORKER, { cleanupRun: async () => { ran = true; return {}; } }, (s) => s.role);
  const reply = await deliver(api, { type: 'cleanupRun', keys: ['file:1-1'] }, p.CONTENT);
  assert.deepEqual(reply, { error: 'refused: "cleanupRun" is not accepted from a content script' });
  assert.equal(ran, false);
});

test('the table refuses a request without its fields or with fields of the wrong type', async () => {
  const p = loadProtocol();
  const api = fakeApi();
  p.listen(api, p.WORKER, { cleanupRun: async () => ({}), show: async () => ({}) }, (s) => s.role);
  assert.deepEqual(await deliver(api, { type: 'cleanupRun' }, p.PAGE), { error: 'refused: "keys" is missing' });
  assert.deepEqual(await deliver(api, { type: 'cleanupRun', keys: 'file:1-1' }, p.PAGE), { error: 'refused: "keys" is not a array' });
  assert.deepEqual(await deliver(api, { type: 'show', downloadId: '7' }, p.CONTENT), { error: 'refused: "downloadId" is not a number' });
});

test('a well-formed message from the right sender reaches its handler, and a handler\'s error comes back as {error}', async () => {
  const p = loadProtocol();
  const api = fakeApi();
  p.listen(api, p.WORKER, {
    historyFiles: async ({ keys }) => ({ files: keys.length }),
    organizations: async () => { throw new Error('no records'); },
  }, (s) => s.role);
  assert.deepEqual(await deliver(api, { type: 'historyFiles', keys: ['a', 'b'] }, p.PAGE), { files: 2 });
  assert.deepEqual(await deliver(api, { type: 'organizations' }, p.PAGE), { error: 'no records' });
});

test('a receiver ignores messages meant for another receiver and anything not in the table', async () => {
  const p = loadProtocol();
  const api = fakeApi();
  p.listen(api, p.CONTENT, { savedChanged: async () => ({}) }, (s) => s.role);
  assert.equal(api.listener({ type: 'state' }, { role: p.PAGE }, () => {}), false);
  assert.equal(api.listener({ type: 'nonsense' }, { role: p.WORKER }, () => {}), false);
  assert.equal(api.listener('a string', { role: p.WORKER }, () => {}), false);
});

test('installing a handler the table does not give this receiver fails at once', () => {
  const p = loadProtocol();
  assert.throws(() => p.listen(fakeApi(), p.CONTENT, { cleanupRun: async () => ({}) }, () => null), /"cleanupRun" is not a message to the content/);
  assert.throws(() => p.message('cleanupRunn'), /no message type "cleanupRunn"/);
});

test('every runtime message in the sources is built by the table, sent by the sender the table names', () => {
  const { MESSAGES } = loadProtocol();
  const problems = [];
  const sent = new Map(); // type → roles that send it
  for (const { file, text } of sources()) {
    // sendMessage's argument is zdProtocol.message(…) or a variable made by it.
    for (const m of text.matchAll(/sendMessage\(\s*(?:[\w.]+,\s*)?([^,)]+)/g)) {
      const arg = m[1].trim();
      const madeByTable = arg.startsWith('zdProtocol.message(')
        || new RegExp(`const ${arg} = zdProtocol\\.message\\(`).test(text);
      if (!madeByTable) problems.push(`${file}: sendMessage(${arg}…) is not built by zdProtocol.message`);
    }
    // No message object with a bare type outside the table.
    for (const m of text.matchAll(/\btype:\s*'(\w+)'/g)) {
      if (Object.hasOwn(MESSAGES, m[1])) problems.push(`${file}: a bare {type: '${m[1]}'}`);
    }
    // The types sent: zdProtocol.message('x'), and the pages' ask('x') / the content script's send('x').
    for (const m of text.matchAll(/\b(?:zdProtocol\.message|ask|send)\(\s*'(\w+)'/g)) {
      if (!Object.hasOwn(MESSAGES, m[1])) problems.push(`${file}: sends "${m[1]}", which the table does not have`);
      else sent.set(m[1], [...(sent.get(m[1]) ?? []), roleOf(file)]);
    }
  }
  for (const [type, spec] of Object.entries(MESSAGES)) {
    const roles = sent.get(type) ?? [];
    if (roles.length === 0) problems.push(`"${type}" is in the table but nobody sends it`);
    for (const role of roles) if (role !== spec.from) problems.push(`"${type}" is sent by ${role}, the table says ${spec.from}`);
  }
  assert.deepEqual(problems, []);
});

test('every message in the table has a handler at the receiver it names', () => {
  const { MESSAGES } = loadProtocol();
  const byRole = new Map();
  for (const { file, text } of sources()) byRole.set(roleOf(file), `${byRole.get(roleOf(file)) ?? ''}\n${text}`);
  const missing = Object.entries(MESSAGES)
    .filter(([type, spec]) => !new RegExp(`(?:^|[\\s{,])(?:async\\s+)?${type}(?:\\s*:|\\s*\\()`, 'm').test(byRole.get(spec.to) ?? ''))
    .map(([type, spec]) => `${type} (to the ${spec.to})`);
  assert.deepEqual(missing, []);
});
