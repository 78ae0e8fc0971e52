// What the worker learns about tickets: what agent pages report (the ticket a tab shows, its
// details and comments loaded through the agent's own session, the attachment links on it),
// and the look-ups a download that needs a ticket asks agent tabs for. The core recognises
// URLs, picks the loads (src/lookup.rs) and keeps the knowledge; this file carries messages.

import { api, ready, persistKnowledge } from './core.js';
import { rememberTab, pageOf, tabsOfInstance } from './tabs.js';

/** Feeds a ticket's JSON and comment pages to the router. */
function observe(router, instance, ticketId, { ticket, comments = [] }) {
  const now = Date.now();
  if (ticket) router.observeTicket(instance, ticket, now);
  for (const page of comments) router.observeComments(instance, ticketId, page, now);
  persistKnowledge(router);
}

/** Message handlers for the content scripts of agent tabs (see shared/protocol.js). */
export const agentPageHandlers = {
  /** An agent page was shown: remember the tab; say which ticket it shows and whether to load it. */
  async page({ url }, sender) {
    const router = await ready;
    const page = router?.recognize(url);
    if (page?.kind !== 'ticketPage') return {};
    await rememberTab(page.instance, sender.tab, page.ticketId);
    const known = router.ticket(page.instance, page.ticketId, Date.now()) !== undefined;
    return { ticketId: page.ticketId, load: !known };
  },

  /** Details of a ticket an agent tab loaded after `page` said to, or why they could not be loaded. */
  async ticketData({ ticketId, ticket, comments, error }, sender) {
    const router = await ready;
    const shown = await pageOf(sender.tab.id); // its instance, as `page` recognised it
    if (!router || !shown) return {};
    if (error) router.observeFailure(shown.instance, ticketId, error, Date.now());
    else observe(router, shown.instance, ticketId, { ticket, comments });
    return {};
  },

  /** Attachment links visible on an agent page: they belong to the ticket its URL shows. */
  async links({ url, links }) {
    const router = await ready;
    const page = router?.recognize(url);
    if (page?.kind !== 'ticketPage') return {};
    const tokens = links.map((href) => router.recognize(String(href))?.token).filter(Boolean);
    if (tokens.length) router.observeAttachments(page.instance, page.ticketId, tokens, Date.now());
    persistKnowledge(router);
    return {};
  },
};

/**
 * Asks agent tabs of `instance` to load what `lookup` (a `needTicket` decision's) needs
 * through the agent's own session and feeds the answers to the router. Resolves when
 * something was learned; rejects with why not.
 */
export async function lookUp(router, instance, lookup) {
  const tabs = await tabsOfInstance(instance);
  if (tabs.length === 0) throw new Error(`no open ${instance} agent tab to ask`);
  const loads = router.planLookup(instance, lookup, tabs, Date.now());
  if (loads.length === 0) throw new Error('the tickets open in agent tabs were reloaded less than 30 s ago');
  const answers = await Promise.allSettled(loads.map(({ tabId, ticketId, fresh }) => askTicket(tabId, ticketId, fresh)));
  let learned = false;
  let lastError = 'no tab answered';
  for (const [i, a] of answers.entries()) {
    if (a.status === 'rejected') lastError = String(a.reason?.message ?? a.reason);
    else if (a.value?.error) {
      lastError = a.value.error;
      router.observeFailure(instance, loads[i].ticketId, lastError, Date.now());
    }
    for (const data of a.value?.tickets ?? []) {
      observe(router, instance, data.ticketId, data);
      learned = true;
    }
  }
  if (!learned) throw new Error(lastError);
}

/** Asks agent tab `tabId` for ticket `ticketId` (`fresh`: not from its cache): {tickets} or {error}. */
export function askTicket(tabId, ticketId, fresh) {
  return api.tabs.sendMessage(tabId, zdProtocol.message('lookup', { lookup: { ticketId }, fresh }));
}
