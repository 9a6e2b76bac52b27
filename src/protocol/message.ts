/**
 * Seal and open whole SCv2 message bodies (spec §8 binary, §9 JSON, §12 forms and AAD).
 *
 * sealMessage: fresh random 12-byte IV per message (never reuse an IV under a key: GCM loses both
 * confidentiality and integrity), AES-256-GCM, then a binary type 2/0x81 envelope or the SDK JSON text.
 * openMessage: detects the form, opens with the given key, and returns the plaintext with its
 * envelope anatomy. `text` and `json` are computed lazily on first read, so bulk callers that only
 * want bytes do not pay a UTF-8 decode and JSON.parse of a 64 KiB body.
 */
import { KeyholeError } from './errors';
import { type Aead, defaultAead } from './aead';
import { latin1ToBytes, toHex, utf8DecodeLenient, utf8Encode } from './bytes';
import { randomIv } from './iv';
import {
  type BinaryEnvelope,
  IV_LENGTH,
  TAG_LENGTH,
  buildBinaryEnvelope,
  buildDataEnvelopeFromSealed,
  hasEnvelopeMagic,
  parseBinaryEnvelope,
  sealedPart,
} from './envelope-binary';
import { type JsonEnvelope, type PEncoding, buildJsonEnvelopeFromSealed, parseJsonEnvelope } from './envelope-json';

/** §12 AAD: the client sends none; the gateway and observer also try UTF-8(sessionId). */
export type AadMode = 'none' | 'session-id';

/** The AAD bytes for a mode (undefined for 'none'). */
export function aadFor(mode: AadMode, sessionId?: string): Uint8Array | undefined {
  if (mode === 'none') return undefined;
  if (!sessionId) throw new KeyholeError('INPUT_INVALID', 'message: session-id AAD needs a session id');
  return utf8Encode(sessionId);
}

/** A type alias (not an interface) so it is assignable to zod loose-object types at messaging edges. */
export type EnvelopeAnatomy = {
  form: 'binary' | 'json-envelope';
  type?: number;
  keyId?: string;
  pEncoding?: PEncoding;
  ivHex: string;
  tagHex: string;
  ciphertextLength: number;
  /** Bytes of the binary envelope, or characters of the JSON text. */
  totalLength: number;
  encReqKeyLength?: number;
  encRespKeyLength?: number;
};

export interface OpenedMessage {
  plaintext: Uint8Array;
  /** UTF-8 of the plaintext (invalid sequences shown as U+FFFD — the bytes are authentic anyway). */
  readonly text: string;
  /** JSON.parse(text), or undefined when the plaintext is not JSON. */
  readonly json: unknown;
  anatomy: EnvelopeAnatomy;
}

export interface SealOptions {
  key: Uint8Array;
  form: 'binary' | 'json';
  /** Binary type: 2 (client → server, default) or 0x81 (server → client). Ignored for JSON. */
  type?: 2 | 0x81;
  aad?: Uint8Array;
  aead?: Aead;
  /** Tests and known-answer vectors only. Production callers must let us draw a fresh IV. */
  iv?: Uint8Array;
}

export function sealMessage(plaintext: Uint8Array | string, o: SealOptions & { form: 'binary' }): Promise<Uint8Array>;
export function sealMessage(plaintext: Uint8Array | string, o: SealOptions & { form: 'json' }): Promise<string>;
export function sealMessage(plaintext: Uint8Array | string, o: SealOptions): Promise<Uint8Array | string>;
export async function sealMessage(plaintext: Uint8Array | string, o: SealOptions): Promise<Uint8Array | string> {
  const pt = typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext;
  const iv = o.iv ?? randomIv();
  const sealed = await (o.aead ?? defaultAead).seal(o.key, iv, pt, o.aad);
  if (o.form === 'json') return buildJsonEnvelopeFromSealed(iv, sealed);
  if (o.form !== 'binary') throw new KeyholeError('INPUT_INVALID', 'message: form must be binary or json');
  return buildDataEnvelopeFromSealed(o.type ?? 2, iv, sealed);
}

