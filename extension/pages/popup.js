// zd-dl-router popup: the current ticket and where its attachments go (asked from the
// background), the router's health, the on/off switch, and the last routed downloads.
// The switch writes `enabled` only after the core has validated the resulting settings.
// *Make a rule…* on a history entry opens the options page with a rule made from it.
// A host-mapped domain without access (notably one an administrator listed: a policy cannot
// grant access) gets a *Grant access* button.
// "Download all attachments" asks the background to run it; progress, failures and the
// files waiting for a confirmation are read from storage.session `bulk`, which the
// background keeps up to date (so closing and reopening the popup loses nothing).

import { Router } from './zd_dl_router.js';
import { readUserSettings, writeUserSettings } from './settings-store.js';
import { $, api, ask, el, fill, isObject, loadCore, readSettings, syncProblem, t } from './ui.js';
import { hasAccess, requestAccess } from './host-access.js';

const HISTORY_SHOWN = 20;
/** How a history entry's ticket was found (the core's `source`), in words. */
const SOURCES = {
  tokenIndex: () => t('popupSourceTokenIndex'),
  referrer: () => t('popupSourceReferrer'),
  fallback: () => t('popupSourceFallback'),
  sidecar: () => t('popupSourceSidecar'),
  leftAlone: () => t('popupSourceLeftAlone'),
  keptUnrouted: () => t('popupSourceKeptUnrouted'),
};

/** Zendesk's malware scan results that hold an attachment back, in words. */
const SCAN_RESULTS = {
  malware_found: () => t('popupScanMalwareFound'),
  failed_to_scan: () => t('popupScanFailed'),
  not_scanned: () => t('popupScanNotScanned'),
  unknown: () => t('popupScanUnknown'),
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
  coreReady = await loadCore().then(() => true, () => false);
  await Promise.all([showState(), showSwitch(), showAccess(), showHistory(), showBulk()]);
  api.storage.onChanged.addListener((changes, area) => {
    if (changes.history && area === 'local') showHistory();
    if (changes.status && area === 'local') showState();
    if ((changes.settings && area === 'local') || area === 'managed') {
      showSwitch();
      showAccess();
    }
  });
}

// ---- current ticket and health ----------------------------------------------------------

async function showState() {
  const state = await ask('state', {}, { timeoutMs: 5000 });
  const problems = [];
  if (!state.coreLoaded) problems.push(t('popupCoreNotRunning'));
  if (state.problem) problems.push(capitalize(state.problem));
  if (state.error) problems.push(t('popupWorkerProblem', state.error));
  $('problem').textContent = problems.join(' ');
  $('problem').hidden = problems.length === 0;

  view = state.view ?? null;
  const front = view?.front;
  const details = front?.details;
  const box = $('ticket');
  box.dataset.ticketId = front ? String(front.ticket.id) : '';
  if (details) {
    box.replaceChildren(
      el('p', {}, el('span', { class: 'id' }, `#${details.id}`), ' · ', el('span', {}, details.organization?.name ?? t('popupNoOrganization')), el('span', { class: 'muted' }, ` · ${details.instance}`)),
      el('p', {}, el('span', { class: 'subject', title: details.subject ?? '' }, details.subject ?? '')),
    );
  } else if (front) {
    box.replaceChildren(el('p', { class: 'headline' }, front.headline));
  } else {
    box.replaceChildren(el('p', { class: 'muted' }, t('popupNoTicket')));
  }
  $('routing-off').hidden = !view || view.routing;
  const folder = $('folder');
  folder.hidden = front?.folder == null;
  if (!folder.hidden) folder.replaceChildren(...fill('popupFolder', pathText(t('downloadsPath', front.folder))));
  $('bulk-hint').textContent = view?.downloadAll.reason ?? '';
  $('bulk-hint').hidden = !view?.downloadAll.reason;
  updateBulkButton();
  showBulk();
  // The ticket may still be loading in its tab: ask again until its details are known.
  if (state.coreLoaded && !details) setTimeout(showState, 1500);
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
  button.textContent = bulkRunning ? t('popupDownloading') : t('downloadAll');
}

async function downloadAll() {
  const button = $('download-all');
  button.disabled = true;
  $('bulk-error').hidden = true;
  const reply = await ask('downloadAll', { force: $('force').checked });
  if (reply.error) showBulkError(reply.error);
  else startedAt = Date.now();
  await showBulk();
}

function showBulkError(text) {
  const box = $('bulk-error');
  box.textContent = t('popupBulkError', String(text).replace(/^Error: /, ''));
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
  const parts = [t('popupBulkDone', done, total)];
  if (failed) parts.push(t('popupBulkFailed', failed));
  parts.push(t('popupBulkSkipped', skipped));
  if (alreadySaved) parts.push(t('popupBulkAlreadySaved', alreadySaved));
  const counts = parts.join(' · ');
  $('bulk-status').textContent = bulkRunning
    ? t('popupBulkRunning', bulk.ticketId, counts)
    : total === 0 && !bulk.error
      ? t('popupBulkNothingNew', bulk.ticketId, counts)
      : t('popupBulkFinished', bulk.ticketId, counts);
  if (bulk.error) showBulkError(bulk.error);
  else if (bulkRunning) $('bulk-error').hidden = true;
  const confirm = Array.isArray(bulk.confirm) ? bulk.confirm : [];
  $('confirm-box').hidden = confirm.length === 0;
  $('confirm-list').replaceChildren(...confirm.map(confirmItem));
}

