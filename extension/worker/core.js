// The Router (src/wasm.rs) in the worker: loading the WASM, its settings under the
// administrator's policy, and its ticket knowledge across worker restarts. Every other
// worker module waits on `ready` (the Router, or null when the core cannot run: downloads
// are then left untouched, never lost) or reads `routerNow` where it cannot wait.

import init, { Router } from './zd_dl_router.js';
import { readUserSettings, migrateSettingsStorage, takeSyncedSettings } from './settings-store.js';

export const api = globalThis.browser ?? globalThis.chrome;

/** Called with (router) each time settings are put in force (the badge, the daily clean-up). */
const appliedListeners = [];
export function onSettingsApplied(listener) {
  appliedListeners.push(listener);
}

/** The Router once loaded (null before, or when it failed): for callers that cannot wait. */
export let routerNow = null;

export const ready = start().then((router) => {
  routerNow = router;
  return router;
});

async function start() {
  try {
    await init({ module_or_path: api.runtime.getURL('zd_dl_router_bg.wasm') });
  } catch (err) {
    console.error('zd-dl-router: WASM failed to load; downloads are left untouched', err);
    await note({ problem: `routing core failed to load: ${err}` });
    return null;
  }
  // Settings an older version kept in storage.sync move to storage.local (before they are read).
  await migrateSettingsStorage(api).catch((err) => console.warn('zd-dl-router: settings storage not migrated', err));
  const router = new Router({});
  await applySettings(router);
  refreshPolicy(router);
  const { knowledge } = await api.storage.session.get('knowledge').catch(() => ({}));
  if (knowledge) {
    try {
      router.importKnowledge(knowledge, Date.now());
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
    await note({ problem: null });
  } catch (err) {
    // Stored settings that no longer validate: keep routing with what is in force.
    console.error('zd-dl-router: settings rejected, previous settings stay in force', err);
    await note({ problem: `settings rejected: ${err.message ?? err}` });
    return;
  }
  await Promise.all(appliedListeners.map((listener) => Promise.resolve(listener(router)).catch(() => {})));
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
