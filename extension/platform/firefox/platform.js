// Firefox: there is no downloads.onDeterminingFilename (Mozilla bug 1245652), so a
// download can only be named by the extension that starts it. Two ways in, one decision:
//  - content-platform.js intercepts attachment clicks and sends them here: we start the
//    download of the original zendesk.com token URL with the routed name;
//  - downloads.onCreated catches attachment downloads that were not intercepted
//    (context menu "Save Link As…", modified clicks, drag): cancel, erase, and start again
//    with the routed name.
// Our own downloads (byExtensionId, and URLs being started) are never touched again, so
// nothing loops; a download whose routing fails goes ahead untouched.

export function installDownloadRouting({ api, route }) {
  const starting = new Set(); // URLs we are starting: onCreated may fire before download() resolves

  async function start(url, decision) {
    starting.add(url);
    try {
      return await api.downloads.download({
        url,
        filename: decision.path,
        conflictAction: decision.conflictAction,
        saveAs: false,
      });
    } finally {
      setTimeout(() => starting.delete(url), 1000);
    }
  }

  function isOurs(item) {
    return Boolean(item.byExtensionId) || starting.has(item.url);
  }

  api.downloads.onCreated.addListener(async (item) => {
    if (isOurs(item)) return;
    const decision = await route({
      url: item.url,
      referrer: item.referrer || undefined,
      filename: item.filename,
      mime: item.mime || undefined,
      size: item.totalBytes > 0 ? item.totalBytes : undefined,
    });
    if (decision?.action !== 'route') return;
    try {
      await api.downloads.cancel(item.id);
      const [now] = await api.downloads.search({ id: item.id });
      // Finished before we could cancel: remove the unrouted copy, the routed one replaces it.
      if (now?.state === 'complete') await api.downloads.removeFile(item.id);
      await api.downloads.erase({ id: item.id });
    } catch (err) {
      console.warn('zd-dl-router: could not take over download', item.id, err);
      return;
    }
    await start(item.url, decision).catch((err) => {
      console.error('zd-dl-router: routed download refused; starting it unrouted', err);
      return api.downloads.download({ url: item.url, saveAs: false });
    });
  });

  // A click intercepted by content-platform.js. {started: false} makes the page replay the
  // user's original click.
  return async function onInterceptedClick({ url, pageUrl }) {
    const decision = await route({ url, referrer: pageUrl });
    if (decision?.action !== 'route') return { started: false };
    try {
      await start(url, decision);
      return { started: true };
    } catch (err) {
      console.error('zd-dl-router: routed download refused', decision.path, err);
      return { started: false };
    }
  };
}
