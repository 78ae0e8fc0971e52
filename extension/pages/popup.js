// zd-dl-router popup: the current ticket and where its attachments go (asked from the
// background), the router's health, the on/off switch, and the last routed downloads.
// The switch writes `enabled` only after the core has validated the resulting settings.
// "Download all attachments" asks the background to run it; progress, failures and the
// files waiting for a confirmation are read from storage.session `bulk`, which the
// background keeps up to date (so closing and reopening the popup loses nothing).

import init, { Router } from './zd_dl_router.js';
import { readUserSettings, writeUserSettings } from './settings-store.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const HISTORY_SHOWN = 20;
const SOURCES = {
  tokenIndex: 'listed in the ticket',
  referrer: 'from the ticket page',
  fallback: 'fallback',
  sidecar: 'ticket link',
  leftAlone: 'left alone by a rule',
  keptUnrouted: 'kept unrouted',
};

const SCAN_RESULTS = {
  malware_found: 'Zendesk found malware in this file',
  failed_to_scan: 'Zendesk could not scan this file',
  not_scanned: 'Zendesk has not scanned this file',
  unknown: 'Zendesk gave no scan result',
};

let coreReady = false;
let view = null; // the core's view of the front agent tab (background `state`)
let bulkRunning = false;
let bulkPoll = null;
let startedAt = 0; // when this popup asked for a run

async function main() {
  $('open-options').addEventListener('click', () => api.runtime.openOptionsPage());
  $('open-cleanup').addEventListener('click', () => api.tabs.create({ url: api.runtime.getURL('cleanup.html') }));
  $('enabled').addEventListener('change', toggle);
  $('download-all').addEventListener('click', downloadAll);
  // Progress first: a run may start (or end) while the rest of the popup is loading.
  api.storage.onChanged.addListener((changes, area) => {
    if (changes.bulk && area === 'session') showBulk();
  });
  coreReady = await init({ module_or_path: 'zd_dl_router_bg.wasm' }).then(() => true, () => false);
  await Promise.all([showState(), showSwitch(), showHistory(), showBulk()]);
  api.storage.onChanged.addListener((changes, area) => {
    if (changes.history && area === 'local') showHistory();
    if (changes.status && area === 'local') showState();
    if ((changes.settings && area === 'local') || area === 'managed') showSwitch();
  });
}

// ---- current ticket and health ----------------------------------------------------------

async function showState() {
  let state;
  try {
    state = await withTimeout(api.runtime.sendMessage({ type: 'state' }), 5000);
  } catch (err) {
    state = { coreLoaded: false, problem: `the background is not answering (${err.message ?? err})` };
  }
  state ??= { coreLoaded: false, problem: 'the background is not answering' };
  const problems = [];
  if (!state.coreLoaded) problems.push('The routing core is not running: downloads are left untouched.');
  if (state.problem) problems.push(capitalize(state.problem));
  if (state.error) problems.push(state.error);
  $('problem').textContent = problems.join(' ');
  $('problem').hidden = problems.length === 0;

  view = state.view ?? null;
  const front = view?.front;
  const t = front?.details;
  const box = $('ticket');
  box.dataset.ticketId = front ? String(front.ticket.id) : '';
  if (t) {
    box.replaceChildren(
      el('p', {}, el('span', { class: 'id' }, `#${t.id}`), ' · ', el('span', {}, t.organization?.name ?? 'no organization'), el('span', { class: 'muted' }, ` · ${t.instance}`)),
      el('p', {}, el('span', { class: 'subject', title: t.subject ?? '' }, t.subject ?? '')),
    );
  } else if (front) {
    box.replaceChildren(el('p', { class: 'headline' }, front.headline));
  } else {
    box.replaceChildren(el('p', { class: 'muted' }, 'No Zendesk ticket open.'));
  }
  $('routing-off').hidden = !view || view.routing;
  const folder = $('folder');
  folder.hidden = front?.folder == null;
  if (!folder.hidden) folder.replaceChildren('Attachments go to ', pathText(`Downloads/${front.folder}`));
  $('bulk-hint').textContent = view?.downloadAll.reason ?? '';
  $('bulk-hint').hidden = !view?.downloadAll.reason;
  updateBulkButton();
  showBulk();
  // The ticket may still be loading in its tab: ask again until its details are known.
  if (state.coreLoaded && !t) setTimeout(showState, 1500);
}

/** A path that wraps only after a '/', never inside a folder name or a ticket number. */
function pathText(path) {
  const parts = path.split(/(?<=\/)/);
  return el('span', { class: 'mono path' }, ...parts.flatMap((part, i) => [el('span', { class: 'seg' }, part), ...(i < parts.length - 1 ? [el('wbr')] : [])]));
}

