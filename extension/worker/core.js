// The Router (src/wasm.rs) in the worker: loading the WASM, its settings under the
// administrator's policy, and its ticket knowledge across worker restarts. Every other
// worker module waits on `ready` (the Router, or null when the core cannot run: downloads
// are then left untouched, never lost) or reads `routerNow` where it cannot wait.
//
// A download often wakes the worker (the browser stops it after 30 s idle), and it waits
// for `ready`. So `ready` needs only what the first decision needs — the WASM, the settings
// under policy, the ticket knowledge — and everything else (the status note, the badge, the
// alarm, the storage migration's writes, the fresh policy) comes after.

import init, { Router } from './zd_dl_router.js';
import { KEY, settingsAtStart, migrateSettingsStorage, takeSyncedSettings } from './settings-store.js';

export const api = globalThis.browser ?? globalThis.chrome;

// Started while the other modules load, all at once: the WASM compile and one read per
// storage area (storage.sync only for the settings an older version kept there).
const wasm = init({ module_or_path: api.runtime.getURL('zd_dl_router_bg.wasm') });
const localAtStart = api.storage.local.get([KEY, 'policy']).catch(() => ({}));
const syncAtStart = api.storage.sync?.get(KEY).catch(() => ({})) ?? {};

/**
 * What the previous worker left in storage.session, read once: the ticket knowledge, and
 * for tabs.js and download-all.js the agent tabs and Download all's progress.
 */
export const sessionAtStart = api.storage.session.get(['knowledge', 'agentTabs', 'bulk']).catch(() => ({}));

/** Called with (router) each time settings are put in force (the badge, the daily clean-up). */
const appliedListeners = [];
export function onSettingsApplied(listener) {
  appliedListeners.push(listener);
}

/** The Router once loaded (null before, or when it failed): for callers that cannot wait. */
export let routerNow = null;

export const ready = start().then((router) => {
  routerNow = router;
  performance.mark('zd-dl-router: ready'); // worker start → router ready, for the benchmarks
  return router;
});

async function start() {
  try {
    await wasm;
  } catch (err) {
    console.error('zd-dl-router: WASM failed to load; downloads are left untouched', err);
    note({ problem: `routing core failed to load: ${err}` });
    return null;
  }
  const [{ [KEY]: local, policy = {} }, { [KEY]: synced }, { knowledge }] = await Promise.all([localAtStart, syncAtStart, sessionAtStart]);
  const router = new Router({});
  const problem = put(router, settingsAtStart(local, synced), policy);
  if (knowledge) {
    try {
      router.importKnowledge(knowledge, Date.now());
    } catch (err) {
      console.warn('zd-dl-router: dropped unreadable ticket knowledge', err);
    }
  }
  // After the download that woke the worker is answered (it waits on `ready`, resolved first).
  setTimeout(async () => {
    // Settings moved to storage.local are applied again (storage.onChanged): the same ones.
    await migrateSettingsStorage(api, local, synced).catch((err) => console.warn('zd-dl-router: settings storage not migrated', err));
    await applied(router, problem);
    await refreshPolicy(router);
  });
  return router;
}

/**
 * Puts the user's settings under the administrator's policy in force, validated by the
 * core, all or nothing; returns the problem (null when none). Stored settings that no longer
 * validate leave the previous ones in force.
 */
function put(router, user, policy) {
  try {
    router.setSettings(Router.applyPolicy(user ?? {}, policy ?? {}).settings);
    return null;
  } catch (err) {
    console.error('zd-dl-router: settings rejected, previous settings stay in force', err);
    return `settings rejected: ${err.message ?? err}`;
  }
}

/** Says how putting the settings went (the popup) and tells the listeners when it went well. */
async function applied(router, problem) {
  await note({ problem });
  if (problem) return;
  await Promise.all(appliedListeners.map((listener) => Promise.resolve(listener(router)).catch(() => {})));
}

/**
 * User settings (storage.local) under the administrator's policy. The policy comes from a
 * copy cached in storage.local: reading storage.managed can take seconds on a worker's
 * first start, longer than a download may wait. The fresh policy is read in the background
 * and applied (and cached) when it differs.
 */
async function applySettings(router, fresh) {
  const { [KEY]: settings, policy = {} } = await api.storage.local.get([KEY, 'policy']).catch(() => ({}));
  await applied(router, put(router, settings, fresh ?? policy));
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

/** Ticket knowledge goes to storage.session once changes pause: a restarted worker starts from it. */
let persistTimer = null;
export function persistKnowledge(router) {
  clearTimeout(persistTimer);
  persistTimer = setTimeout(() => {
    api.storage.session.set({ knowledge: router.exportKnowledge() }).catch(() => {});
  }, 200);
}

/** The router's health, where the popup shows it (`{problem}`: null when all is well). */
export async function note(status) {
  await api.storage.local.set({ status: { ...status, time: Date.now() } }).catch(() => {});
}
