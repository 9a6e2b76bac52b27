/**
 * One captured HTTP exchange, as every Keyhole view reads it (architecture.md §1: bytes are captured
 * once, decrypted once). Bodies travel as standard Base64 because chrome.runtime messages are JSON
 * (architecture.md §3). The schemas are also the zod gate for everything that crosses a boundary —
 * the relay, the port and HAR import all parse with them, because the page can forge anything.
 */
import { z } from 'zod';
import { fromBase64, toBase64 } from '../protocol/bytes';

/** Bodies above this are recorded as truncated (size kept, bytes dropped), never silently lost. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Base64 of MAX_BODY_BYTES, rounded up. */
const MAX_BODY_BASE64 = Math.ceil(MAX_BODY_BYTES / 3) * 4;
const MAX_HEADERS = 200;

export const ExchangeSource = z.enum(['hook-fetch', 'hook-xhr', 'devtools', 'har']);
export type ExchangeSource = z.infer<typeof ExchangeSource>;

export const CapturedBody = z.object({
  base64: z.string().max(MAX_BODY_BASE64),
  size: z.number().int().nonnegative(),
  truncated: z.boolean(),
  /** The bytes may differ from the wire (text views of a binary body). */
  lossy: z.boolean().optional(),
});
export type CapturedBody = z.infer<typeof CapturedBody>;

export const HeaderMap = z
  .record(z.string().max(256), z.string().max(16_384))
  .refine((h) => Object.keys(h).length <= MAX_HEADERS, { message: 'too many headers' });

export const CapturedExchange = z.object({
  id: z.string().min(1).max(128),
  tabId: z.number().int(),
  source: ExchangeSource,
  startedAt: z.number().nonnegative(),
  durationMs: z.number().nonnegative().optional(),
  method: z.string().min(1).max(32),
  url: z.string().max(16_384),
  requestHeaders: HeaderMap,
  requestBody: CapturedBody.optional(),
  status: z.number().int().min(0).max(999).optional(),
  responseHeaders: HeaderMap,
  responseBody: CapturedBody.optional(),
  error: z.string().max(2000).optional(),
});
export type CapturedExchange = z.infer<typeof CapturedExchange>;

// One exchange's body is read by key learning and by both decryption passes: decode it once.
const decoded = new WeakMap<CapturedBody, Uint8Array>();

/** Exact bytes of a body; undefined when there is none or it was truncated away. Throws INPUT_INVALID on bad Base64. */
export function bodyBytes(b: CapturedBody | undefined): Uint8Array | undefined {
  if (!b || b.truncated) return undefined;
  let bytes = decoded.get(b);
  if (!bytes) {
    bytes = base64ToBytes(b.base64);
    decoded.set(b, bytes);
  }
  return bytes;
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

type NativeBase64 = { fromBase64?: (s: string) => Uint8Array; prototype: { toBase64?: () => string } };

/**
 * Standard Base64 → bytes, with Chrome's native `Uint8Array.fromBase64` (Chromium 140+) when present:
 * megabyte bodies decode several times faster than through atob. Same strictness either way.
 */
export function base64ToBytes(s: string): Uint8Array {
  const native = (Uint8Array as unknown as NativeBase64).fromBase64;
  if (native && s.length % 4 === 0) {
    try {
      return native(s);
    } catch {
      /* fall through: the portable decoder throws the coded error */
    }
  }
  return fromBase64(s);
}

type StrictFromBase64 = (s: string, o: { lastChunkHandling: 'strict' }) => Uint8Array;
const nativeFrom = (Uint8Array as unknown as NativeBase64).fromBase64 as StrictFromBase64 | undefined;
/** The runtime has Uint8Array.fromBase64 / toBase64 (Chromium 140+; not Node 20). */
export const hasNativeBase64 = typeof nativeFrom === 'function' && typeof (Uint8Array as unknown as NativeBase64).prototype.toBase64 === 'function';

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * The bytes of `s` when it is canonical standard Base64 — padded, no whitespace, zero padding bits,
 * i.e. exactly what toBase64 would write for them — else undefined. Lets HAR import keep DevTools'
 * Base64 as it is instead of decoding and re-encoding every body.
 */
export function canonicalBase64ToBytes(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  if (nativeFrom) {
    let bytes: Uint8Array;
    try {
      bytes = nativeFrom(s, { lastChunkHandling: 'strict' }); // strict: padding required, padding bits zero
    } catch {
      return undefined;
    }
    const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
    // fromBase64 skips ASCII whitespace; a string holding some decodes to fewer bytes than its length says.
    return bytes.length === (s.length / 4) * 3 - pad ? bytes : undefined;
  }
  if (!STD_B64.test(s)) return undefined;
  if (s.endsWith('==')) {
    if ((B64_INDEX[s.charCodeAt(s.length - 3)] & 0x0f) !== 0) return undefined;
  } else if (s.endsWith('=') && (B64_INDEX[s.charCodeAt(s.length - 2)] & 0x03) !== 0) return undefined;
  try {
    return fromBase64(s);
  } catch {
    return undefined;
  }
}

/** Bytes → standard Base64, natively when the runtime has `Uint8Array.prototype.toBase64`. */
export function bytesToBase64(b: Uint8Array): string {
  const native = (Uint8Array as unknown as NativeBase64).prototype.toBase64;
  return native ? native.call(b) : toBase64(b);
}

/** Case-insensitive header lookup (capture stores lower-case names; HAR and DevTools may not). */
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
