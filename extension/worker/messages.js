// The worker's side of the message protocol (shared/protocol.js): who is asking, and the
// handler of every message to the worker. A content script (any web page it runs in could
// be hostile) may report pages and ask for ✓ marks; the popup's state, Download all and
// deleting files are for the extension's own pages only — the table says which is which.

import { api, ready } from './core.js';
import { frontTicket } from './tabs.js';
import { agentPageHandlers } from './lookups.js';
import { markHandlers } from './marks.js';
import { withRecords, locateAll } from './records.js';
import * as cleanup from './retention.js';
import * as helper from './helper.js';

/** WORKER, CONTENT or PAGE for a message's sender (null: not this extension). */
function senderOf(sender) {
  if (sender.id !== api.runtime.id) return null;
  if (sender.url?.startsWith(api.runtime.getURL(''))) return zdProtocol.PAGE;
  return sender.tab ? zdProtocol.CONTENT : null;
}

/** The core's view of the ticket in the front agent tab (the popup, Download all's check). */
async function frontView(router) {
  const front = await frontTicket();
  return { front, view: router.view(front?.instance ?? '', front?.ticketId ?? 0, Date.now()) };
}

/**
 * Starts listening. `downloadAll` is the Download all runner (download-all.js); `content`
 * the platform's handlers of content-script messages (Firefox's click interception).
 */
export function listen({ downloadAll, content }) {
  /** Download all for the ticket in front, when the core's view of it allows; else the view's reason. */
  async function downloadAllCurrent({ force = false } = {}) {
    const router = await ready;
    if (!router) throw new Error('the routing core is not running');
    const { front, view } = await frontView(router);
    if (!view.downloadAll.enabled) throw new Error(view.downloadAll.reason);
    // Synchronous from here: two quick starts cannot both pass downloadAll's check.
    downloadAll.start({ ...front, force });
    return { started: true };
  }

  const pageHandlers = {
    /** The popup: the ticket in the front agent tab as the core sees it, and the router's health. */
    async state() {
      const router = await ready;
      const { status = {} } = await api.storage.local.get('status').catch(() => ({}));
      return { coreLoaded: Boolean(router), problem: status.problem ?? null, view: router ? (await frontView(router)).view : null };
    },
    downloadAll: ({ force }) => downloadAllCurrent({ force }),
    confirmAttachment: ({ attachmentId }) => downloadAll.confirm({ attachmentId }).then(() => ({})),
    /** Which history entries' files are still on disk (the popup's Show / "deleted or moved"). */
    async historyFiles({ keys }) {
      const router = await ready;
      if (!router) return { files: [] };
      await withRecords(router);
      return { files: router.onDisk(keys, await locateAll(router.locate(keys))) };
    },
    /** The organization names seen, for the alias editor. */
    async organizations() {
      const router = await ready;
      if (!router) return { organizations: [] };
      await withRecords(router);
      return { organizations: router.organizations() };
    },
    // The clean-up runs on the worker's own clock: a page cannot make files due early.
    cleanupReview: async () => ({ reviews: await cleanup.review() }),
    cleanupRun: ({ keys }) => cleanup.remove(keys),
    cleanupForget: ({ keys }) => cleanup.forget(keys),
    /** The options page's *Local helper*: found or why not, its version and roots. */
    helperStatus: async () => ({ command: helper.installCommand(), hello: await helper.ask({ type: 'hello' }) }),
  };

  zdProtocol.listen(api, zdProtocol.WORKER, { ...agentPageHandlers, ...markHandlers, ...content, ...pageHandlers }, senderOf);

  api.commands.onCommand.addListener(async (command) => {
    if (command !== 'download-all') return;
    await downloadAllCurrent().catch((err) => console.warn('zd-dl-router:', err.message));
  });
}
