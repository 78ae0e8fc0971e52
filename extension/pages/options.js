// zd-dl-router options page. It edits a draft of the settings; every check and every
// preview goes through the WASM core (Router.validateSettings / renderPreview /
// applyPolicy) — this file never validates a value or builds a path itself. Only settings
// the core accepts are written (storage.local, key "settings"; the sync copy is what the core
// says, see settings-store.js); fields of the administrator's policy (storage.managed) are
// shown locked.

import init, { Router } from './zd_dl_router.js';
import { readUserSettings, writeUserSettings } from './settings-store.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

/** The sample the live preview renders (a ticket of the mock Zendesk, too). */
const SAMPLE_TICKET = {
  instance: 'acme',
  id: 4711,
  organization: { id: 9, name: 'ACME Corp.' },
  subject: 'Production logs after upgrade',
  requester: 'Sam Customer',
  status: 'open',
};
/** Settings edited by one plain control each (id = setting name). */
const SIMPLE = [
  'enabled', 'baseFolder', 'template', 'fallbackTemplate', 'noOrgFolder', 'conflictAction', 'watchdogMs', 'notifyOnFallback',
  'skipInlineImages', 'bulkConcurrency', 'sidecar', 'retentionAfterDownloadDays', 'retentionAfterSolvedDays', 'retentionDaily',
  'syncSettings', 'syncCustomerNames',
];
/** Number settings where an empty field means "never" (null), not "missing". */
const NULLABLE = new Set(['retentionAfterDownloadDays', 'retentionAfterSolvedDays']);

let stored = {}; // the user's settings as stored
let policy = {}; // the administrator's policy (storage.managed)
let locked = new Set(); // setting names the policy fixes
let draft = null; // the settings being edited; aliases as [[org, folder], …]
let savedJson = ''; // JSON of the draft as last loaded or saved
let valid = false;
let organizations = []; // organization names seen in downloads and tickets (from the background)

// ---- loading ----------------------------------------------------------------------------

async function main() {
  try {
    await init({ module_or_path: 'zd_dl_router_bg.wasm' });
  } catch (err) {
    problem(`The routing core failed to load, so settings cannot be checked or saved: ${err}`);
    return;
  }
  wireStaticControls();
  await Promise.all([load(), loadOrganizations()]);
  api.storage.onChanged.addListener((changes, area) => {
    // Changed elsewhere (the popup's switch, another window, synced from another computer):
    // follow unless we have edits.
    if ((changes.settings && area === 'local' && !dirty()) || area === 'managed') load();
  });
  $('form').setAttribute('aria-busy', 'false');
}

async function load() {
  const user = await readUserSettings(api).catch(() => undefined);
  stored = isObject(user) ? user : {};
  policy = await api.storage.managed.get().then((p) => (isObject(p) ? p : {}), () => ({}));
  let merged = stored;
  try {
    const applied = Router.applyPolicy(stored, policy);
    merged = applied.settings;
    locked = new Set(applied.locked);
  } catch (err) {
    problem(`Your administrator's policy cannot be applied: ${err.message ?? err}`);
    locked = new Set();
  }
  const checked = Router.validateSettings(merged);
  if (!checked.ok) problem('The stored settings are not valid; they are shown below with their problems. Routing uses the last valid settings until you fix and save them.');
  setDraft(checked.ok ? checked.settings : { ...Router.validateSettings({}).settings, ...merged });
  savedJson = JSON.stringify(current());
  changed();
}

/** Organization names the background has seen (records and ticket knowledge): alias suggestions and checks. */
async function loadOrganizations() {
  const late = new Promise((resolve) => setTimeout(resolve, 3000, null));
  const answer = await Promise.race([api.runtime.sendMessage({ type: 'organizations' }), late]).catch(() => null);
  organizations = Array.isArray(answer?.organizations) ? answer.organizations : [];
  $('known-organizations').replaceChildren(...organizations.map((name) => el('option', { value: name })));
  if (draft) showAliasWarnings();
}

