/**
 * One captured HTTP exchange, as every Keyhole view reads it (architecture.md §1: bytes are captured
 * once, decrypted once). Bodies travel as standard Base64 because chrome.runtime messages are JSON
 * (architecture.md §3). The schemas are also the zod gate for everything that crosses a boundary —
 * the relay, the port and HAR import all parse with them, because the page can forge anything.
 */
import * as z from '../protocol/zod';
import { fromBase64 } from '../protocol/bytes';

import { MAX_BODY_BYTES, MAX_ERROR_LENGTH, MAX_EXCHANGE_ID_LENGTH, MAX_HEADERS, MAX_HEADER_NAME_LENGTH, MAX_HEADER_VALUE_LENGTH, MAX_URL_LENGTH } from './limits';

export { MAX_BODY_BYTES };
/** Base64 of MAX_BODY_BYTES, rounded up. */
const MAX_BODY_BASE64 = Math.ceil(MAX_BODY_BYTES / 3) * 4;

/** 'resend': sent by the panel's Resend / Edit and resend (issue #9), never by the page. */
export const ExchangeSource = z.enum(['hook-fetch', 'hook-xhr', 'devtools', 'har', 'resend']);
export type ExchangeSource = z.infer<typeof ExchangeSource>;

export const CapturedBody = z.object({
  base64: z.string().check(z.maxLength(MAX_BODY_BASE64)),
  size: z.int().check(z.nonnegative()),
  truncated: z.boolean(),
  /** The bytes may differ from the wire (text views of a binary body). */
  lossy: z.optional(z.boolean()),
});
export type CapturedBody = z.infer<typeof CapturedBody>;

export const HeaderMap = z.record(z.string().check(z.maxLength(MAX_HEADER_NAME_LENGTH)), z.string().check(z.maxLength(MAX_HEADER_VALUE_LENGTH))).check(z.refine((h) => Object.keys(h).length <= MAX_HEADERS, { message: 'too many headers' }));

export const CapturedExchange = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(MAX_EXCHANGE_ID_LENGTH)),
  tabId: z.int(),
  source: ExchangeSource,
  startedAt: z.number().check(z.nonnegative()),
  durationMs: z.optional(z.number().check(z.nonnegative())),
  method: z.string().check(z.minLength(1), z.maxLength(32)),
  url: z.string().check(z.maxLength(MAX_URL_LENGTH)),
  requestHeaders: HeaderMap,
  requestBody: z.optional(CapturedBody),
  status: z.optional(z.int().check(z.gte(0), z.lte(999))),
  responseHeaders: HeaderMap,
  responseBody: z.optional(CapturedBody),
  error: z.optional(z.string().check(z.maxLength(MAX_ERROR_LENGTH))),
  /**
   * Origin of the page that made the call, as the browser told the worker (the relay message's sender),
   * never as the page said: a captured refresh counts for a followed session only when this origin may
   * talk to the session's environment (issue #10). Absent for HAR and DevTools rows.
   */
  pageOrigin: z.optional(z.string().check(z.maxLength(MAX_URL_LENGTH))),
  /** Resent by the panel: the id of the exchange it was made from (the `is:resent` filter, the answer diff). */
  resentFrom: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});
export type CapturedExchange = z.infer<typeof CapturedExchange>;

// One exchange's body is read by key learning and by both decryption passes: decode it once.
const decoded = new WeakMap<CapturedBody, Uint8Array>();
// HAR import keeps the text of ASCII bodies (JSON envelopes): decryption reads the text, not bytes.
const asciiTexts = new WeakMap<CapturedBody, string>();

/** Exact bytes of a body; undefined when there is none or it was truncated away. Throws INPUT_INVALID on bad Base64. */
export function bodyBytes(b: CapturedBody | undefined): Uint8Array | undefined {
  if (!b || b.truncated) return undefined;
  let bytes = decoded.get(b);
  if (!bytes) {
    const text = asciiTexts.get(b);
    bytes = text !== undefined ? latin1Bytes(text) : fromBase64(b.base64);
    decoded.set(b, bytes);
  }
  return bytes;
}

/** Forget a body's ASCII text once it has been decrypted (bytes, if ever needed again, come from base64). */
export function releaseAsciiText(b: CapturedBody): void {
  asciiTexts.delete(b);
}

/** The body as text when it is known to be pure ASCII (then text, UTF-8 and Latin-1 agree), else undefined. */
export function bodyAsciiText(b: CapturedBody | undefined): string | undefined {
  return b && !b.truncated ? asciiTexts.get(b) : undefined;
}