// ---- download all -----------------------------------------------------------------------

function updateBulkButton() {
  const button = $('download-all');
  button.disabled = !view?.downloadAll.enabled || bulkRunning;
  button.textContent = bulkRunning ? 'Downloading…' : 'Download all attachments';
}

async function downloadAll() {
  const button = $('download-all');
  button.disabled = true;
  $('bulk-error').hidden = true;
  let reply;
  try {
    reply = await withTimeout(api.runtime.sendMessage({ type: 'downloadAll', force: $('force').checked }), 10_000);
  } catch (err) {
    reply = { error: err.message ?? String(err) };
  }
  if (reply?.error) showBulkError(reply.error);
  else startedAt = Date.now();
  await showBulk();
}

function showBulkError(text) {
  const box = $('bulk-error');
  box.textContent = `Download all: ${String(text).replace(/^Error: /, '')}`;
  box.hidden = false;
}

/** Progress, errors and confirmations of the last "download all" (storage.session `bulk`). */
async function showBulk() {
  const { bulk } = await api.storage.session.get('bulk').catch(() => ({}));
  bulkRunning = Boolean(bulk?.running);
  updateBulkButton();
  clearTimeout(bulkPoll);
  // storage.onChanged drives the updates; a poll while running (or just asked to start, before
  // the background has written anything) covers a missed event.
  if (bulkRunning || Date.now() - startedAt < 10_000) bulkPoll = setTimeout(showBulk, bulkRunning ? 1000 : 300);
  const box = $('bulk-progress');
  // A run's status belongs under its own ticket only.
  const front = view?.front?.ticket;
  const ours = bulk?.ticketId && front && bulk.ticketId === front.id && (!bulk.instance || bulk.instance === front.instance);
  if (!ours) {
    box.hidden = true;
    $('confirm-box').hidden = true;
    return;
  }
  const { total = 0, done = 0, failed = 0, skipped = 0, alreadySaved = 0 } = bulk;
  box.hidden = false;
  Object.assign(box.dataset, {
    running: String(bulkRunning),
    ticketId: String(bulk.ticketId),
    total: String(total),
    done: String(done),
    failed: String(failed),
    skipped: String(skipped),
    alreadySaved: String(alreadySaved),
  });
  const bar = $('bulk-bar');
  bar.max = Math.max(1, total);
  bar.value = done + failed;
  const parts = [`${done} of ${total} downloaded`];
  if (failed) parts.push(`${failed} failed`);
  parts.push(`${skipped} skipped`);
  if (alreadySaved) parts.push(`${alreadySaved} already saved`);
  const head = bulkRunning ? `Ticket #${bulk.ticketId}: downloading…` : `Ticket #${bulk.ticketId}:`;
  $('bulk-status').textContent = `${head} ${parts.join(' · ')}${!bulkRunning && total === 0 && !bulk.error ? ' — nothing new to download' : ''}`;
  if (bulk.error) showBulkError(bulk.error);
  else if (bulkRunning) $('bulk-error').hidden = true;
  const confirm = Array.isArray(bulk.confirm) ? bulk.confirm : [];
  $('confirm-box').hidden = confirm.length === 0;
  $('confirm-list').replaceChildren(...confirm.map(confirmItem));
}

function confirmItem(item) {
  const scan = SCAN_RESULTS[item.scanResult] ?? `Scan result: ${item.scanResult}`;
  const button = el('button', { type: 'button', class: 'danger', 'data-attachment-id': String(item.attachmentId), 'aria-label': `Download ${item.fileName} anyway` }, 'Download anyway');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const reply = await api.runtime.sendMessage({ type: 'confirmAttachment', attachmentId: item.attachmentId }).catch((err) => ({ error: err.message ?? String(err) }));
    if (reply?.error) {
      showBulkError(`${item.fileName}: ${reply.error}`);
      button.disabled = false;
    }
    showBulk();
  });
  return el(
    'li',
    { 'data-attachment-id': String(item.attachmentId) },
    el('div', { class: 'what' }, el('span', { class: 'file', title: item.fileName }, item.fileName), el('span', { class: 'scan' }, scan)),
    button,
  );
}

// ---- the on/off switch ------------------------------------------------------------------

