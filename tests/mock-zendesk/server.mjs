// Mock Zendesk: one HTTPS server on 127.0.0.1 (free port) that dispatches on the Host header.
//
//   acme.zendesk.com        agent UI (SPA), API v2, attachment token URLs (302 to p12)
//   support.example.com     the same for acme's host-mapped domain (links on its own name;
//                           its own certificate, chosen by SNI)
//   acme-eu.zendesk.com     a second instance (account 5678): the same, with its own tickets
//   p12.zdusercontent.com   signed attachment bytes of acme (the second origin)
//   p19.zdusercontent.com   signed attachment bytes of acme-eu
//   files.example.org       a non-Zendesk site with a plain download (/tool.bin)
//   127.0.0.1 / localhost   admin API: /__mock/faults, /__mock/log, /__mock/fixtures
//
// Browsers reach it by name: Chromium through --host-resolver-rules, Firefox through
// proxy.mjs (HTTP CONNECT). The certificates are self-signed and made at start.
//
// Usage:  import { startMock } from './server.mjs';  const mock = await startMock();
//         node tests/mock-zendesk/server.mjs   (standalone; prints the port)

import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import * as fx from './fixtures.mjs';
import { agentHtml, loginHtml } from './agent-ui.mjs';

export { expectedBytes, expectedToolBytes, attachment, attachmentsOf, fx as fixtures };

const { AGENT_HOST, MAPPED_HOST, OTHER_HOST, expectedBytes, expectedToolBytes, attachment, attachmentsOf } = fx;
const ADMIN_HOSTS = new Set(['127.0.0.1', 'localhost']);
const SESSION_COOKIE = '_zendesk_session';
const SIGNED_URL_TTL_MS = 10 * 60 * 1000;

export const API_FAULTS = ['api-500', 'api-429', 'api-hang', 'api-401', 'api-login-html', 'api-malformed-json', 'api-no-org-sideload', 'api-slow'];
export const TOKEN_FAULTS = ['attachment-404', 'attachment-reset'];

// IP/localhost entries of the default certificate let the test process reach the admin API
// with the cert as CA.
const DEFAULT_SAN = 'DNS:*.zendesk.com,DNS:*.zdusercontent.com,DNS:*.example.org,DNS:localhost,IP:127.0.0.1';

function makeCert(dir, name = 'cert', cn = 'mock', san = DEFAULT_SAN) {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', key, '-out', cert, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`],
    { stdio: 'ignore' },
  );
  return { key, cert };
}

function iso(offsetMinutes = 0) {
  return new Date(Date.parse(fx.CREATED_AT) + offsetMinutes * 60000).toISOString().replace('.000Z', 'Z');
}

