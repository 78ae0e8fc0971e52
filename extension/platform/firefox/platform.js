// Firefox: there is no downloads.onDeterminingFilename (Mozilla bug 1245652), so a
// download can only be named by the extension that starts it. Two ways in, one decision:
//  - content-platform.js intercepts attachment clicks and sends them here: we start the
//    download of the original zendesk.com token URL with the routed name;
//  - downloads.onCreated catches attachment downloads that were not intercepted
//    (context menu "Save Link As…", a page script's download, a pasted URL) and takes
//    them over: a routed copy is started beside the browser's, and the browser's copy is
//    removed only once the routed one is complete with the same size (Router.takeoverStep,
//    src/takeover.rs). If the routed copy fails, the browser's copy stays where it is and
//    keptUnrouted() says so in its record. One routed attempt, never retried.
// Our own downloads (byExtensionId, and URLs being started) are never touched again, so
// nothing loops; a download whose routing fails goes ahead untouched.

import { Router } from './zd_dl_router.js';
import { api } from './core.js';

/** Firefox notifications have no buttons: a click on the notification itself shows the file. */
export const notificationButtons = false;

/** The `--browser` of `zd-dl-router helper install`. */
export function helperBrowser() {
  return 'firefox';
}

export function installDownloadRouting({ route, record, keptUnrouted }) {
  const starting = new Set(); // URLs we are starting: onCreated may fire before download() resolves
  const running = new Set(); // ids of our downloads not finished yet
  const takeovers = new Map(); // original id and routed id → their take-over

  /** Starts a download of our own with the name we give it. */
  async function download({ url, filename, conflictAction }) {
    starting.add(url);
    try {
      const id = await api.downloads.download({ url, filename, conflictAction, saveAs: false });
      running.add(id);
      const [item] = await api.downloads.search({ id }).catch(() => []);
      if (item?.state === 'interrupted') dropFailed(id);
      return id;
    } finally {
      setTimeout(() => starting.delete(url), 1000);
    }
  }

  // A failed download started through the API keeps its partial data for downloads.resume():
  // an empty file under the routed name plus `name.part`. The page's own download would have
  // left nothing, and an empty file in the ticket folder looks like the attachment: remove
  // both (cancel() deletes the partial data of a download that is not complete).
  function dropFailed(id) {
    if (!running.delete(id)) return;
    api.downloads.cancel(id).catch((err) => console.warn('zd-dl-router: could not clean up failed download', id, err));
  }
  api.downloads.onChanged.addListener(({ id, state }) => {
    if (state?.current === 'complete') running.delete(id);
    else if (state?.current === 'interrupted') dropFailed(id);
    const takeover = takeovers.get(id);
    if (takeover) next(takeover);
  });

  async function start(event, decision) {
    const id = await download({ url: event.url, filename: decision.path, conflictAction: decision.conflictAction });
    record(event, decision, id);
    return id;
  }

  function isOurs(item) {
    return Boolean(item.byExtensionId) || starting.has(item.url);
  }

  api.downloads.onCreated.addListener(async (item) => {
    if (isOurs(item)) return;
    const event = {
      url: item.url,
      referrer: item.referrer || undefined,
      filename: item.filename,
      mime: item.mime || undefined,
      size: item.totalBytes > 0 ? item.totalBytes : undefined,
    };
    const decision = await route(event);
    if (decision?.action !== 'route') return;
    // The browser's download goes on untouched: it is the customer's file until the routed
    // copy is on disk.
    const takeover = { original: item.id, routed: null, refused: null, event, decision, queue: Promise.resolve(), over: false };
    try {
      takeover.routed = await start(event, decision);
      takeovers.set(takeover.routed, takeover);
    } catch (err) {
      console.error('zd-dl-router: routed download refused; keeping the browser\'s', err);
      takeover.refused = String(err?.message ?? err);
    }
    takeovers.set(item.id, takeover);
    next(takeover); // either may be complete already (small files take milliseconds)
  });

  /** Queues one look at both downloads of a take-over (one at a time, in order). */
  function next(takeover) {
    takeover.queue = takeover.queue.then(() => step(takeover)).catch((err) => {
      // A step that cannot be carried out ends the take-over: the browser's copy stays.
      console.warn('zd-dl-router: take-over ended, the browser\'s download stays', takeover.original, err);
      end(takeover);
    });
  }

  /** What the core needs to know about download `id` (Router.takeoverStep's states). */
  async function stateOf(id) {
    const [item] = await api.downloads.search({ id });
    if (!item) return { state: 'failed', reason: 'no longer in the list of downloads' };
    if (item.state === 'complete') return { state: 'complete', bytes: item.fileSize >= 0 ? item.fileSize : null };
    if (item.state === 'interrupted') return { state: 'failed', reason: item.error || 'interrupted' };
    return { state: 'inProgress' };
  }

  async function step(takeover) {
    if (takeover.over) return;
    const { original, routed } = takeover;
    const routedState = takeover.refused ? { state: 'failed', reason: takeover.refused } : await stateOf(routed);
    const { step: todo, reason } = Router.takeoverStep(await stateOf(original), routedState);
    if (todo === 'wait') return;
    if (todo === 'cancelOriginal') {
      // Rejects if the original completed meanwhile: its onChanged brings us back here.
      if (!(await api.downloads.cancel(original).then(() => true, () => false))) return;
      await api.downloads.erase({ id: original });
    } else if (todo === 'removeOriginal') {
      await api.downloads.removeFile(original);
      await api.downloads.erase({ id: original });
    } else if (todo === 'keepOriginal') {
      console.warn('zd-dl-router: kept the browser\'s download unrouted:', reason);
      await keptUnrouted(original, routed, reason, takeover.event, takeover.decision);
    }
    end(takeover); // done, or after any of the above
  }

  function end(takeover) {
    takeover.over = true;
    takeovers.delete(takeover.original);
    takeovers.delete(takeover.routed);
  }

  // A click intercepted by content-platform.js. {started: false} makes the page replay the
  // user's original click.
  async function onInterceptedClick({ url, pageUrl }) {
    const event = { url, referrer: pageUrl };
    const decision = await route(event);
    if (decision?.action !== 'route') return { started: false };
    try {
      await start(event, decision);
      return { started: true };
    } catch (err) {
      console.error('zd-dl-router: routed download refused', decision.path, err);
      return { started: false };
    }
  }

  return { download, contentHandlers: { download: onInterceptedClick } };
}
