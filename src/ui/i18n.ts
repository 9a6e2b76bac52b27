/**
 * UI strings from public/_locales via chrome.i18n (the browser's UI language). Outside an extension
 * (unit tests) the key itself comes back, so tests can assert on keys.
 */
export function t(key: string, subs?: string | string[]): string {
  const g = (globalThis as { chrome?: { i18n?: { getMessage?: (k: string, s?: string | string[]) => string } } }).chrome?.i18n?.getMessage;
  if (!g) return key;
  // A string without substitutions is asked of the browser once per page: the UI language cannot change
  // while a page lives, and each getMessage is a binding call (a 10,000-row HAR import made thousands).
  if (subs !== undefined) return g(key, subs) || key;
  if (plainFrom !== g) {
    plain.clear();
    plainFrom = g;
  }
  let msg = plain.get(key);
  if (msg === undefined) plain.set(key, (msg = g(key) || key));
  return msg;
}
const plain = new Map<string, string>();
/** The getMessage the cache was filled from (tests swap catalogues). */
let plainFrom: unknown;

/**
 * Codes that only say "the server refused" without saying why: the server's own message (and its field
 * errors) is what tells the user what to fix (§11: a client shows the server's message for any code it
 * does not know, never a generic text alone).
 */
const GENERIC_CODES = new Set(['SERVER_ERROR', 'VALIDATION_FAILED']);

/**
 * Words for a coded error (docs/contracts.md ErrorCode). A specific code gets its own sentence; a
 * generic one adds what the server said (field errors included, server-errors.ts); an unknown one is
 * the server's message.
 */
export function errorText(code: string | undefined, serverMessage?: string): string {
  // Our own stand-in when the server sent no envelope (server-errors.ts): not worth repeating.
  const said = serverMessage && !serverMessage.startsWith('server: HTTP') ? serverMessage.slice(0, 300) : '';
  if (code) {
    const k = `err_${code.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const msg = t(k);
    if (msg !== k) {
      if (!GENERIC_CODES.has(code)) return msg;
      return said ? `${msg} ${t('serverSaid', said)}` : msg;
    }
  }
  return said || t('err_UNKNOWN');
}
