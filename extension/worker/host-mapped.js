// Host-mapped agent domains (support.example.com for acme.zendesk.com). The manifest's
// content script runs on *.zendesk.com only; for every host-mapped domain in the settings in
// force whose access the user granted, the same script is registered at run time (persisted
// by the browser, one registration per domain) and dropped when the domain leaves the
// settings or its access is revoked. Checked again at start-up, on every settings change
// and every permission change; the core says what to register and drop. A failure is
// logged: it never holds up a download (the page's downloads then fall back).

import { api, ready, onSettingsApplied } from './core.js';
import { Router } from './zd_dl_router.js';
import { hasAccess } from './host-access.js';

let syncing = Promise.resolve();

/** Brings the registrations in line with the settings in force and the granted access. */
export function syncHostMapped(router) {
  syncing = syncing.then(() => sync(router)).catch((err) => console.warn('zd-dl-router: host-mapped content scripts not updated', err));
  return syncing;
}

async function sync(router) {
  const granted = [];
  for (const domain of router.settings.hostMappedDomains) if (await hasAccess(domain)) granted.push(domain);
  const registered = (await api.scripting.getRegisteredContentScripts()).map((script) => script.id);
  const { unregister, register } = Router.contentScriptChanges(granted, registered);
  if (unregister.length) await api.scripting.unregisterContentScripts({ ids: unregister });
  if (!register.length) return;
  // The manifest's script; Firefox reports its files as full URLs, registration takes paths.
  const [{ js: files, run_at: runAt }] = api.runtime.getManifest().content_scripts;
  const js = files.map((file) => new URL(file, api.runtime.getURL('/')).pathname.slice(1));
  await api.scripting.registerContentScripts(register.map(({ id, matches }) => ({ id, matches, js, runAt, persistAcrossSessions: true })));
}

async function permissionsChanged() {
  const router = await ready;
  if (router) await syncHostMapped(router);
}

onSettingsApplied(syncHostMapped);
api.permissions.onAdded.addListener(permissionsChanged);
api.permissions.onRemoved.addListener(permissionsChanged);
