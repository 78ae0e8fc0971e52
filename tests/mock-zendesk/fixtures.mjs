// Fixture data for the mock Zendesk: instance "acme" (account 1234, also served on its
// host-mapped domain support.example.com) and a second instance "acme-eu" (account 5678) whose
// ticket ids overlap acme's.
//
// Everything here is plain data plus a few helpers so later tests can add tickets:
//   addTicket({id, host?, organizationId, subject, requesterId, status, updatedAt?, comments: [[{fileName, size?, contentType?, token?, inline?, malwareScanResult?}], ...]})
//   addBulkTickets({firstId, tickets, attachmentsPerTicket, organizationId})
//   redactAttachment(token)   an agent redacts an attachment (returns the undo)
// Attachment bytes are deterministic per token: see expectedBytes(token).

import { createHash } from 'node:crypto';

export const INSTANCE = 'acme';
export const ACCOUNT_ID = 1234;
export const AGENT_HOST = `${INSTANCE}.zendesk.com`;
export const CONTENT_HOST = 'p12.zdusercontent.com';
export const OTHER_HOST = 'files.example.org';
export const CREATED_AT = '2026-11-20T09:15:00Z';
/** A host-mapped agent domain of acme: same account and data, its own name and certificate. */
export const MAPPED_HOST = 'support.example.com';
/** A second Zendesk instance, on another pod: its own account, tickets and signed-content host. */
export const EU_INSTANCE = 'acme-eu';
export const EU_ACCOUNT_ID = 5678;
export const EU_HOST = `${EU_INSTANCE}.zendesk.com`;
export const EU_CONTENT_HOST = 'p19.zdusercontent.com';

export const organizations = new Map(); // id -> org
export const users = new Map(); // id -> user
export const tickets = new Map(); // id -> ticket of acme (internal shape, see addTicket)
export const euTickets = new Map(); // id -> ticket of acme-eu
export const attachmentsByToken = new Map(); // token -> {ticketId, commentId, id, fileName, size, contentType, token, instance}

const ACME = { name: INSTANCE, host: AGENT_HOST, accountId: ACCOUNT_ID, contentHost: CONTENT_HOST, tickets, agentUserId: 601 };
const ACME_EU = { name: EU_INSTANCE, host: EU_HOST, accountId: EU_ACCOUNT_ID, contentHost: EU_CONTENT_HOST, tickets: euTickets, agentUserId: 611 };
/** Agent host name -> the instance it serves {name, host, accountId, contentHost, tickets, agentUserId}. */
export const instancesByHost = new Map([
  [AGENT_HOST, ACME],
  [MAPPED_HOST, ACME],
  [EU_HOST, ACME_EU],
]);

/** The instance served on agent host `host` (default acme's). */
export function instanceFor(host = AGENT_HOST) {
  const inst = instancesByHost.get(host.toLowerCase());
  if (!inst) throw new Error(`no Zendesk instance on ${host}`);
  return inst;
}

let nextCommentId = 900000001;
let nextAttachmentId = 700000001;

export function addOrganization(id, name) {
  organizations.set(id, { id, name });
  return organizations.get(id);
}

