/**
 * Retry policy for refreshes that failed *without spending the token* (handshake network failure,
 * offline, a plain pre-decryption refusal). Bounded: after MAX_AUTO_RETRIES the engine stops retrying
 * on its own and waits for the user.
 */
export const BACKOFF_MS = [5_000, 15_000, 45_000, 120_000, 300_000] as const;
export const MAX_AUTO_RETRIES = BACKOFF_MS.length;

/** Delay before retry number `failures` (1-based), or undefined when the budget is spent. */
export function backoffDelay(failures: number): number | undefined {
  if (failures < 1 || failures > MAX_AUTO_RETRIES) return undefined;
  return BACKOFF_MS[failures - 1];
}

/** §12: wait for Retry-After; a 429 without one waits a default window. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