function setDraft(settings) {
  draft = structuredClone(settings);
  draft.aliases = Object.entries(isObject(draft.aliases) ? draft.aliases : {});
  if (!Array.isArray(draft.rules)) draft.rules = [];
  if (!Array.isArray(draft.hostMappedDomains)) draft.hostMappedDomains = [];
  for (const key of SIMPLE) {
    const el = $(key);
    if (el.type === 'checkbox') el.checked = Boolean(draft[key]);
    else el.value = draft[key] ?? '';
  }
  syncPreset();
  syncDependents();
  renderRules();
  renderAliases();
  renderDomains();
  applyLocks();
  $('policy-banner').hidden = locked.size === 0;
}

/** The draft as a settings object (what the core validates and the preview renders). */
function current() {
  const s = { ...draft, aliases: Object.fromEntries(draft.aliases) };
  return s;
}

/** What Save writes: the draft, with the user's own values (not the policy's) for locked fields. */
function toStore() {
  const s = current();
  for (const key of locked) {
    if (key in stored) s[key] = stored[key];
    else delete s[key];
  }
  return s;
}

const dirty = () => draft !== null && JSON.stringify(current()) !== savedJson;

// ---- validation, errors, preview --------------------------------------------------------

/** Re-validates and re-renders the preview; called after every edit. */
function changed() {
  const settings = current();
  let result;
  try {
    result = Router.validateSettings(settings);
  } catch (err) {
    result = { ok: false, errors: [{ field: '', message: String(err.message ?? err) }] };
  }
  valid = result.ok;
  showErrors(result.errors);
  showIncompleteRules(result.incompleteRules ?? []);
  showAliasWarnings();
  renderPreview(settings);
  $('save').disabled = !valid || !dirty();
  $('revert').disabled = !dirty();
  if (dirty()) $('save-status').textContent = valid ? 'Unsaved changes' : 'Fix the problems to save';
}

function showErrors(errors) {
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    restoreDescribedBy(el);
  }
  for (const el of document.querySelectorAll('.error')) {
    el.hidden = true;
    el.textContent = '';
  }
  const unplaced = [];
  for (const e of errors) {
    const target = targetOf(e.field);
    if (!target) {
      unplaced.push(e);
      continue;
    }
    const slot = $(target.dataset.error);
    slot.hidden = false;
    slot.textContent = slot.textContent ? `${slot.textContent} ${e.message}` : e.message;
    if (!target.matches('fieldset, ul, ol, table, section')) target.setAttribute('aria-invalid', 'true');
    const ids = new Set((target.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
    ids.add(slot.id);
    target.setAttribute('aria-describedby', [...ids].join(' '));
  }
  const list = $('summary-list');
  list.replaceChildren(...unplaced.map((e) => el('li', {}, e.field ? `${e.field}: ${e.message}` : e.message)));
  $('summary').hidden = unplaced.length === 0;
}

/**
 * The control (or group) an error's field path belongs to: `rules[2].fileName` → that
 * rule's input; `rules[2].bogus` → the rule; `colour` → none (the summary list).
 */
function targetOf(field) {
  let f = field;
  while (f) {
    const hit = document.querySelector(`[data-path="${CSS.escape(f)}"]`);
    if (hit && hit.dataset.error && $(hit.dataset.error)) return hit;
    const parent = f.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, '');
    if (parent === f) break;
    f = parent;
  }
  return null;
}

function restoreDescribedBy(el) {
  const base = el.dataset.describedby;
  if (base) el.setAttribute('aria-describedby', base);
  else el.removeAttribute('aria-describedby');
}

function renderPreview(settings) {
  const out = $('preview');
  const filename = $('sample-file').value;
  let d;
  try {
    d = Router.renderPreview(settings, { ticket: SAMPLE_TICKET, filename, timeMs: Date.now() });
  } catch (err) {
    d = { action: 'error', message: String(err.message ?? err) };
  }
  out.className = `preview-out preview-${d.action}`;
  const decided = $('preview-rule');
  decided.hidden = !(d.action === 'route' || (d.action === 'pass' && d.reason === 'rule'));
  decided.textContent = decided.hidden ? '' : ruleLabel(settings, d.rule);
  if (d.action === 'route') {
    out.replaceChildren(el('span', { class: 'muted' }, 'Downloads/'), el('span', { class: 'mono' }, d.path));
  } else if (d.action === 'pass' && d.reason === 'disabled') {
    out.textContent = `Routing is off: ${filename} stays where the browser puts it.`;
  } else if (d.action === 'pass') {
    out.textContent = `Rule ${Number(d.rule ?? 0) + 1} leaves ${filename} where the browser puts it.`;
  } else if (d.action === 'invalid') {
    out.textContent = 'No preview: fix the problems marked below.';
  } else {
    out.textContent = `No preview: ${d.message ?? d.action}`;
  }
}

