// The local helper (`zd-dl-router helper`, a native messaging host; README "Local helper"):
// the one place that talks to it. One request per call — `runtime.sendNativeMessage` starts
// the helper, hands it the request and waits for its one answer — within a time limit, so a
// hung helper holds up nothing. It never throws: whatever goes wrong (the optional
// permission not granted, the helper not installed, crashed, silent, refusing) the answer
// has the helper's own shape, `{ok: false, error: {code, message}}`, and the caller records it.

import { api } from './core.js';
import { TimeoutError, withTimeout } from './async.js';
import { helperBrowser } from './platform.js';

/** The host's name in its manifest (`zd-dl-router helper install` writes it). */
const HELPER = 'dev.zd_dl_router.helper';

/** How long each request may take: unpacking and moving a large archive take a while. */
const TIMEOUT_MS = { hello: 5_000, delete: 60_000, deleteEmptyFolders: 60_000, move: 10 * 60_000, unpack: 10 * 60_000 };

/** The command that installs the helper for this browser (the options page shows it to copy). */
export function installCommand() {
  return `zd-dl-router helper install --browser ${helperBrowser()}`;
}

/** Whether the user granted the optional permission (false when the browser cannot say). */
function permitted() {
  return Promise.resolve(api.permissions.contains({ permissions: ['nativeMessaging'] })).catch(() => false);
}

/**
 * Sends `request` (`{type, …}` of the helper's protocol) and resolves to its answer:
 * `{ok: true, …}` or `{ok: false, error: {code, message}}`. The codes the extension adds to
 * the helper's: `noPermission`, `noHelper` (not installed, or the browser could not start it;
 * the browser's message says which) and `noAnswer` (timed out).
 */
export async function ask(request) {
  if (!(await permitted())) return failure('noPermission', 'the nativeMessaging permission is not granted');
  try {
    const answer = await withTimeout(api.runtime.sendNativeMessage(HELPER, request), TIMEOUT_MS[request.type] ?? TIMEOUT_MS.hello, `the helper's ${request.type}`);
    return answer?.ok === true || answer?.error ? answer : failure('badAnswer', `the helper answered ${JSON.stringify(answer)?.slice(0, 200)}`);
  } catch (err) {
    return failure(err instanceof TimeoutError ? 'noAnswer' : 'noHelper', String(err?.message ?? err));
  }
}

function failure(code, message) {
  return { ok: false, error: { code, message } };
}
