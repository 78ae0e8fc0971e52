// Firefox: intercept attachment clicks so the background can start the download with its
// routed name (Firefox cannot rename a download started by the page). Plain left click,
// middle click and keyboard activation (which fires a click) are intercepted; clicks with
// modifiers keep the browser's own meaning, and downloads.onCreated routes what they start.
// If the background does not start the download, the user's click is replayed unchanged:
// a click never does nothing.

(() => {
  const api = globalThis.browser;
  const REPLAY_AFTER_MS = 15000; // only if the background never answers
  let replaying = false;

  function intercept(event) {
    if (replaying || event.defaultPrevented || event.button > 1) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const link = event.target.closest?.('a[href]');
    // The core's own answer, generated into zendesk-patterns.js (this page's host counts:
    // the content script runs on Zendesk pages only). The background's router decides again.
    if (!link || !zdPatterns.isAttachmentLink(link.href, [location.hostname])) return;
    event.preventDefault();

    let settled = false;
    const replay = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      replaying = true;
      try {
        link.click();
      } finally {
        replaying = false;
      }
    };
    const timer = setTimeout(replay, REPLAY_AFTER_MS);
    api.runtime
      .sendMessage(zdProtocol.message('download', { url: link.href, pageUrl: location.href }))
      .then((reply) => {
        if (!reply?.started) return replay();
        settled = true;
        clearTimeout(timer);
      }, replay);
  }

  document.addEventListener('click', intercept, true);
  document.addEventListener('auxclick', intercept, true);
})();