/** "Rule 2 — GitLab SOS bundles" (1-based, with the rule's name when it has one), or the template. */
function ruleLabel(settings, index) {
  if (index === undefined || index === null) return 'no rule: the template';
  const name = settings.rules?.[index]?.name;
  return name ? `Rule ${index + 1} — ${name}` : `Rule ${index + 1}`;
}

// ---- the plain controls -----------------------------------------------------------------

function wireStaticControls() {
  for (const key of SIMPLE) {
    const input = $(key);
    input.dataset.error = `${key}-error`;
    keepDescribedBy(input);
    input.addEventListener(input.type === 'checkbox' || input.tagName === 'SELECT' ? 'change' : 'input', () => {
      draft[key] = readSimple(input);
      if (key === 'template') syncPreset();
      if (key === 'syncSettings') syncDependents();
      changed();
    });
  }
  $('preset').addEventListener('change', () => {
    const v = $('preset').value;
    if (!v) return;
    $('template').value = v;
    draft.template = v;
    changed();
  });
  $('sample-file').addEventListener('input', () => renderPreview(current()));
  for (const id of ['rules', 'aliases', 'hostMappedDomains']) {
    const group = id === 'hostMappedDomains' ? $('domains') : $(id);
    group.dataset.path = id;
    group.dataset.error = `${id}-error`;
  }
  $('add-rule').addEventListener('click', () => {
    // A condition to fill, and the template the user chose (the core applies no rule without a condition).
    draft.rules.push({ template: draft.template });
    renderRules();
    changed();
    $(`rule-${draft.rules.length - 1}-fileName`)?.focus();
  });
  $('add-alias').addEventListener('click', addAlias);
  for (const id of ['alias-org', 'alias-folder']) $(id).addEventListener('keydown', (e) => e.key === 'Enter' && addAlias());
  $('add-domain').addEventListener('click', addDomain);
  $('domain-new').addEventListener('keydown', (e) => e.key === 'Enter' && addDomain());
  $('save').addEventListener('click', save);
  $('revert').addEventListener('click', () => {
    $('load-problem').hidden = true;
    load().then(() => ($('save-status').textContent = 'Changes discarded'));
  });
  $('export').addEventListener('click', exportJson);
  $('import-file').addEventListener('change', importJson);
  $('review-cleanup').addEventListener('click', () => api.tabs.create({ url: api.runtime.getURL('cleanup.html') }));
}

function readSimple(input) {
  if (input.type === 'checkbox') return input.checked;
  if (input.type === 'number' && NULLABLE.has(input.id)) return numberOrText(input.value) ?? null;
  if (input.type === 'number') return numberOrText(input.value);
  return input.value;
}

/** A number input's value for the core: a number, or the text as typed so the core can say what is wrong. */
function numberOrText(text) {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function syncPreset() {
  const preset = $('preset');
  preset.value = [...preset.options].some((o) => o.value && o.value === $('template').value) ? $('template').value : '';
}

/** "Include organization names" means something only while syncing is on. */
function syncDependents() {
  const names = $('syncCustomerNames');
  names.dataset.disabledByRender = draft.syncSettings ? '' : '1';
  names.disabled = locked.has('syncCustomerNames') || !draft.syncSettings;
}

function keepDescribedBy(input) {
  const base = input.getAttribute('aria-describedby');
  if (base) input.dataset.describedby = base;
}

// ---- rules ------------------------------------------------------------------------------

function renderRules() {
  const list = $('rules');
  const tpl = $('rule-template');
  list.replaceChildren();
  draft.rules.forEach((rule, i) => {
    const li = tpl.content.firstElementChild.cloneNode(true);
    const fs = li.querySelector('fieldset');
    fs.dataset.path = `rules[${i}]`;
    const ruleErr = li.querySelector('.rule-error');
    ruleErr.id = `rule-${i}-error`;
    fs.dataset.error = ruleErr.id;
    li.querySelector('.rule-no').textContent = `Rule ${i + 1}`;
    li.querySelector('.rule-title').textContent = rule.name ? `– ${rule.name}` : '';
    for (const input of li.querySelectorAll('[data-key]')) {
      const key = input.dataset.key;
      const id = `rule-${i}-${key}`;
      input.id = id;
      input.dataset.path = `rules[${i}].${key}`;
      const label = li.querySelector(`label[data-for="${key}"]`);
      label.htmlFor = id;
      const err = input.nextElementSibling;
      err.id = `${id}-error`;
      input.dataset.error = err.id;
      input.value = ruleValue(rule, key);
      input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
        setRuleValue(rule, key, input, li);
        if (key === 'name') li.querySelector('.rule-title').textContent = rule.name ? `– ${rule.name}` : '';
        changed();
      });
    }
    li.querySelector('.rule-template-field').hidden = Boolean(rule.leaveAlone);
    for (const button of li.querySelectorAll('[data-act]')) {
      const act = button.dataset.act;
      button.setAttribute('aria-label', `${button.textContent} rule ${i + 1}`);
      if (act === 'up') button.disabled = i === 0;
      if (act === 'down') button.disabled = i === draft.rules.length - 1;
      button.addEventListener('click', () => moveRule(i, act));
    }
    list.append(li);
  });
  applyLocks();
}