function parseCookies(header = '') {
  const out = {};
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Content-Disposition with an ASCII fallback and RFC 5987 filename* for non-ASCII names. */
export function contentDisposition(fileName) {
  const ascii = /^[\x20-\x7e]*$/.test(fileName);
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  let v = `attachment; filename="${fallback}"`;
  if (!ascii) v += `; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
  return v;
}

/** The token URL of an attachment as the agent UI and API on agent host `host` link it. */
export function attachmentHref(token, fileName, host = AGENT_HOST) {
  return `https://${host}/attachments/token/${token}/?name=${encodeURIComponent(fileName)}`;
}

// ---- JSON shapes (Zendesk API v2) --------------------------------------------------------
// `host` is the agent host the request came to: URLs in the answer name it.

function apiUrl(host, p) {
  return `https://${host}/api/v2${p}`;
}

function orgJson(o, host) {
  return {
    url: apiUrl(host, `/organizations/${o.id}.json`),
    id: o.id,
    name: o.name,
    shared_tickets: false,
    shared_comments: false,
    external_id: null,
    created_at: iso(-100000),
    updated_at: iso(-1000),
    domain_names: [],
    details: '',
    notes: '',
    group_id: null,
    tags: [],
    organization_fields: {},
  };
}

function userJson(u, host) {
  return {
    id: u.id,
    url: apiUrl(host, `/users/${u.id}.json`),
    name: u.name,
    email: u.email,
    created_at: iso(-50000),
    updated_at: iso(-500),
    time_zone: 'UTC',
    iana_time_zone: 'Etc/UTC',
    locale: 'en-US',
    locale_id: 1,
    organization_id: u.organizationId,
    role: u.role,
    verified: true,
    active: true,
    suspended: false,
    photo: null,
    tags: [],
    user_fields: {},
  };
}

function ticketJson(t, host) {
  return {
    url: apiUrl(host, `/tickets/${t.id}.json`),
    id: t.id,
    external_id: null,
    via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
    created_at: iso(0),
    updated_at: t.updatedAt ?? iso(60),
    generated_timestamp: Math.floor(Date.parse(t.updatedAt ?? iso(60)) / 1000),
    type: null,
    subject: t.subject,
    raw_subject: t.subject,
    description: t.comments[0]?.body ?? '',
    priority: null,
    status: t.status,
    recipient: null,
    requester_id: t.requesterId,
    submitter_id: t.requesterId,
    assignee_id: fx.instanceFor(host).agentUserId,
    organization_id: t.organizationId,
    group_id: 360000001,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: [],
    custom_fields: [],
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    custom_status_id: 1,
    fields: [],
    followup_ids: [],
    ticket_form_id: 1,
    brand_id: 1,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

function attachmentJson(a, host) {
  return {
    url: apiUrl(host, `/attachments/${a.id}.json`),
    id: a.id,
    file_name: a.fileName,
    content_url: attachmentHref(a.token, a.fileName, host),
    mapped_content_url: attachmentHref(a.token, a.fileName, host),
    content_type: a.contentType,
    size: a.size,
    width: null,
    height: null,
    inline: a.inline,
    deleted: false,
    malware_access_override: false,
    malware_scan_result: a.malwareScanResult ?? 'malware_not_found',
    thumbnails: [],
  };
}

/** A comment as List Comments gives it; inline images only with `include_inline_images=true`. */
function commentJson(c, host, inlineImages) {
  return {
    id: c.id,
    type: 'Comment',
    author_id: c.authorId,
    body: c.body,
    html_body: `<div class="zd-comment" dir="auto">${c.body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</div>`,
    plain_body: c.body,
    public: c.public,
    attachments: c.attachments.filter((a) => inlineImages || !a.inline).map((a) => attachmentJson(a, host)),
    audit_id: c.id + 1000000,
    via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
    created_at: c.createdAt,
    metadata: { system: {}, custom: {} },
  };
}

function sideloads(ticketList, include, host) {
  const out = {};
  if (include.has('organizations')) {
    const ids = [...new Set(ticketList.map((t) => t.organizationId).filter((x) => x != null))];
    out.organizations = ids.map((id) => fx.organizations.get(id)).filter(Boolean).map((o) => orgJson(o, host));
  }
  if (include.has('users')) {
    const ids = [...new Set(ticketList.flatMap((t) => [t.requesterId, fx.instanceFor(host).agentUserId]))];
    out.users = ids.map((id) => fx.users.get(id)).filter(Boolean).map((u) => userJson(u, host));
  }
  return out;
}

// ---- the server --------------------------------------------------------------------------

/**
 * Start the mock.
 * @param {{commentsPerPage?: number, verbose?: boolean}} [opts]
 * @returns {Promise<{port:number, caPath:string, certPath:string, keyPath:string, host:string,
 *   url:(host:string, p?:string)=>string, adminUrl:(p:string)=>string,
 *   setFaults:(o:object)=>void, resetFaults:()=>void, faults:()=>object,
 *   log:()=>object[], clearLog:()=>void, close:()=>Promise<void>}>}
 */
export async function startMock({ commentsPerPage = 2, verbose = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mock-zendesk-'));
  const { key, cert } = makeCert(dir);
  const mapped = makeCert(dir, 'mapped', MAPPED_HOST, `DNS:${MAPPED_HOST}`);
  const mappedContext = tls.createSecureContext({ key: fs.readFileSync(mapped.key), cert: fs.readFileSync(mapped.cert) });

  // Session ids, each valid only on the agent host that set it (like real Zendesk's cookie).
  const sessions = new Set();
  const sessionHost = new Map();
  const hasSession = (req, host) => {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    return sessions.has(sid) && (sessionHost.get(sid) ?? host) === host;
  };
  const signed = new Map(); // signed token -> {token, expires}
  const faults = new Map(); // key (ticket id or attachment token) -> {fault, count?}
  const requestLog = [];
  const hanging = new Set();
  let seq = 0;

  function setFaults(obj) {
    for (const [k, v] of Object.entries(obj ?? {})) {
      if (v == null || v === 'none') {
        faults.delete(String(k));
        continue;
      }
      const spec = typeof v === 'string' ? { fault: v } : { ...v };
      if (![...API_FAULTS, ...TOKEN_FAULTS].includes(spec.fault)) throw new Error(`unknown fault ${spec.fault} (known: ${[...API_FAULTS, ...TOKEN_FAULTS].join(', ')})`);
      if (spec.fault === 'api-429' && spec.count == null) spec.count = 2;
      faults.set(String(k), spec);
    }
  }
  function resetFaults() {
    faults.clear();
  }

  function send(res, status, body, headers = {}) {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    res.writeHead(status, { 'Content-Length': buf.length, ...headers });
    res.end(buf);
  }
  function sendJson(res, status, obj, headers = {}) {
    send(res, status, JSON.stringify(obj), { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  }
  function sendHtml(res, status, html, headers = {}) {
    send(res, status, html, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
  }
  function rateHeaders() {
    return { 'X-Rate-Limit': '700', 'X-Rate-Limit-Remaining': '699', 'Cache-Control': 'no-cache, private' };
  }
  function notFound(res) {
    sendJson(res, 404, { error: 'RecordNotFound', description: 'Not found' }, rateHeaders());
  }

  // Apply an API fault for ticket `id`; returns true when the response was handled.
  function applyApiFault(res, id) {
    const f = faults.get(String(id));
    if (!f || !API_FAULTS.includes(f.fault)) return false;
    switch (f.fault) {
      case 'api-500':
        sendJson(res, 500, { error: 'InternalError', description: 'Something went wrong' });
        return true;
      case 'api-429':
        if (f.count > 0) {
          f.count--;
          sendJson(res, 429, { error: 'TooManyRequests', description: 'You have exceeded the rate limit' }, {
            'Retry-After': String(f.retryAfter ?? 1),
            'X-Rate-Limit': '700',
            'X-Rate-Limit-Remaining': '0',
          });
          return true;
        }
        return false;
      case 'api-hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      case 'api-401':
        sendJson(res, 401, { error: "Couldn't authenticate you" });
        return true;
      case 'api-login-html':
        sendHtml(res, 200, loginHtml());
        return true;
      case 'api-malformed-json':
        send(res, 200, `{"ticket":{"id":${id},"subject":"trunc`, { 'Content-Type': 'application/json; charset=utf-8' });
        return true;
      case 'api-slow': {
        // {"fault":"api-slow","ms":N}: answer normally after N ms (default 3000).
        if (res.__slowDone) return false;
        hanging.add(res);
        const timer = setTimeout(() => {
          hanging.delete(res);
          res.__slowDone = true;
          if (!res.destroyed) res.__retry();
        }, f.ms ?? 3000);
        res.on('close', () => {
          clearTimeout(timer);
          hanging.delete(res);
        });
        return true;
      }
      default:
        return false; // api-no-org-sideload is handled by the endpoint
    }
  }

  function handleApi(req, res, url, host) {
    res.__retry = () => handleApi(req, res, url, host);
    const tickets = fx.instanceFor(host).tickets;
    if (!hasSession(req, host)) {
      sendJson(res, 401, { error: "Couldn't authenticate you" });
      return;
    }
    const p = url.pathname;
    const include = new Set((url.searchParams.get('include') ?? '').split(',').filter(Boolean));
    let m;
    if (p === '/api/v2/users/me.json') {
      sendJson(res, 200, { user: userJson(fx.users.get(fx.instanceFor(host).agentUserId), host) }, rateHeaders());
    } else if ((m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const id = Number(m[1]);
      if (applyApiFault(res, id)) return;
      const t = tickets.get(id);
      if (!t) return notFound(res);
      const f = faults.get(String(id));
      const side = f?.fault === 'api-no-org-sideload' ? {} : sideloads([t], include, host);
      sendJson(res, 200, { ticket: ticketJson(t, host), ...side }, rateHeaders());
    } else if ((m = /^\/api\/v2\/tickets\/(\d+)\/comments\.json$/.exec(p))) {
      const id = Number(m[1]);
      if (applyApiFault(res, id)) return;
      const t = tickets.get(id);
      if (!t) return notFound(res);
      const perPage = Math.max(1, Math.min(100, Number(url.searchParams.get('per_page')) || commentsPerPage));
      const page = Math.max(1, Number(url.searchParams.get('page')) || 1);
      const inlineImages = url.searchParams.get('include_inline_images') === 'true';
      const all = t.comments.map((c) => commentJson(c, host, inlineImages));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      // Like Zendesk's, the page links keep the sideloads and options asked for.
      const sideload = (include.size ? `&include=${[...include].join(',')}` : '') + (inlineImages ? '&include_inline_images=true' : '');
      const pageUrl = (n) => apiUrl(host, `/tickets/${id}/comments.json?page=${n}&per_page=${perPage}${sideload}`);
      const body = {
        comments: slice,
        next_page: page * perPage < all.length ? pageUrl(page + 1) : null,
        previous_page: page > 1 ? pageUrl(page - 1) : null,
        count: all.length,
      };
      if (include.has('users')) {
        const ids = [...new Set(slice.map((c) => c.author_id))];
        body.users = ids.map((uid) => fx.users.get(uid)).filter(Boolean).map((u) => userJson(u, host));
      }
      sendJson(res, 200, body, rateHeaders());
    } else if (p === '/api/v2/tickets/show_many.json') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean).map(Number);
      for (const id of ids) if (applyApiFault(res, id)) return;
      const list = ids.map((id) => tickets.get(id)).filter(Boolean);
      sendJson(res, 200, { tickets: list.map((t) => ticketJson(t, host)), ...sideloads(list, include, host), next_page: null, previous_page: null, count: list.length }, rateHeaders());
    } else if ((m = /^\/api\/v2\/organizations\/(\d+)\.json$/.exec(p))) {
      const o = fx.organizations.get(Number(m[1]));
      if (!o) return notFound(res);
      sendJson(res, 200, { organization: orgJson(o, host) }, rateHeaders());
    } else if ((m = /^\/api\/v2\/users\/(\d+)\.json$/.exec(p))) {
      const u = fx.users.get(Number(m[1]));
      if (!u) return notFound(res);
      sendJson(res, 200, { user: userJson(u, host) }, rateHeaders());
    } else {
      sendJson(res, 404, { error: 'InvalidEndpoint', description: 'Not found' });
    }
  }

  function uiTicket(id, host = AGENT_HOST) {
    const t = fx.instanceFor(host).tickets.get(id);
    if (!t) return null;
    const org = t.organizationId != null ? fx.organizations.get(t.organizationId) : null;
    const req = fx.users.get(t.requesterId);
    return {
      id: t.id,
      subject: t.subject,
      status: t.status,
      organization: org ? { id: org.id, name: org.name } : null,
      requester: req ? { id: req.id, name: req.name } : null,
      comments: t.comments.map((c) => ({
        id: c.id,
        body: c.body,
        author_name: fx.users.get(c.authorId)?.name ?? 'Unknown',
        attachments: c.attachments.map((a) => ({ id: a.id, file_name: a.fileName, size: a.size, href: attachmentHref(a.token, a.fileName, host) })),
      })),
    };
  }

  function handleAgentHost(req, res, url, host) {
    const p = url.pathname;
    const inst = fx.instanceFor(host);
    let m;
    if (p.startsWith('/api/')) return handleApi(req, res, url, host);
    if (p === '/agent' || p === '/agent/' || p.startsWith('/agent/dashboard') || /^\/agent\/tickets\/\d+(\/.*)?$/.test(p)) {
      const headers = {};
      if (!hasSession(req, host)) {
        const sid = randomBytes(16).toString('hex');
        sessions.add(sid);
        sessionHost.set(sid, host);
        headers['Set-Cookie'] = `${SESSION_COOKIE}=${sid}; Path=/; Secure; HttpOnly; SameSite=None`;
      }
      return sendHtml(res, 200, agentHtml({ ticketIds: [...inst.tickets.keys()], instance: inst.name }), { ...headers, 'Cache-Control': 'no-store' });
    }
    if ((m = /^\/__mock\/ui\/tickets\/(\d+)$/.exec(p))) {
      const t = uiTicket(Number(m[1]), host);
      return t ? sendJson(res, 200, t) : sendJson(res, 404, { error: 'not found' });
    }
    if ((m = /^\/attachments\/token\/([A-Za-z0-9_-]+)\/?$/.exec(p))) {
      const token = m[1];
      const a = fx.attachmentsByToken.get(token);
      const f = faults.get(token);
      if (a?.instance !== inst || f?.fault === 'attachment-404') return sendHtml(res, 404, '<!doctype html><title>404</title><h1>The page you were looking for doesn\'t exist.</h1>');
      const s = randomBytes(36).toString('base64url');
      signed.set(s, { token, expires: Date.now() + SIGNED_URL_TTL_MS });
      const location = `https://${inst.contentHost}/attachment/${inst.accountId}/${token}?token=${s}`;
      return send(res, 302, `<html><body>You are being <a href="${location}">redirected</a>.</body></html>`, {
        Location: location,
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
      });
    }
    if (p === '/favicon.ico') return send(res, 404, '');
    return sendHtml(res, 404, '<!doctype html><title>404</title><h1>Not found</h1>');
  }

  function handleContentHost(req, res, url, host) {
    const m = /^\/attachment\/(\d+)\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    const token = m?.[2];
    const a = fx.attachmentsByToken.get(token);
    const f = faults.get(token);
    if (!a || a.instance.contentHost !== host || a.instance.accountId !== Number(m[1]) || f?.fault === 'attachment-404') return send(res, 404, 'Not found', { 'Content-Type': 'text/plain' });
    const s = signed.get(url.searchParams.get('token') ?? '');
    if (!s || s.token !== token || s.expires < Date.now()) return send(res, 403, 'Access denied: the link has expired', { 'Content-Type': 'text/plain' });
    const bytes = expectedBytes(token);
    const headers = {
      'Content-Type': a.contentType,
      'Content-Length': bytes.length,
      'Content-Disposition': contentDisposition(a.fileName),
      'Cache-Control': 'private, max-age=0',
      'X-Content-Type-Options': 'nosniff',
    };
    // {"fault":"attachment-reset","after":N}: the first N fetches of the file get all of it,
    // every later one half of it and then a reset connection (N defaults to 0).
    if (f?.fault === 'attachment-reset') f.fetches = (f.fetches ?? 0) + 1;
    if (f?.fault === 'attachment-reset' && f.fetches > (f.after ?? 0)) {
      res.writeHead(200, headers);
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      setTimeout(() => res.socket?.destroy(), 100);
      return;
    }
    res.writeHead(200, headers);
    res.end(bytes);
  }

  function handleOtherHost(req, res, url) {
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return sendHtml(res, 200, `<!doctype html><html><head><meta charset="utf-8"><title>Files</title></head>
<body><h1>Some vendor's download page</h1>
<p><a id="tool-link" data-testid="tool-link" href="/tool.bin">tool.bin</a></p></body></html>`);
    }
    if (url.pathname === '/tool.bin') {
      return send(res, 200, expectedToolBytes(), {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': 'attachment; filename="tool.bin"',
      });
    }
    return sendHtml(res, 404, '<!doctype html><title>404</title>Not found');
  }

  function handleAdmin(req, res, url) {
    const p = url.pathname;
    const readBody = () =>
      new Promise((resolve, reject) => {
        let s = '';
        req.setEncoding('utf8');
        req.on('data', (d) => (s += d));
        req.on('end', () => resolve(s));
        req.on('error', reject);
      });
    if (p === '/__mock/log') {
      if (req.method === 'DELETE') {
        requestLog.length = 0;
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 200, requestLog);
    }
    if (p === '/__mock/faults') {
      if (req.method === 'DELETE') {
        resetFaults();
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === 'POST' || req.method === 'PUT') {
        return readBody().then((b) => {
          try {
            setFaults(JSON.parse(b || '{}'));
            sendJson(res, 200, Object.fromEntries(faults));
          } catch (e) {
            sendJson(res, 400, { error: String(e.message ?? e) });
          }
        });
      }
      return sendJson(res, 200, Object.fromEntries(faults));
    }
    if (p === '/__mock/fixtures') {
      return sendJson(res, 200, [...fx.tickets.keys()].map((id) => uiTicket(id)));
    }
    return sendJson(res, 404, { error: 'unknown admin endpoint' });
  }

  const SNICallback = (name, cb) => cb(null, name.toLowerCase() === MAPPED_HOST ? mappedContext : undefined);
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), SNICallback }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    let url;
    try {
      url = new URL(req.url, `https://${host || 'invalid'}`);
    } catch {
      return send(res, 400, 'bad request');
    }
    if (ADMIN_HOSTS.has(host)) return handleAdmin(req, res, url);

    const entry = { seq: ++seq, time: Date.now(), host, method: req.method, path: req.url, status: null, aborted: false };
    requestLog.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => {
      entry.status ??= res.statusCode;
      if (!res.writableFinished) entry.aborted = true;
    });
    if (verbose) console.error(`[mock] ${req.method} ${host}${req.url}`);

    if (fx.instancesByHost.has(host)) return handleAgentHost(req, res, url, host);
    if (host.endsWith('.zendesk.com')) return sendHtml(res, 404, '<h1>Help Center Closed</h1>'); // unknown instance
    if ([...fx.instancesByHost.values()].some((i) => i.contentHost === host)) return handleContentHost(req, res, url, host);
    if (host === OTHER_HOST) return handleOtherHost(req, res, url);
    return send(res, 421, 'misdirected request', { 'Content-Type': 'text/plain' });
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;

  return {
    port,
    host: '127.0.0.1',
    caPath: cert,
    certPath: cert,
    keyPath: key,
    /** URL as the browser sees it (host name, default port 443; mapped to the mock). */
    url: (h, p = '/') => `https://${h}${p.startsWith('/') ? p : '/' + p}`,
    adminUrl: (p) => `https://127.0.0.1:${port}${p}`,
    setFaults,
    resetFaults,
    faults: () => Object.fromEntries(faults),
    log: () => requestLog.map((e) => ({ ...e })),
    clearLog: () => (requestLog.length = 0),
    sessions,
    close: async () => {
      for (const r of hanging) r.destroy?.();
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- log helpers for tests ---------------------------------------------------------------

/** Log entries for the API of one ticket (ticket.json, comments.json, show_many containing it) on agent host `host`. */
export function apiCallsFor(log, ticketId, host = AGENT_HOST) {
  return log.filter(
    (e) =>
      e.host === host &&
      (e.path.startsWith(`/api/v2/tickets/${ticketId}.json`) ||
        e.path.startsWith(`/api/v2/tickets/${ticketId}/`) ||
        (e.path.startsWith('/api/v2/tickets/show_many.json') && new URL(e.path, 'https://x').searchParams.get('ids')?.split(',').includes(String(ticketId)))),
  );
}

/** [redirect entry, content entry] pairs showing token -> 302 on its agent host (default acme's) -> 200 on its pNN. */
export function attachmentFetches(log, token, host = AGENT_HOST) {
  const { contentHost, accountId } = fx.instanceFor(host);
  const redirects = log.filter((e) => e.host === host && e.path.startsWith(`/attachments/token/${token}/`));
  const contents = log.filter((e) => e.host === contentHost && e.path.startsWith(`/attachment/${accountId}/${token}?`));
  return { redirects, contents };
}

// ---- standalone -------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mock = await startMock({ verbose: process.argv.includes('--verbose') });
  console.log(`mock zendesk listening on https://127.0.0.1:${mock.port} (cert ${mock.caPath})`);
  console.log(`PORT=${mock.port}`);
  console.log(`chromium: --host-resolver-rules="MAP *.zendesk.com 127.0.0.1:${mock.port}, MAP *.zdusercontent.com 127.0.0.1:${mock.port}, MAP *.example.org 127.0.0.1:${mock.port}, MAP ${MAPPED_HOST} 127.0.0.1:${mock.port}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost" --ignore-certificate-errors`);
  const stop = () => mock.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
