// zd-dl-router background: the browser-neutral half of the shim.
//
// It owns the WASM Router (settings + ticket knowledge), answers the content scripts,
// and offers `route(event)` to the per-browser file (platform.js), which hooks the
// browser's downloads API. Every decision is the Router's; this file moves data and
// keeps time limits. Listeners are registered synchronously below, before any await:
// an MV3 service worker woken by an event must have them in place at once.

import init, { Router } from './zd_dl_router.js';
import { installDownloadRouting } from './platform.js';

const api = globalThis.browser ?? globalThis.chrome;
const HISTORY_SIZE = 50;
const DEFAULT_WATCHDOG_MS = 2000;

/** Zendesk agent tabs that run the content script, by instance: tab id → last seen. */
const agentTabs = new Map();
let lastAgentTab = null; // {tabId, url} of the most recently active agent page
let routedSinceStart = 0;

const ready = start();

async function start() {
  try {
    await init({ module_or_path: api.runtime.getURL('zd_dl_router_bg.wasm') });
  } catch (err) {
    // Without the core nothing can be routed: downloads are left untouched (never lost).
    console.error('zd-dl-router: WASM failed to load; downloads are left untouched', err);
    await note({ problem: `routing core failed to load: ${err}` });
    return null;
  }
  const router = new Router({});
  await applySettings(router);
  const saved = await api.storage.session.get('knowledge').catch(() => ({}));
  if (saved.knowledge) {
    try {
      router.importKnowledge(saved.knowledge, Date.now());
    } catch (err) {
      console.warn('zd-dl-router: dropped unreadable ticket knowledge', err);
    }
  }
  return router;
}

/** User settings (sync, else local) under the administrator's policy, validated by the core. */
async function applySettings(router) {
  const { settings: user = {} } = await storageArea().get('settings').catch(() => ({}));
  const policy = await api.storage.managed.get().catch(() => ({}));
  try {
    const { settings } = Router.applyPolicy(user ?? {}, policy ?? {});
    router.setSettings(settings);
    await note({ problem: null });
  } catch (err) {
    // Stored settings that no longer validate: keep routing with what is in force.
    console.error('zd-dl-router: settings rejected, previous settings stay in force', err);
    await note({ problem: `settings rejected: ${err.message ?? err}` });
  }
}

function storageArea() {
  return api.storage.sync ?? api.storage.local;
}

api.storage.onChanged.addListener(async (changes, area) => {
  if (changes.settings && area !== 'session') {
    const router = await ready;
    if (router) await applySettings(router);
  }
});

// ---- what the content scripts tell us ------------------------------------------------

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = messageHandlers[message?.type];
  if (!handler) return false;
  handler(message, sender).then(sendResponse, (err) => sendResponse({ error: String(err) }));
  return true;
});

const messageHandlers = {
  /** An agent page was shown: remember the tab; say which ticket it shows and whether to load it. */
  async page({ url }, sender) {
    const router = await ready;
    if (!router || !sender.tab) return {};
    const page = router.recognize(url);
    if (page?.kind !== 'ticketPage') return {};
    rememberTab(page.instance, sender.tab.id, url);
    const known = router.ticket(page.instance, page.ticketId, Date.now()) !== undefined;
    return { ticketId: page.ticketId, load: !known };
  },

  /** Ticket JSON and comment pages loaded by a content script. */
  async ticketData({ url, ticketId, ticket, comments = [] }, sender) {
    const router = await ready;
    const page = router?.recognize(url);
    if (!page?.instance) return {};
    if (sender.tab) rememberTab(page.instance, sender.tab.id, url);
    observe(router, page.instance, ticketId, { ticket, comments });
    return {};
  },

  /** Attachment links visible on an agent page: they belong to the ticket its URL shows. */
  async links({ url, links }) {
    const router = await ready;
    const page = router?.recognize(url);
    if (page?.kind !== 'ticketPage') return {};
    const tokens = links.map((href) => router.recognize(href)?.token).filter(Boolean);
    if (tokens.length) router.observeAttachments(page.instance, page.ticketId, tokens, Date.now());
    persistKnowledge(router);
    return {};
  },

  /** The popup: the current ticket, where its attachments go, and the router's health. */
  async state() {
    const router = await ready;
    const { status = {} } = await api.storage.local.get('status').catch(() => ({}));
    const page = lastAgentTab && router?.recognize(lastAgentTab.url);
    const ticket = page?.kind === 'ticketPage' ? router.ticket(page.instance, page.ticketId, Date.now()) : undefined;
    const preview = ticket
      ? Router.renderPreview(router.settings, { ticket, filename: 'attachment', timeMs: Date.now() })
      : undefined;
    return {
      coreLoaded: Boolean(router),
      problem: status.problem ?? null,
      ticket: ticket ?? null,
      folder: preview?.action === 'route' ? preview.path.replace(/\/attachment$/, '/') : null,
      routedSinceStart,
    };
  },

  /** Firefox's click interception asks for a routed download (see platform.js). */
  async download(message, sender) {
    return platformMessage(message, sender);
  },
};

