// zd-dl-router's message protocol: every runtime message, who may send it, who handles it,
// what it carries and what it answers — one table, used by senders and receivers alike.
//
// Senders build messages with `zdProtocol.message(type, fields)`, which refuses a type the
// table does not have. Receivers install `zdProtocol.listen(api, receiver, handlers)`, which
// checks at start-up that every handler is one the table gives this receiver, and at each
// message that the sender is the one the table allows and the request has its fields. So a
// content script (any web page it runs in may be hostile) cannot ask for what only the
// extension's own pages may (deleting files, Download all, the popup's state).
//
// A classic script (content scripts and pages load it with a <script> tag or the manifest;
// the worker imports it for its effect): it defines `globalThis.zdProtocol`.

(() => {
  /** Who sends or receives: the service worker / event page, a content script of an agent tab, an extension page. */
  const WORKER = 'worker';
  const CONTENT = 'content';
  const PAGE = 'page';
  const DESCRIBED = { [WORKER]: 'the worker', [CONTENT]: 'a content script', [PAGE]: 'an extension page' };

  // request: field → type ('string' | 'number' | 'boolean' | 'array' | 'object'), `?` = optional.
  // reply: what the handler resolves to (documentation); a handler that throws answers {error}.
  const MESSAGES = {
    // ---- content script → worker ----
    page: {
      from: CONTENT, to: WORKER, request: { url: 'string' },
      reply: '{ticketId?, load?}: the ticket the agent page shows, and whether to load its details',
    },
    ticketData: {
      from: CONTENT, to: WORKER,
      request: { url: 'string', ticketId: 'number', ticket: 'object?', comments: 'array?', error: 'string?' },
      reply: '{}: the ticket JSON and comment pages a content script loaded, or why it could not',
    },
    links: {
      from: CONTENT, to: WORKER, request: { url: 'string', links: 'array' },
      reply: '{}: attachment links visible on the agent page at `url`',
    },
    saved: {
      from: CONTENT, to: WORKER, request: { links: 'array' },
      reply: '{saved: [{href, downloadId, folder}]}: the links saved in their ticket folder and still there (✓ marks)',
    },
    show: {
      from: CONTENT, to: WORKER, request: { downloadId: 'number' },
      reply: '{}: shows a file a ✓ mark was given',
    },
    download: {
      from: CONTENT, to: WORKER, request: { url: 'string', pageUrl: 'string' },
      reply: '{started}: an attachment link was clicked (Firefox: the worker downloads it routed; not started → the page replays the click)',
    },

    // ---- extension page → worker ----
    state: {
      from: PAGE, to: WORKER, request: {},
      reply: '{coreLoaded, problem, view}: the popup\'s view of the front agent tab',
    },
    downloadAll: {
      from: PAGE, to: WORKER, request: { force: 'boolean?' },
      reply: '{started: true}: Download all for the ticket in the front agent tab',
    },
    confirmAttachment: {
      from: PAGE, to: WORKER, request: { attachmentId: 'number' },
      reply: '{}: download an attachment Download all held back for confirmation',
    },
    historyFiles: {
      from: PAGE, to: WORKER, request: { keys: 'array' },
      reply: '{files: [{key, downloadId?, gone}]}: whether history entries\' files are still on disk',
    },
    organizations: {
      from: PAGE, to: WORKER, request: {},
      reply: '{organizations: [name]}: the organization names seen, for the alias editor',
    },
    cleanupReview: {
      from: PAGE, to: WORKER, request: {},
      reply: '{reviews}: what retention would delete and keep, and why',
    },
    cleanupRun: {
      from: PAGE, to: WORKER, request: { keys: 'array' },
      reply: '{deleted, kept, emptiedFolders}: deletes the reviewed files with these keys',
    },
    cleanupForget: {
      from: PAGE, to: WORKER, request: { keys: 'array' },
      reply: '{forgotten}: drops the records of files that are gone',
    },
    helperStatus: {
      from: PAGE, to: WORKER, request: {},
      reply: '{command, hello}: the command that installs the local helper for this browser, and its answer to hello (or why there is none)',
    },

    // ---- worker → content script (tabs.sendMessage) ----
    lookup: {
      from: WORKER, to: CONTENT, request: { lookup: 'object', fresh: 'boolean?' },
      reply: '{tickets: [{ticketId, ticket, comments}]} or {error}: load a ticket through the agent\'s session',
    },
    status: {
      from: WORKER, to: CONTENT, request: { ticketIds: 'array' },
      reply: '{answers: [{ticketId, response?, error?}]}: read tickets\' status for retention',
    },
    comments: {
      from: WORKER, to: CONTENT, request: { ticketIds: 'array' },
      reply: '{answers: [{ticketId, comments?, error?}]}: walk tickets\' comment pages for retention (redacted attachments)',
    },
    savedChanged: {
      from: WORKER, to: CONTENT, request: {},
      reply: '{}: saved files changed; the content script asks `saved` again for the ✓ marks',
    },
  };

  const TYPES = { string: 'string', number: 'number', boolean: 'boolean' };

  /** Why `fields` do not fit `request` (a field missing or of the wrong type), or null. */
  function misfit(request, fields) {
    for (const [name, spec] of Object.entries(request)) {
      const optional = spec.endsWith('?');
      const type = optional ? spec.slice(0, -1) : spec;
      const value = fields?.[name];
      if (value === undefined || value === null) {
        if (optional) continue;
        return `"${name}" is missing`;
      }
      const fits = type === 'array' ? Array.isArray(value)
        : type === 'object' ? typeof value === 'object' && !Array.isArray(value)
          : typeof value === TYPES[type];
      if (!fits) return `"${name}" is not a ${type}`;
    }
    return null;
  }

  /** A message of `type` carrying `fields`; throws for a type the table does not have. */
  function message(type, fields = {}) {
    if (!Object.hasOwn(MESSAGES, type)) throw new Error(`zd-dl-router: no message type "${type}"`);
    return { ...fields, type };
  }

  /**
   * Installs `handlers` (type → async (message, sender) => reply) as `receiver`'s runtime
   * message listener. `senderOf(sender)` says who sent a message (WORKER, CONTENT, PAGE or
   * null). Throws at once for a handler the table does not give `receiver`.
   */
  function listen(api, receiver, handlers, senderOf) {
    for (const type of Object.keys(handlers)) {
      if (MESSAGES[type]?.to !== receiver) throw new Error(`zd-dl-router: "${type}" is not a message to the ${receiver}`);
    }
    api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
      const spec = Object.hasOwn(MESSAGES, msg?.type) ? MESSAGES[msg.type] : null;
      if (spec?.to !== receiver) return false; // not ours (another receiver's, or no message of this protocol)
      const from = senderOf(sender);
      const refusal = from !== spec.from ? `"${msg.type}" is not accepted from ${DESCRIBED[from] ?? 'this sender'}`
        : misfit(spec.request, msg);
      if (refusal) {
        sendResponse({ error: `refused: ${refusal}` });
        return false;
      }
      Promise.resolve()
        .then(() => handlers[msg.type](msg, sender))
        .then(sendResponse, (err) => sendResponse({ error: String(err?.message ?? err) }));
      return true;
    });
  }

  globalThis.zdProtocol = Object.freeze({ WORKER, CONTENT, PAGE, MESSAGES, message, listen });
})();
