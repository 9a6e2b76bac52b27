/**
 * Byte helpers: UTF-8, Base64 (standard RFC 4648 §4 and base64url §5), hex, random bytes.
 *
 * Only globals every Keyhole context has (browser page, MV3 service worker, Node 20): TextEncoder,
 * TextDecoder, btoa/atob and globalThis.crypto; Base64 natively where the runtime can (below), else
 * through btoa/atob in 32 KiB chunks so a 64 KiB+ body costs O(n), never O(n²) string concatenation.
 * Decoders are strict by default: the SCv2 wire formats (§6 encReqKey, §9 `p`) are machine-made, so
 * stray characters mean a bug or a forgery, not a formatting variant. `fromBase64Any` is the liberal observer entry point (§12).
 */
import { KeyholeError } from './errors';

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

/** Chunk size for String.fromCharCode.apply: well under every engine's argument-count limit. */
const CHUNK = 0x8000;

export function utf8Encode(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s);
}

/** Strict UTF-8 decode: invalid sequences throw INPUT_INVALID instead of becoming U+FFFD. */
export function utf8Decode(b: Uint8Array): string {
  try {
    return fatalDecoder.decode(b);
  } catch {
    throw new KeyholeError('INPUT_INVALID', 'bytes: invalid UTF-8');
  }
}

/** True when the bytes are well-formed UTF-8 (the fatal decoder accepts them). */
export function isValidUtf8(b: Uint8Array): boolean {
  try {
    fatalDecoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Lenient UTF-8 decode (U+FFFD for invalid sequences) — for display of authenticated plaintext. */
export function utf8DecodeLenient(b: Uint8Array): string {
  return lenientDecoder.decode(b);
}

/** Each byte becomes one char code 0–255 ("binary string", what btoa expects and HAR Latin-1 uses). */
export function bytesToLatin1(b: Uint8Array): string {
  if (b.length <= CHUNK) return String.fromCharCode.apply(null, b as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join('');
}

/** Inverse of bytesToLatin1; char codes above 0xFF are INPUT_INVALID (the text was not binary). */
export function latin1ToBytes(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new KeyholeError('INPUT_INVALID', 'bytes: not a binary string');
    out[i] = c;
  }
  return out;
}

// ── Base64 ──────────────────────────────────────────────────────────────────────────────────────────
// One place decides how: the TC39 Uint8Array methods (`fromBase64`, `setFromBase64`, `toBase64`) where the
// runtime has them (Chromium, Firefox 133+, Node 25+), else btoa/atob in 32 KiB chunks (Node 20). Measured
// in Chromium, the native calls decode ~4.5× and encode ~14× faster (issue #12). Both paths accept exactly
// the same strings and give the same bytes (test/unit/protocol/bytes.test.ts runs the portable path against
// Node's Buffer, test/e2e/base64-native.test.ts the native one in Chromium).

type SetFromBase64 = (this: Uint8Array, s: string) => { read: number; written: number };
type ToBase64 = (this: Uint8Array, o?: { alphabet?: 'base64' | 'base64url'; omitPadding?: boolean }) => string;
const nativeSetFrom = (Uint8Array.prototype as unknown as { setFromBase64?: SetFromBase64 }).setFromBase64;
const nativeTo = (Uint8Array.prototype as unknown as { toBase64?: ToBase64 }).toBase64;

/** Whether this runtime encodes and decodes Base64 natively (the fast path). */
export const nativeBase64 = typeof nativeSetFrom === 'function' && typeof nativeTo === 'function';

/** Bytes → standard Base64 with padding. */
export function toBase64(b: Uint8Array): string {
  return nativeBase64 ? nativeTo!.call(b) : toBase64Portable(b);
}

/** The fallback encoder (exported for the test that holds it to Node's Buffer). */
export function toBase64Portable(b: Uint8Array): string {
  return btoa(bytesToLatin1(b));
}

const B64_INDEX = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
  return t;
})();

/**
 * Strict standard Base64 (alphabet `+/`, padded, no whitespace) → bytes in `alloc`'s memory, or undefined.
 * `canonical`: the padding bits are zero too, i.e. toBase64(bytes) === s. This is the decoder under every
 * other one, and the one hot paths call (no throw, no regex, caller's memory).
 *
 * Faster than a regex test plus a decode: the runtime's decoder (setFromBase64, else atob) validates the
 * alphabet and padding itself; the only other thing it lets through is ASCII whitespace, which shows
 * as fewer bytes than the length implies (k skipped characters lose at least ¾k − ½ > 0 bytes).
 */
export function decodeStdBase64(s: string, alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): { bytes: Uint8Array; canonical: boolean } | undefined {
  const bytes = decodeStd(s, alloc, nativeBase64);
  return bytes && { bytes, canonical: canonicalPadding(s) };
}

/** decodeStdBase64 by the fallback path, whatever the runtime has (for the tests). */
export function decodeStdBase64Portable(s: string, alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): { bytes: Uint8Array; canonical: boolean } | undefined {
  const bytes = decodeStd(s, alloc, false);
  return bytes && { bytes, canonical: canonicalPadding(s) };
}

