// Retention clean-up, run by the background: on demand from the clean-up page (review,
// then the user confirms) and daily through `alarms` when the settings ask for it.
//
// Only files the records hold are ever considered, every one of them until it is deleted,
// found gone, or removed from the list by the user; the core decides what is due, on the
// worker's own clock. A file is deleted only through the browser's download of that very
// file (a download id the browser reused for another file is refused). The browser cannot
// delete folders: the report lists the folders the deletions emptied of routed files.
// With the local helper the core's plan says more (Router.removalPlan): a file the helper
// moved out of Downloads is deleted through it, and with `helperCleanup` the folder the file
// was unpacked into and then the emptied ticket and organization folders too.

import { Router } from './zd_dl_router.js';
import { api, ready, onSettingsApplied } from './core.js';
import { tabsOfInstance } from './tabs.js';
import { write, reloadRecords, locateAll } from './records.js';
import * as helper from './helper.js';

const ALARM = 'retention';
const DAY_MINUTES = 24 * 60;

/**
 * Asks an agent tab of each instance (the agent's session) to read `tickets` with message
 * `type` ('status' or 'comments'): `[{ticket, ...what the tab answered, or error, noTab?}]`.
 */
async function ask(type, tickets) {
  const byInstance = new Map();
  for (const t of tickets) byInstance.set(t.instance, [...(byInstance.get(t.instance) ?? []), t.id]);
  const answers = [];
  for (const [instance, ticketIds] of byInstance) {
    const [tab] = await tabsOfInstance(instance); // the one seen last
    const request = zdProtocol.message(type, { ticketIds });
    const reply = tab === undefined
      ? { error: `no open ${instance} agent tab to read tickets`, noTab: true }
      : await api.tabs.sendMessage(tab.tabId, request).catch((err) => ({ error: String(err?.message ?? err) }));
    for (const id of ticketIds) {
      const a = reply?.answers?.find((x) => x.ticketId === id);
      answers.push({ ...a, ticket: { instance, id }, error: a?.error ?? reply?.error, noTab: reply?.noTab });
    }
  }
  return answers;
}

/** What is due, with file sizes and whether each file is still there to delete. */
export async function review() {
  const router = await ready;
  if (!router) throw new Error('the routing core is not loaded');
  await reloadRecords(router);
  const reads = router.ticketsToCheck();
  const reviews = router.reviewRetention(await ask('status', reads.status), await ask('comments', reads.comments), Date.now());
  // Only the due files are looked up in the browser: the rest are not shown, nor deleted.
  const due = reviews.filter((r) => r.verdict === 'delete');
  const found = new Map((await locateAll(router.locate(due.map((r) => r.key)))).map((f) => [f.key, f]));
  for (const r of due) {
    const item = found.get(r.key);
    r.listed = Boolean(item) && router.isRecordedFile(item);
    r.browserId = r.listed ? item.id : null; // the id now (Firefox renumbers at start)
    r.exists = r.listed && item.exists;
    r.size = r.exists ? item.fileSize ?? null : null;
  }
  return reviews;
}

/**
 * Deletes the files of those `keys` (records) that are due as the core's plan says: through
 * the browser's download of that very file, and through the local helper where it is there
 * (a moved file, an unpacked folder); the core says what each attempt came to and whether
 * its record goes. Reports on each file, and on the folders the deletions emptied: those
 * left behind (Downloads/…), or those the helper removed (absolute).
 */
export async function remove(keys) {
  const router = await ready;
  const due = new Map((await review()).filter((r) => r.verdict === 'delete').map((r) => [r.key, r]));
  const plan = router.removalPlan(keys.filter((key) => due.has(key)), (await helper.ask({ type: 'hello' })).ok);
  const planned = new Map(plan.files.map((f) => [f.key, f]));
  const report = [];
  for (const key of keys) {
    const r = due.get(key);
    const { browser = true, moved, helperDelete } = planned.get(key) ?? {};
    const attempt = { due: Boolean(r), listed: Boolean(r?.listed), exists: Boolean(r?.exists), moved };
    if (browser && attempt.listed && attempt.exists) {
      attempt.removeError = await api.downloads.removeFile(r.browserId).then(() => undefined, (err) => String(err?.message ?? err));
    }
    if (helperDelete) attempt.helper = await helper.ask(helperDelete);
    const deletion = Router.deletionOutcome(attempt);
    if (deletion.removed && r.browserId != null) await api.downloads.erase({ id: r.browserId }).catch(() => {});
    report.push({ key, path: r?.path, moved: r?.moved, ...deletion });
  }
  const removed = report.filter((r) => r.removed);
  await write(router.forgetRecords(removed.map((r) => r.key)));
  const pruned = plan.prune && (await helper.ask(plan.prune));
  if (pruned?.ok) return { report, folders: [], removedFolders: pruned.removed };
  return { report, folders: router.emptiedFolders(removed.map((r) => r.path)) };
}

/** The user removes files from the list without deleting them (moved elsewhere, kept on purpose). */
export async function forget(keys) {
  const router = await ready;
  await reloadRecords(router);
  await write(router.forgetRecords(keys));
  return { forgotten: keys.length };
}

/** The daily run: delete everything due and say what was removed. */
async function daily() {
  const due = (await review()).filter((r) => r.verdict === 'delete').map((r) => r.key);
  if (due.length === 0) return;
  const { report, folders } = await remove(due);
  const deleted = report.filter((r) => r.outcome === 'deleted').length;
  const gone = report.filter((r) => r.outcome === 'alreadyGone').length;
  const notDeleted = report.filter((r) => !r.removed).length;
  const t = api.i18n.getMessage; // substitutions are strings, as the API types them
  const parts = [
    t('cleanupDailyDeleted', [String(deleted)]),
    gone && t('cleanupDailyAlreadyGone', [String(gone)]),
    notDeleted && t('cleanupDailyNotDeleted', [String(notDeleted)]),
    folders.length && t('cleanupDailyEmptiedFolders', [String(folders.length)]),
  ];
  await api.notifications
    .create({
      type: 'basic',
      iconUrl: api.runtime.getURL('icons/icon-128.png'),
      title: t('cleanupDailyTitle'),
      message: t('cleanupDailyMessage', [parts.filter(Boolean).join('; ')]),
    })
    .catch(() => {});
}

/** Keeps the daily alarm in line with the settings. */
async function schedule(settings) {
  if (!settings.retentionDaily) {
    await api.alarms.clear(ALARM);
  } else if (!(await api.alarms.get(ALARM))) {
    api.alarms.create(ALARM, { periodInMinutes: DAY_MINUTES, delayInMinutes: 1 });
  }
}

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) daily().catch((err) => console.error('zd-dl-router: clean-up failed', err));
});

onSettingsApplied((router) => schedule(router.settings));
