/**
 * SDK JSON envelope `{"v":2,"p":"…"}` (spec §9, §12 "JSON p").
 *
 * We always *write* `p` as standard Base64 of IV‖ciphertext‖tag. We *read* three forms, because the
 * reference gateway and an observer of real traffic must be liberal (§12): standard Base64, base64url
 * (padded or not), and a whole binary envelope (§8) Base64-encoded inside `p`. A decoded `p` that
 * starts with a valid envelope header is reported as 'binary-envelope'; `raw` keeps the decoded bytes
 * so a caller can fall back to reading them as IV‖ct‖tag (an IV that happens to start with
 * "SC\x02" + a type byte is a 3·2⁻³² event, but trial decryption settles it for free).
 */
import { KeyholeError } from './errors';
import { decodeStdBase64, fromBase64Any, toBase64 } from './bytes';
import {
  type BinaryEnvelope,
  ENVELOPE_VERSION,
  IV_LENGTH,
  TAG_LENGTH,
  hasEnvelopeMagic,
  isEnvelopeType,
  parseBinaryEnvelope,
} from './envelope-binary';

export type PEncoding = 'base64' | 'base64url' | 'binary-envelope';

export interface JsonEnvelope {
  pEncoding: PEncoding;
  iv: Uint8Array;
  /** Ciphertext WITHOUT the tag. */
  ciphertext: Uint8Array;
  tag: Uint8Array;
  /** Present when `p` held a whole binary envelope. */
  inner?: BinaryEnvelope;
  /** The decoded bytes of `p`. */
  raw: Uint8Array;
}

/** Cheap shape test (no throw): a JSON object with `v` and a string `p`. Wrong `v` still "looks like" one. */
export function looksLikeJsonEnvelope(text: string): boolean {
  const o = parseObject(text);
  return o !== undefined && 'v' in o && typeof o.p === 'string';
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const t = text.trim();
  if (t.charCodeAt(0) !== 0x7b /* { */ || t.charCodeAt(t.length - 1) !== 0x7d /* } */) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function parseJsonEnvelope(text: string): JsonEnvelope {
  const o = parseObject(text);
  if (!o || typeof o.p !== 'string') throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: not a {"v":2,"p":…} object');
  return jsonEnvelopeOfFields(o.v, o.p);
}

/**
 * parseJsonEnvelope after the JSON: `v` and the string `p` of an object already parsed (the panel's
 * decryption parses each body once and lands here). `alloc` receives p's bytes: a caller that drops
 * them soon passes a slab (inspect/exchange.ts scratchAlloc) instead of a buffer per message.
 */
export function jsonEnvelopeOfFields(v: unknown, p: string, alloc?: (n: number) => Uint8Array): JsonEnvelope {
  if (v !== 2) throw new KeyholeError('ENVELOPE_BAD_VERSION', 'envelope: bad version');
  let raw: Uint8Array;
  let pEncoding: PEncoding;
  // Exactly what fromBase64 accepts, without its throw (the common case, so it must be the fast one).
  const strict = decodeStdBase64(p, alloc)?.bytes;
  if (strict) {
    raw = strict;
    pEncoding = 'base64';
  } else {
    try {
      // Liberal fallback: base64url, or standard Base64 that lost its padding.
      raw = fromBase64Any(p);
      pEncoding = /[-_]/.test(p) ? 'base64url' : /[+/]/.test(p) ? 'base64' : 'base64url';
    } catch {
      throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: p is not base64');
    }
  }
  // Only a full valid header (magic, version, known type) counts as an inner envelope: anything else
  // is the normal IV‖ct‖tag form, whose IV is random.
  if (raw.length >= 4 && hasEnvelopeMagic(raw) && raw[2] === ENVELOPE_VERSION && isEnvelopeType(raw[3])) {
    try {
      const inner = parseBinaryEnvelope(raw);
      return { pEncoding: 'binary-envelope', iv: inner.iv, ciphertext: inner.ciphertext, tag: inner.tag, inner, raw };
    } catch {
      // Not a well-formed inner envelope: fall through and read it as IV‖ct‖tag.
    }
  }
  if (raw.length < IV_LENGTH + TAG_LENGTH) throw new KeyholeError('ENVELOPE_TRUNCATED', 'envelope: truncated');
  return {
    pEncoding,
    iv: raw.subarray(0, IV_LENGTH),
    ciphertext: raw.subarray(IV_LENGTH, raw.length - TAG_LENGTH),
    tag: raw.subarray(raw.length - TAG_LENGTH),
    raw,
  };
}

export function buildJsonEnvelope(parts: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }): string {
  const { iv, ciphertext, tag } = parts;
  if (iv.length !== IV_LENGTH) throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: IV must be 12 bytes');
  if (tag.length !== TAG_LENGTH) throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: tag must be 16 bytes');
  const buf = new Uint8Array(IV_LENGTH + ciphertext.length + TAG_LENGTH);
  buf.set(iv);
  buf.set(ciphertext, IV_LENGTH);
  buf.set(tag, buf.length - TAG_LENGTH);
  return jsonEnvelopeText(buf);
}

/** JSON envelope straight from IV and an AEAD output `ciphertext‖tag`. */
export function buildJsonEnvelopeFromSealed(iv: Uint8Array, ctAndTag: Uint8Array): string {
  if (iv.length !== IV_LENGTH) throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: IV must be 12 bytes');
  if (ctAndTag.length < TAG_LENGTH) throw new KeyholeError('ENVELOPE_MALFORMED', 'envelope: tag must be 16 bytes');
  const buf = new Uint8Array(IV_LENGTH + ctAndTag.length);
  buf.set(iv);
  buf.set(ctAndTag, IV_LENGTH);
  return jsonEnvelopeText(buf);
}

/** Exactly the SDK's text: no spaces, `v` first (§9). Base64 never needs JSON escaping. */
function jsonEnvelopeText(raw: Uint8Array): string {
  return `{"v":2,"p":"${toBase64(raw)}"}`;
}
