// The generated zendesk-patterns.js (`zd-dl-router patterns --js`, built into dist/) against
// the routing core it is generated from, and against the mock Zendesk:
//
// - `isAttachmentLink` says "attachment" exactly when `Router.recognize` (the shipped WASM)
//   does: on the URL fixtures (whose own `kind` column is a second oracle) and on thousands
//   of generated URLs — lookalike hosts, host-mapped domains, ports, credentials, case,
//   white space, encoded slashes, odd tokens;
// - the API path builders name what the mock Zendesk serves, and what they load is what the
//   core reads (the organization and requester sideloaded, every comment page).
//
//   node --test tests/extension/          (after ./build.sh; E2E_EXT_CHROMIUM=DIR for another build)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

import { startMock, attachmentHref, fixtures } from '../mock-zendesk/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.resolve(process.env.E2E_EXT_CHROMIUM ?? path.join(ROOT, 'dist', 'chrome'));
const MAPPED = 'support.example.com';
const NOW = Date.parse('2026-11-23T10:00:00Z');

/** zdPatterns, run as the browser runs it: a classic script in a context of its own. */
function loadPatterns() {
  const context = vm.createContext({});
  vm.runInContext(fs.readFileSync(path.join(DIST, 'zendesk-patterns.js'), 'utf8'), context);
  return context.zdPatterns;
}

/** The shipped WASM core (wasm-bindgen `--target web` glue, imported as an ES module). */
async function loadCore() {
  const glue = fs.readFileSync(path.join(DIST, 'zd_dl_router.js'));
  const mod = await import(`data:text/javascript;base64,${glue.toString('base64')}`);
  mod.initSync({ module: fs.readFileSync(path.join(DIST, 'zd_dl_router_bg.wasm')) });
  return mod;
}

const zd = loadPatterns();
const { Router } = await loadCore();
const plain = new Router({});
const mapped = new Router({ hostMappedDomains: [MAPPED] });
const coreSays = (router, url) => router.recognize(url)?.kind === 'attachment';

// ---- URLs -------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NOT_TOKEN = ['.', '%2F', '%2f', '/', '~', ' ', '+', 'é', '%41', '\u212A', '!', '*'];

function urlGenerator(seed) {
  const random = prng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const chance = (p) => random() < p;
  const word = (chars, n) => Array.from({ length: n }, () => pick(chars)).join('');
  // Mostly the right thing, else any of the near misses: each URL is a few steps from a real link.
  const often = (p, right, nearMisses) => (chance(p) ? right() : pick(nearMisses)());
  const sub = () => pick([word('abcdefghijklmnopqrstuvwxyz0123456789-', 1 + Math.floor(random() * 12)), 'acme', 'a', '-', '0', 'www', 'WWW', 'Acme', 'ac_me', 'äcme', 'xn--cme-pla', 'a.b']);
  const host = () => often(0.6, () => pick([`${sub()}.zendesk.com`, MAPPED]), [
    () => `${sub()}.zendesk.com`,
    () => `${sub()}.ZENDESK.COM`,
    () => `${sub()}.zendesk.com.`,
    () => `${sub()}.zendesk.com..`,
    () => 'zendesk.com',
    () => '.zendesk.com',
    () => `${sub()}.zendesk.com.evil.test`,
    () => `${sub()}zendesk.com`,
    () => 'evilzendesk.com',
    () => `${sub()}-zendesk.com`,
    () => `${sub()}.zendesk.co`,
    () => `${sub()}.zendes\u212A.com`, // KELVIN SIGN: lower-cases to "k" outside ASCII
    () => `${sub()}.zendesk\u3002com`,
    () => `p${Math.floor(random() * 30)}.zdusercontent.com`,
    () => `${sub()}.zdusercontent.com`,
    () => MAPPED,
    () => 'Support.Example.COM',
    () => `${MAPPED}.`,
    () => `x.${MAPPED}`,
    () => `${MAPPED}.evil.test`,
    () => 'other.example.com',
    () => '127.0.0.1',
    () => '[::1]',
    () => '',
  ]);
  const token = () => {
    const length = often(0.8, () => 25, [() => 0, () => 1, () => 2, () => 255, () => 256, () => 257]);
    let t = word(TOKEN_CHARS, length);
    if (chance(0.15)) {
      const at = Math.floor(random() * (t.length + 1));
      t = t.slice(0, at) + pick(NOT_TOKEN) + t.slice(at);
    }
    return t;
  };
  const path = () => often(0.6, () => `/attachments/token/${token()}/`, [
    () => `/attachments/token/${token()}/`,
    () => `/attachments/token/${token()}`,
    () => `/attachments/token/${token()}//`,
    () => `/attachments/token/${token()}/${token()}`,
    () => `/attachments/token/${token()}/download`,
    () => `/Attachments/token/${token()}/`,
    () => `/attachments/tokens/${token()}/`,
    () => `/attachments/token`,
    () => `/attachments%2Ftoken%2F${token()}`,
    () => `/%61ttachments/token/${token()}/`,
    () => `/x/attachments/token/${token()}/`,
    () => `//attachments/token/${token()}/`,
    () => `/attachments/token/../token/${token()}/`,
    () => `\\attachments\\token\\${token()}`,
    () => `/attachment/1234/${token()}`,
    () => `/agent/tickets/${Math.floor(random() * 10000)}`,
    () => '/',
    () => '',
  ]);
  const query = () => pick(['', '', '?name=production_log.tar.gz', '?name=a%2Fb.log', '?', '?name=', `?next=/attachments/token/${token()}/`, '?a=1&name=x+y.txt']);
  const fragment = () => pick(['', '', '#c1', `#/attachments/token/${token()}/`, '#?x', '#']);
  const space = () => pick(['', '', '', ' ', '\t', '\n', '\r\n', '\u00a0', '\u0085', '\u3000', '\ufeff', '\u200b']);

  return () => {
    if (chance(0.03)) return pick(['', 'https://', 'https:///attachments/token/X/', 'attachments/token/X/', '/attachments/token/X/', 'data:text/plain,https://acme.zendesk.com/attachments/token/X/']);
    const scheme = often(0.8, () => 'https', [() => 'HTTPS', () => 'Https', () => 'http', () => 'ftp', () => 'blob:https', () => '']);
    const separator = chance(0.95) ? '://' : pick([':/', ':', ':///']);
    const credentials = chance(0.9) ? '' : pick(['user@', 'u:p@', '@', `${host()}@`]);
    const port = chance(0.85) ? '' : pick([':443', ':', ':8443', ':abc', ':44a', ':99999']);
    const url = `${scheme}${separator}${credentials}${host()}${port}${path()}${query()}${fragment()}`;
    return chance(0.1) ? `${space()}${url}${space()}` : url;
  };
}

