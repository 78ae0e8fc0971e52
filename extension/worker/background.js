// zd-dl-router's background (Chromium service worker, Firefox event page): the entry
// point. It only wires the worker's modules, each with one job:
//
//   core.js          the Router (WASM): loading it, settings under policy, knowledge across restarts
//   tabs.js          the agent tabs: which ticket each shows, which is in front
//   lookups.js       what agent pages report; looking a ticket up for a download
//   routing.js       a download's decision within the watchdog (platform.js calls it)
//   records.js       what the extension put on disk: the core's records carried to storage
//   notices.js       the badge and the fallback notification
//   marks.js         the ✓ marks on agent pages
//   download-all.js  Download all
//   retention.js     the clean-up
//   host-mapped.js   the content script on host-mapped agent domains
//   messages.js      the handlers of the message table (shared/protocol.js)
//   platform.js      the browser's own way to name downloads (platform/<browser>/)
//
// Every decision is the Router's. Listeners are registered synchronously while these
// modules load, before any await: an MV3 worker woken by an event must have them at once.

import './protocol.js';
import { installDownloadRouting } from './platform.js';
import { route, decideNow, fallbackNow, watchdogMs } from './routing.js';
import { record, keptUnrouted, onDownloadCompleted } from './records.js';
import { refreshMarks } from './marks.js';
import { createDownloadAll } from './download-all.js';
import { listen } from './messages.js';
import './host-mapped.js';

const platform = installDownloadRouting({ route, decideNow, record, keptUnrouted, fallbackNow, watchdogMs });
onDownloadCompleted(refreshMarks);
listen({ downloadAll: createDownloadAll({ download: platform.download }), content: platform.contentHandlers });
