// The Zendesk agent tabs that run the content script: which ticket each shows, which is in
// front, and which to ask when a ticket must be looked up. Only tabs the content script
// reported count, so no `tabs` permission is needed. Kept in storage.session too: a
// restarted worker must still be able to ask them, and a tab reports again only when it
// navigates or comes to the front.

import { api, sessionAtStart } from './core.js';

/** instance → (tab id → {ticketId, seen, activated}). */
const agentTabs = new Map();

/** The tabs a previous worker knew, merged in before any tab is looked at. */
const restored = sessionAtStart.then(({ agentTabs: saved }) => {
  for (const [instance, tabs] of saved?.byInstance ?? []) {
    const known = tabsOf(instance);
    for (const [tabId, tab] of tabs) if (!known.has(tabId) && tab?.ticketId) known.set(tabId, { activated: 0, ...tab });
  }
}, () => {});

function tabsOf(instance) {
  if (!agentTabs.has(instance)) agentTabs.set(instance, new Map());
  return agentTabs.get(instance);
}

function persist() {
  const byInstance = [...agentTabs].map(([instance, tabs]) => [instance, [...tabs]]);
  api.storage.session.set({ agentTabs: { byInstance } }).catch(() => {});
}

/** Tab `tab` (the sender's) shows ticket `ticketId` of `instance`. */
export async function rememberTab(instance, tab, ticketId) {
  await restored;
  const known = await pageOf(tab.id);
  const activated = tab.active ? Date.now() : known?.activated ?? 0;
  for (const tabs of agentTabs.values()) tabs.delete(tab.id); // a tab may move to another instance
  tabsOf(instance).set(tab.id, { ticketId, seen: Date.now(), activated });
  persist();
}

/** What tab `tabId` showed when it last reported: {instance, ticketId, activated}, or undefined. */
export async function pageOf(tabId) {
  await restored;
  for (const [instance, tabs] of agentTabs) if (tabs.has(tabId)) return { instance, ...tabs.get(tabId) };
  return undefined;
}

/** The agent tabs of `instance`, latest seen first: [{tabId, ticketId}]. */
export async function tabsOfInstance(instance) {
  await restored;
  return [...(agentTabs.get(instance) ?? new Map())]
    .sort((a, b) => b[1].seen - a[1].seen)
    .map(([tabId, { ticketId }]) => ({ tabId, ticketId }));
}

/** Every agent tab's id. */
export async function allAgentTabs() {
  await restored;
  return [...agentTabs.values()].flatMap((tabs) => [...tabs.keys()]);
}

/**
 * The ticket in front: {instance, ticketId, tabId} of the active tab of the focused window
 * when it is an agent tab, else of the agent tab activated last (the popup may be a tab of
 * its own, or another window); null when no agent tab shows a ticket. An agent tab reports
 * when it comes to the front (content.js), so no `tabs.onActivated` listener wakes the
 * worker at every tab switch in the browser.
 */
export async function frontTicket() {
  const [active] = await api.tabs.query({ active: true, lastFocusedWindow: true }).catch(() => []);
  await restored;
  const all = [...agentTabs].flatMap(([instance, tabs]) => [...tabs].map(([tabId, t]) => ({ instance, tabId, ...t })));
  const latest = all.sort((a, b) => b.activated - a.activated || b.seen - a.seen)[0];
  const front = all.find((t) => t.tabId === active?.id) ?? latest;
  return front ? { instance: front.instance, ticketId: front.ticketId, tabId: front.tabId } : null;
}

api.tabs.onRemoved.addListener(async (tabId) => {
  await restored; // so a closed tab is not merged back
  for (const tabs of agentTabs.values()) tabs.delete(tabId);
  persist();
});