// ---- the predicate and the core --------------------------------------------------------

describe('isAttachmentLink', () => {
  const fixture = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'urls.tsv'), 'utf8')
    .split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split('\t'));

  it('says "attachment" for the fixture URLs listed as attachments, and only those', () => {
    assert.ok(fixture.length >= 20, `only ${fixture.length} fixture lines`);
    for (const [url, kind] of fixture) {
      assert.equal(zd.isAttachmentLink(url, [MAPPED]), kind === 'attachment', url);
      assert.equal(zd.isAttachmentLink(url, [MAPPED]), coreSays(mapped, url), `${url}: the core disagrees`);
      assert.equal(zd.isAttachmentLink(url), coreSays(plain, url), `${url} (no host-mapped domain): the core disagrees`);
    }
  });

  it('agrees with Router.recognize on 20,000 generated URLs, with and without a host-mapped domain', () => {
    const next = urlGenerator(15);
    const counts = { attachment: 0, other: 0 };
    for (let i = 0; i < 20000; i++) {
      const url = next();
      const [hosts, router] = i % 2 ? [[MAPPED], mapped] : [[], plain];
      const want = coreSays(router, url);
      assert.equal(zd.isAttachmentLink(url, hosts), want, `${JSON.stringify(url)} with host-mapped ${JSON.stringify(hosts)}`);
      counts[want ? 'attachment' : 'other']++;
    }
    // Both answers are common, or the comparison proves little.
    assert.ok(counts.attachment > 2000 && counts.other > 2000, JSON.stringify(counts));
  });

  it("accepts links on the page's own host-mapped domain, not on another one", () => {
    const link = `https://${MAPPED}/attachments/token/Tk1/?name=a.log`;
    assert.equal(zd.isAttachmentLink(link, [MAPPED]), true);
    assert.equal(zd.isAttachmentLink(link, ['Support.Example.com']), true);
    assert.equal(zd.isAttachmentLink(link, ['help.example.com']), false);
    assert.equal(zd.isAttachmentLink(link), false);
    // A zendesk.com page's own host adds nothing: zendesk.com accounts are always recognised.
    assert.equal(zd.isAttachmentLink('https://acme.zendesk.com/attachments/token/Tk1/', ['acme.zendesk.com']), true);
    assert.equal(zd.isAttachmentLink('https://www.zendesk.com/attachments/token/Tk1/', ['www.zendesk.com']), false);
  });

  it('turns down lookalikes of a real attachment link', () => {
    for (const url of [
      'https://acme.zendesk.com.evil.test/attachments/token/Tk1/',
      'https://evilzendesk.com/attachments/token/Tk1/',
      'https://acme.zendes\u212A.com/attachments/token/Tk1/',
      'http://acme.zendesk.com/attachments/token/Tk1/',
      'https://acme.zendesk.com/attachments/token/Tk1%2F..%2Fx/',
      'https://evil.test/?u=https://acme.zendesk.com/attachments/token/Tk1/',
      'https://acme.zendesk.com@evil.test/attachments/token/Tk1/',
      'https://p12.zdusercontent.com/attachments/token/Tk1/',
    ]) assert.equal(zd.isAttachmentLink(url), false, url);
    // Signed-attachment hosts serve no token links, even if listed as host-mapped.
    assert.equal(zd.isAttachmentLink('https://p1.zdusercontent.com/attachments/token/Tk1/', ['p1.zdusercontent.com']), false);
    assert.equal(zd.isAttachmentLink('https://evil.test@acme.zendesk.com:443/attachments/token/Tk1'), true);
  });
});

