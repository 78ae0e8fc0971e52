// zd-dl-router options page. It edits a draft of the settings; every check and every
// preview goes through the WASM core (Router.validateSettings / renderPreview /
// applyPolicy) — this file never validates a value or builds a path itself. Only settings
// the core accepts are written (storage.local, key "settings"; the sync copy is what the core
// says, see settings-store.js); fields of the administrator's policy (storage.managed) are
// shown locked.

import { Router } from './zd_dl_router.js';
import { writeUserSettings } from './settings-store.js';
import { $, api, ask, el, isObject, loadCore, readSettings, syncProblem, t } from './ui.js';
import { hasAccess, requestAccess } from './host-access.js';

/** The sample the live preview renders (a ticket of the mock Zendesk, too; its subject in the page's language); after *Make a rule…*, that download's ticket. */
let sampleTicket = {
  instance: 'acme',
  id: 4711,
  organization: { id: 9, name: 'ACME Corp.' },
  subject: t('optionsSampleSubject'),
  requester: 'Sam Customer',
  status: 'open',
};
/** The sample file's comment (the first of that mock ticket), added a day before the preview. */
const SAMPLE_COMMENT = { attachmentId: 700000001, commentId: 900000001, author: 'Sam Customer' };
const DAY_MS = 24 * 60 * 60 * 1000;
/** Settings edited by one plain control each (id = setting name). */
const SIMPLE = [
  'enabled', 'baseFolder', 'template', 'fallbackTemplate', 'noOrgFolder', 'conflictAction', 'watchdogMs', 'notifyOnFallback',
  'skipInlineImages', 'bulkConcurrency', 'sidecar', 'retentionAfterDownloadDays', 'retentionAfterSolvedDays', 'retentionDaily',
  'deleteRedacted', 'unpackArchives', 'destinationRoot', 'helperCleanup',
  'syncSettings', 'syncCustomerNames',
];
/** The optional permission the local helper needs (runtime.sendNativeMessage). */
const NATIVE_MESSAGING = { permissions: ['nativeMessaging'] };
/** The accessible names of a rule's move and delete buttons (`data-act`), given the rule's number. */
const RULE_ACTION_LABELS = {
  up: (n) => t('optionsRuleUpLabel', n),
  down: (n) => t('optionsRuleDownLabel', n),
  delete: (n) => t('optionsRuleDeleteLabel', n),
};
/** Number settings where an empty field means "never" (null), not "missing". */
const NULLABLE = new Set(['retentionAfterDownloadDays', 'retentionAfterSolvedDays']);

let stored = {}; // the user's settings as stored
let policy = {}; // the administrator's policy (storage.managed)
let locked = new Set(); // setting names the policy fixes
let draft = null; // the settings being edited; aliases as [[org, folder], …]
let savedJson = ''; // JSON of the draft as last loaded or saved
let valid = false;
let organizations = []; // organization names seen in downloads and tickets (from the background)
let helperPermitted = false; // whether the browser lets the extension talk to the local helper
let helperAsked = false; // turning a helper setting on asked for the permission (once a visit)

// ---- loading ----------------------------------------------------------------------------

async function main() {
  try {
    await loadCore();
  } catch (err) {
    problem(t('optionsCoreFailed', err));
    return;
  }
  $('baseFolder-prefix').textContent = t('downloadsPath', '');
  $('preview-sample').textContent = t('optionsPreviewSample', sampleTicket.id, sampleTicket.subject, sampleTicket.organization.name, sampleTicket.status);
  wireStaticControls();
  showHelper(); // not waited for: a slow helper holds up nothing
  await Promise.all([load(), loadOrganizations()]);
  await ruleFromDownload();
  api.storage.onChanged.addListener((changes, area) => {
    // Changed elsewhere (the popup's switch, another window, synced from another computer):
    // follow unless we have edits.
    if ((changes.settings && area === 'local' && !dirty()) || area === 'managed') load();
  });
  $('form').setAttribute('aria-busy', 'false');
}

