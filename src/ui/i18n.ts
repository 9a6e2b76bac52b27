/**
 * UI strings from public/_locales via chrome.i18n (the browser's UI language). Outside an extension
 * (unit tests) the key itself comes back, so tests can assert on keys.
 */
export function t(key: string, subs?: string | string[]): string {
  const g = (globalThis as { chrome?: { i18n?: { getMessage?: (k: string, s?: string | string[]) => string } } }).chrome?.i18n?.getMessage;
  const msg = g ? g(key, subs) : '';
  return msg || key;
}

/** Words for a coded error (docs/contracts.md ErrorCode); the server's own message only as a fallback. */
export function errorText(code: string | undefined, fallback?: string): string {
  if (code) {
    const k = `err_${code.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const msg = t(k);
    if (msg !== k) return msg;
  }
  return fallback || t('err_UNKNOWN');
}