export interface KeyExchangeSealOptions {
  /** The request key (the payload of a type 1 message is encrypted under it, like type 2). */
  key: Uint8Array;
  keyId: string;
  /** Raw RSA-OAEP outputs (not Base64). */
  encReqKey: Uint8Array;
  encRespKey: Uint8Array;
  aad?: Uint8Array;
  aead?: Aead;
  iv?: Uint8Array;
}

/** Type 1 inline key exchange (§8, §12 "type 1"): the first request of a session without /session. */
export async function sealKeyExchangeMessage(plaintext: Uint8Array | string, o: KeyExchangeSealOptions): Promise<Uint8Array> {
  const pt = typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext;
  const iv = o.iv ?? randomIv();
  const sealed = await (o.aead ?? defaultAead).seal(o.key, iv, pt, o.aad);
  return buildBinaryEnvelope({
    type: 1,
    keyId: o.keyId,
    encReqKey: o.encReqKey,
    encRespKey: o.encRespKey,
    iv,
    ciphertext: sealed.subarray(0, sealed.length - TAG_LENGTH),
    tag: sealed.subarray(sealed.length - TAG_LENGTH),
  });
}

interface Parsed {
  iv: Uint8Array;
  sealed: Uint8Array;
  anatomy: EnvelopeAnatomy;
  /** JSON `p` that looked like an inner envelope: the IV‖ct‖tag reading to try if the tag fails. */
  alternative?: { iv: Uint8Array; sealed: Uint8Array };
}

/**
 * Bytes of a body given as text: a JSON envelope stays text; a Latin-1 "binary string" (HAR, §12
 * observer) becomes bytes. Returns the form to parse.
 */
function normalize(body: Uint8Array | string): { bytes: Uint8Array } | { text: string } {
  if (typeof body === 'string') {
    if (body.length >= 2 && body.charCodeAt(0) === 0x53 && body.charCodeAt(1) === 0x43) return { bytes: latin1ToBytes(body) };
    return { text: body };
  }
  if (hasEnvelopeMagic(body)) return { bytes: body };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    // Not text: report it against the binary format, whose error names the first wrong byte.
    return { bytes: body };
  }
  // A body that does not even start like JSON is judged as binary (→ bad magic), the gateway's view.
  return text.trimStart().startsWith('{') ? { text } : { bytes: body };
}

function binaryAnatomy(env: BinaryEnvelope, totalLength: number): EnvelopeAnatomy {
  const a: EnvelopeAnatomy = {
    form: 'binary',
    type: env.type,
    ivHex: toHex(env.iv),
    tagHex: toHex(env.tag),
    ciphertextLength: env.ciphertext.length,
    totalLength,
  };
  if (env.type === 1) {
    a.keyId = env.keyId;
    a.encReqKeyLength = env.encReqKey.length;
    a.encRespKeyLength = env.encRespKey.length;
  }
  return a;
}

function jsonAnatomy(env: JsonEnvelope, totalLength: number): EnvelopeAnatomy {
  const a: EnvelopeAnatomy = {
    form: 'json-envelope',
    pEncoding: env.pEncoding,
    ivHex: toHex(env.iv),
    tagHex: toHex(env.tag),
    ciphertextLength: env.ciphertext.length,
    totalLength,
  };
  if (env.inner) {
    a.type = env.inner.type;
    if (env.inner.type === 1) {
      a.keyId = env.inner.keyId;
      a.encReqKeyLength = env.inner.encReqKey.length;
      a.encRespKeyLength = env.inner.encRespKey.length;
    }
  }
  return a;
}

