// Chrome: route through downloads.onDeterminingFilename, which lets an extension name a
// download before it is written. `suggest` must be called exactly once; the watchdog
// below guarantees it even if routing hangs, so a download never waits on us.

export function installDownloadRouting({ api, route, fallbackNow, watchdogMs }) {
  api.downloads.onDeterminingFilename.addListener((item, suggest) => {
    // Our own downloads (and other extensions') already carry the name they asked for:
    // suggest() without arguments keeps it.
    if (item.byExtensionId) {
      suggest();
      return false;
    }
    const event = {
      url: item.url,
      finalUrl: item.finalUrl !== item.url ? item.finalUrl : undefined,
      referrer: item.referrer || undefined,
      filename: item.filename,
      mime: item.mime || undefined,
      size: item.fileSize > 0 ? item.fileSize : item.totalBytes > 0 ? item.totalBytes : undefined,
    };
    let answered = false;
    const answer = (decision) => {
      if (answered) return;
      answered = true;
      clearTimeout(watchdog);
      if (decision?.action === 'route') {
        suggest({ filename: decision.path, conflictAction: decision.conflictAction });
      } else {
        suggest();
      }
    };
    const watchdog = setTimeout(
      () => answer(fallbackNow(event, `no decision within ${watchdogMs() + 500} ms`)),
      watchdogMs() + 500,
    );
    route(event).then(answer, () => answer(null));
    return true;
  });

  // Firefox's click interception has no use here.
  return async () => ({ routed: false });
}
