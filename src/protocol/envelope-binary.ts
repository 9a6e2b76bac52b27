/**
 * SCv2 binary envelope codec (spec §8).
 *
 *   type 2 / 0x81: magic "SC"(2) version 0x02(1) type(1) IV(12) ciphertext(n) tag(16)
 *   type 1:        magic(2) version(1) type=1(1) keyIdLen(1) keyId(UTF-8) reqKeyLen(2, BE) encReqKey
 *                  respKeyLen(2, BE) encRespKey IV(12) ciphertext(n) tag(16)
 *
 * Parsing is strict and checks in wire order, so the first wrong byte names the error: magic →
 * ENVELOPE_BAD_MAGIC, version → ENVELOPE_BAD_VERSION, type → ENVELOPE_BAD_TYPE, a length running past
 * the end → ENVELOPE_TRUNCATED, anything else → ENVELOPE_MALFORMED. Parsed byte fields are zero-copy
 * views (`subarray`) into the input — copy them if you keep them and mutate the input.
 */
import { KeyholeError } from './errors';
import { utf8Decode, utf8Encode } from './bytes';

export const ENVELOPE_MAGIC = Object.freeze([0x53, 0x43] as const); // "SC"
export const ENVELOPE_VERSION = 0x02;
export const ENVELOPE_TYPE = { KEY_EXCHANGE: 1, SESSION_DATA: 2, RESPONSE_DATA: 0x81 } as const;
export type EnvelopeType = (typeof ENVELOPE_TYPE)[keyof typeof ENVELOPE_TYPE];

export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
/** magic + version + type */
export const HEADER_LENGTH = 4;