export function addUser(id, name, { email, role = 'end-user', organizationId = null } = {}) {
  users.set(id, {
    id,
    name,
    email: email ?? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.com`,
    role,
    organizationId,
  });
  return users.get(id);
}

const CONTENT_TYPES = [
  [/\.tar\.gz$|\.tgz$/i, 'application/gzip'],
  [/\.gz$/i, 'application/gzip'],
  [/\.zip$/i, 'application/zip'],
  [/\.png$/i, 'image/png'],
  [/\.jpe?g$/i, 'image/jpeg'],
  [/\.har$|\.json$/i, 'application/json'],
  [/\.log$|\.txt$/i, 'text/plain'],
];

export function contentTypeFor(fileName) {
  for (const [re, type] of CONTENT_TYPES) if (re.test(fileName)) return type;
  return 'application/octet-stream';
}

// A stable, Zendesk-looking token (25 alphanumerics) derived from ticket, comment index,
// attachment index and file name (and the instance, other than acme), so reruns give the same tokens.
export function makeToken(ticketId, commentIndex, attachmentIndex, fileName, instance = INSTANCE) {
  const scope = instance === INSTANCE ? '' : `${instance}/`;
  const h = createHash('sha256').update(`${scope}${ticketId}/${commentIndex}/${attachmentIndex}/${fileName}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 25; i++) s += alphabet[h[i] % alphabet.length];
  return s;
}

/**
 * Add a ticket (to the instance served on `host`, default acme).
 * comments: array of comments; each comment is either an array of attachment specs or
 * {body, public, authorId, createdAt, attachments: [...]}. An attachment spec is a file name or
 * {fileName, size, contentType, token, inline, malwareScanResult}.
 * updatedAt: the API's `updated_at` (ISO 8601; default CREATED_AT + 1 h). malwareScanResult:
 * the attachment's `malware_scan_result` (default `malware_not_found`; e.g. `malware_found`).
 */
export function addTicket({
  id,
  host = AGENT_HOST,
  organizationId = null,
  subject = `Ticket ${id}`,
  requesterId = 501,
  status = 'open',
  updatedAt = null,
  comments = [],
}) {
  const instance = instanceFor(host);
  const t = { id, organizationId, subject, requesterId, status, updatedAt, comments: [] };
  comments.forEach((c, ci) => {
    const spec = Array.isArray(c) ? { attachments: c } : c;
    const comment = {
      id: nextCommentId++,
      authorId: spec.authorId ?? (ci === 0 ? requesterId : 601),
      // The API's `created_at`: given, or CREATED_AT + 10 minutes per comment.
      createdAt: spec.createdAt ?? new Date(Date.parse(CREATED_AT) + (ci + 1) * 600_000).toISOString().replace('.000Z', 'Z'),
      body: spec.body ?? (ci === 0 ? `${subject}\n\nPlease see the attached files.` : `Follow-up ${ci} on ticket ${id}.`),
      public: spec.public ?? true,
      attachments: [],
    };
    (spec.attachments ?? []).forEach((a, ai) => {
      const as = typeof a === 'string' ? { fileName: a } : a;
      const token = as.token ?? makeToken(id, ci, ai, as.fileName, instance.name);
      const att = {
        id: nextAttachmentId++,
        ticketId: id,
        commentId: comment.id,
        fileName: as.fileName,
        size: as.size ?? 24 * 1024 + ((ci * 7 + ai * 13 + id) % 97) * 257,
        contentType: as.contentType ?? contentTypeFor(as.fileName),
        inline: as.inline ?? false,
        malwareScanResult: as.malwareScanResult ?? 'malware_not_found',
        token,
        instance,
      };
      if (attachmentsByToken.has(token)) throw new Error(`duplicate token ${token}`);
      attachmentsByToken.set(token, att);
      comment.attachments.push(att);
    });
    t.comments.push(comment);
  });
  instance.tickets.set(id, t);
  return t;
}

/** Many tickets with many attachments (e.g. 200 attachments over 20 tickets). */
export function addBulkTickets({ firstId = 5000, count = 20, attachmentsPerTicket = 10, attachmentsPerComment = 4, organizationId = 9 } = {}) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    const comments = [];
    for (let a = 0; a < attachmentsPerTicket; a += attachmentsPerComment) {
      const n = Math.min(attachmentsPerComment, attachmentsPerTicket - a);
      comments.push(Array.from({ length: n }, (_, k) => ({ fileName: `bulk_${id}_${a + k + 1}.log`, size: 4096 + (a + k) * 31 })));
    }
    out.push(addTicket({ id, organizationId, subject: `Bulk ticket ${id}`, comments }));
  }
  return out;
}