/**
 * A body whose bytes the caller already holds (HAR import decodes each body once while converting
 * it): the bytes go straight into the bodyBytes cache, so decryption does not decode the Base64 again.
 * `base64` must be the standard Base64 of exactly these bytes.
 */
export function capturedBody(bytes: Uint8Array, base64: string, lossy: boolean): CapturedBody {
  if (bytes.length > MAX_BODY_BYTES) return lossy ? { base64: '', size: bytes.length, truncated: true, lossy } : { base64: '', size: bytes.length, truncated: true };
  const body: CapturedBody = lossy ? { base64, size: bytes.length, truncated: false, lossy } : { base64, size: bytes.length, truncated: false };
  decoded.set(body, bytes);
  return body;
}

/**
 * A body given as pure ASCII text (caller checked): the text kept for decryption, its Base64 made
 * with btoa only when something reads `base64` (an export, the port, a copy) — a HAR import of 10,000
 * JSON-envelope requests spent ~170 ms in btoa for strings nothing read (the panel bench's profile).
 * `base64` is an own enumerable getter, so spreading, JSON and structured clone see a plain string.
 * No UTF-8 encoding pass (TextEncoder costs ~10 µs per KiB in Chrome).
 */
export function capturedAsciiBody(text: string): CapturedBody {
  if (text.length > MAX_BODY_BYTES) return { base64: '', size: text.length, truncated: true };
  let base64: string | undefined;
  const body = {
    get base64(): string {
      return (base64 ??= btoa(text));
    },
    size: text.length,
    truncated: false,
  } satisfies CapturedBody;
  asciiTexts.set(body, text);
  return body;
}

/**
 * The first 8 characters of a body's Base64 (its first 6 bytes), for prefix checks such as the
 * type-1 magic ("U0MCAQ"), without encoding a whole ASCII body whose Base64 is made lazily.
 */
export function base64Head(b: CapturedBody): string {
  const text = asciiTexts.get(b);
  return text !== undefined ? btoa(text.slice(0, 6)) : b.base64.slice(0, 8);
}

function latin1Bytes(s: string, out: Uint8Array = new Uint8Array(s.length)): Uint8Array {
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Many small byte arrays carved out of one larger buffer. In Chrome every `new Uint8Array(n)` costs
 * ~7 µs for a 1 KiB body (the backing store is external memory, accounted and GC-tracked), more than
 * decoding the Base64 into it; a subarray view costs ~0.1 µs. For HAR import, where 20,000 bodies
 * are decoded at once and live exactly as long as each other (until the panel is cleared), so a slab
 * is never pinned by one straggler for long. Large bodies get their own buffer.
 */
const SLAB_SIZE = 1 << 20;

function slabAllocator(): (n: number) => Uint8Array {
  let slab = new Uint8Array(0);
  let used = 0;
  return (n) => {
    if (n > SLAB_SIZE >> 3) return new Uint8Array(n);
    if (used + n > slab.length) {
      slab = new Uint8Array(SLAB_SIZE);
      used = 0;
    }
    const out = slab.subarray(used, used + n);
    used += n;
    return out;
  };
}

/** For bytes kept with a body (HAR import). */
export const slabAlloc = /* @__PURE__ */ slabAllocator();
/** For bytes dropped soon (a JSON envelope's `p` while it is opened): separate, so kept bodies never pin them. */
export const scratchAlloc = /* @__PURE__ */ slabAllocator();

export function headerValue(h: Record<string, string>, name: string): string | undefined {
  const want = name.toLowerCase();
  if (Object.hasOwn(h, want)) return h[want];
  for (const k of Object.keys(h)) if (k.toLowerCase() === want) return h[k];
  return undefined;
}

/** Header names lower-cased, later duplicates joined with ", " (how fetch's Headers combines them). */
export function normalizeHeaders(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    const n = k.toLowerCase();
    out[n] = Object.hasOwn(out, n) ? `${out[n]}, ${v}` : v;
  }
  return out;
}

/**
 * The SC session an exchange belongs to: the request's X-SC-Session-Id (§3) or the close call's
 * X-Secure-Channel-Session-Id (§7); for a type-1 request the new id comes back in the response (§12).
 */
export function scSessionIdOf(ex: Pick<CapturedExchange, 'requestHeaders' | 'responseHeaders'>): string | undefined {
  return (
    headerValue(ex.requestHeaders, 'x-sc-session-id') ??
    headerValue(ex.requestHeaders, 'x-secure-channel-session-id') ??
    headerValue(ex.responseHeaders, 'x-sc-session-id')
  );
}
