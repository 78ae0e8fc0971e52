// Where a download goes, within a bounded time: the entry points platform.js calls from the
// browser's downloads events. The core decides in one pass — decide; if it needs a ticket,
// look it up through an agent tab and tell the core what came of it; decide again — and
// this file keeps the time limit: whatever fails or hangs, the answer comes within the
// watchdog, as a route (the fallback folder at worst) or null (leave the download untouched).

import { ready, routerNow } from './core.js';
import { lookUp } from './lookups.js';
import { withTimeout } from './async.js';

const DEFAULT_WATCHDOG_MS = 2000;

/** Milliseconds a download may wait for its decision (the settings' `watchdogMs`). */
export function watchdogMs() {
  return routerNow?.settings.watchdogMs ?? DEFAULT_WATCHDOG_MS;
}

/**
 * The core's first decision for `event`, right now: a route, a pass, or a `needTicket` to
 * hand to `route()`; undefined when the core is not loaded yet. Stamps the event's time, so
 * both passes decide for the same moment.
 */
export function decideNow(event) {
  event.timeMs ??= Date.now();
  if (!routerNow) return undefined;
  try {
    return routerNow.decide(event);
  } catch (err) {
    console.error('zd-dl-router: decision failed', err);
    return undefined;
  }
}

/**
 * The final decision for `event`, continuing from `first` (decideNow's answer) when given:
 * a route or a pass, or null when the core is unavailable (leave the download untouched).
 * Resolves within the watchdog; never rejects.
 */
export async function route(event, first) {
  const started = Date.now();
  event.timeMs ??= started;
  const router = await withTimeout(ready, watchdogMs(), 'loading the router').catch(() => null);
  if (!router) return null;
  try {
    const decision = first ?? router.decide(event);
    if (decision.action !== 'needTicket') return decision;
    const left = Math.max(0, watchdogMs() - (Date.now() - started));
    const lookupError = await withTimeout(lookUp(router, decision.instance, decision.lookup), left, 'ticket lookup')
      .then(() => undefined, (err) => String(err.message ?? err));
    return router.decide({ ...event, lookupDone: true, lookupError });
  } catch (err) {
    console.error('zd-dl-router: decision failed; download left untouched', err);
    return null;
  }
}

/** The decision when time is up: the fallback folder if the core runs, else null (untouched). */
export function fallbackNow(event, reason) {
  if (!routerNow) return null;
  try {
    return routerNow.decide({ ...event, lookupDone: true, lookupError: reason });
  } catch {
    return null;
  }
}
