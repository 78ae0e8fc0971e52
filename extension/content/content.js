// zd-dl-router content script on Zendesk agent pages.
//
// Follows the ticket shown as the single-page app navigates, loads what the router needs
// through the agent's own session (same-origin API calls, no token), and tells the
// background: the ticket (with its organization) and the attachment tokens of its
// comments. It never blocks the page: all work is asynchronous and failures only mean
// the background knows less (and a download may go to the fallback folder).
//
// What a Zendesk URL is and which API paths to load come from zendesk-patterns.js
// (`zdPatterns`, generated from the routing core); the messages from protocol.js.

(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const CACHE_MS = 5 * 60 * 1000;
  const CACHE_TICKETS = 20;
  const MAX_PAGES = 50;
  const MAX_RETRIES = 3;
  const MAX_RETRY_AFTER_S = 30;

  /**
   * ticketId → {promise, time}: one request per ticket at a time, reused for CACHE_MS; at
   * most CACHE_TICKETS tickets, the least recently loaded evicted first.
   */
  const loads = new Map();
  let shownUrl = null;
  let sentLinks = '';
  let checking = Promise.resolve();

  async function getJson(url) {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
      if (response.status === 429 && attempt < MAX_RETRIES) {
        const wait = Math.min(Number(response.headers.get('Retry-After')) || 1, MAX_RETRY_AFTER_S);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      // Short reasons: the popup and the fallback notification show them to the user.
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const type = response.headers.get('Content-Type') ?? '';
      if (!type.includes('json')) throw new Error(`answered ${type || 'no type'}, not JSON (signed out?)`);
      try {
        return await response.json();
      } catch (err) {
        throw new Error(`malformed JSON (${err.message})`);
      }
    }
  }

  /**
   * The ticket with sideloaded organization and requester, and all its comment pages. The
   * ticket and the first comment page are requested together: a download may be waiting.
   */
  async function fetchTicket(ticketId) {
    const [ticket, comments] = await Promise.all([
      getJson(zdPatterns.ticketPath(ticketId)),
      fetchComments(ticketId),
    ]);
    return { ticketId, ticket, comments };
  }

  async function fetchComments(ticketId) {
    const comments = [];
    let next = zdPatterns.commentsPath(ticketId);
    while (next && comments.length < MAX_PAGES) {
      const page = await getJson(next);
      comments.push(page);
      next = page.next_page && new URL(page.next_page, location.href).origin === location.origin
        ? page.next_page
        : null;
    }
    return comments;
  }

  function loadTicket(ticketId, { force = false } = {}) {
    const now = Date.now();
    for (const [id, load] of loads) if (now - load.time >= CACHE_MS) loads.delete(id);
    const cached = loads.get(ticketId);
    if (cached && !force) return cached.promise;
    const load = { promise: fetchTicket(ticketId), time: now };
    loads.delete(ticketId); // set again below: the Map's order is the order of the loads
    loads.set(ticketId, load);
    for (const id of loads.keys()) {
      if (loads.size <= CACHE_TICKETS) break;
      loads.delete(id);
    }
    load.promise.catch(() => loads.get(ticketId) === load && loads.delete(ticketId));
    return load.promise;
  }

  /** The attachment links in the page, as the core recognises them (this page's host counts). */
  function attachmentLinks() {
    return [...document.querySelectorAll('a[href]')]
      .filter((a) => zdPatterns.isAttachmentLink(a.href, [location.hostname]));
  }

  function visibleAttachmentLinks() {
    return attachmentLinks().filter((a) => a.offsetParent !== null).map((a) => a.href);
  }

  function send(type, fields) {
    return api.runtime.sendMessage(zdProtocol.message(type, fields)).catch(() => ({}));
  }

  /** Called when the URL or the page content changes; one check at a time. */
  function pageChanged() {
    checking = checking.then(checkPage, checkPage);
    return checking;
  }

  async function checkPage() {
    const url = location.href;
    if (url !== shownUrl) {
      shownUrl = url;
      const reply = await send('page', { url });
      if (reply?.load) {
        loadTicket(reply.ticketId)
          .then((data) => send('ticketData', { url, ...data }))
          .catch((err) => send('ticketData', { url, ticketId: reply.ticketId, error: String(err?.message ?? err) }));
      }
    }
    // Links visible now belong to the ticket the URL shows now; the background attributes
    // them by this URL (and the comments API, when it answers, has the last word).
    const links = visibleAttachmentLinks();
    const signature = `${url} ${links.join(' ')}`;
    if (links.length && signature !== sentLinks) {
      sentLinks = signature;
      send('links', { url, links });
      refreshMarks(links);
    }
  }

  // ✓ marks on attachment links already saved into their ticket folder. The mark is an
  // inline sibling with room of its own: it never covers the link or what follows it (the
  // file size), and is not part of the link, so Zendesk's click handling stays as it is.
  const MARK = 'zd-dl-router-mark';
  async function refreshMarks(links) {
    const reply = await send('saved', { links });
    const saved = new Map((reply?.saved ?? []).map((s) => [s.href, s]));
    for (const link of attachmentLinks()) {
      const info = saved.get(link.href);
      let mark = link.nextElementSibling?.classList.contains(MARK) ? link.nextElementSibling : null;
      if (!info) {
        mark?.remove();
        continue;
      }
      if (!mark) {
        mark = document.createElement('button');
        mark.type = 'button';
        mark.className = MARK;
        mark.textContent = '✓';
        mark.style.cssText = 'position:static;display:inline-block;flex:none;vertical-align:baseline;' +
          'margin:0 4px;padding:0 4px;border:0;border-radius:3px;' +
          'font:11px/1.5 system-ui,sans-serif;background:#e3f4e1;color:#1e6b28;cursor:pointer';
        mark.addEventListener('click', (event) => {
          event.preventDefault();
          event.stopPropagation();
          send('show', { downloadId: Number(mark.dataset.downloadId) });
        });
        link.after(mark);
      }
      mark.dataset.downloadId = String(info.downloadId);
      mark.title = api.i18n.getMessage('savedMarkTitle', [info.folder]);
      mark.setAttribute('aria-label', mark.title);
    }
  }

  /**
   * `{answers: [{ticketId, [field]: what load(ticketId) gave, or error}]}`, one ticket at a
   * time: the clean-up may ask for many, and the API budget is the team's.
   */
  async function answerEach(ticketIds, field, load) {
    const answers = [];
    for (const ticketId of ticketIds) {
      answers.push(await load(ticketId).then(
        (value) => ({ ticketId, [field]: value }),
        (err) => ({ ticketId, error: String(err?.message ?? err) }),
      ));
    }
    return { answers };
  }

  // The background asks: load ticket `ticketId` ('lookup': a download needs a ticket it
  // does not know yet; `fresh` when the ticket may have changed since it was cached — an
  // unknown attachment token, "download all"), the clean-up needs statuses ('status') or
  // comment pages ('comments'), or saved files changed ('savedChanged'). Which tickets a
  // token costs is the core's plan (src/lookup.rs), never this tab's history: one API
  // budget serves the whole team.
  const requests = {
    async lookup({ lookup: { ticketId } = {}, fresh = false }) {
      await pageChanged();
      try {
        return { tickets: [await loadTicket(ticketId, { force: fresh })] };
      } catch (err) {
        return { error: String(err?.message ?? err) };
      }
    },
    status: ({ ticketIds }) => answerEach(ticketIds, 'response', (id) => getJson(zdPatterns.ticketStatusPath(id))),
    // A fresh walk, not the cache: the clean-up must see what Zendesk lists now.
    comments: ({ ticketIds }) => answerEach(ticketIds, 'comments', fetchComments),
    async savedChanged() {
      await refreshMarks(visibleAttachmentLinks());
      return {};
    },
  };
  zdProtocol.listen(api, zdProtocol.CONTENT, requests, (sender) => (sender.id === api.runtime.id ? zdProtocol.WORKER : null));

  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(pageChanged, 150);
  };
  // Agent Workspace switches tickets by toggling attributes, not only by adding nodes.
  new MutationObserver(soon).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['hidden', 'class', 'style', 'aria-selected'],
  });
  addEventListener('popstate', soon);
  // The tab came to the front: report the page again, so the popup follows the agent tab
  // in front. (Only agent tabs wake the background for this, not every tab switch.)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') send('page', { url: location.href });
  });
  // pushState is invisible to content scripts; a cheap URL check catches navigations
  // that do not touch the DOM.
  setInterval(() => location.href !== shownUrl && soon(), 1000);
  pageChanged();
})();
