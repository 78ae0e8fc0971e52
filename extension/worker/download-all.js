// "Download all attachments of this ticket", run by the worker.
//
// The router plans (what to fetch, what is already saved, where each goes: each item
// carries the decision a click on it gets); this file executes: at most `bulkConcurrency`
// downloads at a time, each recorded like a click, progress in storage.session (so the
// popup can close and reopen). Attachments that Zendesk's malware scan did not clear wait
// for the user to confirm each one in the popup.
//
// One run at a time: `active` is set synchronously when a run starts, so two quick starts
// give one run. A run cut short by a worker restart (the browser stops idle MV3 workers)
// is reported as interrupted when the next worker starts. The downloads it had started
// carry on in the browser and are recorded — also one whose record the stopped worker had
// no time to write: each download is noted in the progress (`starting`) before it starts,
// and the next worker records what it finds of those — so running it again skips what was
// saved, and retention knows every file.

import { api, ready, sessionAtStart } from './core.js';
import { askTicket } from './lookups.js';
import { record, write, withRecords, locateAll } from './records.js';

const PROGRESS = 'bulk';

/** Download all, starting its downloads with `download` (platform.js's, which keeps the names it is given). */
export function createDownloadAll({ download }) {
  /** download id → settle(ok), for the downloads this runner waits on. */
  const waiting = new Map();
  let active = null;

  api.downloads.onChanged.addListener(({ id, state }) => {
    const settle = waiting.get(id);
    if (!settle || !state) return;
    if (state.current === 'complete') settle(true);
    else if (state.current === 'interrupted') settle(false);
  });

  // Storage updates are read-modify-write and up to `bulkConcurrency` downloads finish at
  // once: run them one after the other, or counts get lost.
  let storageQueue = Promise.resolve();
  function serially(fn) {
    const run = storageQueue.then(fn, fn);
    storageQueue = run.catch(() => {});
    return run;
  }

  /** Merges `update` (an object, or a function of the current progress) into the progress. */
  function progress(update) {
    return serially(async () => {
      const { [PROGRESS]: now = {} } = await api.storage.session.get(PROGRESS);
      const next = { ...now, ...(typeof update === 'function' ? update(now) : update) };
      await api.storage.session.set({ [PROGRESS]: next });
      return next;
    });
  }

  // A run this worker did not start but storage says is running was cut short. (Read at
  // every worker start; written only when there is such a run.)
  const recovered = serially(async () => {
    const { [PROGRESS]: was } = await sessionAtStart;
    if (!was?.running) return;
    await adopt(was.starting ?? []);
    const error = `Interrupted: the browser stopped the extension's background during the run (${was.done ?? 0} of ${was.total ?? 0} saved). ` +
      'Run Download all again to fetch the rest; files already saved are skipped.';
    await api.storage.session.set({ [PROGRESS]: { ...was, running: false, interrupted: true, starting: [], error } });
  }).catch((err) => console.warn('zd-dl-router: could not recover an interrupted Download all', err));

  /** Records the downloads a stopped worker started (`starting`) but had no time to record. */
  async function adopt(starting) {
    const router = await ready;
    if (!router || starting.length === 0) return;
    await withRecords(router);
    for (const { url, decision, since } of starting) {
      const found = await api.downloads.search({ url }).catch(() => []);
      const ours = found.filter((d) => d.byExtensionId === api.runtime.id && Date.parse(d.startTime) >= since - 1000);
      for (const d of ours) if (!router.hasDownload(d.id)) await record({ url }, decision, d.id);
    }
  }

  /** Starts one download and resolves when it is complete (true) or failed (false). */
  async function fetchOne(item) {
    const { url, decision, filename, conflictAction } = item;
    const intent = { url, decision, since: Date.now() };
    await progress((now) => ({ starting: [...(now.starting ?? []), intent] }));
    const done = new Promise((resolve) => {
      download({ url, filename, conflictAction }).then(
        async (id) => {
          waiting.set(id, (ok) => {
            waiting.delete(id);
            resolve(ok);
          });
          await record({ url }, decision, id);
          await progress((now) => ({ starting: (now.starting ?? []).filter((i) => i.url !== url || i.since !== intent.since) }));
        },
        () => resolve(false),
      );
    });
    return done;
  }

  async function runQueue(items, concurrency) {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const ok = await fetchOne(items[next++]);
        await progress(({ done = 0, failed = 0 }) => (ok ? { done: done + 1 } : { failed: failed + 1 }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }

  /** Writes the sidecar (ticket.html / TICKET.md) with the conflict action the core chose. */
  async function writeSidecar(router, sidecar, instance, ticketId) {
    const type = `${sidecar.mime};charset=utf-8`;
    // Firefox refuses data: URLs in downloads.download; its background page has blob:
    // URLs. Chromium's service worker has no URL.createObjectURL, but takes data: URLs.
    const blobUrl = typeof URL.createObjectURL === 'function' ? URL.createObjectURL(new Blob([sidecar.text], { type })) : null;
    const url = blobUrl ?? `data:${type},${encodeURIComponent(sidecar.text)}`;
    try {
      const id = await download({ url, filename: sidecar.path, conflictAction: sidecar.conflictAction });
      // Recorded like the attachments: it names the customer, so retention removes it too.
      await write(router.recordSidecar(id, sidecar.path, instance, ticketId, Date.now()));
    } catch (err) {
      console.warn('zd-dl-router: ticket link file not written', err);
    }
    if (blobUrl) setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }

  async function run({ instance, ticketId, tabId, force }) {
    await recovered;
    const router = await ready;
    await progress({ running: true, interrupted: false, instance, ticketId, total: 0, done: 0, failed: 0, skipped: 0, alreadySaved: 0, confirm: [], error: null });
    try {
      if (!router) throw new Error('the routing core is not loaded');
      const answer = await askTicket(tabId, ticketId, true);
      const data = answer?.tickets?.find((t) => t.ticketId === ticketId);
      if (!data) throw new Error(answer?.error ?? 'the ticket page did not answer');
      router.observeTicket(instance, data.ticket, Date.now());
      await withRecords(router);
      const found = await locateAll(router.savedCandidatesOfTicket(instance, ticketId));
      const plan = router.planDownloadAll(instance, ticketId, data.comments, found, force, Date.now());
      const todo = plan.items.filter((i) => i.status === 'download');
      await progress({
        total: todo.length,
        skipped: plan.items.length - todo.length,
        alreadySaved: plan.items.filter((i) => i.status === 'alreadySaved').length,
        confirm: plan.items.filter((i) => i.status === 'needsConfirmation'),
      });
      if (plan.sidecar) await writeSidecar(router, plan.sidecar, instance, ticketId);
      await runQueue(todo, router.settings.bulkConcurrency);
    } catch (err) {
      await progress({ error: String(err?.message ?? err) });
    } finally {
      await progress({ running: false });
    }
  }

  /** Downloads every attachment of ticket `ticketId` shown in tab `tabId`; one run at a time. */
  function start(what) {
    if (active) throw new Error('Download all is already running');
    active = run({ force: false, ...what }).finally(() => {
      active = null;
    });
  }

  /** The user confirmed one attachment the malware scan did not clear. */
  async function confirm({ attachmentId }) {
    const router = await ready;
    const state = (await api.storage.session.get(PROGRESS))[PROGRESS];
    const item = state?.confirm?.find((i) => i.attachmentId === attachmentId);
    if (!item || !router) throw new Error('nothing to confirm');
    await progress((now) => ({ confirm: (now.confirm ?? []).filter((i) => i.attachmentId !== attachmentId), total: (now.total ?? 0) + 1 }));
    await runQueue([item], 1);
  }

  return { start, confirm };
}
