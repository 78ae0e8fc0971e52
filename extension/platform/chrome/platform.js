// Chrome: route through downloads.onDeterminingFilename, which lets an extension name a
// download before it is written. `suggest` must be called exactly once; the watchdog
// below guarantees it even if routing hangs, so a download never waits on us.
//
// Downloads started by extensions need care. Chromium replaces the starting extension's
// filename as soon as *any* listener answers, even with a bare `suggest()` (in
// downloads_api.cc an empty answer parses as conflict action NONE, which DeterminerCallback
// takes for a real suggestion). So:
//  - our own downloads ("download all"): we know the name we asked for and suggest it;
//  - another extension's: we never answer; removing and re-adding our listener makes
//    Chromium stop waiting for us (DeterminerRemoved) and apply that extension's name at
//    once. Done only while none of our own routings is pending, since a removed listener
//    loses its pending answers too — and only some time after our last answer: `suggest`
//    and `removeListener` travel to the browser on different channels, and a removal that
//    overtakes an answer voids it. Known limit: a Zendesk download whose naming starts in
//    the instant between removal and re-adding (after another extension's download) keeps
//    the browser's own name in Downloads — never lost, but not routed.

import { api } from './core.js';

/**
 * Milliseconds from onDeterminingFilename to suggest for the last downloads this worker
 * routed (a bounded ring; read by `./build.sh bench` through the DevTools protocol).
 */
globalThis.zdDlRouterSuggestMs = [];
const TIMINGS_KEPT = 2000;

/** Chromium notifications take buttons ("Show file"). */
export const notificationButtons = true;

/** The `--browser` of `zd-dl-router helper install`: Google Chrome and Chromium read their helpers from different folders. */
export function helperBrowser() {
  return navigator.userAgentData?.brands?.some((b) => b.brand === 'Google Chrome') ? 'chrome' : 'chromium';
}

export function installDownloadRouting({ route, decideNow, record, fallbackNow, watchdogMs }) {
  const determining = api.downloads.onDeterminingFilename;
  const ownNames = new Map(); // url → {filename, conflictAction} of downloads we start
  const ANSWER_SETTLE_MS = 300;
  let pending = 0;
  let lastAnswerAt = -Infinity;
  let releaseWanted = false;

  function release() {
    releaseWanted = true;
    const wait = Math.max(0, lastAnswerAt + ANSWER_SETTLE_MS - performance.now());
    setTimeout(() => {
      if (pending > 0 || !releaseWanted) return; // answer() calls release() again
      if (performance.now() < lastAnswerAt + ANSWER_SETTLE_MS) return release();
      releaseWanted = false;
      determining.removeListener(listener);
      determining.addListener(listener);
    }, wait);
  }

  function listener(item, suggest) {
    const own = item.byExtensionId === api.runtime.id && ownNames.get(item.url);
    if (own) {
      ownNames.delete(item.url);
      suggest(own);
      lastAnswerAt = performance.now();
      return false;
    }
    if (item.byExtensionId) {
      release();
      return true;
    }
    const event = {
      url: item.url,
      finalUrl: item.finalUrl !== item.url ? item.finalUrl : undefined,
      referrer: item.referrer || undefined,
      filename: item.filename,
      mime: item.mime || undefined,
      size: item.fileSize > 0 ? item.fileSize : item.totalBytes > 0 ? item.totalBytes : undefined,
    };
    pending += 1;
    let answered = false;
    let watchdog;
    const started = performance.now();
    const answer = (decision) => {
      if (answered) return;
      answered = true;
      clearTimeout(watchdog);
      pending -= 1;
      const timings = globalThis.zdDlRouterSuggestMs;
      globalThis.zdDlRouterFirstSuggestAt ??= performance.now(); // worker start → first answer
      timings.push(performance.now() - started);
      if (timings.length > TIMINGS_KEPT) timings.splice(0, timings.length - TIMINGS_KEPT);
      if (decision?.action === 'route') {
        suggest({ filename: decision.path, conflictAction: decision.conflictAction });
        record(event, decision, item.id);
      } else {
        suggest();
      }
      lastAnswerAt = performance.now();
      if (releaseWanted && pending === 0) release();
    };
    // The common case — core loaded, ticket known — is answered before returning; a
    // decision that needs a ticket goes on from there (route looks it up).
    const first = decideNow(event);
    if (first && first.action !== 'needTicket') {
      answer(first);
      return false;
    }
    watchdog = setTimeout(
      () => answer(fallbackNow(event, `no decision within ${watchdogMs() + 500} ms`)),
      watchdogMs() + 500,
    );
    route(event, first).then(answer, () => answer(null));
    return true;
  }
  determining.addListener(listener);

  /** Starts a download of our own that keeps the name we give it. */
  async function download({ url, filename, conflictAction }) {
    if (filename) ownNames.set(url, { filename, conflictAction });
    try {
      return await api.downloads.download({ url, filename, conflictAction, saveAs: false });
    } catch (err) {
      ownNames.delete(url);
      throw err;
    }
  }

  // Chrome names every download in onDeterminingFilename: clicks need no interception, so
  // content scripts send no messages for the platform.
  return { download, contentHandlers: {} };
}
