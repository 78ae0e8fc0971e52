// "Download all attachments of this ticket", run by the background.
//
// The router plans (what to fetch, what to skip, where each goes); this file executes:
// at most `bulkConcurrency` downloads at a time, progress in storage.session (so the popup
// can close and reopen), attachment ids remembered in storage.local so a second run only
// fetches what is new. Attachments that Zendesk's malware scan did not clear wait for the
// user to confirm each one in the popup.

const PROGRESS = 'bulk';
const DOWNLOADED = 'downloadedAttachments';

export function createDownloadAll({ api, ready, askTab, download, record }) {
  /** download id → settle(ok), for the downloads this runner waits on. */
  const waiting = new Map();

  api.downloads.onChanged.addListener(({ id, state, error }) => {
    const settle = waiting.get(id);
    if (!settle || !state) return;
    if (state.current === 'complete') settle(true);
    else if (state.current === 'interrupted') settle(false, error?.current ?? 'interrupted');
  });

  // Storage updates are read-modify-write and up to `bulkConcurrency` downloads finish at
  // once: run them one after the other, or counts and remembered ids get lost.
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

  const key = (instance, ticketId) => `${instance}/${ticketId}`;

  function remember(instance, ticketId, attachmentId) {
    return serially(async () => {
      const { [DOWNLOADED]: all = {} } = await api.storage.local.get(DOWNLOADED);
      const ids = new Set(all[key(instance, ticketId)] ?? []);
      ids.add(attachmentId);
      all[key(instance, ticketId)] = [...ids];
      await api.storage.local.set({ [DOWNLOADED]: all });
    });
  }

  /** Starts one download and resolves when it is complete (true) or failed (false). */
  function fetchOne(item, conflictAction) {
    return new Promise((resolve) => {
      download({ url: item.url, filename: item.path ?? undefined, conflictAction }).then(
        (id) => {
          waiting.set(id, (ok) => {
            waiting.delete(id);
            resolve(ok);
          });
          record({ url: item.url }, { action: 'route', path: item.path, source: 'tokenIndex', ticket: item.ticket }, id);
        },
        () => resolve(false),
      );
    });
  }

  async function runQueue(items, { instance, ticketId, concurrency, conflictAction }) {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++];
        const ok = await fetchOne(item, conflictAction);
        if (ok) await remember(instance, ticketId, item.attachmentId);
        await progress(({ done = 0, failed = 0 }) => (ok ? { done: done + 1 } : { failed: failed + 1 }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }

  /** Downloads every attachment of ticket `ticketId` shown in tab `tabId`. */
  async function start({ instance, ticketId, tabId, force = false }) {
    const router = await ready;
    if (!router) throw new Error('the routing core is not loaded');
    const current = (await api.storage.session.get(PROGRESS))[PROGRESS];
    if (current?.running) throw new Error(`already downloading ticket ${current.ticketId}`);
    await progress({ running: true, instance, ticketId, total: 0, done: 0, failed: 0, skipped: 0, confirm: [], error: null });
    try {
      const answer = await askTab(tabId, { type: 'lookup', lookup: { ticketId }, fresh: true });
      const data = answer?.tickets?.find((t) => t.ticketId === ticketId);
      if (!data) throw new Error(answer?.error ?? 'the ticket page did not answer');
      router.observeTicket(instance, data.ticket, Date.now());
      const { [DOWNLOADED]: all = {} } = await api.storage.local.get(DOWNLOADED);
      const plan = router.planDownloadAll(instance, ticketId, data.comments, all[key(instance, ticketId)] ?? [], force, Date.now());
      const ticket = { instance, id: ticketId };
      const items = plan.items.map((item) => ({ ...item, ticket }));
      const todo = items.filter((i) => i.status === 'download');
      await progress({
        total: todo.length,
        skipped: items.length - todo.length,
        confirm: items.filter((i) => i.status === 'needsConfirmation'),
      });
      const { settings } = router;
      if (plan.sidecar) {
        const type = `${plan.sidecar.mime};charset=utf-8`;
        // Firefox refuses data: URLs in downloads.download; its background page has blob:
        // URLs. Chromium's service worker has no URL.createObjectURL, but takes data: URLs.
        const blobUrl = typeof URL.createObjectURL === 'function' ? URL.createObjectURL(new Blob([plan.sidecar.text], { type })) : null;
        const url = blobUrl ?? `data:${type},${encodeURIComponent(plan.sidecar.text)}`;
        // Recorded like the attachments: it names the customer, so retention removes it too.
        await download({ url, filename: plan.sidecar.path, conflictAction: 'overwrite' })
          .then((id) => record({ url }, { action: 'route', path: plan.sidecar.path, source: 'tokenIndex', ticket: { instance, id: ticketId } }, id))
          .catch((err) => console.warn('zd-dl-router: ticket link file not written', err));
        if (blobUrl) setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
      }
      await runQueue(todo, { instance, ticketId, concurrency: settings.bulkConcurrency, conflictAction: settings.conflictAction });
    } catch (err) {
      await progress({ error: String(err?.message ?? err) });
    } finally {
      await progress({ running: false });
    }
  }

  /** The user confirmed one attachment the malware scan did not clear. */
  async function confirm({ attachmentId }) {
    const router = await ready;
    const state = (await api.storage.session.get(PROGRESS))[PROGRESS];
    const item = state?.confirm?.find((i) => i.attachmentId === attachmentId);
    if (!item || !router) throw new Error('nothing to confirm');
    await progress((now) => ({ confirm: (now.confirm ?? []).filter((i) => i.attachmentId !== attachmentId), total: (now.total ?? 0) + 1 }));
    await runQueue([item], {
      instance: state.instance,
      ticketId: state.ticketId,
      concurrency: 1,
      conflictAction: router.settings.conflictAction,
    });
  }

  return { start, confirm };
}
