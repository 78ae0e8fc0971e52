// zd-dl-router background: the browser-neutral half of the shim.
//
// It owns the WASM Router (settings + ticket knowledge), answers the content scripts,
// and offers `route(event)` to the per-browser file (platform.js), which hooks the
// browser's downloads API. Every decision is the Router's; this file moves data and
// keeps time limits. Listeners are registered synchronously below, before any await:
// an MV3 service worker woken by an event must have them in place at once.

import init, { Router } from './zd_dl_router.js';
import { installDownloadRouting } from './platform.js';
import { createDownloadAll } from './download-all.js';
import { createCleanup } from './retention.js';

const api = globalThis.browser ?? globalThis.chrome;
const HISTORY_SIZE = 50;
const ROUTED_FILES_SIZE = 5000; // what retention can clean up
const SAVED = 'savedAttachments'; // attachment token → {downloadId, path}, for the ✓ marks
const ROUTED_FILES = 'routedFiles'; // {downloadId, path, timeMs, ticket} of each routed file, for retention
const DEFAULT_WATCHDOG_MS = 2000;

/** Zendesk agent tabs that run the content script, by instance: tab id → last seen. */
const agentTabs = new Map();
let lastAgentTab = null; // {tabId, url} of the most recently active agent page

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
  refreshPolicy(router);
  const saved = await api.storage.session.get(['knowledge', 'agentTabs']).catch(() => ({}));
  restoreTabs(saved.agentTabs);
  if (saved.knowledge) {
    try {
      router.importKnowledge(saved.knowledge, Date.now());
    } catch (err) {
      console.warn('zd-dl-router: dropped unreadable ticket knowledge', err);
    }
  }
  return router;
}

/**
 * User settings (sync, else local) under the administrator's policy, validated by the core.
 * The policy comes from a copy cached in storage.local: reading storage.managed can take
 * seconds on a worker's first start, longer than a download may wait. The fresh policy is
 * read in the background and applied (and cached) when it differs.
 */
async function applySettings(router, policy) {
  if (policy === undefined) ({ policy = {} } = await api.storage.local.get('policy').catch(() => ({})));
  const { settings: user = {} } = await storageArea().get('settings').catch(() => ({}));
  try {
    const { settings } = Router.applyPolicy(user ?? {}, policy ?? {});
    router.setSettings(settings);
    await note({ problem: null });
    await cleanup.schedule(router.settings).catch(() => {});
  } catch (err) {
    // Stored settings that no longer validate: keep routing with what is in force.
    console.error('zd-dl-router: settings rejected, previous settings stay in force', err);
    await note({ problem: `settings rejected: ${err.message ?? err}` });
  }
}

async function refreshPolicy(router) {
  const fresh = (await api.storage.managed.get().catch(() => ({}))) ?? {};
  const { policy: cached = {} } = await api.storage.local.get('policy').catch(() => ({}));
  if (JSON.stringify(fresh) === JSON.stringify(cached)) return;
  await api.storage.local.set({ policy: fresh }).catch(() => {});
  await applySettings(router, fresh);
}

function storageArea() {
  return api.storage.sync ?? api.storage.local;
}

api.storage.onChanged.addListener(async (changes, area) => {
  const router = await ready;
  if (!router) return;
  if (area === 'managed') await refreshPolicy(router);
  else if (changes.settings && area !== 'session') await applySettings(router);
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
    };
  },

  /** Firefox's click interception asks for a routed download (see platform.js). */
  async download(message, sender) {
    return platformMessage(message, sender);
  },
};

let platformMessage = async () => ({ routed: false });

function rememberTab(instance, tabId, url) {
  tabsOf(instance).set(tabId, Date.now());
  lastAgentTab = { tabId, url };
  persistTabs();
}

// The agent tabs are kept in storage.session too: a restarted worker must still be able to
// ask them for a ticket, and a tab reports again only when it navigates.
function persistTabs() {
  const byInstance = [...agentTabs].map(([instance, tabs]) => [instance, [...tabs]]);
  api.storage.session.set({ agentTabs: { byInstance, last: lastAgentTab } }).catch(() => {});
}

/** Merges the tabs a previous worker knew; what this worker has heard since stays. */
function restoreTabs(saved) {
  for (const [instance, tabs] of saved?.byInstance ?? []) {
    const known = tabsOf(instance);
    for (const [tabId, seen] of tabs) if (!known.has(tabId)) known.set(tabId, seen);
  }
  lastAgentTab ??= saved?.last ?? null;
}