async function load() {
  const read = await readSettings();
  ({ stored, policy } = read);
  const merged = read.settings;
  locked = new Set(read.locked);
  if (read.policyError) problem(t('optionsPolicyFailed', read.policyError));
  const checked = Router.validateSettings(merged);
  if (!checked.ok) problem(t('optionsStoredInvalid'));
  setDraft(checked.ok ? checked.settings : { ...Router.validateSettings({}).settings, ...merged });
  savedJson = JSON.stringify(current());
  changed();
}

/** Organization names the background has seen (records and ticket knowledge): alias suggestions and checks. */
async function loadOrganizations() {
  const answer = await ask('organizations', {}, { timeoutMs: 3000 });
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
  if (dirty()) $('save-status').textContent = valid ? t('optionsUnsaved') : t('optionsFixToSave');
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
    const target = targetOf(e.path ?? []);
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
 * The settings path each control that can show an error stands for, as the core names it
 * in its errors: `['template']`, `['rules', 2, 'fileName']`, `['aliases', 'ACME Corp.']`.
 */
const pathOf = new WeakMap();

/** Makes `control` the one to mark for errors at `path`, with its message in the element `errorId`. */
function markable(control, path, errorId) {
  pathOf.set(control, path);
  control.dataset.error = errorId;
}

/**
 * The control (or group) an error's path (from the core) belongs to, looked up as given:
 * `['rules', 2, 'fileName']` → that rule's input; `['rules', 2, 'bogus']` → the rule (the
 * longest path a control stands for); `['colour']` or `[]` → none (the summary list).
 */
function targetOf(path) {
  const controls = [...document.querySelectorAll('[data-error]')].filter((c) => pathOf.has(c) && $(c.dataset.error));
  for (let n = path.length; n > 0; n--) {
    const hit = controls.find((c) => {
      const own = pathOf.get(c);
      return own.length === n && own.every((segment, i) => segment === path[i]);
    });
    if (hit) return hit;
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
    const timeMs = Date.now();
    const attachment = { ...SAMPLE_COMMENT, uploadedMs: timeMs - DAY_MS };
    d = Router.renderPreview(settings, { ticket: sampleTicket, filename, timeMs, attachment });
  } catch (err) {
    d = { action: 'error', message: String(err.message ?? err) };
  }
  out.className = `preview-out preview-${d.action}`;
  const decided = $('preview-rule');
  decided.hidden = !(d.action === 'route' || (d.action === 'pass' && d.reason === 'rule'));
  decided.textContent = decided.hidden ? '' : ruleLabel(settings, d.rule);
  if (d.action === 'route') {
    out.replaceChildren(el('span', { class: 'muted' }, t('downloadsPath', '')), el('span', { class: 'mono' }, d.path));
  } else if (d.action === 'pass' && d.reason === 'disabled') {
    out.textContent = t('optionsPreviewOff', filename);
  } else if (d.action === 'pass') {
    out.textContent = t('optionsPreviewLeftAlone', Number(d.rule ?? 0) + 1, filename);
  } else if (d.action === 'invalid') {
    out.textContent = t('optionsPreviewInvalid');
  } else {
    out.textContent = t('optionsPreviewNone', d.message ?? d.action);
  }
}

/** "Rule 2 — GitLab SOS bundles" (1-based, with the rule's name when it has one), or the template. */
function ruleLabel(settings, index) {
  if (index === undefined || index === null) return t('optionsPreviewNoRule');
  const name = settings.rules?.[index]?.name;
  return name ? t('optionsRuleNumberNamed', index + 1, name) : t('optionsRuleNumber', index + 1);
}

// ---- the plain controls -----------------------------------------------------------------

function wireStaticControls() {
  for (const key of SIMPLE) {
    const input = $(key);
    markable(input, [key], `${key}-error`);
    keepDescribedBy(input);
    input.addEventListener(input.type === 'checkbox' || input.tagName === 'SELECT' ? 'change' : 'input', () => {
      draft[key] = readSimple(input);
      if (key === 'template') syncPreset();
      if (key === 'syncSettings') syncDependents();
      if (['unpackArchives', 'destinationRoot', 'helperCleanup'].includes(key)) helperSettingChanged();
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
    markable(group, [id], `${id}-error`);
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
    load().then(() => ($('save-status').textContent = t('optionsDiscarded')));
  });
  $('export').addEventListener('click', exportJson);
  $('import-file').addEventListener('change', importJson);
  $('review-cleanup').addEventListener('click', () => api.tabs.create({ url: api.runtime.getURL('cleanup.html') }));
  $('helper-allow').addEventListener('click', allowHelper);
  $('helper-copy').addEventListener('click', () => {
    $('helper-command').select();
    navigator.clipboard.writeText($('helper-command').value).then(() => ($('save-status').textContent = t('optionsHelperCopied')), () => {});
  });
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
    const ruleErr = li.querySelector('.rule-error');
    ruleErr.id = `rule-${i}-error`;
    markable(fs, ['rules', i], ruleErr.id);
    li.querySelector('.rule-no').textContent = t('optionsRuleNumber', i + 1);
    li.querySelector('.rule-title').textContent = rule.name ? `– ${rule.name}` : '';
    for (const input of li.querySelectorAll('[data-key]')) {
      const key = input.dataset.key;
      const id = `rule-${i}-${key}`;
      input.id = id;
      const label = li.querySelector(`label[data-for="${key}"]`);
      label.htmlFor = id;
      const err = input.parentElement.querySelector('.error');
      err.id = `${id}-error`;
      markable(input, ['rules', i, key], err.id);
      if (input.type === 'checkbox') input.checked = Boolean(rule[key]);
      else input.value = ruleValue(rule, key);
      input.addEventListener(input.tagName === 'SELECT' || input.type === 'checkbox' ? 'change' : 'input', () => {
        setRuleValue(rule, key, input, li);
        if (key === 'name') li.querySelector('.rule-title').textContent = rule.name ? `– ${rule.name}` : '';
        changed();
      });
    }
    li.querySelector('.rule-template-field').hidden = Boolean(rule.leaveAlone);
    for (const button of li.querySelectorAll('[data-act]')) {
      const act = button.dataset.act;
      button.setAttribute('aria-label', RULE_ACTION_LABELS[act](i + 1));
      if (act === 'up') button.disabled = i === 0;
      if (act === 'down') button.disabled = i === draft.rules.length - 1;
      button.addEventListener('click', () => moveRule(i, act));
    }
    list.append(li);
  });
  applyLocks();
}

