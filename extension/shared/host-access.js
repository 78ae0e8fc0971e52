// Access to host-mapped agent domains, for the worker (which registers the content script
// on granted ones) and the pages (which show and ask for it). The origin to ask for is the
// core's (Router.hostAccess); callers have initialised the WASM.

import { Router } from './zd_dl_router.js';

const api = globalThis.browser ?? globalThis.chrome;

/** Whether access to host-mapped domain `domain` is granted; null when it is no valid domain. */
export async function hasAccess(domain) {
  const access = Router.hostAccess(domain);
  return access && api.permissions.contains({ origins: [access.origin] }).catch(() => false);
}

/**
 * Asks for access to host-mapped domain `domain`; resolves to whether it was granted. Must
 * run inside the click handler (a user gesture).
 */
export function requestAccess(domain) {
  const access = Router.hostAccess(domain);
  if (!access) return Promise.resolve(false);
  try {
    return Promise.resolve(api.permissions.request({ origins: [access.origin] })).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}