// ---- the API paths against the mock Zendesk and the core --------------------------------

describe('API paths', () => {
  let mock;
  let cookie;

  /** GET `pathOrUrl` on the mock's agent host with the agent's session: {status, json}. */
  function get(pathOrUrl, headers = {}) {
    const url = new URL(pathOrUrl, `https://${fixtures.AGENT_HOST}`);
    return new Promise((resolve, reject) => {
      const req = https.get({
        host: mock.host, port: mock.port, path: url.pathname + url.search, servername: url.hostname,
        ca: fs.readFileSync(mock.caPath), headers: { Host: url.hostname, Accept: 'application/json', ...headers },
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: res.headers['content-type']?.includes('json') ? JSON.parse(body) : null }));
      });
      req.on('error', reject);
    });
  }

  before(async () => {
    mock = await startMock();
    const agentPage = await get('/agent/tickets/4711');
    cookie = agentPage.headers['set-cookie'][0].split(';')[0];
  });
  after(() => mock?.close());

  it('are the paths of the Zendesk API', () => {
    assert.equal(zd.ticketPath(4711), '/api/v2/tickets/4711.json?include=organizations,users');
    assert.equal(zd.ticketStatusPath(4711), '/api/v2/tickets/4711.json');
    // Authors sideloaded; inline images listed among a comment's attachments, which Zendesk
    // does only when asked (List Comments): every token of the ticket is known.
    assert.equal(zd.commentsPath(4711), '/api/v2/tickets/4711/comments.json?include=users&include_inline_images=true');
  });

  it('refuse anything but a positive integer ticket id', () => {
    for (const id of [0, -1, 1.5, NaN, Infinity, '4711', undefined, null, 2 ** 53]) {
      for (const build of [zd.ticketPath, zd.ticketStatusPath, zd.commentsPath]) {
        assert.throws(() => build(id), /a ticket id is a positive integer/, String(id));
      }
    }
  });

  it('load the ticket with the organization and requester the core files it under', async () => {
    const { status, json } = await get(zd.ticketPath(4711), { Cookie: cookie });
    assert.equal(status, 200);
    const router = new Router({});
    const ticket = router.observeTicket(fixtures.INSTANCE, json, NOW);
    assert.equal(ticket.organization.name, fixtures.organizations.get(9).name);
    assert.equal(ticket.requester, fixtures.users.get(501).name);
    assert.equal(ticket.subject, 'Production logs after upgrade');
  });

  it("load the ticket's status and last update for the clean-up", async () => {
    const { status, json } = await get(zd.ticketStatusPath(4713), { Cookie: cookie });
    assert.equal(status, 200);
    assert.equal(json.ticket.status, 'pending');
    assert.ok(Number.isFinite(Date.parse(json.ticket.updated_at)), json.ticket.updated_at);
  });

  it('load every comment page, so the core files each attachment under its ticket by token', async () => {
    const router = new Router({});
    router.observeTicket(fixtures.INSTANCE, (await get(zd.ticketPath(4711), { Cookie: cookie })).json, NOW);
    let next = zd.commentsPath(4711);
    let pages = 0;
    while (next) {
      const { status, json } = await get(next, { Cookie: cookie });
      assert.equal(status, 200, next);
      const sideloaded = new Set(json.users?.map((u) => u.id));
      for (const c of json.comments) assert.ok(sideloaded.has(c.author_id), `${next}: author ${c.author_id} of comment ${c.id} sideloaded`);
      router.observeComments(fixtures.INSTANCE, 4711, json, NOW);
      next = json.next_page;
      pages++;
    }
    assert.ok(pages >= 2, `the mock served ${pages} page(s): pagination is not exercised`);
    const files = fixtures.tickets.get(4711).comments.flatMap((c) => c.attachments);
    assert.equal(files.length, 2);
    for (const file of files) {
      const decision = router.decide({ url: attachmentHref(file.token, file.fileName), filename: file.fileName, timeMs: NOW });
      assert.equal(decision.action, 'route', `${file.fileName}: ${JSON.stringify(decision)}`);
      assert.equal(decision.source, 'tokenIndex', `${file.fileName}: ${JSON.stringify(decision)}`);
      assert.deepEqual(decision.ticket, { instance: fixtures.INSTANCE, id: 4711 });
    }
  });
});