async function showSwitch() {
  const box = $('enabled');
  const note = $('enabled-note');
  const user = await readUserSettings(api).catch(() => undefined);
  const policy = await api.storage.managed.get().then((p) => p ?? {}, () => ({}));
  let enabled = true;
  let locked = false;
  if (coreReady) {
    try {
      const applied = Router.applyPolicy(isObject(user) ? user : {}, policy);
      const v = Router.validateSettings(applied.settings);
      enabled = v.ok ? v.settings.enabled : applied.settings.enabled !== false;
      locked = applied.locked.includes('enabled');
    } catch {
      enabled = user?.enabled !== false;
    }
  } else {
    enabled = user?.enabled !== false;
  }
  box.checked = enabled;
  box.disabled = locked || !coreReady;
  note.hidden = !(locked || !coreReady);
  note.textContent = locked ? 'Locked by your administrator' : 'Unavailable: the routing core did not load';
}

async function toggle() {
  const box = $('enabled');
  const want = box.checked;
  box.disabled = true;
  const note = $('enabled-note');
  try {
    const user = await readUserSettings(api);
    const next = { ...(isObject(user) ? user : {}), enabled: want };
    const v = Router.validateSettings(next);
    if (!v.ok) {
      box.checked = !want;
      note.hidden = false;
      note.textContent = 'Not changed: your saved settings have problems — open Settings.';
      return;
    }
    await writeUserSettings(api, v.settings);
    note.hidden = true;
  } catch (err) {
    if (!err.savedLocally) box.checked = !want;
    note.hidden = false;
    note.textContent = `${err.savedLocally ? 'Changed' : 'Not changed'}: ${err.message ?? err}`;
  } finally {
    box.disabled = false;
    showSwitch();
  }
}

// ---- history ----------------------------------------------------------------------------

async function showHistory() {
  const { history = [] } = await api.storage.local.get('history').catch(() => ({}));
  const entries = (Array.isArray(history) ? history : []).slice(0, HISTORY_SHOWN);
  $('history-empty').hidden = entries.length > 0;
  $('history').replaceChildren(...entries.map(historyItem));
  shownEntries = entries;
  await showOnDisk(entries);
  // The browser notices a deleted file only when asked, and Chromium checks at most every
  // 10 s: ask again a moment later and once that window is over (and on every `exists` change).
  for (const ms of [1000, 11_000]) setTimeout(() => showOnDisk(shownEntries), ms);
}

let shownEntries = [];
api.downloads.onChanged.addListener((delta) => {
  if (delta.exists) showOnDisk(shownEntries);
});

/** Show for the files still on disk, "deleted or moved" for those that are not. */
async function showOnDisk(entries) {
  const keys = entries.map((e) => e.key);
  const reply = await api.runtime.sendMessage({ type: 'historyFiles', keys }).catch(() => null);
  for (const { key, downloadId, gone } of reply?.files ?? []) {
    const li = $('history').querySelector(`li[data-key="${CSS.escape(key)}"]`);
    if (!li) continue;
    li.querySelector('.show, .gone')?.remove();
    li.dataset.onDisk = downloadId != null ? 'yes' : gone ? 'gone' : '';
    if (downloadId != null) {
      const file = li.querySelector('.file').textContent;
      const show = el('button', { type: 'button', class: 'show', 'aria-label': `Show ${file} in its folder` }, 'Show');
      show.addEventListener('click', () => api.downloads.show(downloadId));
      li.append(show);
    } else if (gone) {
      li.append(el('span', { class: 'gone muted' }, 'deleted or moved'));
    }
  }
}

function historyItem(entry) {
  const parts = String(entry.path ?? '').split('/');
  const file = parts.pop();
  const dir = parts.join('/');
  const fallback = entry.source === 'fallback' || entry.source === 'keptUnrouted' || entry.state === 'failed';
  const meta = [SOURCES[entry.source] ?? entry.source, ago(entry.time)];
  if (entry.ticket) meta.unshift(`#${entry.ticket.id}`);
  const folder = `Downloads/${dir ? `${dir}/` : ''}`;
  const what = el(
    'div',
    { class: 'what' },
    el('span', { class: 'file', title: file }, file),
    el('span', { class: 'dir mono', title: folder }, folder),
    el('span', { class: 'meta' }, meta.join(' · ')),
  );
  if (entry.note && (fallback || entry.source === 'leftAlone')) what.append(el('span', { class: 'meta note' }, entry.note));
  return el('li', { class: fallback ? 'fallback' : '', 'data-key': String(entry.key), 'data-source': entry.source }, what);
}

// ---- helpers ----------------------------------------------------------------------------

function ago(time) {
  if (!time) return '';
  const s = Math.max(0, Math.round((Date.now() - time) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(time).toLocaleDateString();
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== '') e.setAttribute(k, v);
  e.append(...children);
  return e;
}

main();
