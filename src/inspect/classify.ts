/**
 * What an exchange is, from its URL (spec §1, §5–§7, §11). Liberal on purpose: real portals put the
 * SC root under `/web/v1/secure-channel` or `/web/v1/{portal}/secure-channel`, and auth under
 * `/web/v1/{portal}/auth/...`.
 */
export type ExchangeKind = 'public-key' | 'session' | 'session-close' | 'login-initiate' | 'login-complete' | 'refresh' | 'logout' | 'other';

const RULES: Array<[RegExp, ExchangeKind]> = [
  [/\/secure-channel\/public-key\/?$/, 'public-key'],
  [/\/secure-channel\/session\/close\/?$/, 'session-close'],
  [/\/secure-channel\/session\/?$/, 'session'],
  [/\/auth\/login\/initiate\/?$/, 'login-initiate'],
  [/\/auth\/login\/complete\/?$/, 'login-complete'],
  [/\/auth\/token\/refresh\/?$/, 'refresh'],
  [/\/auth\/logout\/?$/, 'logout'],
];

export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0];
  }
}

export function classifyPath(path: string): ExchangeKind {
  for (const [re, kind] of RULES) if (re.test(path)) return kind;
  return 'other';
}

/** The API base of an SCv2 URL: everything before `/web/v1/` (spec §1: `{apiBase}/web/v1/...`). */
export function apiBaseOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const i = u.pathname.indexOf('/web/v1/');
    if (i < 0) return undefined;
    return `${u.origin}${u.pathname.slice(0, i)}`;
  } catch {
    return undefined;
  }
}