function parseBody(body: Uint8Array | string): Parsed {
  const n = normalize(body);
  if ('bytes' in n) {
    const env = parseBinaryEnvelope(n.bytes);
    return { iv: env.iv, sealed: sealedPart(env), anatomy: binaryAnatomy(env, n.bytes.length) };
  }
  const env = parseJsonEnvelope(n.text);
  const parsed: Parsed = { iv: env.iv, sealed: sealedPart(env), anatomy: jsonAnatomy(env, n.text.length) };
  if (env.inner && env.raw.length >= IV_LENGTH + TAG_LENGTH) {
    parsed.alternative = { iv: env.raw.subarray(0, IV_LENGTH), sealed: env.raw.subarray(IV_LENGTH) };
  }
  return parsed;
}

/** Structure of an envelope without decrypting it (for the panel's "anatomy" view and the CLI). */
export function describeEnvelope(body: Uint8Array | string): EnvelopeAnatomy {
  return parseBody(body).anatomy;
}

function opened(plaintext: Uint8Array, anatomy: EnvelopeAnatomy): OpenedMessage {
  let text: string | undefined;
  let json: unknown;
  let jsonDone = false;
  return {
    plaintext,
    anatomy,
    get text() {
      return (text ??= utf8DecodeLenient(plaintext));
    },
    get json() {
      if (!jsonDone) {
        jsonDone = true;
        try {
          json = JSON.parse(this.text);
        } catch {
          json = undefined;
        }
      }
      return json;
    },
  };
}

export interface OpenOptions {
  aad?: Uint8Array;
  aead?: Aead;
}

/**
 * Open a binary (type 1, 2, 0x81) or JSON envelope body with one key. Envelope errors keep their
 * ENVELOPE_* code; a wrong key, wrong AAD or tampered byte is AEAD_AUTH_FAILED.
 */
export async function openMessage(body: Uint8Array | string, key: Uint8Array, o: OpenOptions = {}): Promise<OpenedMessage> {
  const p = parseBody(body);
  const aead = o.aead ?? defaultAead;
  try {
    return opened(await aead.open(key, p.iv, p.sealed, o.aad), p.anatomy);
  } catch (e) {
    if (!p.alternative || !(e instanceof KeyholeError) || e.code !== 'AEAD_AUTH_FAILED') throw e;
    // The "inner envelope" was a random IV that happened to start with "SC\x02"+type: read as IV‖ct‖tag.
    const alt = p.alternative;
    const pt = await aead.open(key, alt.iv, alt.sealed, o.aad);
    return opened(pt, {
      form: 'json-envelope',
      pEncoding: 'base64',
      ivHex: toHex(alt.iv),
      tagHex: toHex(alt.sealed.subarray(alt.sealed.length - TAG_LENGTH)),
      ciphertextLength: alt.sealed.length - TAG_LENGTH,
      totalLength: p.anatomy.totalLength,
    });
  }
}

export interface TrialResult extends OpenedMessage {
  keyIndex: number;
  aadIndex: number;
}

/**
 * Trial decryption for an observer (architecture §3, §12 "try none, then UTF-8(sessionId)"): every
 * key × every AAD candidate, first authentic wins. `undefined` in `aads` means "no AAD". Returns
 * undefined when none verifies; envelope errors still throw (they do not depend on the key).
 */
export async function tryOpenMessage(
  body: Uint8Array | string,
  keys: readonly Uint8Array[],
  aads: readonly (Uint8Array | undefined)[] = [undefined],
  aead: Aead = defaultAead,
): Promise<TrialResult | undefined> {
  parseBody(body); // envelope errors surface once, before any trial
  for (let k = 0; k < keys.length; k++) {
    for (let a = 0; a < aads.length; a++) {
      try {
        const m = await openMessage(body, keys[k], { aad: aads[a], aead });
        return Object.defineProperties(m, {
          keyIndex: { value: k, enumerable: true },
          aadIndex: { value: a, enumerable: true },
        }) as TrialResult;
      } catch (e) {
        if (e instanceof KeyholeError && (e.code === 'AEAD_AUTH_FAILED' || e.code === 'AEAD_BAD_KEY')) continue;
        throw e;
      }
    }
  }
  return undefined;
}