export interface KeyExchangeEnvelope {
  type: 1;
  keyId: string;
  encReqKey: Uint8Array;
  encRespKey: Uint8Array;
  iv: Uint8Array;
  /** Ciphertext WITHOUT the tag. */
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export interface DataEnvelope {
  type: 2 | 0x81;
  iv: Uint8Array;
  /** Ciphertext WITHOUT the tag. */
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export type BinaryEnvelope = KeyExchangeEnvelope | DataEnvelope;

const err = (code: 'ENVELOPE_BAD_MAGIC' | 'ENVELOPE_BAD_VERSION' | 'ENVELOPE_BAD_TYPE' | 'ENVELOPE_TRUNCATED' | 'ENVELOPE_MALFORMED', what: string) =>
  new KeyholeError(code, `envelope: ${what}`);

/** True when the bytes start with the "SC" magic — how the gateway recognises an envelope (§8). */
export function hasEnvelopeMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === ENVELOPE_MAGIC[0] && bytes[1] === ENVELOPE_MAGIC[1];
}

export function isEnvelopeType(t: number): t is EnvelopeType {
  return t === 1 || t === 2 || t === 0x81;
}

/** Checks magic, version and type as far as the bytes go; throws TRUNCATED only once they all match. */
function checkHeader(bytes: Uint8Array): EnvelopeType {
  if (bytes.length >= 1 && bytes[0] !== ENVELOPE_MAGIC[0]) throw err('ENVELOPE_BAD_MAGIC', 'bad magic');
  if (bytes.length >= 2 && bytes[1] !== ENVELOPE_MAGIC[1]) throw err('ENVELOPE_BAD_MAGIC', 'bad magic');
  if (bytes.length >= 3 && bytes[2] !== ENVELOPE_VERSION) throw err('ENVELOPE_BAD_VERSION', 'bad version');
  if (bytes.length >= 4 && !isEnvelopeType(bytes[3])) throw err('ENVELOPE_BAD_TYPE', 'bad type');
  if (bytes.length < HEADER_LENGTH) throw err('ENVELOPE_TRUNCATED', 'truncated');
  return bytes[3] as EnvelopeType;
}

export function parseBinaryEnvelope(bytes: Uint8Array): BinaryEnvelope {
  const type = checkHeader(bytes);
  if (type !== 1) {
    if (bytes.length < HEADER_LENGTH + IV_LENGTH + TAG_LENGTH) throw err('ENVELOPE_TRUNCATED', 'truncated');
    return splitAead(type, bytes, HEADER_LENGTH) as DataEnvelope;
  }
  let o = HEADER_LENGTH;
  const need = (n: number) => {
    if (o + n > bytes.length) throw err('ENVELOPE_TRUNCATED', 'truncated');
  };
  need(1);
  const keyIdLen = bytes[o++];
  if (keyIdLen === 0) throw err('ENVELOPE_MALFORMED', 'empty key id');
  need(keyIdLen);
  let keyId: string;
  try {
    keyId = utf8Decode(bytes.subarray(o, o + keyIdLen));
  } catch {
    throw err('ENVELOPE_MALFORMED', 'key id is not UTF-8');
  }
  o += keyIdLen;
  need(2);
  const reqLen = (bytes[o] << 8) | bytes[o + 1];
  o += 2;
  if (reqLen === 0) throw err('ENVELOPE_MALFORMED', 'empty request key');
  need(reqLen);
  const encReqKey = bytes.subarray(o, o + reqLen);
  o += reqLen;
  need(2);
  const respLen = (bytes[o] << 8) | bytes[o + 1];
  o += 2;
  if (respLen === 0) throw err('ENVELOPE_MALFORMED', 'empty response key');
  need(respLen);
  const encRespKey = bytes.subarray(o, o + respLen);
  o += respLen;
  need(IV_LENGTH + TAG_LENGTH);
  const { iv, ciphertext, tag } = splitAead(1, bytes, o);
  return { type: 1, keyId, encReqKey, encRespKey, iv, ciphertext, tag };
}

function splitAead(type: EnvelopeType, bytes: Uint8Array, o: number) {
  return {
    type,
    iv: bytes.subarray(o, o + IV_LENGTH),
    ciphertext: bytes.subarray(o + IV_LENGTH, bytes.length - TAG_LENGTH),
    tag: bytes.subarray(bytes.length - TAG_LENGTH),
  };
}

function checkAeadParts(iv: Uint8Array, tag: Uint8Array): void {
  if (iv.length !== IV_LENGTH) throw err('ENVELOPE_MALFORMED', 'IV must be 12 bytes');
  if (tag.length !== TAG_LENGTH) throw err('ENVELOPE_MALFORMED', 'tag must be 16 bytes');
}

export function buildBinaryEnvelope(env: BinaryEnvelope): Uint8Array<ArrayBuffer> {
  checkAeadParts(env.iv, env.tag);
  if (env.type === 1) {
    const keyId = utf8Encode(env.keyId);
    if (keyId.length === 0 || keyId.length > 0xff) throw err('ENVELOPE_MALFORMED', 'key id must be 1–255 bytes');
    for (const k of [env.encReqKey, env.encRespKey]) {
      if (k.length === 0 || k.length > 0xffff) throw err('ENVELOPE_MALFORMED', 'wrapped key must be 1–65535 bytes');
    }
    const n = HEADER_LENGTH + 1 + keyId.length + 2 + env.encReqKey.length + 2 + env.encRespKey.length + IV_LENGTH + env.ciphertext.length + TAG_LENGTH;
    const out = new Uint8Array(n);
    writeHeader(out, 1);
    let o = HEADER_LENGTH;
    out[o++] = keyId.length;
    out.set(keyId, o);
    o += keyId.length;
    for (const k of [env.encReqKey, env.encRespKey]) {
      out[o++] = k.length >>> 8;
      out[o++] = k.length & 0xff;
      out.set(k, o);
      o += k.length;
    }
    out.set(env.iv, o);
    out.set(env.ciphertext, o + IV_LENGTH);
    out.set(env.tag, n - TAG_LENGTH);
    return out;
  }
  if (env.type !== 2 && env.type !== 0x81) throw err('ENVELOPE_BAD_TYPE', 'bad type');
  const out = new Uint8Array(HEADER_LENGTH + IV_LENGTH + env.ciphertext.length + TAG_LENGTH);
  writeHeader(out, env.type);
  out.set(env.iv, HEADER_LENGTH);
  out.set(env.ciphertext, HEADER_LENGTH + IV_LENGTH);
  out.set(env.tag, out.length - TAG_LENGTH);
  return out;
}

/**
 * Type 2 / 0x81 envelope straight from an AEAD output (`ciphertext‖tag`, as WebCrypto and noble
 * return it) — one copy instead of split-then-join on the hot path.
 */
export function buildDataEnvelopeFromSealed(type: 2 | 0x81, iv: Uint8Array, ctAndTag: Uint8Array): Uint8Array<ArrayBuffer> {
  if (iv.length !== IV_LENGTH) throw err('ENVELOPE_MALFORMED', 'IV must be 12 bytes');
  if (ctAndTag.length < TAG_LENGTH) throw err('ENVELOPE_MALFORMED', 'tag must be 16 bytes');
  if (type !== 2 && type !== 0x81) throw err('ENVELOPE_BAD_TYPE', 'bad type');
  const out = new Uint8Array(HEADER_LENGTH + IV_LENGTH + ctAndTag.length);
  writeHeader(out, type);
  out.set(iv, HEADER_LENGTH);
  out.set(ctAndTag, HEADER_LENGTH + IV_LENGTH);
  return out;
}

function writeHeader(out: Uint8Array, type: EnvelopeType): void {
  out[0] = ENVELOPE_MAGIC[0];
  out[1] = ENVELOPE_MAGIC[1];
  out[2] = ENVELOPE_VERSION;
  out[3] = type;
}

/**
 * `ciphertext‖tag` of a parsed envelope as one view when it is contiguous in the input (always, for
 * envelopes from parseBinaryEnvelope) — avoids a copy before AEAD open.
 */
export function sealedPart(env: { ciphertext: Uint8Array; tag: Uint8Array }): Uint8Array {
  const { ciphertext: c, tag: t } = env;
  if (c.buffer === t.buffer && c.byteOffset + c.length === t.byteOffset) {
    return new Uint8Array(c.buffer as ArrayBuffer, c.byteOffset, c.length + t.length);
  }
  const out = new Uint8Array(c.length + t.length);
  out.set(c);
  out.set(t, c.length);
  return out;
}