/** The padding bits of a string decodeStd accepted are zero (toBase64 of its bytes gives it back). */
function canonicalPadding(s: string): boolean {
  const n = s.length;
  return s.charCodeAt(n - 1) !== 0x3d ? true : s.charCodeAt(n - 2) === 0x3d ? (B64_INDEX[s.charCodeAt(n - 3)] & 0x0f) === 0 : (B64_INDEX[s.charCodeAt(n - 2)] & 0x03) === 0;
}

function decodeStd(s: string, alloc: (n: number) => Uint8Array, native: boolean): Uint8Array | undefined {
  const n = s.length;
  if (n % 4 !== 0) return undefined;
  const pad = n > 0 && s.charCodeAt(n - 1) === 0x3d ? (s.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
  const size = (n / 4) * 3 - pad;
  let bytes: Uint8Array;
  if (native) {
    bytes = alloc(size);
    try {
      if (nativeSetFrom!.call(bytes, s).written !== size) return undefined;
    } catch {
      return undefined;
    }
  } else {
    let bin: string;
    try {
      bin = atob(s);
    } catch {
      return undefined;
    }
    if (bin.length !== size) return undefined;
    bytes = alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = bin.charCodeAt(i);
  }
  return bytes;
}

/** Strict standard Base64: alphabet `+/`, padding required, no whitespace. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeStd(s, (n) => new Uint8Array(n), nativeBase64);
  if (!bytes) throw new KeyholeError('INPUT_INVALID', 'bytes: invalid base64');
  return bytes as Uint8Array<ArrayBuffer>;
}

const STD_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_RE = /^[A-Za-z0-9_-]*={0,2}$/;

/** base64url without padding (RFC 7515 style, used by JWT). */
export function toBase64Url(b: Uint8Array): string {
  if (nativeBase64) return nativeTo!.call(b, { alphabet: 'base64url', omitPadding: true });
  return toBase64Portable(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url, padding optional. */
export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  if (!URL_RE.test(s)) throw new KeyholeError('INPUT_INVALID', 'bytes: invalid base64url');
  return fromUrlAlphabet(s);
}

function fromUrlAlphabet(s: string): Uint8Array<ArrayBuffer> {
  const bare = s.replace(/=+$/, '');
  // A lone char in the last quantum cannot encode a byte; padding, if present, must be exact.
  if (bare.length % 4 === 1) throw new KeyholeError('INPUT_INVALID', 'bytes: invalid base64');
  const padded = bare + '='.repeat((4 - (bare.length % 4)) % 4);
  if (bare.length !== s.length && padded.length !== s.length) throw new KeyholeError('INPUT_INVALID', 'bytes: invalid base64');
  return fromBase64(padded.replace(/-/g, '+').replace(/_/g, '/'));
}

/** Liberal decoder for observed data: standard or url alphabet, padded or not (not mixed alphabets). */
export function fromBase64Any(s: string): Uint8Array<ArrayBuffer> {
  if (STD_RE.test(s)) {
    if (s.length % 4 === 0) return fromBase64(s);
    return fromUrlAlphabet(s); // unpadded standard: same padding rules as url
  }
  if (URL_RE.test(s)) return fromUrlAlphabet(s);
  throw new KeyholeError('INPUT_INVALID', 'bytes: invalid base64');
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const nativeToHex = (Uint8Array.prototype as unknown as { toHex?: (this: Uint8Array) => string }).toHex;

/**
 * Bytes → lower-case hex. Natively where the runtime has `Uint8Array.prototype.toHex` (Chromium; the
 * same TC39 proposal as the Base64 methods): one flat string. The fallback's `+=` builds a rope of
 * ~16 string objects for a 16-byte tag, and a HAR import keeps four such strings per row (the IV and
 * tag of each side's anatomy) for as long as the panel shows it (issue #12: heap and GC per row).
 */
export function toHex(b: Uint8Array): string {
  return nativeToHex ? nativeToHex.call(b) : toHexPortable(b);
}

/** The fallback (exported for the test that holds the native path to it). */
export function toHexPortable(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function fromHex(s: string): Uint8Array<ArrayBuffer> {
  if (!HEX_RE.test(s)) throw new KeyholeError('INPUT_INVALID', 'bytes: invalid hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A 32-byte AES-256 key typed or pasted by a user: 64 hex chars, or Base64 (either alphabet).
 * Hex is tried first because a 64-char hex string is also valid Base64 (of 48 bytes).
 */
export function decodeKey(text: string): Uint8Array<ArrayBuffer> {
  const t = text.trim();
  let key: Uint8Array<ArrayBuffer> | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = fromHex(t);
  else {
    try {
      key = fromBase64Any(t);
    } catch {
      key = undefined;
    }
  }
  if (!key || key.length !== 32) throw new KeyholeError('INPUT_INVALID', 'bytes: key must be 32 bytes as hex or base64');
  return key;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time for equal lengths (used on tags and keys, where timing must not leak). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Cryptographically random bytes; getRandomValues caps one call at 65,536 bytes, so chunk. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
