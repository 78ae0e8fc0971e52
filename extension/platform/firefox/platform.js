// Firefox: there is no downloads.onDeterminingFilename (Mozilla bug 1245652), so a
// download can only be named by the extension that starts it. Two ways in, one decision:
//  - content-platform.js intercepts attachment clicks and sends them here: we start the
//    download of the original zendesk.com token URL with the routed name;
//  - downloads.onCreated catches attachment downloads that were not intercepted
//    (context menu "Save Link As…", modified clicks, drag): cancel, erase, and start again
//    with the routed name.
// Our own downloads (byExtensionId, and URLs being started) are never touched again, so
// nothing loops; a download whose routing fails goes ahead untouched.

export function installDownloadRouting({ api, route, record }) {
  const starting = new Set(); // URLs we are starting: onCreated may fire before download() resolves
  const running = new Set(); // ids of our downloads not finished yet

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
    try {
      // cancel() rejects for a download that already finished (likely: routing may take up
      // to the watchdog, a small file takes milliseconds), so look at the state first and
      // again after cancelling.
      let [now] = await api.downloads.search({ id: item.id });
      if (now?.state === 'in_progress') {
        await api.downloads.cancel(item.id).catch(() => {});
        [now] = await api.downloads.search({ id: item.id });
      }
      // Finished before we could cancel: remove the unrouted copy, the routed one replaces it.
      if (now?.state === 'complete') await api.downloads.removeFile(item.id);
      await api.downloads.erase({ id: item.id });
    } catch (err) {
      console.warn('zd-dl-router: could not take over download', item.id, err);
      return;
    }
    await start(event, decision).catch((err) => {
      console.error('zd-dl-router: routed download refused; starting it unrouted', err);
      return api.downloads.download({ url: item.url, saveAs: false });
    });
  });

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

  return { onInterceptedClick, download };
}