// ---- deterministic attachment bytes -------------------------------------------------------

/**
 * An agent redacts the attachment `token` (Zendesk's "Redact Comment Attachment": "the
 * attachment is replaced with an empty 'redacted.txt' file"): its comment lists an empty
 * `redacted.txt` under a new token instead, and the old token URL answers 404 like any
 * token Zendesk does not know. Returns the undo.
 */
export function redactAttachment(token) {
  const a = attachmentsByToken.get(token);
  const { attachments } = tickets.get(a.ticketId).comments.find((c) => c.id === a.commentId);
  const i = attachments.indexOf(a);
  const redacted = { ...a, fileName: 'redacted.txt', size: 0, contentType: 'text/plain', token: `${token}R` };
  attachments[i] = redacted;
  attachmentsByToken.delete(token);
  attachmentsByToken.set(redacted.token, redacted);
  return () => {
    attachments[i] = a;
    attachmentsByToken.delete(redacted.token);
    attachmentsByToken.set(token, a);
  };
}

/** The bytes served for an attachment token (header line naming the token, then filler). */
export function bytesFor(token, size) {
  const header = Buffer.from(`zd-mock attachment token=${token} size=${size}\n`);
  const filler = Buffer.from(`${token}:0123456789abcdefghijklmnopqrstuvwxyz\n`);
  const buf = Buffer.alloc(size);
  const n = header.copy(buf, 0, 0, Math.min(header.length, size));
  for (let off = n; off < size; off += filler.length) filler.copy(buf, off, 0, Math.min(filler.length, size - off));
  return buf;
}

export function expectedBytes(token) {
  const a = attachmentsByToken.get(token);
  if (!a) throw new Error(`unknown attachment token ${token}`);
  return bytesFor(token, a.size);
}

export const TOOL_BIN_SIZE = 10_000;
/** Bytes of https://files.example.org/tool.bin */
export function expectedToolBytes() {
  return bytesFor('files.example.org/tool.bin', TOOL_BIN_SIZE);
}

/** Find attachments of a ticket (of the instance on `host`, default acme) by file name (in comment order). */
export function attachmentsOf(ticketId, fileName, { host = AGENT_HOST } = {}) {
  const t = instanceFor(host).tickets.get(Number(ticketId));
  if (!t) throw new Error(`unknown ticket ${ticketId} on ${host}`);
  return t.comments.flatMap((c) => c.attachments).filter((a) => fileName === undefined || a.fileName === fileName);
}

/** The single attachment `fileName` of a ticket (the nth occurrence, 1-based; {host} as attachmentsOf). */
export function attachment(ticketId, fileName, occurrence = 1, { host = AGENT_HOST } = {}) {
  const list = attachmentsOf(ticketId, fileName, { host });
  const a = list[occurrence - 1];
  if (!a) throw new Error(`ticket ${ticketId} on ${host} has no attachment ${fileName} #${occurrence}`);
  return a;
}

// ---- the standard fixtures --------------------------------------------------------------

addOrganization(9, 'ACME Corp.');
addOrganization(10, 'Globex');
addOrganization(11, 'Initech');

addUser(501, 'Jane Doe', { organizationId: 9 });
addUser(502, 'Hank Scorpio', { organizationId: 10 });
addUser(503, 'Peter Gibbons', { organizationId: 11 });
addUser(504, 'Pat Nobody');
addUser(601, 'Alex Agent', { email: 'alex.agent@acme.example', role: 'agent' });

export const AGENT_USER_ID = 601;

addTicket({
  id: 4711,
  organizationId: 9,
  subject: 'Production logs after upgrade',
  requesterId: 501,
  status: 'open',
  comments: [
    { body: 'After the upgrade to 17.2 the pipelines hang. Logs attached.', attachments: [{ fileName: 'production_log.tar.gz', size: 48 * 1024 + 17 }] },
    { body: 'Thanks, could you also send a gitlabsos archive?', authorId: 601, attachments: [] },
    { body: 'Here it is.', attachments: [{ fileName: 'gitlabsos.tar.gz', size: 96 * 1024 + 5 }] },
  ],
});

