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
  const fast = fastParts(url);
  if (fast) return fast.path;
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0];
  }
}

/**
 * `new URL(url)`'s origin and pathname without a URL per call (a HAR import asks for 10,000 of
 * them): only for http(s) URLs whose path has nothing the URL parser would rewrite (no percent
 * escapes, dot segments, spaces or backslashes). The authority is checked once by the real parser
 * (a query or fragment cannot make a URL invalid), and every other URL takes the slow path.
 */
const FAST_URL = /^(https?:\/\/[A-Za-z0-9.\-:[\]]+)(\/[A-Za-z0-9\-_~./]*)?(?=[?#]|$)/;
const origins = new Map<string, string | null>();

function fastParts(url: string): { origin: string; path: string } | undefined {
  const m = FAST_URL.exec(url);
  if (!m) return undefined;
  const path = m[2] ?? '/';
  if (path.includes('/.')) return undefined;
  let origin = origins.get(m[1]);
  if (origin === undefined) {
    try {
      origin = new URL(`${m[1]}/`).origin;
    } catch {
      origin = null;
    }
    if (origins.size >= 256) origins.clear();
    origins.set(m[1], origin);
  }
  return origin === null ? undefined : { origin, path };
}

export function classifyPath(path: string): ExchangeKind {
  for (const [re, kind] of RULES) if (re.test(path)) return kind;
  return 'other';
}

/** The API base of an SCv2 URL: everything before `/web/v1/` (spec §1: `{apiBase}/web/v1/...`). */
export function apiBaseOf(url: string): string | undefined {
  const fast = fastParts(url);
  if (fast) {
    const i = fast.path.indexOf('/web/v1/');
    return i < 0 ? undefined : `${fast.origin}${fast.path.slice(0, i)}`;
  }
  try {
    const u = new URL(url);
    const i = u.pathname.indexOf('/web/v1/');
    if (i < 0) return undefined;
    return `${u.origin}${u.pathname.slice(0, i)}`;
  } catch {
    return undefined;
  }
}
