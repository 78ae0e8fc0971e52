// The ✓ marks agent pages put next to attachment links that are saved in their ticket's
// folder and still on disk (the core says which, from its records and what the browser
// finds), and showing such a file when its mark is clicked.

import { api, ready } from './core.js';
import { allAgentTabs } from './tabs.js';
import { withRecords, locateAll } from './records.js';

/** The download ids given to ✓ marks since the worker started: the only ones `show` opens. */
const markedIds = new Set();

/** Message handlers for the content scripts of agent tabs (see shared/protocol.js). */
export const markHandlers = {
  /** Which of these attachment links are saved in their ticket folder and still there. */
  async saved({ links }) {
    const router = await ready;
    if (!router) return { saved: [] };
    await withRecords(router);
    const hrefs = links.map(String);
    const saved = router.savedLinks(hrefs, await locateAll(router.savedCandidates(hrefs)));
    for (const { downloadId } of saved) markedIds.add(downloadId);
    return { saved };
  },

  /** A ✓ mark was clicked: show that file (only the downloads the marks were given). */
  async show({ downloadId }) {
    if (markedIds.has(downloadId)) api.downloads.show(downloadId);
    return {};
  },
};

// At most one refresh per MARKS_REFRESH_MS: in a burst of downloads every completion would
// otherwise make every agent tab ask again (thousands of round trips for 200 files).
const MARKS_REFRESH_MS = 500;
let marksTimer = null;

/** Saved files changed: agent tabs ask again for their marks (once a burst pauses). */
export function refreshMarks() {
  if (marksTimer) return;
  marksTimer = setTimeout(async () => {
    marksTimer = null;
    const message = zdProtocol.message('savedChanged');
    for (const tabId of await allAgentTabs()) api.tabs.sendMessage(tabId, message).catch(() => {});
  }, MARKS_REFRESH_MS);
}
