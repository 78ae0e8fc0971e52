// The clean-up page: lists what the retention policy says is due, deletes what the user
// confirms, and lists the folders left behind (the browser cannot delete folders). Every
// verdict comes from the background (the routing core, on the worker's own clock); this
// page only shows them.

import { readUserSettings } from './settings-store.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

const kb = (bytes) => (bytes == null ? '—' : bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024)} KB`);
const days = (n) => (n === 1 ? '1 day' : `${n} days`);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function row(r) {
  const box = el('input', { type: 'checkbox', value: r.key, 'aria-label': `Delete ${r.path}` });
  box.checked = true;
  box.addEventListener('change', countSelected);
  const ticket = r.ticket ? `#${r.ticket.id} (${r.ticket.instance})` : '—';
  return el(
    'tr',
    { 'data-key': r.key },
    el('td', { class: 'pick' }, box),
    el('td', { class: 'path' }, r.path),
    el('td', {}, ticket),
    el('td', { class: 'num' }, days(r.ageDays)),
    r.exists
      ? el('td', { class: 'num' }, kb(r.size))
      : el('td', { class: 'num gone' }, r.listed ? 'already gone' : 'not in the browser\'s list'),
    el('td', { class: 'why' }, r.reason ?? ''),
  );
}

function countSelected() {
  const boxes = [...document.querySelectorAll('#due input[type="checkbox"]')];
  const n = boxes.filter((b) => b.checked).length;
  $('selected').textContent = `${n} of ${boxes.length} selected`;
  $('confirm').disabled = n === 0;
  $('forget').disabled = n === 0;
  $('confirm').textContent = n === 1 ? 'Delete 1 selected file' : `Delete ${n} selected files`;
  const all = $('all');
  all.checked = n === boxes.length && n > 0;
  all.indeterminate = n > 0 && n < boxes.length;
}

async function showPolicy() {
  const settings = await readUserSettings(api).catch(() => ({}));
  const managed = await api.storage.managed.get().then((p) => p ?? {}, () => ({}));
  const s = { ...(settings ?? {}), ...managed };
  const parts = [];
  if (s.retentionAfterDownloadDays) parts.push(`${days(s.retentionAfterDownloadDays)} after download`);
  if (s.retentionAfterSolvedDays) parts.push(`${days(s.retentionAfterSolvedDays)} after the ticket was solved`);
  $('policy').textContent = parts.length
    ? `Your policy: delete ${parts.join(', or ')}${s.retentionDaily ? '; a daily clean-up runs on its own' : ''}.`
    : 'No retention period is set, so nothing is ever due. Set one in the retention settings.';
}

async function load() {
  let reply;
  try {
    reply = await api.runtime.sendMessage({ type: 'cleanupReview' });
  } catch (err) {
    reply = { error: err.message ?? String(err) };
  }
  $('main').setAttribute('aria-busy', 'false');
  if (!reply || reply.error) {
    $('status').textContent = `Could not review: ${reply?.error ?? 'the background did not answer'}`;
    $('review').hidden = true;
    return;
  }
  const due = reply.reviews.filter((r) => r.verdict === 'delete');
  const unknown = reply.reviews.filter((r) => r.verdict === 'keepUnknown');
  $('due').replaceChildren(...due.map(row));
  $('review').hidden = due.length === 0;
  $('status').textContent = due.length
    ? `${due.length} of ${reply.reviews.length} saved files are due for deletion.`
    : `Nothing is due (${reply.reviews.length} saved files reviewed).`;
  $('kept').replaceChildren(...unknown.map((r) => el('li', { 'data-key': r.key }, el('span', { class: 'mono' }, r.path), `: ${r.reason}`)));
  $('kept-section').hidden = unknown.length === 0;
  countSelected();
  document.body.dataset.loaded = 'true';
}

$('all').addEventListener('change', () => {
  for (const b of document.querySelectorAll('#due input[type="checkbox"]')) b.checked = $('all').checked;
  countSelected();
});

$('open-options').addEventListener('click', () => api.runtime.openOptionsPage());

function selectedKeys() {
  return [...document.querySelectorAll('#due input:checked')].map((b) => b.value);
}

async function ask(message) {
  try {
    return (await api.runtime.sendMessage(message)) ?? { error: 'the background did not answer' };
  } catch (err) {
    return { error: err.message ?? String(err) };
  }
}

$('review').addEventListener('submit', async (event) => {
  event.preventDefault();
  const keys = selectedKeys();
  if (keys.length === 0) return;
  $('confirm').disabled = true;
  $('status').textContent = `Deleting ${keys.length} file(s)…`;
  const reply = await ask({ type: 'cleanupRun', keys });
  const report = reply.report ?? [];
  $('report').replaceChildren(
    ...(reply.error ? [el('li', { class: 'result-failed' }, `Nothing deleted: ${reply.error}`)] : []),
    ...report.map((r) =>
      el(
        'li',
        { class: r.result === 'deleted' ? 'result-deleted' : r.result.startsWith('not') ? 'result-failed' : '', 'data-key': r.key },
        el('span', { class: 'mono' }, r.path ?? `record ${r.key}`),
        `: ${r.result}`,
      ),
    ),
  );
  const folders = reply.folders ?? [];
  $('folders').replaceChildren(...folders.map((f) => el('li', {}, `Downloads/${f}`)));
  $('folders-box').hidden = folders.length === 0;
  $('report-section').hidden = false;
  await load();
  document.body.dataset.done = 'true';
});

$('forget').addEventListener('click', async () => {
  const keys = selectedKeys();
  if (keys.length === 0) return;
  const reply = await ask({ type: 'cleanupForget', keys });
  await load();
  $('status').textContent = reply.error
    ? `Nothing removed from the list: ${reply.error}`
    : `Removed ${keys.length} file(s) from the list; nothing was deleted. ${$('status').textContent}`;
});

showPolicy();
load();
