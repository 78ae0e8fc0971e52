// The mock agent UI: one HTML single-page app served for /agent and /agent/tickets/<id>[/...].
// It reads ticket data from the private endpoint /__mock/ui/tickets/<id> (never affected by
// fault switches) and renders attachment links in the real Zendesk shape, on the page's host:
//   https://acme.zendesk.com/attachments/token/<token>/?name=<url-encoded file name>
//
// Stable hooks for tests:
//   nav (open in a new Agent Workspace tab, keeping the others):  a[data-testid="nav-ticket-<id>"]
//   nav (client-side navigation replacing the current tab):         a[data-testid="goto-ticket-<id>"]
//   workspace tab:                                                   [data-testid="workspace-tab-<id>"]
//   ticket panel (hidden when its tab is not active):                [data-testid="ticket-panel-<id>"]
//   attachment link: a.attachment-link[data-ticket-id][data-file-name][data-occurrence]
//                    data-testid="attachment-<ticketId>-<attachmentId>"
//   page-script download buttons (not links): button.script-download[data-mode="location"|"anchor"]
//                    [data-ticket-id][data-file-name][data-occurrence] — location.href = token URL,
//                    or a temporary hidden anchor appended, clicked and removed
//   window.__mockZendesk.openTicket(id, {mode: 'tab' | 'replace'}) does what the links do.

