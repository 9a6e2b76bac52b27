/**
 * "Capture on these sites": page origins the user wants hooked even though they are not an environment's
 * API origin (app.example.com calling api.example.com). Pure helpers shared by the options page (for its
 * messages) and the service worker (which never trusts what is stored): validation/normalization, the
 * zod-validated storage read, and match-pattern arithmetic for deciding what is granted.
 *
 * Messaging choice: the options page writes the list to storage.local itself (it is an extension page)
 * and the worker reacts to storage.onChanged — no RPC method is needed, so popup-rpc.ts (and the session
 * engine's RPC handlers) stay untouched, and a list edited while the worker sleeps still wakes it.
 */
import * as z from '../protocol/zod';
import { KEYS } from './storage-keys';
import { sameApiBase } from './environment';

/** storage.local key: string[] of normalized origins (`scheme://host[:port]`), in the order added. */
export const CAPTURE_ORIGINS_KEY = KEYS.captureOrigins;
/** Environment profiles (owned by the session engine). Read only here. */
export const ENVS_KEY = KEYS.envs;
export const MAX_CAPTURE_ORIGINS = 100;

/** Why an entry was refused — stable codes; the form shows `errCaptureOrigin_<code>`. */
export type CaptureOriginErrorCode =
  | 'EMPTY'
  | 'NO_SCHEME'
  | 'NOT_URL'
  | 'BAD_SCHEME'
  | 'HAS_PATH'
  | 'HAS_CREDENTIALS'
  | 'WILDCARD'
  | 'DUPLICATE'
  | 'TOO_MANY'
  | 'DENIED';

export type NormalizeResult = { ok: true; origin: string } | { ok: false; code: CaptureOriginErrorCode };

/**
 * `https://App.Example.com:443/` → `https://app.example.com`. Only an origin: http(s), a host, an
 * optional port; a lone trailing `/` is tolerated, any other path, a query, a fragment or credentials are
 * refused (a path would suggest a narrower hook than Chrome can give: scripts match whole hosts).
 */
export function normalizeCaptureOrigin(input: string): NormalizeResult {
  const s = input.trim();
  if (!s) return { ok: false, code: 'EMPTY' };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) return { ok: false, code: 'NO_SCHEME' };
  if (!/^https?:/i.test(s)) return { ok: false, code: 'BAD_SCHEME' };
  if (!/^https?:\/\//i.test(s)) return { ok: false, code: 'NOT_URL' };
  // Before parsing: Chromium's URL parser refuses `*` in a host, Node's accepts it; either way the user
  // meant a match-pattern wildcard, which deserves its own message.
  if (/^https?:\/\/[^/?#]*\*/i.test(s)) return { ok: false, code: 'WILDCARD' };
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { ok: false, code: 'NOT_URL' };
  }
  if (!u.hostname) return { ok: false, code: 'NOT_URL' };
  if (u.username || u.password) return { ok: false, code: 'HAS_CREDENTIALS' };
  if (u.pathname !== '/' || u.search || u.hash || /[?#]$/.test(s)) return { ok: false, code: 'HAS_PATH' };
  return { ok: true, origin: u.origin }; // lower-cased host, punycode, default port dropped
}

/** Normalize and refuse one already in `existing` (compared normalized). */
export function validateNewCaptureOrigin(input: string, existing: readonly string[]): NormalizeResult {
  const r = normalizeCaptureOrigin(input);
  if (!r.ok) return r;
  const seen = existing.map((e) => {
    const n = normalizeCaptureOrigin(e);
    return n.ok ? n.origin : e;
  });
  if (seen.includes(r.origin)) return { ok: false, code: 'DUPLICATE' };
  if (existing.length >= MAX_CAPTURE_ORIGINS) return { ok: false, code: 'TOO_MANY' };
  return r;
}

/** Stored entries that are not exactly a normalized origin are dropped (never trusted), duplicates too. */
export const CaptureOriginsSchema = z.pipe(z.array(z.unknown()).check(z.maxLength(10 * MAX_CAPTURE_ORIGINS)), z.transform((list) => {
    const out: string[] = [];
    for (const v of list) {
      if (typeof v !== 'string') continue;
      const r = normalizeCaptureOrigin(v);
      if (r.ok && r.origin === v && !out.includes(v)) out.push(v);
    }
    return out.slice(0, MAX_CAPTURE_ORIGINS);
  }));

export function parseCaptureOrigins(raw: unknown): string[] {
  const p = CaptureOriginsSchema.safeParse(raw ?? []);
  return p.success ? p.data : [];
}

/** The smallest slice of chrome.storage.local both sides need (fakes in unit tests). */
export interface LocalArea {
  get(keys: string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

export async function readCaptureOrigins(area: LocalArea): Promise<string[]> {
  return parseCaptureOrigins((await area.get([CAPTURE_ORIGINS_KEY]))[CAPTURE_ORIGINS_KEY]);
}

/** Read-modify-write from a fresh read (another options tab may have changed the list meanwhile). */
export async function updateCaptureOrigins(area: LocalArea, change: (list: string[]) => string[]): Promise<string[]> {
  const next = parseCaptureOrigins(change(await readCaptureOrigins(area)));
  await area.set({ [CAPTURE_ORIGINS_KEY]: next });
  return next;
}

/**
 * May a page at `pageOrigin` speak for the environment at `apiBase` (issue #10: a captured refresh moves
 * a followed session only then)? Yes when `apiBase` is an environment's and the page is that API's own
 * origin, or a site the user listed under "Capture on these sites" (an app calling its API elsewhere).
 * An unknown origin (HAR, DevTools rows) never may.
 */
export function pageMaySpeakFor(pageOrigin: string | undefined, apiBase: string, envApiBases: readonly string[], captureOrigins: readonly string[]): boolean {
  if (!pageOrigin || !envApiBases.some((b) => sameApiBase(b, apiBase))) return false;
  try {
    if (new URL(apiBase).origin === pageOrigin) return true;
  } catch {
    return false;
  }
  return captureOrigins.includes(pageOrigin);
}