addTicket({
  id: 4712,
  organizationId: null,
  subject: 'Login page broken',
  requesterId: 504,
  status: 'new',
  comments: [{ body: 'See screenshot.', attachments: [{ fileName: 'screenshot.png', size: 20 * 1024 + 3 }] }],
});

addTicket({
  id: 4713,
  organizationId: 10,
  subject: 'Slow merge requests',
  requesterId: 502,
  status: 'pending',
  comments: [
    { body: 'Our MRs take minutes to load.', attachments: [{ fileName: 'production_log.tar.gz', size: 40 * 1024 + 99 }] },
    { body: 'HAR file from the browser.', attachments: [{ fileName: 'network.har', size: 30 * 1024 + 1 }] },
  ],
});

addTicket({
  id: 4714,
  organizationId: 9,
  subject: 'Duplicate log names',
  requesterId: 501,
  status: 'open',
  comments: [
    { body: 'First log.', attachments: [{ fileName: 'dup.log', size: 12 * 1024 + 11 }] },
    { body: 'Second log, same name.', attachments: [{ fileName: 'dup.log', size: 14 * 1024 + 7 }] },
  ],
});

addTicket({
  id: 4799,
  organizationId: 11,
  subject: 'TPS report export fails',
  requesterId: 503,
  status: 'open',
  comments: [{ body: 'Bundle attached.', attachments: [{ fileName: 'support_bundle.zip', size: 22 * 1024 + 5 }] }],
});

addTicket({
  id: 4798,
  organizationId: 11,
  subject: 'Export hangs',
  requesterId: 503,
  status: 'open',
  comments: [{ body: 'Slow bundle.', attachments: [{ fileName: 'slow_bundle.zip', size: 9 * 1024 + 3 }] }],
});

// ---- the second instance (acme-eu): ticket 4711 again, another organization -----------------

addOrganization(21, 'ACME Europe GmbH');
addUser(521, 'Jonas Weber', { organizationId: 21 });
addUser(611, 'Alex Agent', { email: 'alex.agent@acme-eu.example', role: 'agent' });

export const EU_AGENT_USER_ID = 611;

addTicket({
  id: 4711,
  host: EU_HOST,
  organizationId: 21,
  subject: 'Runner stuck after migration',
  requesterId: 521,
  status: 'open',
  comments: [
    { body: 'Since the migration our runners stay pending. Logs attached.', attachments: [{ fileName: 'production_log.tar.gz', size: 52 * 1024 + 29 }] },
    { body: 'And the runner configuration.', attachments: [{ fileName: 'runner_config.toml', size: 6 * 1024 + 11 }] },
  ],
});

// ---- hostile fixtures (tests/e2e/hostile.test.mjs) -----------------------------------------

/**
 * Tickets whose organization names, subjects and attachment file names are hostile input
 * (tests/fixtures/hostile-names). Not added by default: the hostile E2E test calls this before
 * it starts the mock. specs: [{id, organization: {id, name} | null, subject, files: [name]}];
 * each file becomes one attachment of its own comment. Returns the tickets.
 */
export function addHostileTickets(specs) {
  return specs.map(({ id, organization, subject, files }) => {
    if (tickets.has(id)) throw new Error(`ticket ${id} exists already`);
    if (organization) addOrganization(organization.id, organization.name);
    return addTicket({
      id,
      organizationId: organization ? organization.id : null,
      subject,
      requesterId: 504,
      status: 'open',
      comments: files.map((fileName, i) => ({
        body: `Hostile attachment ${i + 1}.`,
        attachments: [{ fileName, size: 3 * 1024 + id % 97 + i * 7, contentType: 'application/octet-stream' }],
      })),
    });
  });
}