function tabsOf(instance) {
  if (!agentTabs.has(instance)) agentTabs.set(instance, new Map());
  return agentTabs.get(instance);
}

api.tabs.onRemoved.addListener(async (tabId) => {
  await ready; // after restoreTabs, so a closed tab is not merged back
  for (const tabs of agentTabs.values()) tabs.delete(tabId);
  if (lastAgentTab?.tabId === tabId) lastAgentTab = null;
  persistTabs();
});

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
  const base = { ...event, timeMs: Date.now() };
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
  return decision;
}

/**
 * The decision right now, when it needs no lookup and the core is loaded (a Route or a
 * Pass); otherwise undefined, and `route()` takes over.
 */
function decideNow(event) {
  if (!routerNow) return undefined;
  try {
    const decision = routerNow.decide({ ...event, timeMs: Date.now() });
    return decision.action === 'needTicket' ? undefined : decision;
  } catch {
    return undefined;
  }
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

/** A routed download started (`downloadId`): history, retention list, ✓ marks, badge. */
async function record(event, decision, downloadId) {
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
  const time = Date.now();
  const entry = {
    time,
    downloadId,
    url: event.url,
    path: decision.path,
    source: decision.source,
    note: decision.note ?? null,
    ticket: decision.ticket ?? null,
  };
  const token = routerNow?.recognize(event.url)?.token;
  const now = performance.now();
  if (!collecting) collecting = { records: [], started: now, written: Promise.withResolvers() };
  const batch = collecting;
  batch.records.push({ entry, token });
  // The batch closes once downloads pause for RECORD_QUIET_MS, or RECORD_MAX_WAIT_MS after
  // its first record at the latest; a record after that starts the next batch.
  clearTimeout(batchTimer);
  batchTimer = setTimeout(() => {
    collecting = null;
    updateRecords((before) => addRecords(before, batch.records)).then(batch.written.resolve, batch.written.resolve);
  }, Math.max(0, Math.min(RECORD_QUIET_MS, batch.started + RECORD_MAX_WAIT_MS - now)));
  await batch.written.promise;
}

// Records (history, routed files for retention, the ✓ map) are kept in memory and written in
// batches: a write for every download of a burst would serialize the burst on storage.
const RECORD_QUIET_MS = 200;
const RECORD_MAX_WAIT_MS = 2000;
let collecting = null; // the open batch: {records, started, written: resolvers}
let batchTimer = null;
let written = Promise.resolve(); // writes run one after another

let stored = null; // {history, files, saved} as last written: read once per worker start

/** The records as stored; only `updateRecords` changes them. */
async function records() {
  if (!stored) {
    const got = await api.storage.local.get(['history', ROUTED_FILES, SAVED]).catch(() => ({}));
    stored ??= { history: got.history ?? [], files: got[ROUTED_FILES] ?? [], saved: got[SAVED] ?? {} };
  }
  return stored;
}

/**
 * Runs `change(records)` after every earlier change and stores what it returns: one writer,
 * no lost updates. The ✓ map is reduced to the files in the
 * routed-files list, so it stays as bounded as that list.
 */
function updateRecords(change) {
  const run = written.then(async () => {
    const { history, files, saved } = await change(await records());
    const ids = new Set(files.map((f) => f.downloadId));
    const kept = Object.fromEntries(Object.entries(saved).filter(([, info]) => ids.has(info.downloadId)));
    stored = { history, files, saved: kept };
    await api.storage.local.set({ history, [ROUTED_FILES]: files, [SAVED]: kept });
  });
  written = run.catch((err) => console.error('zd-dl-router: records not written', err));
  return run;
}

/** The records with a closed batch added. */
async function addRecords(before, batch) {
  const entries = batch.map((b) => b.entry);
  const history = [...entries.reverse(), ...before.history].slice(0, HISTORY_SIZE);
  // A file saved again at the same path (conflict action "overwrite", the ticket.html of
  // each "download all") replaces its older entry: one file, one entry.
  const fresh = batch.map(({ entry }) => ({ downloadId: entry.downloadId, path: entry.path, timeMs: entry.time, ticket: entry.ticket }));
  const freshPaths = new Set(fresh.map((f) => f.path));
  const files = [...before.files.filter((f) => !freshPaths.has(f.path)), ...fresh].slice(-ROUTED_FILES_SIZE);
  const saved = { ...before.saved };
  for (const { entry, token } of batch) {
    if (token && entry.source !== 'fallback') saved[token] = { downloadId: entry.downloadId, path: entry.path };
  }
  await countRouted(batch.length);
  // A download that completed before its record was written (small files; Firefox) had its
  // ✓ marks refreshed too early: refresh them again (the refresh is at least 500 ms away).
  notifySavedChanged();
  return { history, files, saved };
}

/** Retention deleted these files: they leave the routed-files list and the ✓ map. */
function forgetFiles(downloadIds) {
  const gone = new Set(downloadIds);
  return updateRecords((before) => ({ ...before, files: before.files.filter((f) => !gone.has(f.downloadId)) }));
}

/**
 * The badge: routed downloads since the browser started. The count lives in storage.session,
 * which outlives a service-worker restart but not the browser; it is updated once per batch
 * (one badge update per download would cost a round trip to the browser each in a burst).
 */
async function countRouted(n) {
  const { routedSinceStart = 0 } = await api.storage.session.get('routedSinceStart').catch(() => ({}));
  const count = routedSinceStart + n;
  await api.storage.session.set({ routedSinceStart: count }).catch(() => {});
  await api.action.setBadgeText({ text: String(count) }).catch(() => {});
}

/** Tells the agent tabs to refresh their ✓ marks when a routed download completes. */
api.downloads.onChanged.addListener(({ state }) => {
  if (state?.current === 'complete') notifySavedChanged();
});

// At most one refresh per MARKS_REFRESH_MS: in a burst of downloads every completion would
// otherwise make every agent tab ask again (thousands of round trips for 200 files).
const MARKS_REFRESH_MS = 500;
let marksTimer = null;
function notifySavedChanged() {
  if (marksTimer) return;
  marksTimer = setTimeout(() => {
    marksTimer = null;
    for (const tabs of agentTabs.values()) {
      for (const tabId of tabs.keys()) api.tabs.sendMessage(tabId, { type: 'savedChanged' }).catch(() => {});
    }
  }, MARKS_REFRESH_MS);
}

async function note(status) {
  await api.storage.local.set({ status: { ...status, time: Date.now() } }).catch(() => {});
}

const platform = installDownloadRouting({ api, route, decideNow, record, fallbackNow, watchdogMs });
platformMessage = platform.onInterceptedClick;

function askTab(tabId, message) {
  return api.tabs.sendMessage(tabId, message);
}

/** The most recently active agent tab of `instance`, if any. */
function agentTabOf(instance) {
  const tabs = [...(agentTabs.get(instance) ?? new Map())].sort((a, b) => b[1] - a[1]);
  return tabs[0]?.[0];
}

const downloadAll = createDownloadAll({ api, ready, askTab, download: platform.download, record });
const cleanup = createCleanup({ api, ready, askTab, agentTabOf, routedFiles: async () => (await records()).files, forgetFiles });

/** "Download all" for the ticket in the most recent agent tab (popup button, shortcut). */
async function downloadAllCurrent({ force = false } = {}) {
  const router = await ready;
  const page = lastAgentTab && router?.recognize(lastAgentTab.url);
  if (page?.kind !== 'ticketPage') throw new Error('open a Zendesk ticket first');
  downloadAll.start({ instance: page.instance, ticketId: page.ticketId, tabId: lastAgentTab.tabId, force });
  return { started: true };
}

api.commands.onCommand.addListener((command) => {
  if (command === 'download-all') downloadAllCurrent().catch((err) => console.warn('zd-dl-router:', err.message));
});

Object.assign(messageHandlers, {
  downloadAll: ({ force }) => downloadAllCurrent({ force }),
  confirmAttachment: ({ attachmentId }) => downloadAll.confirm({ attachmentId }).then(() => ({})),
  cleanupReview: async ({ now }) => ({ reviews: await cleanup.review(now) }),
  cleanupRun: async ({ downloadIds, now }) => ({ report: await cleanup.remove(downloadIds, now) }),

  /** Which of these attachment links were saved by us and still exist (✓ marks). */
  async saved({ links }) {
    const router = await ready;
    const { saved } = await records();
    const found = [];
    for (const href of links ?? []) {
      const info = saved[router?.recognize(href)?.token];
      if (!info) continue;
      const [item] = await api.downloads.search({ id: info.downloadId }).catch(() => []);
      if (item?.exists && item.state === 'complete') {
        found.push({ href, downloadId: info.downloadId, folder: info.path.slice(0, info.path.lastIndexOf('/') + 1) });
      }
    }
    return { saved: found };
  },

  async show({ downloadId }) {
    api.downloads.show(downloadId);
    return {};
  },
});