function confirmItem(item) {
  const scan = SCAN_RESULTS[item.scanResult]?.() ?? t('popupScanOther', item.scanResult);
  const button = el('button', { type: 'button', class: 'danger', 'data-attachment-id': String(item.attachmentId), 'aria-label': t('popupDownloadAnywayLabel', item.fileName) }, t('popupDownloadAnyway'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    const reply = await ask('confirmAttachment', { attachmentId: item.attachmentId });
    if (reply.error) {
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
  let enabled;
  let locked = false;
  if (coreReady) {
    const read = await readSettings();
    const v = Router.validateSettings(read.settings);
    enabled = v.ok ? v.settings.enabled : read.settings.enabled !== false;
    locked = read.locked.includes('enabled');
  } else {
    const user = await readUserSettings(api).catch(() => undefined);
    enabled = user?.enabled !== false;
  }
  box.checked = enabled;
  box.disabled = locked || !coreReady;
  note.hidden = !(locked || !coreReady);
  note.textContent = locked ? t('lockedByAdmin') : t('popupCoreUnavailable');
}

/** The host-mapped domains in force (the user's or the policy's) without access, each with a Grant access button. */
async function showAccess() {
  if (!coreReady) return;
  const { settings } = await readSettings();
  const domains = Array.isArray(settings.hostMappedDomains) ? settings.hostMappedDomains : [];
  const missing = [];
  for (const domain of domains) if ((await hasAccess(String(domain))) === false) missing.push(String(domain));
  $('access').replaceChildren(
    ...missing.map((domain) => {
      const grant = el('button', { type: 'button', class: 'small-button', 'data-domain': domain, 'aria-label': t('optionsGrantAccessLabel', domain) }, t('optionsGrantAccess'));
      grant.addEventListener('click', () => requestAccess(domain).then(showAccess)); // in the click: a user gesture
      return el('p', {}, ...fill('popupAccessMissing', el('span', { class: 'mono' }, domain)), ' ', grant);
    }),
  );
  $('access').hidden = missing.length === 0;
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
      note.textContent = t('popupToggleInvalid');
      return;
    }
    await writeUserSettings(api, v.settings);
    note.hidden = true;
  } catch (err) {
    if (!err.savedLocally) box.checked = !want;
    note.hidden = false;
    note.textContent = err.savedLocally ? syncProblem(err) : t('popupNotChanged', err.message ?? err);
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
  const reply = await ask('historyFiles', { keys });
  for (const { key, downloadId, gone } of reply.files ?? []) {
    const li = $('history').querySelector(`li[data-key="${CSS.escape(key)}"]`);
    if (!li) continue;
    li.querySelector('.show, .gone')?.remove();
    li.dataset.onDisk = downloadId != null ? 'yes' : gone ? 'gone' : '';
    if (downloadId != null) {
      const file = li.querySelector('.file').textContent;
      const show = el('button', { type: 'button', class: 'show', 'aria-label': t('popupShowLabel', file) }, t('popupShow'));
      show.addEventListener('click', () => api.downloads.show(downloadId));
      li.append(show);
    } else if (gone) {
      li.append(el('span', { class: 'gone muted' }, t('popupGone')));
    }
  }
}

/** A history entry: its real file name and folder on disk (the core's split of its path), how its ticket was found, when. */
function historyItem(entry) {
  const file = entry.fileName ?? '';
  const fallback = entry.source === 'fallback' || entry.source === 'keptUnrouted' || entry.state === 'failed';
  const meta = [SOURCES[entry.source]?.() ?? entry.source, ago(entry.time)];
  if (entry.ticket) meta.unshift(`#${entry.ticket.id}`);
  const folder = t('downloadsPath', entry.folder ?? '');
  const what = el(
    'div',
    { class: 'what' },
    el('span', { class: 'file', title: file }, file),
    el('span', { class: 'dir mono', title: folder }, folder),
    el('span', { class: 'meta' }, meta.join(' · ')),
  );
  if (entry.note && (fallback || entry.source === 'leftAlone')) what.append(el('span', { class: 'meta note' }, entry.note));
  const helper = helperText(entry);
  if (helper) what.append(el('span', { class: 'meta helper', 'data-helper': entry.helper?.state ?? 'pending' }, helper));
  if (file) what.append(makeRuleButton(entry.key, file));
  return el('li', { class: fallback ? 'fallback' : null, 'data-key': String(entry.key), 'data-source': entry.source }, what);
}

/** What the local helper did with the file (the core's record of its answers), in words; '' when nothing was asked of it. */
function helperText(entry) {
  const h = entry.helper ?? {};
  const outcome = {
    unpacked: () => (h.skipped ? t('popupHelperUnpackedSkipped', h.files, h.skipped) : t('popupHelperUnpacked', h.files)),
    refused: () => t('popupHelperRefused', h.reason),
    failed: () => t('popupHelperFailed', h.reason),
  }[h.state];
  return [h.path && t('popupHelperMoved', h.path), outcome?.(), entry.helperPending && t('popupHelperPending')].filter(Boolean).join(' · ');
}

/** *Make a rule…*: the options page, with a new rule made from this download first (unsaved). */
function makeRuleButton(key, file) {
  const button = el('button', { type: 'button', class: 'make-rule small-button', 'aria-label': t('popupMakeRuleLabel', file) }, t('popupMakeRule'));
  button.addEventListener('click', () => api.tabs.create({ url: `${api.runtime.getURL('options.html')}#rule-from=${encodeURIComponent(key)}` }));
  return button;
}

// ---- helpers ----------------------------------------------------------------------------

function ago(time) {
  if (!time) return '';
  const s = Math.max(0, Math.round((Date.now() - time) / 1000));
  if (s < 60) return t('popupAgoNow');
  if (s < 3600) return t('popupAgoMinutes', Math.round(s / 60));
  if (s < 86400) return t('popupAgoHours', Math.round(s / 3600));
  return new Date(time).toLocaleDateString();
}

function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

main();
