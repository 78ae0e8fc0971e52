// The records of what the extension put on disk. The core holds one record per download
// it routed, left alone by a rule, or kept (src/records.rs) and says what to store: one
// storage.local key per file (`file:<time>-<download id>`), so a download costs one small
// write however many records there are. This file moves browser facts in and the core's
// storage writes out, in order, and keeps the popup's history written.

import { api, ready, routerNow, note } from './core.js';
import { notifyFallback, countPlaced } from './notices.js';
import * as helper from './helper.js';

/** Called with nothing when a download completes (the ✓ marks refresh). */
const completedListeners = [];
export function onDownloadCompleted(listener) {
  completedListeners.push(listener);
}

/** Storage writes run one after another, in the order the core made them. */
let writing = Promise.resolve();

/** Carries out the core's `{set, remove}`; resolves when this and every earlier write are done. */
export function write(writes) {
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
 * that stays: it is newer). Downloads recorded as in progress are then asked about: they may
 * have finished while no worker ran.
 */
export function withRecords(router) {
  loaded ??= (async () => {
    await load(router, false);
    // A Float64Array from the core: Array.from, or map() would make numbers, not promises.
    await Promise.all(Array.from(router.downloadsInProgress(), (id) => observeNow(router, id)));
  })();
  return loaded;
}

/** Loads the stored records into the core (`replace`: instead of those in memory). A malformed record is skipped and reported. */
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
export function reloadRecords(router) {
  reloading = reloading.then(async () => {
    await withRecords(router);
    await writing;
    await load(router, true);
  });
  return reloading;
}

function settled() {
  return reloading;
}

/**
 * The browser's download of each recorded file (`router.locate…` says where to look): by
 * its download id, else by its absolute path — Firefox numbers downloads from 1 again at
 * every start. The core then checks that what was found is the recorded file.
 */
export async function locateAll(locates) {
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

/** Feeds the browser's state of download `id` to the records (the caller waited for any reload). */
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
  if (state.state === 'complete') afterComplete(router, id);
}

/**
 * A download completed: the local helper's steps its decision asked for (`afterComplete`:
 * move, then unpack), one after another, each answer (or failure) recorded by the core,
 * which says what comes next (and hands a step out once: a download observed complete twice
 * is not moved twice). Nothing is waited for: a slow or hung helper holds up no download,
 * and a failed step leaves the file where it is.
 */
async function afterComplete(router, id) {
  try {
    for (let step = router.helperNext(id); step; ) {
      const answer = await helper.ask(step.request);
      await settled();
      const { writes, next } = router.recordHelper(step.key, answer);
      await write(writes);
      step = next;
    }
  } catch (err) {
    console.error('zd-dl-router: the helper\'s steps stopped', err);
  }
}

api.downloads.onChanged.addListener(async ({ id, state }) => {
  if (state?.current !== 'complete' && state?.current !== 'interrupted') return;
  const router = await ready;
  if (!router) return;
  await settled();
  await observeNow(router, id);
  if (state.current === 'complete') for (const listener of completedListeners) listener();
});

/** A download started (`downloadId`) with `decision`: its record, the badge, the notification. */
export async function record(event, decision, downloadId) {
  const router = routerNow;
  if (!router) return;
  if (decision.source === 'fallback' && router.settings.notifyOnFallback) notifyFallback(decision, downloadId);
  await settled();
  await write(router.recordStarted(downloadId, event, decision, Date.now()));
  if (decision.action === 'route') countPlaced(router, decision.source === 'fallback');
  // A small file may be complete before its record existed (its onChanged came first).
  await observeNow(router, downloadId);
}

/**
 * The take-over (Firefox) kept the browser's copy `originalId`: its record says why. The
 * routed copy's record becomes the original's; without one (the browser refused the routed
 * download), the original is recorded from `event` and `decision`.
 */
export async function keptUnrouted(originalId, routedId, reason, event, decision) {
  const router = routerNow;
  if (!router) return;
  await settled();
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
