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
import { readUserSettings, migrateSettingsStorage, takeSyncedSettings } from './settings-store.js';

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULT_WATCHDOG_MS = 2000;

/** Zendesk agent tabs that run the content script, by instance: tab id → {seen, url, activated}. */
const agentTabs = new Map();

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
  // Settings an older version kept in storage.sync move to storage.local (before they are read).
  await migrateSettingsStorage(api).catch((err) => console.warn('zd-dl-router: settings storage not migrated', err));
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
 * User settings (storage.local) under the administrator's policy, validated by the core.
 * The policy comes from a copy cached in storage.local: reading storage.managed can take
 * seconds on a worker's first start, longer than a download may wait. The fresh policy is
 * read in the background and applied (and cached) when it differs.
 */
async function applySettings(router, policy) {
  if (policy === undefined) ({ policy = {} } = await api.storage.local.get('policy').catch(() => ({})));
  const user = await readUserSettings(api).catch(() => ({}));
  try {
    const { settings } = Router.applyPolicy(user ?? {}, policy ?? {});
    router.setSettings(settings);
    showBadge(router);
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

api.storage.onChanged.addListener(async (changes, area) => {
  const router = await ready;
  if (!router) return;
  if (area === 'managed') await refreshPolicy(router);
  else if (changes.settings && area === 'local') await applySettings(router);
  else if (changes.settings && area === 'sync') {
    // Another computer changed the sync copy: the core says what to take (into storage.local).
    await takeSyncedSettings(api, changes.settings.newValue).catch((err) => console.warn('zd-dl-router: synced settings not taken', err));
  }
});

// ---- messages: content scripts of agent tabs, and the extension's own pages ----------
//
// Each sender may send only what it is meant to: a content script (any web page it runs
// in could be hostile) may report pages and ask for ✓ marks; deletion, Download all and
// the popup's state are for the extension's own pages only.

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const type = message?.type;
  const allowed = handlersFor(sender);
  if (allowed && Object.hasOwn(allowed, type)) {
    allowed[type](message, sender).then(sendResponse, (err) => sendResponse({ error: String(err) }));
    return true;
  }
  if (Object.hasOwn(contentHandlers, type) || Object.hasOwn(pageHandlers, type)) {
    sendResponse({ error: `refused: "${type}" is not accepted from ${describe(sender)}` });
  }
  return false;
});

function handlersFor(sender) {
  if (sender.id !== api.runtime.id) return null;
  if (sender.url?.startsWith(api.runtime.getURL(''))) return pageHandlers;
  return sender.tab ? contentHandlers : null;
}

function describe(sender) {
  return sender.url?.startsWith(api.runtime.getURL('')) ? 'an extension page' : sender.tab ? 'a content script' : 'this sender';
}

const contentHandlers = {
  /** An agent page was shown: remember the tab; say which ticket it shows and whether to load it. */
  async page({ url }, sender) {
    const router = await ready;
    if (!router) return {};
    const page = router.recognize(url);
    if (page?.kind !== 'ticketPage') return {};
    rememberTab(page.instance, sender.tab, url);
    const known = router.ticket(page.instance, page.ticketId, Date.now()) !== undefined;
    return { ticketId: page.ticketId, load: !known };
  },

  /** Ticket JSON and comment pages loaded by a content script, or why they could not be. */
  async ticketData({ url, ticketId, ticket, comments = [], error }, sender) {
    const router = await ready;
    const page = router?.recognize(url);
    if (!page?.instance) return {};
    rememberTab(page.instance, sender.tab, url);
    if (error) router.observeFailure(page.instance, ticketId, String(error), Date.now());
    else observe(router, page.instance, ticketId, { ticket, comments });
    return {};
  },

  /** Attachment links visible on an agent page: they belong to the ticket its URL shows. */
  async links({ url, links }) {
    const router = await ready;
    const page = router?.recognize(url);
    if (page?.kind !== 'ticketPage' || !Array.isArray(links)) return {};
    const tokens = links.map((href) => router.recognize(href)?.token).filter(Boolean);
    if (tokens.length) router.observeAttachments(page.instance, page.ticketId, tokens, Date.now());
    persistKnowledge(router);
    return {};
  },
};

