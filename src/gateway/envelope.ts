/**
 * SCv2 body forms as the gateway reads and writes them (§8 binary envelope, §9/§12 JSON `{v:2,p}`).
 *
 * Deliberately an independent Buffer implementation rather than an import of src/protocol: the
 * gateway exists to test the client, so the two codecs must not be able to share one mistake.
 * Parsing never throws: it returns `undefined` (or a reason) on anything malformed.
 */
export const MAGIC0 = 0x53; // 'S'
export const MAGIC1 = 0x43; // 'C'
export const VERSION = 0x02;
export const TYPE_KEY_EXCHANGE = 0x01;
export const TYPE_SESSION_DATA = 0x02;
export const TYPE_RESPONSE_DATA = 0x81;
export const IV_LEN = 12;
export const TAG_LEN = 16;

export interface SealedParts {
  iv: Buffer;
  ciphertext: Buffer; // without tag
  tag: Buffer;
}

export type ParsedBinary =
  | ({ type: 2 | 0x81 } & SealedParts)
  | ({ type: 1; keyId: string; encReqKey: Buffer; encRespKey: Buffer } & SealedParts);

export function hasMagic(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === MAGIC0 && b[1] === MAGIC1;
}

function sealedTail(b: Buffer, off: number): SealedParts | undefined {
  if (b.length - off < IV_LEN + TAG_LEN) return undefined;
  return {
    iv: b.subarray(off, off + IV_LEN),
    ciphertext: b.subarray(off + IV_LEN, b.length - TAG_LEN),
    tag: b.subarray(b.length - TAG_LEN),
  };
}

/** §8. Returns undefined for a bad magic, version, type or a truncated envelope. */
export function parseBinary(b: Buffer): ParsedBinary | undefined {
  if (b.length < 4 || !hasMagic(b) || b[2] !== VERSION) return undefined;
  const type = b[3];
  if (type === TYPE_SESSION_DATA || type === TYPE_RESPONSE_DATA) {
    const t = sealedTail(b, 4);
    return t && { type: type as 2 | 0x81, ...t };
  }
  if (type === TYPE_KEY_EXCHANGE) {
    let off = 4;
    if (b.length < off + 1) return undefined;
    const keyIdLen = b[off]!;
    off += 1;
    if (keyIdLen === 0 || b.length < off + keyIdLen + 2) return undefined;
    const keyIdBytes = b.subarray(off, off + keyIdLen);
    off += keyIdLen;
    let keyId: string;
    try {
      keyId = new TextDecoder('utf-8', { fatal: true }).decode(keyIdBytes);
    } catch {
      return undefined;
    }
    const reqLen = b.readUInt16BE(off);
    off += 2;
    if (reqLen === 0 || b.length < off + reqLen + 2) return undefined;
    const encReqKey = b.subarray(off, off + reqLen);
    off += reqLen;
    const respLen = b.readUInt16BE(off);
    off += 2;
    if (respLen === 0 || b.length < off + respLen) return undefined;
    const encRespKey = b.subarray(off, off + respLen);
    off += respLen;
    const t = sealedTail(b, off);
    return t && { type: 1, keyId, encReqKey, encRespKey, ...t };
  }
  return undefined;
}

export function buildSessionData(type: 2 | 0x81, p: SealedParts): Buffer {
  // One allocation and three copies (Buffer.concat of a fresh 4-byte head did two allocations more).
  const out = Buffer.allocUnsafe(4 + p.iv.length + p.ciphertext.length + p.tag.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = type;
  let off = 4 + p.iv.copy(out, 4);
  off += p.ciphertext.copy(out, off);
  p.tag.copy(out, off);
  return out;
}

export function buildKeyExchange(keyId: string, encReqKey: Buffer, encRespKey: Buffer, p: SealedParts): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  if (id.length > 255) throw new Error('envelope: keyId too long');
  const l1 = Buffer.alloc(2);
  l1.writeUInt16BE(encReqKey.length);
  const l2 = Buffer.alloc(2);
  l2.writeUInt16BE(encRespKey.length);
  return Buffer.concat([Buffer.from([MAGIC0, MAGIC1, VERSION, TYPE_KEY_EXCHANGE, id.length]), id, l1, encReqKey, l2, encRespKey, p.iv, p.ciphertext, p.tag]);
}

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes standard or URL-safe Base64 strictly (padding optional); undefined when neither. */
export function decodeBase64Any(s: string): { bytes: Buffer; encoding: 'base64' | 'base64url' } | undefined {
  const encoding = STD_B64.test(s) ? 'base64' : URL_B64.test(s) ? 'base64url' : undefined;
  if (!encoding) return undefined;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  const bytes = Buffer.from(bare, encoding === 'base64' ? 'base64' : 'base64url');
  // Reject non-canonical trailing bits (Buffer silently drops them).
  if (bytes.toString(encoding === 'base64' ? 'base64' : 'base64url').replace(/=+$/, '') !== bare) return undefined;
  return { bytes, encoding };
}

/** One way to read a JSON envelope's `p`; the gateway tries them in order until a tag verifies. */
export type JsonCandidate =
  | { pEncoding: 'binary-envelope'; envelope: ParsedBinary }
  | ({ pEncoding: 'base64' | 'base64url' } & SealedParts);

/**
 * §9/§12: `{"v":2,"p":"…"}` where `p` is Base64 (standard or URL-safe) of `IV‖ct‖tag`, or of a
 * whole binary envelope. Both readings are returned when the bytes happen to start with the magic:
 * a random IV does so with probability 2^-32, and the GCM tag settles which one is right.
 * Returns undefined when the text is not such an envelope.
 */
export function parseJsonEnvelope(text: string): JsonCandidate[] | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const { v, p } = obj as { v?: unknown; p?: unknown };
  if ((v !== 2 && v !== '2') || typeof p !== 'string') return undefined;
  const dec = decodeBase64Any(p);
  if (!dec) return undefined;
  const out: JsonCandidate[] = [];
  if (hasMagic(dec.bytes)) {
    const env = parseBinary(dec.bytes);
    if (env && env.type !== TYPE_RESPONSE_DATA) out.push({ pEncoding: 'binary-envelope', envelope: env });
  }
  const raw = sealedTail(dec.bytes, 0);
  if (raw) out.push({ pEncoding: dec.encoding, ...raw });
  return out.length ? out : undefined;
}

export function buildJsonEnvelope(p: SealedParts): string {
  return JSON.stringify({ v: 2, p: Buffer.concat([p.iv, p.ciphertext, p.tag]).toString('base64') });
}