/**
 * *Make a rule…* in the popup opens `options.html#rule-from=<history key>`: the core's rule
 * for that download goes first in the draft (unsaved), and the preview renders that download.
 */
async function ruleFromDownload() {
  const key = new URLSearchParams(location.hash.slice(1)).get('rule-from');
  if (key === null) return;
  window.history.replaceState(null, '', location.pathname); // a reload does not add it again
  if (locked.has('rules')) return problem(t('optionsRuleFromLocked'));
  const { history = [] } = await api.storage.local.get('history').catch(() => ({}));
  const entry = (Array.isArray(history) ? history : []).find((e) => String(e?.key) === key);
  if (!entry) return problem(t('optionsRuleFromGone'));
  let made;
  try {
    made = Router.ruleFromDownload(entry, draft.hostMappedDomains);
  } catch (err) {
    return problem(t('optionsRuleFromFailed', err.message ?? err));
  }
  if (made.ticket) {
    sampleTicket = made.ticket;
    $('preview-sample').textContent = t('optionsPreviewSampleDownload', made.ticket.id, made.ticket.organization?.name ?? t('popupNoOrganization'), made.ticket.instance);
  }
  $('sample-file').value = made.filename;
  draft.rules.unshift(made.rule);
  renderRules();
  changed();
  $('save-status').textContent = t('optionsRuleFromMade', made.filename);
  $('rule-0-fileName').focus();
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
  if (input.type === 'checkbox') v = input.checked || undefined;
  else if (input.dataset.list) v = input.value.split(',').map((s) => s.trim()).filter(Boolean);
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
  $('aliases-empty').hidden = draft.aliases.length > 0;
  body.replaceChildren(
    ...draft.aliases.map(([org, folder], i) => {
      const orgInput = el('input', { type: 'text', id: `alias-${i}-org`, value: org, autocomplete: 'off', list: 'known-organizations' });
      const warning = el('p', { class: 'banner banner-warn small alias-warning', id: `alias-${i}-warning`, hidden: true });
      const folderInput = el('input', { type: 'text', id: `alias-${i}-folder`, value: folder, autocomplete: 'off' });
      const err = el('p', { class: 'error', id: `alias-${i}-error`, hidden: true });
      markable(folderInput, ['aliases', org], err.id);
      orgInput.addEventListener('input', () => {
        draft.aliases[i][0] = orgInput.value;
        pathOf.set(folderInput, ['aliases', orgInput.value]);
        changed();
      });
      folderInput.addEventListener('input', () => {
        draft.aliases[i][1] = folderInput.value;
        changed();
      });
      const del = el('button', { type: 'button', 'aria-label': t('optionsAliasDeleteLabel', org) }, t('optionsDelete'));
      del.addEventListener('click', () => {
        draft.aliases.splice(i, 1);
        renderAliases();
        changed();
        ($(`alias-${Math.min(i, draft.aliases.length - 1)}-org`) ?? $('alias-org')).focus();
      });
      return el(
        'tr',
        {},
        el('td', {}, el('label', { class: 'visually-hidden', for: orgInput.id }, t('optionsAliasOrganizationN', i + 1)), orgInput, warning),
        el('td', {}, el('label', { class: 'visually-hidden', for: folderInput.id }, t('optionsAliasFolderN', i + 1)), folderInput, err),
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
    warning.textContent = warning.hidden ? '' : t('optionsAliasUnmatched', org);
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
      const err = el('p', { class: 'error', id: `domain-${i}-error`, hidden: true });
      const name = el('span', { class: 'mono domain-name', tabindex: '-1', id: `domain-${i}` }, domain);
      markable(name, ['hostMappedDomains', i], err.id);
      const access = el('span', { class: 'access muted', id: `domain-${i}-access` }, t('optionsAccessChecking'));
      const del = el('button', { type: 'button', 'aria-label': t('optionsDomainRemoveLabel', domain) }, t('optionsDomainRemove'));
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
  const granted = await hasAccess(domain);
  if (granted === null) {
    slot.textContent = t('optionsAccessInvalid');
    slot.className = 'access warn';
    return;
  }
  if (granted) {
    slot.textContent = t('optionsAccessGranted');
    slot.className = 'access ok';
    return;
  }
  // Granting stays possible when an administrator set the domains: no policy can grant access.
  const grant = el('button', { type: 'button', class: 'small-button', 'data-grant': true, 'aria-label': t('optionsGrantAccessLabel', domain) }, t('optionsGrantAccess'));
  grant.addEventListener('click', () => requestAccess(domain).then(() => renderDomains()));
  slot.className = 'access warn';
  slot.replaceChildren(t('optionsAccessNotGranted'), ' ', grant);
}

let errorsTimer = null;
function showErrorsLater() {
  clearTimeout(errorsTimer);
  errorsTimer = setTimeout(changed, 0);
}

// ---- the local helper -------------------------------------------------------------------

/** Found (its version and the folders it may touch) or why not; the install command for this browser. */
async function showHelper() {
  helperPermitted = await Promise.resolve(api.permissions.contains(NATIVE_MESSAGING)).catch(() => false);
  const { command = '', hello } = await ask('helperStatus', {}, { timeoutMs: 10_000 });
  $('helper-command').value = command;
  $('helper-allow').hidden = helperPermitted;
  const status = $('helper-status');
  const roots = hello?.ok ? hello.roots ?? [] : [];
  $('helper-roots').replaceChildren(...roots.map((root) => el('li', {}, root)));
  $('helper-roots').hidden = roots.length === 0;
  status.dataset.state = hello?.ok ? 'found' : helperPermitted ? 'notFound' : 'notAllowed';
  status.className = `access ${hello?.ok ? 'ok' : 'warn'}`;
  if (hello?.ok) status.textContent = t('optionsHelperFound', hello.version);
  else if (!helperPermitted) status.textContent = t('optionsHelperNotAllowed');
  else status.textContent = t('optionsHelperNotFound', hello?.error?.message ?? t('workerNoAnswer'));
}

/** Asks for the permission (inside the click or change that wants it: a user gesture), then shows the helper again. */
function allowHelper() {
  helperAsked = true;
  let asked;
  try {
    asked = Promise.resolve(api.permissions.request(NATIVE_MESSAGING));
  } catch (err) {
    asked = Promise.reject(err);
  }
  return asked.catch(() => false).then(showHelper);
}

/** Turning a helper setting on asks for the permission, once a visit (the *Allow* button asks again). */
function helperSettingChanged() {
  const wanted = draft.unpackArchives !== 'off' || Boolean(draft.destinationRoot) || draft.helperCleanup;
  if (wanted && !helperPermitted && !helperAsked) allowHelper();
}

// ---- policy locks -----------------------------------------------------------------------

function applyLocks() {
  for (const box of document.querySelectorAll('[data-setting]')) {
    const key = box.dataset.setting;
    const isLocked = locked.has(key);
    box.classList.toggle('locked', isLocked);
    let note = box.querySelector(':scope > .locked-note');
    if (isLocked && !note) {
      note = el('p', { class: 'locked-note', id: `${key}-locked` }, t('lockedByAdmin'));
      const anchor = box.querySelector(':scope > label, :scope > h2');
      anchor ? anchor.after(note) : box.prepend(note);
    }
    if (note) note.hidden = !isLocked;
    for (const c of box.querySelectorAll('input, select, button:not([data-grant]), textarea')) {
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
    status.textContent = t('optionsNotSavedInvalid');
    return;
  }
  const own = Router.validateSettings(toStore());
  if (!own.ok) {
    showErrors(own.errors.map((e) => ({ field: '', message: t('optionsOwnLockedInvalid', e.field, e.message) })));
    status.textContent = t('optionsNotSaved');
    return;
  }
  $('save').disabled = true;
  let syncFailure = null;
  try {
    await writeUserSettings(api, own.settings);
  } catch (err) {
    if (!err.savedLocally) {
      status.textContent = t('optionsNotSavedBecause', err.message ?? err);
      changed();
      return;
    }
    syncFailure = syncProblem(err); // saved here; the sync copy is stale
  }
  stored = own.settings;
  savedJson = JSON.stringify(current());
  $('load-problem').hidden = true;
  if (syncFailure) problem(syncFailure);
  changed();
  status.textContent = t('optionsSaved');
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
    status.textContent = t('optionsImportNotJson', file.name, err.message);
    return;
  }
  const check = Router.validateSettings(obj);
  if (!check.ok) {
    status.textContent = t('optionsImportRejected', check.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '));
    return;
  }
  let merged = check.settings;
  try {
    merged = Router.applyPolicy(check.settings, policy).settings;
  } catch {}
  setDraft(Router.validateSettings(merged).settings ?? merged);
  changed();
  status.textContent = t('optionsImported', file.name);
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

main();
