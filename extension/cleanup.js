// The clean-up page: lists what the retention policy says is due, deletes what the user
// confirms. `?now=<ms>` reviews as of another time (to check a policy before it bites).

const api = globalThis.browser ?? globalThis.chrome;
const nowParam = Number(new URLSearchParams(location.search).get('now')) || undefined;
const $ = (id) => document.getElementById(id);

const kb = (bytes) => (bytes == null ? '—' : `${Math.max(1, Math.round(bytes / 1024))} KB`);

function row(r) {
  const tr = document.createElement('tr');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = true;
  box.value = String(r.downloadId);
  box.setAttribute('aria-label', `delete ${r.path}`);
  const cells = [r.path, r.ticket ? `#${r.ticket.id} (${r.ticket.instance})` : '—', `${r.ageDays} days`,
    r.exists ? kb(r.size) : 'already gone', r.reason ?? ''];
  const first = document.createElement('td');
  first.append(box);
  tr.append(first, ...cells.map((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (i === 0) td.className = 'path';
    return td;
  }));
  return tr;
}

async function load() {
  const reply = await api.runtime.sendMessage({ type: 'cleanupReview', now: nowParam });
  if (reply?.error) {
    $('status').textContent = `Could not review: ${reply.error}`;
    return;
  }
  const due = reply.reviews.filter((r) => r.verdict === 'delete');
  const unknown = reply.reviews.filter((r) => r.verdict === 'keepUnknown');
  $('due').replaceChildren(...due.map(row));
  $('review').hidden = due.length === 0;
  $('status').textContent = due.length
    ? `${due.length} of ${reply.reviews.length} routed files are due.`
    : `Nothing is due (${reply.reviews.length} routed files reviewed).`;
  $('kept').replaceChildren(...unknown.map((r) => Object.assign(document.createElement('li'), { textContent: `${r.path}: ${r.reason}` })));
  $('kept-section').hidden = unknown.length === 0;
}

$('review').addEventListener('submit', async (event) => {
  event.preventDefault();
  const ids = [...document.querySelectorAll('#due input:checked')].map((b) => Number(b.value));
  $('confirm').disabled = true;
  const reply = await api.runtime.sendMessage({ type: 'cleanupRun', downloadIds: ids, now: nowParam });
  $('report').replaceChildren(...(reply?.report ?? []).map((r) =>
    Object.assign(document.createElement('li'), { textContent: `${r.path ?? r.downloadId}: ${r.result}` })));
  $('report-section').hidden = false;
  $('confirm').disabled = false;
  await load();
});

load();