const pageHandlers = {
  /** The popup: the ticket in the front agent tab as the core sees it, and the router's health. */
  async state() {
    const router = await ready;
    const { status = {} } = await api.storage.local.get('status').catch(() => ({}));
    const front = router && await frontTicket(router);
    return {
      coreLoaded: Boolean(router),
      problem: status.problem ?? null,
      view: router?.view(front?.instance ?? '', front?.ticketId ?? 0, Date.now()) ?? null,
    };
  },
};

/** Agent tabs that run the content script, by instance: tab id → {seen, url, activated}. */
function rememberTab(instance, tab, url) {
  const known = [...agentTabs.values()].find((tabs) => tabs.has(tab.id))?.get(tab.id);
  const activated = tab.active ? Date.now() : known?.activated ?? 0;
  for (const tabs of agentTabs.values()) tabs.delete(tab.id); // a tab may move to another instance
  tabsOf(instance).set(tab.id, { seen: Date.now(), url, activated });
  persistTabs();
}

/**
 * The agent tab in front: the active tab of the focused window when it is an agent tab,
 * else the agent tab activated last (the popup may be a tab of its own, or another window).
 * Only tabs the content script reported count: no `tabs` permission is needed. An agent tab
 * reports again when it comes to the front (content.js), so no `tabs.onActivated` listener
 * wakes the service worker at every tab switch in the browser.
 */
async function frontAgentTab() {
  const [active] = await api.tabs.query({ active: true, lastFocusedWindow: true }).catch(() => []);
  const all = [...agentTabs.values()].flatMap((tabs) => [...tabs]);
  const inFront = all.find(([tabId]) => tabId === active?.id);
  const latest = all.sort((a, b) => b[1].activated - a[1].activated || b[1].seen - a[1].seen)[0];
  const [tabId, tab] = inFront ?? latest ?? [];
  return tabId === undefined ? null : { tabId, url: tab.url };
}

/** The ticket the front agent tab shows: {instance, ticketId, tabId}, or null. */
async function frontTicket(router) {
  const front = await frontAgentTab();
  const page = front && router.recognize(front.url);
  return page?.kind === 'ticketPage' ? { instance: page.instance, ticketId: page.ticketId, tabId: front.tabId } : null;
}

// The agent tabs are kept in storage.session too: a restarted worker must still be able to
// ask them for a ticket, and a tab reports again only when it navigates.
function persistTabs() {
  const byInstance = [...agentTabs].map(([instance, tabs]) => [instance, [...tabs]]);
  api.storage.session.set({ agentTabs: { byInstance } }).catch(() => {});
}

/** Merges the tabs a previous worker knew; what this worker has heard since stays. */
function restoreTabs(saved) {
  for (const [instance, tabs] of saved?.byInstance ?? []) {
    const known = tabsOf(instance);
    for (const [tabId, tab] of tabs) if (!known.has(tabId) && tab?.seen) known.set(tabId, { activated: 0, ...tab });
  }
}

function tabsOf(instance) {
  if (!agentTabs.has(instance)) agentTabs.set(instance, new Map());
  return agentTabs.get(instance);
}

