// What the extension pages (options, popup, clean-up) share: the browser API, element
// helpers, translated strings, messages to the worker, the routing core and the settings as
// the core merges them with the administrator's policy.
//
// Strings: every visible text comes from `_locales/<lang>/messages.json`. In the HTML an
// element names its message with `data-i18n="<key>"` (its text) and `data-i18n-title`,
// `data-i18n-aria-label`, `data-i18n-placeholder`, `data-i18n-alt` (those attributes).
// Element children of a `data-i18n` element are the message's placeholders, in order
// ($1 is the first child), so markup such as <kbd> or <code> can sit inside a translated
// sentence in whatever order the language needs. Importing this module fills them in (a
// module script runs once the document is parsed), and sets the page's `lang`.
// tests/extension/i18n.test.mjs checks that no visible string is written into a page.

import init, { Router } from './zd_dl_router.js';
import { readUserSettings } from './settings-store.js';
import { TimeoutError, withTimeout } from './async.js';

export const api = globalThis.browser ?? globalThis.chrome;
export const $ = (id) => document.getElementById(id);

/** The message `key` of the browser's language (or English), with `values` for its placeholders. */
export function t(key, ...values) {
  return api.i18n.getMessage(key, values.map(String));
}

const ATTRIBUTES = ['title', 'aria-label', 'placeholder', 'alt'];
/** Marks the place of the n-th element child in a message (a private-use character, then n). */
const SLOT = '\uE000';

/**
 * The message `key` as a list of strings and `nodes`, each node at the place of its
 * placeholder ($1 for the first): for `element.replaceChildren(...fill(key, link))`.
 */
export function fill(key, ...nodes) {
  const text = t(key, ...nodes.map((_, i) => `${SLOT}${i}`));
  return text.split(new RegExp(`${SLOT}(\\d)`)).map((part, i) => (i % 2 ? nodes[Number(part)] : part));
}

/** Fills every `data-i18n*` element below `root`, <template> contents included. */
export function localize(root) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.replaceChildren(...fill(node.dataset.i18n, ...node.children));
  for (const attr of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${attr}]`)) node.setAttribute(attr, t(node.getAttribute(`data-i18n-${attr}`)));
  }
  for (const template of root.querySelectorAll('template')) localize(template.content);
}

document.documentElement.lang = t('languageCode');
localize(document);

/**
 * An element: `attrs` are attributes (`value` is set as the property; `true` makes an
 * empty attribute such as `hidden`; null, undefined and false leave the attribute out).
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'value') e.value = v;
    else if (v === true) e.setAttribute(k, '');
    else if (v != null && v !== false) e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Sends the worker the message `type` of the protocol table (shared/protocol.js) and
 * resolves to its reply — or to `{error}` when the worker refuses, fails, does not answer
 * at all or not within `timeoutMs`. Never rejects.
 */
export async function ask(type, fields = {}, { timeoutMs = 10_000 } = {}) {
  try {
    const reply = await withTimeout(api.runtime.sendMessage(zdProtocol.message(type, fields)), timeoutMs, type);
    return reply ?? { error: t('workerNoAnswer') };
  } catch (err) {
    return { error: err instanceof TimeoutError ? t('workerTimedOut', timeoutMs / 1000) : String(err?.message ?? err) };
  }
}

/** Loads the routing core (WASM) once; resolves to its `Router`, rejects when it cannot load. */
export async function loadCore() {
  await init({ module_or_path: 'zd_dl_router_bg.wasm' });
  return Router;
}

/**
 * The settings as stored by the user, the administrator's policy (storage.managed), and the
 * two merged by the core (`Router.applyPolicy`): `{stored, policy, settings, locked,
 * policyError}`. A policy the core refuses is not applied (`settings` are the user's, nothing
 * locked) and `policyError` says why. Needs `loadCore()` first.
 */
export async function readSettings() {
  const user = await readUserSettings(api).catch(() => undefined);
  const stored = isObject(user) ? user : {};
  const policy = await api.storage.managed.get().then((p) => (isObject(p) ? p : {}), () => ({}));
  try {
    const applied = Router.applyPolicy(stored, policy);
    return { stored, policy, settings: applied.settings, locked: applied.locked, policyError: null };
  } catch (err) {
    return { stored, policy, settings: stored, locked: [], policyError: String(err?.message ?? err) };
  }
}

/** Why settings were only saved on this computer: the sync copy failed (settings-store.js). */
export function syncProblem(err) {
  return t('syncCopyNotUpdated', String(err?.cause?.message ?? err?.cause ?? err?.message ?? err));
}