let platformMessage = async () => ({ routed: false });

function rememberTab(instance, tabId, url) {
  if (!agentTabs.has(instance)) agentTabs.set(instance, new Map());
  agentTabs.get(instance).set(tabId, Date.now());
  lastAgentTab = { tabId, url };
}

function observe(router, instance, ticketId, { ticket, comments }) {
  const now = Date.now();
  if (ticket) router.observeTicket(instance, ticket, now);
  for (const page of comments) router.observeComments(instance, ticketId, page, now);
  persistKnowledge(router);
}

let persistTimer = null;
function persistKnowledge(router) {
  clearTimeout(persistTimer);
  persistTimer = setTimeout(() => {
    api.storage.session.set({ knowledge: router.exportKnowledge() }).catch(() => {});
  }, 200);
}

// ---- looking tickets up when a download needs one --------------------------------------

/**
 * Asks the agent tabs of `instance` to load what `lookup` needs ({ticketId} or {token})
 * through the agent's own session, and feeds the answers to the router.
 */
async function lookUp(router, instance, lookup) {
  const tabs = [...(agentTabs.get(instance)?.keys() ?? [])];
  if (tabs.length === 0) throw new Error(`no open ${instance} agent tab to ask`);
  const answers = await Promise.allSettled(
    tabs.map((tabId) => api.tabs.sendMessage(tabId, { type: 'lookup', lookup })),
  );
  let learned = false;
  let lastError = 'no tab answered';
  for (const a of answers) {
    if (a.status === 'rejected') lastError = String(a.reason?.message ?? a.reason);
    else if (a.value?.error) lastError = a.value.error;
    for (const data of a.value?.tickets ?? []) {
      observe(router, instance, data.ticketId, data);
      learned = true;
    }
  }
  if (!learned) throw new Error(lastError);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- the routing entry point used by platform.js ------------------------------------

/**
 * Decides where a download goes. Resolves within the watchdog to a Route or Pass
 * decision, or to null when the core is unavailable (leave the download untouched).
 * Never rejects.
 */
async function route(event) {
  const started = Date.now();
  const router = await withTimeout(ready, watchdogMs(), 'loading the router').catch(() => null);
  if (!router) return null;
  const base = { ...event, tabUrl: lastAgentTab?.url, timeMs: Date.now() };
  let decision;
  try {
    decision = router.decide(base);
    if (decision.action === 'needTicket') {
      const left = Math.max(0, watchdogMs() - (Date.now() - started));
      const lookupError = await withTimeout(lookUp(router, decision.instance, decision.lookup), left, 'ticket lookup')
        .then(() => undefined, (err) => String(err.message ?? err));
      decision = router.decide({ ...base, lookupDone: true, lookupError });
    }
  } catch (err) {
    console.error('zd-dl-router: decision failed; download left untouched', err);
    return null;
  }
  if (decision.action === 'route') await record(event, decision);
  return decision;
}

/** The decision when time is up: the fallback folder if the core runs, else untouched. */
function fallbackNow(event, reason) {
  const router = routerNow;
  if (!router) return null;
  try {
    return router.decide({ ...event, timeMs: Date.now(), lookupDone: true, lookupError: reason });
  } catch {
    return null;
  }
}

let routerNow = null;
ready.then((r) => { routerNow = r; });

function watchdogMs() {
  return routerNow?.settings.watchdogMs ?? DEFAULT_WATCHDOG_MS;
}

// ---- history, badge, notes for the popup ---------------------------------------------

async function record(event, decision) {
  routedSinceStart += 1;
  api.action.setBadgeText({ text: String(routedSinceStart) }).catch(() => {});
  if (decision.source === 'fallback' && routerNow?.settings.notifyOnFallback) {
    api.notifications
      .create({
        type: 'basic',
        iconUrl: api.runtime.getURL('icons/icon-128.png'),
        title: 'Download not sorted into a ticket folder',
        message: `${decision.path}\n${decision.note ?? ''}`,
      })
      .catch(() => {});
  }
  const entry = {
    time: Date.now(),
    url: event.url,
    path: decision.path,
    source: decision.source,
    note: decision.note ?? null,
    ticket: decision.ticket ?? null,
  };
  const { history = [] } = await api.storage.local.get('history').catch(() => ({}));
  history.unshift(entry);
  await api.storage.local.set({ history: history.slice(0, HISTORY_SIZE) }).catch(() => {});
}

async function note(status) {
  await api.storage.local.set({ status: { ...status, time: Date.now() } }).catch(() => {});
}

platformMessage = installDownloadRouting({ api, route, fallbackNow, watchdogMs });