/** The core's list of rules without any condition: labelled, since they are kept but never applied. */
function showIncompleteRules(indices) {
  for (const [i, li] of [...$('rules').children].entries()) li.querySelector('.rule-incomplete').hidden = !indices.includes(i);
}

function ruleValue(rule, key) {
  const v = rule[key];
  if (key === 'leaveAlone') return v ? '1' : '';
  if (Array.isArray(v)) return v.join(', ');
  return v ?? '';
}

function setRuleValue(rule, key, input, li) {
  if (key === 'leaveAlone') {
    const tplInput = li.querySelector('[data-key="template"]');
    if (input.value) {
      rule.leaveAlone = true;
      delete rule.template;
    } else {
      delete rule.leaveAlone;
      if (tplInput.value) rule.template = tplInput.value;
    }
    li.querySelector('.rule-template-field').hidden = Boolean(rule.leaveAlone);
    return;
  }
  let v;
  if (input.dataset.list) v = input.value.split(',').map((s) => s.trim()).filter(Boolean);
  else if (input.dataset.number) v = numberOrText(input.value);
  else v = input.value;
  if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete rule[key];
  else rule[key] = v;
}

function moveRule(i, act) {
  const rules = draft.rules;
  let focusIndex = i;
  if (act === 'delete') {
    rules.splice(i, 1);
    focusIndex = Math.min(i, rules.length - 1);
  } else {
    const j = act === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= rules.length) return;
    [rules[i], rules[j]] = [rules[j], rules[i]];
    focusIndex = j;
  }
  renderRules();
  changed();
  // Keep the keyboard where the user is: on the same button of the moved rule.
  const target = focusIndex >= 0 && $('rules').children[focusIndex]?.querySelector(`[data-act="${act === 'delete' ? 'delete' : act}"]:not(:disabled)`);
  (target || (focusIndex >= 0 ? $('rules').children[focusIndex]?.querySelector('input') : $('add-rule')))?.focus();
}

// ---- aliases ----------------------------------------------------------------------------

function renderAliases() {
  const body = $('aliases');
  body.replaceChildren(
    ...draft.aliases.map(([org, folder], i) => {
      const orgInput = el('input', { type: 'text', id: `alias-${i}-org`, value: org, autocomplete: 'off', list: 'known-organizations' });
      const warning = el('p', { class: 'banner banner-warn small alias-warning', id: `alias-${i}-warning`, hidden: '' });
      const folderInput = el('input', { type: 'text', id: `alias-${i}-folder`, value: folder, autocomplete: 'off' });
      const err = el('p', { class: 'error', id: `alias-${i}-error`, hidden: '' });
      const path = `aliases[${JSON.stringify(org)}]`;
      folderInput.dataset.path = path;
      folderInput.dataset.error = err.id;
      orgInput.addEventListener('input', () => {
        draft.aliases[i][0] = orgInput.value;
        folderInput.dataset.path = `aliases[${JSON.stringify(orgInput.value)}]`;
        changed();
      });
      folderInput.addEventListener('input', () => {
        draft.aliases[i][1] = folderInput.value;
        changed();
      });
      const del = el('button', { type: 'button', 'aria-label': `Delete the folder for ${org}` }, 'Delete');
      del.addEventListener('click', () => {
        draft.aliases.splice(i, 1);
        renderAliases();
        changed();
        ($(`alias-${Math.min(i, draft.aliases.length - 1)}-org`) ?? $('alias-org')).focus();
      });
      return el(
        'tr',
        {},
        el('td', {}, el('label', { class: 'visually-hidden', for: orgInput.id }, `Organization ${i + 1}`), orgInput, warning),
        el('td', {}, el('label', { class: 'visually-hidden', for: folderInput.id }, `Folder for organization ${i + 1}`), folderInput, err),
        el('td', {}, del),
      );
    }),
  );
  applyLocks();
}