api.tabs.onRemoved.addListener(async (tabId) => {
  await ready; // after restoreTabs, so a closed tab is not merged back
  for (const tabs of agentTabs.values()) tabs.delete(tabId);
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
 * Asks agent tabs of `instance` to load what `lookup` needs through the agent's own session
 * and feeds the answers to the router. The core picks the loads (src/lookup.rs): for a
 * token, each ticket an agent tab shows, once, at most once per ticket per 30 s.
 */
async function lookUp(router, instance, lookup) {
  const tabs = [...(agentTabs.get(instance) ?? new Map())].map(([tabId, { url }]) => {
    const page = router.recognize(url);
    return { tabId, ticketId: page?.kind === 'ticketPage' ? page.ticketId : undefined };
  });
  if (tabs.length === 0) throw new Error(`no open ${instance} agent tab to ask`);
  const loads = router.planLookup(instance, lookup, tabs, Date.now());
  if (loads.length === 0) throw new Error('the tickets open in agent tabs were reloaded less than 30 s ago');
  const answers = await Promise.allSettled(
    loads.map(({ tabId, ticketId, fresh }) => api.tabs.sendMessage(tabId, { type: 'lookup', lookup: { ticketId }, fresh })),
  );
  let learned = false;
  let lastError = 'no tab answered';
  for (const [i, a] of answers.entries()) {
    if (a.status === 'rejected') lastError = String(a.reason?.message ?? a.reason);
    else if (a.value?.error) {
      lastError = a.value.error;
      router.observeFailure(instance, loads[i].ticketId, lastError, Date.now());
    }
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

// ---- records: what the extension put on disk ------------------------------------------
//
// The core holds one record per download this extension routed, left alone by a rule, or
// kept (src/records.rs) and says what to store: one storage.local key per file
// (`file:<time>-<download id>`), so a download costs one small write however many records there
// are. This file only moves browser facts in and storage writes out.

/** Storage writes run one after another, in the order the core made them. */
let writing = Promise.resolve();

function write(writes) {
  const { set = {}, remove = [] } = writes ?? {};
  if (Object.keys(set).length === 0 && remove.length === 0) return writing;
  writing = writing
    .then(() => Promise.all([
      Object.keys(set).length && api.storage.local.set(set),
      remove.length && api.storage.local.remove(remove),
    ]))
    .catch((err) => {
      // Retention cannot delete what it has no record of: say so where the user looks.
      console.error('zd-dl-router: records not written', err);
      return note({ problem: `download records could not be saved: ${err?.message ?? err}` });
    });
  scheduleHistory();
  return writing;
}

let loaded = null;

/**
 * The stored records, loaded into the core once per worker start (a record started before
 * that stays: it is newer). A malformed record is skipped and reported, never fatal.
 * Downloads recorded as in progress are then asked about: they may have finished while no
 * worker ran.
 */
function withRecords(router) {
  loaded ??= (async () => {
    await load(router, false);
    // A Float64Array from the core: Array.from, or map() would make numbers, not promises.
    await Promise.all(Array.from(router.downloadsInProgress(), (id) => observeNow(router, id)));
  })();
  return loaded;
}

async function load(router, replace) {
  const stored = await api.storage.local.get(null).catch(() => ({}));
  const { skipped, writes } = router.loadRecords(stored, replace);
  if (skipped.length) {
    console.warn('zd-dl-router: skipped unreadable records', skipped);
    await note({ problem: `skipped ${skipped.length} unreadable download record(s): ${skipped[0]}` });
  }
  await write(writes);
}

/**
 * Storage is the truth for the clean-up: reload once the pending writes are done. Changes to
 * the records wait for the reload (`settled`), so none is made to a copy being replaced.
 */
let reloading = Promise.resolve();
function reloadRecords(router) {
  reloading = reloading.then(async () => {
    await withRecords(router);
    await writing;
    await load(router, true);
  });
  return reloading;
}

/** The router, once no reload of the records is under way. */
async function settled(router) {
  await reloading;
  return router;
}

/**
 * The browser's download of each recorded file (`router.locate…` says where to look): by
 * its download id, else by its absolute path — Firefox numbers downloads from 1 again at
 * every start. The core then checks that what was found is the recorded file.
 */
async function locateAll(locates) {
  const found = await Promise.all(locates.map(async ({ key, downloadId, absolute }) => {
    let [item] = await api.downloads.search({ id: downloadId }).catch(() => []);
    if (absolute && item?.filename !== absolute) {
      const byPath = await api.downloads.search({ filename: absolute }).catch(() => []);
      item = byPath.find((d) => d.state === 'complete') ?? item;
    }
    return item && { key, id: item.id, filename: item.filename, exists: Boolean(item.exists), state: item.state, fileSize: item.fileSize };
  }));
  return found.filter(Boolean);
}

/** Feeds the browser's state of download `id` to the records, once no reload is under way. */
async function observeDownload(router, id) {
  await settled(router);
  await observeNow(router, id);
}

/** The same, for callers that already waited (or are the load itself). */
async function observeNow(router, id) {
  const [item] = await api.downloads.search({ id }).catch(() => []);
  const startMs = item && Date.parse(item.startTime);
  const state = !item
    ? { state: 'unknown' }
    : item.state === 'complete'
      ? { state: 'complete', filename: item.filename, bytes: item.fileSize > 0 ? item.fileSize : null, startMs }
      : item.state === 'interrupted'
        ? { state: 'interrupted', reason: item.error ?? 'interrupted', startMs }
        : { state: 'inProgress' };
  await write(router.observeDownload(id, state));
}

api.downloads.onChanged.addListener(async ({ id, state }) => {
  if (state?.current !== 'complete' && state?.current !== 'interrupted') return;
  const router = await ready;
  if (!router) return;
  await observeDownload(router, id);
  if (state.current === 'complete') notifySavedChanged();
});

/** A download started (`downloadId`) with `decision`: its record, the badge, the notification. */
async function record(event, decision, downloadId) {
  const router = routerNow;
  if (!router) return;
  if (decision.source === 'fallback' && router.settings.notifyOnFallback) notifyFallback(decision, downloadId);
  await settled(router);
  await write(router.recordStarted(downloadId, event, decision, Date.now()));
  if (decision.action === 'route') countPlaced(decision.source === 'fallback');
  // A small file may be complete before its record existed (its onChanged came first).
  await observeNow(router, downloadId);
}

/**
 * The take-over (Firefox) kept the browser's copy `originalId`: its record says why. The
 * routed copy's record becomes the original's; without one (the browser refused the routed
 * download), the original is recorded from `event` and `decision`.
 */
async function keptUnrouted(originalId, routedId, reason, event, decision) {
  const router = routerNow;
  if (!router) return;
  await settled(router);
  if (routedId == null) await write(router.recordStarted(originalId, event, decision, Date.now()));
  await write(router.recordKeptUnrouted(originalId, routedId ?? originalId, reason));
  await observeNow(router, originalId);
}

/** The popup's history, made from the records (real paths), written once changes pause. */
let historyTimer = null;
function scheduleHistory() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(async () => {
    const router = routerNow;
    if (!router) return;
    await withRecords(router);
    await api.storage.local.set({ history: router.history() }).catch(() => {});
  }, 200);
}

/**
 * A file went to the fallback folder: say where and why, in plain words, with a button
 * (Chromium) and a click on the notification itself (both browsers) that shows the file.
 * The notification id carries the download id, so a restarted worker can still show it.
 */
const FALLBACK_NOTE = 'fallback:';
function notifyFallback(decision, downloadId) {
  api.notifications
    .create(`${FALLBACK_NOTE}${downloadId}`, {
      type: 'basic',
      iconUrl: api.runtime.getURL('icons/icon-128.png'),
      title: 'Saved outside its ticket folder',
      message: `Downloads/${decision.path} — ${decision.note ?? 'the ticket could not be known'}`,
      ...(platform.notificationButtons ? { buttons: [{ title: 'Show file' }] } : {}),
    })
    .catch((err) => console.warn('zd-dl-router: notification not shown', err));
}

function showNotifiedFile(notificationId) {
  if (!notificationId.startsWith(FALLBACK_NOTE)) return;
  api.downloads.show(Number(notificationId.slice(FALLBACK_NOTE.length)));
  api.notifications.clear(notificationId).catch(() => {});
}
api.notifications.onClicked.addListener(showNotifiedFile);
api.notifications.onButtonClicked?.addListener(showNotifiedFile);

/**
 * The badge: customer files placed since the browser started, routed or fallen back (the
 * core says its text, colour and tooltip). The counts live in storage.session, which
 * outlives a service-worker restart but not the browser; they are updated once a burst
 * pauses (one badge update per download would cost a round trip to the browser each).
 */
const uncounted = { routed: 0, fellBack: 0 };
let badgeTimer = null;
function countPlaced(fellBack) {
  uncounted[fellBack ? 'fellBack' : 'routed'] += 1;
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    const add = { ...uncounted };
    Object.assign(uncounted, { routed: 0, fellBack: 0 });
    const { placed = { routed: 0, fellBack: 0 } } = await api.storage.session.get('placed').catch(() => ({}));
    const counts = { routed: placed.routed + add.routed, fellBack: placed.fellBack + add.fellBack };
    await api.storage.session.set({ placed: counts }).catch(() => {});
    if (routerNow) await showBadge(routerNow, counts);
  }, 200);
}

async function showBadge(router, counts) {
  counts ??= (await api.storage.session.get('placed').catch(() => ({}))).placed ?? { routed: 0, fellBack: 0 };
  const { text, color, title } = router.badge(counts.routed, counts.fellBack);
  await Promise.all([
    api.action.setBadgeText({ text }),
    api.action.setBadgeBackgroundColor({ color }),
    api.action.setTitle({ title }),
  ]).catch(() => {});
}

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

const platform = installDownloadRouting({ api, route, decideNow, record, keptUnrouted, fallbackNow, watchdogMs });
contentHandlers.download = platform.onInterceptedClick;

function askTab(tabId, message) {
  return api.tabs.sendMessage(tabId, message);
}

/** The most recently active agent tab of `instance`, if any. */
function agentTabOf(instance) {
  const tabs = [...(agentTabs.get(instance) ?? new Map())].sort((a, b) => b[1].seen - a[1].seen);
  return tabs[0]?.[0];
}

const downloadAll = createDownloadAll({ api, ready, askTab, download: platform.download, record, write, withRecords, locateAll });
const cleanup = createCleanup({ api, ready, askTab, agentTabOf, reloadRecords, write, locateAll });

/**
 * "Download all" for the ticket in the front agent tab (popup button, shortcut), when the
 * core's view of it allows (routing on, details loaded); otherwise the view's reason.
 */
async function downloadAllCurrent({ force = false } = {}) {
  const router = await ready;
  if (!router) throw new Error('the routing core is not running');
  const front = await frontTicket(router);
  const { downloadAll: allowed } = router.view(front?.instance ?? '', front?.ticketId ?? 0, Date.now());
  if (!allowed.enabled) throw new Error(allowed.reason);
  // Synchronous from here: two quick starts cannot both pass downloadAll's check.
  downloadAll.start({ ...front, force });
  return { started: true };
}

api.commands.onCommand.addListener(async (command) => {
  if (command !== 'download-all') return;
  await downloadAllCurrent().catch((err) => console.warn('zd-dl-router:', err.message));
});

Object.assign(pageHandlers, {
  downloadAll: ({ force }) => downloadAllCurrent({ force }),
  /** Which history entries' files are still on disk (the popup's Show / "deleted or moved"). */
  async historyFiles({ keys }) {
    const router = await ready;
    if (!router || !Array.isArray(keys)) return { files: [] };
    await withRecords(router);
    return { files: router.onDisk(keys, await locateAll(router.locate(keys))) };
  },
  /** The organization names seen, for the alias editor. */
  async organizations() {
    const router = await ready;
    if (!router) return { organizations: [] };
    await withRecords(router);
    return { organizations: router.organizations() };
  },
  confirmAttachment: ({ attachmentId }) => downloadAll.confirm({ attachmentId }).then(() => ({})),
  // The clean-up runs on the worker's own clock: a page cannot make files due early.
  cleanupReview: async () => ({ reviews: await cleanup.review() }),
  cleanupRun: async ({ keys }) => cleanup.remove(keys),
  cleanupForget: async ({ keys }) => cleanup.forget(keys),
});

/** The download ids given to ✓ marks since the worker started: the only ones `show` opens. */
const markedIds = new Set();

Object.assign(contentHandlers, {
  /** Which of these attachment links are saved in their ticket folder and still there (✓ marks). */
  async saved({ links }) {
    const router = await ready;
    if (!router || !Array.isArray(links)) return { saved: [] };
    await withRecords(router);
    const found = await locateAll(router.savedCandidates(links));
    const saved = router.savedLinks(links, found);
    for (const { downloadId } of saved) markedIds.add(downloadId);
    return { saved };
  },

  /** A ✓ mark was clicked: show that file (only the downloads the marks were given). */
  async show({ downloadId }) {
    if (markedIds.has(downloadId)) api.downloads.show(downloadId);
    return {};
  },
});