export function agentHtml({ ticketIds, instance = 'acme' }) {
  const nav = ticketIds
    .map(
      (id) =>
        `<li><a data-nav="tab" data-testid="nav-ticket-${id}" href="/agent/tickets/${id}">#${id}</a>` +
        ` <a data-nav="replace" data-testid="goto-ticket-${id}" class="goto" href="/agent/tickets/${id}">(go)</a></li>`,
    )
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Agent Workspace - Zendesk (mock)</title>
  <style>
    body { font: 14px sans-serif; margin: 0; }
    header { background: #03363d; color: #fff; padding: 6px 10px; }
    header a { color: #fff; }
    #ticket-list { list-style: none; display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0; padding: 0; }
    #workspace-tabs { display: flex; gap: 4px; padding: 4px 10px; background: #eee; min-height: 28px; }
    .workspace-tab { border: 1px solid #999; padding: 4px 8px; cursor: pointer; background: #ddd; }
    .workspace-tab[aria-selected="true"] { background: #fff; font-weight: bold; }
    .ticket-panel { padding: 10px; }
    .comment { border-top: 1px solid #ccc; padding: 6px 0; }
    .attachment-link { display: inline-block; padding: 4px; margin: 2px 0; }
  </style>
</head>
<body>
  <header>
    <strong>${instance}</strong> Agent Workspace
    <nav aria-label="Tickets">
      <ul id="ticket-list">
        ${nav}
      </ul>
    </nav>
  </header>
  <div id="workspace-tabs" role="tablist" data-testid="workspace-tabs"></div>
  <main id="workspace" data-testid="workspace"><p id="home">Select a ticket.</p></main>
<script>
(() => {
  const state = { tabs: [], active: null, data: new Map() };
  const tabsEl = document.getElementById('workspace-tabs');
  const ws = document.getElementById('workspace');

  function ticketIdFromPath(p) {
    const m = /^\\/agent\\/tickets\\/(\\d+)(?:\\/|$)/.exec(p);
    return m ? Number(m[1]) : null;
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function renderPanel(panel, t) {
    panel.textContent = '';
    if (!t) { panel.append(el('p', { text: 'Ticket not found' })); panel.dataset.loaded = 'error'; return; }
    panel.append(el('h1', { 'data-testid': 'ticket-subject-' + t.id, text: t.subject }));
    panel.append(el('p', { class: 'ticket-meta', text:
      'Ticket #' + t.id + ' \\u00b7 ' + (t.organization ? t.organization.name : '(no organization)') +
      ' \\u00b7 requester ' + (t.requester ? t.requester.name : '?') + ' \\u00b7 ' + t.status }));
    const seen = new Map();
    for (const c of t.comments) {
      const art = el('article', { class: 'comment', 'data-comment-id': String(c.id) });
      art.append(el('div', { class: 'author', text: c.author_name }));
      art.append(el('div', { class: 'zd-comment', text: c.body }));
      if (c.attachments.length) {
        const ul = el('ul', { class: 'attachments' });
        for (const a of c.attachments) {
          const n = (seen.get(a.file_name) || 0) + 1;
          seen.set(a.file_name, n);
          const link = el('a', {
            class: 'attachment-link',
            href: a.href,
            'data-testid': 'attachment-' + t.id + '-' + a.id,
            'data-ticket-id': String(t.id),
            'data-attachment-id': String(a.id),
            'data-file-name': a.file_name,
            'data-occurrence': String(n),
            text: a.file_name,
          });
          // Page-script downloads (like Zendesk's image viewer download button): one sets
          // location.href, the other clicks a temporary anchor. Not links, so the link
          // selectors and the content script's link scan are unaffected.
          const buttons = ['location', 'anchor'].map((mode) => el('button', {
            type: 'button',
            class: 'script-download',
            'data-mode': mode,
            'data-href': a.href,
            'data-testid': 'script-download-' + mode + '-' + t.id + '-' + a.id,
            'data-ticket-id': String(t.id),
            'data-file-name': a.file_name,
            'data-occurrence': String(n),
            title: 'Download (' + mode + ')',
            text: '\u2913' + mode,
          }));
          ul.append(el('li', {}, link, document.createTextNode(' (' + a.size + ' bytes) '), ...buttons));
        }
        art.append(ul);
      }
      panel.append(art);
    }
    panel.dataset.loaded = 'true';
  }

  async function load(id, panel) {
    try {
      const r = await fetch('/__mock/ui/tickets/' + id, { credentials: 'same-origin' });
      const t = r.ok ? await r.json() : null;
      state.data.set(id, t);
      renderPanel(panel, t);
      if (state.active === id) updateTitle();
    } catch (e) {
      panel.textContent = 'Failed to load: ' + e;
      panel.dataset.loaded = 'error';
    }
  }

  function updateTitle() {
    const t = state.data.get(state.active);
    document.title = (t ? t.subject + ' \\u2013 ' : '') + 'Agent Workspace - Zendesk (mock)';
  }

  function addTab(id, beforeEl) {
    const tab = el('div', { class: 'workspace-tab', role: 'tab', 'data-testid': 'workspace-tab-' + id,
      'data-ticket-id': String(id), 'aria-selected': 'false', text: '#' + id });
    const close = el('span', { class: 'close-tab', 'data-testid': 'close-tab-' + id, text: ' \\u00d7' });
    close.addEventListener('click', (ev) => { ev.stopPropagation(); closeTicket(id); });
    tab.append(close);
    tab.addEventListener('click', () => activate(id, true));
    tabsEl.insertBefore(tab, beforeEl || null);
    const panel = el('section', { class: 'ticket-panel', id: 'ticket-panel-' + id,
      'data-testid': 'ticket-panel-' + id, 'data-ticket-id': String(id), role: 'tabpanel' });
    panel.hidden = true;
    panel.append(el('p', { text: 'Loading ticket #' + id + '\\u2026' }));
    ws.append(panel);
    load(id, panel);
  }

  function removeTab(id) {
    const tab = tabsEl.querySelector('[data-testid="workspace-tab-' + id + '"]');
    const next = tab ? tab.nextSibling : null;
    if (tab) tab.remove();
    const panel = document.getElementById('ticket-panel-' + id);
    if (panel) panel.remove();
    state.tabs = state.tabs.filter((x) => x !== id);
    return next;
  }

  function activate(id, push) {
    state.active = id;
    for (const p of ws.querySelectorAll('.ticket-panel')) p.hidden = Number(p.dataset.ticketId) !== id;
    for (const t of tabsEl.querySelectorAll('.workspace-tab')) t.setAttribute('aria-selected', String(Number(t.dataset.ticketId) === id));
    const home = document.getElementById('home');
    if (home) home.hidden = true;
    const path = '/agent/tickets/' + id;
    if (push && location.pathname !== path) history.pushState({ ticketId: id }, '', path);
    updateTitle();
  }

  function openTicket(id, opts) {
    id = Number(id);
    const mode = (opts && opts.mode) || 'tab';
    if (!state.tabs.includes(id)) {
      if (mode === 'replace' && state.active !== null) {
        const next = removeTab(state.active);
        state.tabs.push(id);
        addTab(id, next);
      } else {
        state.tabs.push(id);
        addTab(id);
      }
    }
    activate(id, !(opts && opts.push === false));
  }

  function closeTicket(id) {
    removeTab(id);
    if (state.active === id) {
      state.active = null;
      if (state.tabs.length) activate(state.tabs[state.tabs.length - 1], true);
      else history.pushState({}, '', '/agent/dashboard');
    }
  }

  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-nav]');
    if (!a || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    openTicket(ticketIdFromPath(new URL(a.href).pathname), { mode: a.dataset.nav });
  });
  document.addEventListener('click', (ev) => {
    const b = ev.target.closest && ev.target.closest('button.script-download');
    if (!b) return;
    const href = b.dataset.href;
    if (b.dataset.mode === 'location') {
      location.href = href;
    } else {
      const tmp = document.createElement('a');
      tmp.href = href;
      tmp.style.display = 'none';
      document.body.append(tmp);
      tmp.click();
      tmp.remove();
    }
  });
  window.addEventListener('popstate', () => {
    const id = ticketIdFromPath(location.pathname);
    if (id !== null) openTicket(id, { push: false });
  });

  window.__mockZendesk = { openTicket, closeTicket, state };
  const first = ticketIdFromPath(location.pathname);
  if (first !== null) openTicket(first, { push: false });
})();
</script>
</body>
</html>
`;
}

export function loginHtml() {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Zendesk - Sign in</title></head>
<body><form action="/access/login" method="post"><h1>Sign in to acme</h1>
<input name="user[email]" type="email"><input name="user[password]" type="password">
<button type="submit">Sign in</button></form></body></html>
`;
}
