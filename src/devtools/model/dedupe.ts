/**
 * Matching a chrome.devtools.network entry to an exchange the page hook already captured
 * (architecture.md §3: the hook is the primary source; DevTools events only fill its gaps).
 * There is no shared request id between the two, so the key is method + URL, and start times within
 * a window: the hook stamps `fetch()` entry, DevTools stamps the network start, a few ms apart.
 */
export const TWIN_WINDOW_MS = 2_000;

export function twinKey(method: string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

export function withinWindow(a: number, b: number, windowMs = TWIN_WINDOW_MS): boolean {
  return Math.abs(a - b) <= windowMs;
}
