// Where the user's settings live: storage.local, key "settings". storage.sync (the browser
// vendor's servers) holds only what the core's Router.settingsForSync says — nothing unless
// the user opted in, and then without organization names unless they asked for those too.
// This file decides nothing: it carries out the core's answers. Callers have initialised
// the WASM (the background in start(), the pages in main()) before writing or migrating.

import { Router } from './zd_dl_router.js';

/** The storage key of the user's settings (in storage.local, and of the sync copy). */
export const KEY = 'settings';

/** The user's settings as stored (undefined when none). */
export async function readUserSettings(api) {
  return (await api.storage.local.get(KEY))[KEY];
}

/** Writes the settings locally, then makes the sync copy what the core says (or removes it). */
export async function writeUserSettings(api, settings) {
  await api.storage.local.set({ [KEY]: settings });
  try {
    await setSyncCopy(api, Router.settingsForSync(settings));
  } catch (err) {
    const e = new Error(`saved on this computer, but the sync copy was not updated: ${err.message ?? err}`, { cause: err });
    e.savedLocally = true;
    throw e;
  }
}

/**
 * The user's settings at worker start, from the copies read in storage.local (`local`) and
 * storage.sync (`sync`): the sync copy when an older version kept them only there (the core
 * says; asked only then: each first call into the core delays the download that woke the
 * worker). migrateSettingsStorage moves them later.
 */
export function settingsAtStart(local, sync) {
  if (local !== undefined || sync === undefined) return local;
  try {
    return Router.settingsStorageMigration(local, sync).writeLocal ?? local;
  } catch {
    return local; // migrateSettingsStorage reports it
  }
}

/**
 * After the worker started, with the copies it read: settings an older version kept only in
 * storage.sync move to storage.local (written before sync is touched: nothing is lost), and
 * the sync copy becomes what the core says.
 */
export async function migrateSettingsStorage(api, local, sync) {
  const step = Router.settingsStorageMigration(local, sync);
  if (step.writeLocal != null) await api.storage.local.set({ [KEY]: step.writeLocal });
  // Unchanged copies are not rewritten: the worker starts often, sync writes are rationed.
  if (JSON.stringify(step.sync ?? null) !== JSON.stringify(sync ?? null)) await setSyncCopy(api, step.sync);
}

/** Another computer changed the sync copy (`synced`): take what the core says to take. */
export async function takeSyncedSettings(api, synced) {
  if (synced === undefined) return; // removed there: this computer keeps its own settings
  const merged = Router.mergeSyncedSettings((await readUserSettings(api)) ?? {}, synced);
  if (merged !== undefined) await api.storage.local.set({ [KEY]: merged });
}

async function setSyncCopy(api, copy) {
  if (!api.storage.sync) return;
  if (copy == null) await api.storage.sync.remove(KEY);
  else await api.storage.sync.set({ [KEY]: copy });
}
