// The clean-up page: lists what the retention policy says is due, deletes what the user
// confirms, and lists the folders left behind (the browser cannot delete folders). Every
// verdict comes from the background (the routing core, on the worker's own clock); this
// page only shows them, and the retention settings in force (the core merges the policy).

import { Router } from './zd_dl_router.js';
import { $, api, ask, el, loadCore, readSettings, t } from './ui.js';

/** A file size in B or KB. */
const kb = (bytes) => (bytes == null ? '—' : bytes < 1024 ? t('sizeBytes', bytes) : t('sizeKilobytes', Math.round(bytes / 1024)));
/** Reviewing and deleting wait for the agent tabs' status answers and the browser: longer than a message usually takes. */
const SLOW = { timeoutMs: 120_000 };
const days = (n) => (n === 1 ? t('cleanupOneDay') : t('cleanupDays', n));

function row(r) {
  const box = el('input', { type: 'checkbox', value: r.key, 'aria-label': t('cleanupDeleteLabel', r.path) });
  box.checked = true;
  box.addEventListener('change', countSelected);
  const ticket = r.ticket ? `#${r.ticket.id} (${r.ticket.instance})` : '—';
  return el(
    'tr',
    { 'data-key': r.key },
    el('td', { class: 'pick' }, box),
    el('td', { class: 'path' }, r.moved ?? r.path),
    el('td', {}, ticket),
    el('td', { class: 'num' }, days(r.ageDays)),
    r.exists || r.moved
      ? el('td', { class: 'num' }, r.moved ? t('cleanupMoved') : kb(r.size))
      : el('td', { class: 'num gone' }, r.listed ? t('cleanupAlreadyGone') : t('cleanupNotListed')),
    el('td', { class: 'why' }, r.reason ?? ''),
  );
}

function countSelected() {
  const boxes = [...document.querySelectorAll('#due input[type="checkbox"]')];
  const n = boxes.filter((b) => b.checked).length;
  $('selected').textContent = t('cleanupSelected', n, boxes.length);
  $('confirm').disabled = n === 0;
  $('forget').disabled = n === 0;
  $('confirm').textContent = n === 1 ? t('cleanupDeleteOne') : t('cleanupDeleteMany', n);
  const all = $('all');
  all.checked = n === boxes.length && n > 0;
  all.indeterminate = n > 0 && n < boxes.length;
}

/** The retention periods in force: the user's settings with the administrator's policy applied by the core. */
async function showPolicy() {
  try {
    await loadCore();
  } catch (err) {
    $('policy').textContent = t('cleanupPolicyUnknown', String(err?.message ?? err));
    return;
  }
  const { settings } = await readSettings();
  const s = Router.validateSettings(settings).settings ?? settings; // with the defaults of what is not set
  const periods = [];
  if (s.retentionAfterDownloadDays) periods.push(t('cleanupAfterDownload', days(s.retentionAfterDownloadDays)));
  if (s.retentionAfterSolvedDays) periods.push(t('cleanupAfterSolved', days(s.retentionAfterSolvedDays)));
  const either = periods.length === 2 ? t('cleanupEither', ...periods) : periods[0];
  let policy = s.deleteRedacted ? t('cleanupRedactedOnly') : t('cleanupNoPolicy');
  if (either) {
    policy = s.retentionDaily ? t('cleanupPolicyDaily', either) : t('cleanupPolicy', either);
    if (s.deleteRedacted) policy += ` ${t('cleanupPolicyRedacted')}`;
  }
  $('policy').textContent = policy;
}

async function load() {
  const reply = await ask('cleanupReview', {}, SLOW);
  $('main').setAttribute('aria-busy', 'false');
  if (reply.error) {
    $('status').textContent = t('cleanupReviewFailed', reply.error);
    $('review').hidden = true;
    return;
  }
  const due = reply.reviews.filter((r) => r.verdict === 'delete');
  const unknown = reply.reviews.filter((r) => r.verdict === 'keepUnknown');
  $('due').replaceChildren(...due.map(row));
  $('review').hidden = due.length === 0;
  $('status').textContent = due.length
    ? t('cleanupDue', due.length, reply.reviews.length)
    : t('cleanupNothingDue', reply.reviews.length);
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

/** What deleting a file came to (the core's `deletionOutcome`), in words. */
function outcomeText({ outcome, error, path }) {
  const texts = {
    deleted: () => t('cleanupOutcomeDeleted'),
    alreadyGone: () => t('cleanupOutcomeAlreadyGone'),
    notDue: () => t('cleanupOutcomeNotDue'),
    notListed: () => t('cleanupOutcomeNotListed'),
    failed: () => t('cleanupOutcomeFailed', error),
    needsHelper: () => t('cleanupOutcomeNeedsHelper', path),
  };
  return texts[outcome]?.() ?? outcome;
}

$('review').addEventListener('submit', async (event) => {
  event.preventDefault();
  const keys = selectedKeys();
  if (keys.length === 0) return;
  $('confirm').disabled = true;
  $('status').textContent = t('cleanupDeleting', keys.length);
  const reply = await ask('cleanupRun', { keys }, SLOW);
  const report = reply.report ?? [];
  $('report').replaceChildren(
    ...(reply.error ? [el('li', { class: 'result-failed' }, t('cleanupRunFailed', reply.error))] : []),
    ...report.map((r) =>
      el(
        'li',
        { class: r.outcome === 'deleted' ? 'result-deleted' : r.removed ? null : 'result-failed', 'data-key': r.key },
        el('span', { class: 'mono' }, r.moved ?? r.path ?? t('cleanupRecord', r.key)),
        `: ${outcomeText(r)}`,
      ),
    ),
  );
  const folders = reply.folders ?? [];
  $('folders').replaceChildren(...folders.map((f) => el('li', {}, t('downloadsPath', f))));
  $('folders-box').hidden = folders.length === 0;
  const removedFolders = reply.removedFolders ?? [];
  $('helper-folders').replaceChildren(...removedFolders.map((f) => el('li', {}, f)));
  $('helper-folders-box').hidden = removedFolders.length === 0;
  $('report-section').hidden = false;
  await load();
  document.body.dataset.done = 'true';
});

$('forget').addEventListener('click', async () => {
  const keys = selectedKeys();
  if (keys.length === 0) return;
  const reply = await ask('cleanupForget', { keys }, SLOW);
  await load();
  $('status').textContent = reply.error
    ? t('cleanupForgetFailed', reply.error)
    : t('cleanupForgotten', keys.length, $('status').textContent);
});

showPolicy();
load();
