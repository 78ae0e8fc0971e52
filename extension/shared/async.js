// Promise helpers shared by the worker and the extension pages.

/** The rejection of `withTimeout` (an `Error` whose message says what timed out and when). */
export class TimeoutError extends Error {}

/**
 * `promise`, or a rejection with `TimeoutError("<what> timed out after <ms> ms")` once `ms`
 * have passed without it settling. The timer is cleared either way, so a settled race keeps
 * no timer alive.
 */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