/** A warning (not an error: saving stays possible) on each alias the core finds no known organization for. */
function showAliasWarnings() {
  let unmatched = [];
  try {
    unmatched = Router.unmatchedAliases(draft.aliases.map(([org]) => org), organizations);
  } catch (err) {
    console.warn('zd-dl-router: aliases not checked', err);
  }
  draft.aliases.forEach(([org], i) => {
    const warning = $(`alias-${i}-warning`);
    const input = $(`alias-${i}-org`);
    if (!warning || !input) return;
    warning.hidden = !unmatched.includes(org);
    warning.textContent = warning.hidden ? '' : `No organization seen so far matches “${org}” — check the spelling.`;
    const ids = new Set((input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
    if (warning.hidden) ids.delete(warning.id);
    else ids.add(warning.id);
    if (ids.size) input.setAttribute('aria-describedby', [...ids].join(' '));
    else input.removeAttribute('aria-describedby');
  });
}

function addAlias() {
  const org = $('alias-org').value;
  const folder = $('alias-folder').value;
  if (!org.trim() && !folder.trim()) return;
  const existing = draft.aliases.findIndex(([o]) => o === org);
  if (existing >= 0) draft.aliases[existing][1] = folder;
  else draft.aliases.push([org, folder]);
  $('alias-org').value = '';
  $('alias-folder').value = '';
  renderAliases();
  changed();
  $('alias-org').focus();
}

// ---- host-mapped domains ----------------------------------------------------------------

function originOf(domain) {
  return `https://${domain.trim().toLowerCase().replace(/\.$/, '')}/*`;
}

/** Asks for access to a domain. Must run inside the click handler (a user gesture). */
function requestAccess(domain) {
  try {
    return Promise.resolve(api.permissions.request({ origins: [originOf(domain)] })).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}

function addDomain() {
  const domain = $('domain-new').value.trim();
  if (!domain) return;
  const asked = requestAccess(domain); // first, while the click still counts as a user gesture
  if (!draft.hostMappedDomains.includes(domain)) draft.hostMappedDomains.push(domain);
  $('domain-new').value = '';
  renderDomains();
  changed();
  asked.then(() => renderDomains());
}

function renderDomains() {
  const list = $('domains');
  list.replaceChildren(
    ...draft.hostMappedDomains.map((domain, i) => {
      const err = el('p', { class: 'error', id: `domain-${i}-error`, hidden: '' });
      const name = el('span', { class: 'mono domain-name', tabindex: '-1', id: `domain-${i}` }, domain);
      name.dataset.path = `hostMappedDomains[${i}]`;
      name.dataset.error = err.id;
      const access = el('span', { class: 'access muted', id: `domain-${i}-access` }, 'checking access…');
      const del = el('button', { type: 'button', 'aria-label': `Remove ${domain}` }, 'Remove');
      del.addEventListener('click', () => {
        draft.hostMappedDomains.splice(i, 1);
        renderDomains();
        changed();
        $('domain-new').focus();
      });
      const li = el('li', {}, el('div', { class: 'row' }, name, access, el('span', { class: 'spacer' }), del), err);
      checkAccess(domain, access);
      return li;
    }),
  );
  applyLocks();
  if (draft) showErrorsLater();
}

async function checkAccess(domain, slot) {
  let granted = false;
  try {
    granted = await api.permissions.contains({ origins: [originOf(domain)] });
  } catch {
    slot.textContent = 'not a domain the browser accepts';
    slot.className = 'access warn';
    return;
  }
  if (granted) {
    slot.textContent = 'access granted';
    slot.className = 'access ok';
    return;
  }
  const grant = el('button', { type: 'button', class: 'small-button' }, 'Grant access');
  grant.setAttribute('aria-label', `Grant access to ${domain}`);
  grant.addEventListener('click', () => requestAccess(domain).then(() => renderDomains()));
  slot.className = 'access warn';
  slot.replaceChildren('access not granted — downloads from it are not routed ', grant);
  if (locked.has('hostMappedDomains')) grant.disabled = true;
}

let errorsTimer = null;
function showErrorsLater() {
  clearTimeout(errorsTimer);
  errorsTimer = setTimeout(changed, 0);
}

// ---- policy locks -----------------------------------------------------------------------

function applyLocks() {
  for (const box of document.querySelectorAll('[data-setting]')) {
    const key = box.dataset.setting;
    const isLocked = locked.has(key);
    box.classList.toggle('locked', isLocked);
    let note = box.querySelector(':scope > .locked-note');
    if (isLocked && !note) {
      note = el('p', { class: 'locked-note', id: `${key}-locked` }, 'Locked by your administrator');
      const anchor = box.querySelector(':scope > label, :scope > h2');
      anchor ? anchor.after(note) : box.prepend(note);
    }
    if (note) note.hidden = !isLocked;
    for (const c of box.querySelectorAll('input, select, button, textarea')) {
      c.disabled = isLocked || c.dataset.disabledByRender === '1';
      if (isLocked) {
        const ids = new Set((c.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
        ids.add(note.id);
        c.setAttribute('aria-describedby', [...ids].join(' '));
        c.dataset.describedby = [...new Set([...(c.dataset.describedby ?? '').split(/\s+/).filter(Boolean), note.id])].join(' ');
      }
    }
  }
  // Move buttons at the ends of the rule list stay disabled.
  for (const [i, li] of [...$('rules').children].entries()) {
    if (locked.has('rules')) break;
    li.querySelector('[data-act="up"]').disabled = i === 0;
    li.querySelector('[data-act="down"]').disabled = i === $('rules').children.length - 1;
  }
}

// ---- save, import, export ---------------------------------------------------------------

async function save() {
  const status = $('save-status');
  const check = Router.validateSettings(current());
  if (!check.ok) {
    changed();
    status.textContent = 'Not saved: fix the problems first.';
    return;
  }
  const own = Router.validateSettings(toStore());
  if (!own.ok) {
    showErrors(own.errors.map((e) => ({ field: '', message: `Your own value of a locked setting — ${e.field}: ${e.message}` })));
    status.textContent = 'Not saved.';
    return;
  }
  $('save').disabled = true;
  let syncProblem = null;
  try {
    await writeUserSettings(api, own.settings);
  } catch (err) {
    if (!err.savedLocally) {
      status.textContent = `Not saved: ${err.message ?? err}`;
      changed();
      return;
    }
    syncProblem = err.message; // saved here; the sync copy is stale
  }
  stored = own.settings;
  savedJson = JSON.stringify(current());
  $('load-problem').hidden = true;
  if (syncProblem) problem(`Your settings were ${syncProblem}`);
  changed();
  status.textContent = 'Saved';
}

async function importJson() {
  const input = $('import-file');
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  const status = $('save-status');
  let obj;
  try {
    obj = JSON.parse(await file.text());
  } catch (err) {
    status.textContent = `Import rejected: ${file.name} is not JSON (${err.message}).`;
    return;
  }
  const check = Router.validateSettings(obj);
  if (!check.ok) {
    status.textContent = `Import rejected: ${check.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ')}`;
    return;
  }
  let merged = check.settings;
  try {
    merged = Router.applyPolicy(check.settings, policy).settings;
  } catch {}
  setDraft(Router.validateSettings(merged).settings ?? merged);
  changed();
  status.textContent = `Imported ${file.name} — review and Save.`;
}

function exportJson() {
  const check = Router.validateSettings(valid ? toStore() : stored);
  const data = check.ok ? check.settings : stored;
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
  const a = $('export-link');
  a.href = URL.createObjectURL(blob);
  a.download = 'zd-dl-router-settings.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

// ---- helpers ----------------------------------------------------------------------------

function problem(text) {
  const p = $('load-problem');
  p.textContent = text;
  p.hidden = false;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'value') e.value = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

main();
