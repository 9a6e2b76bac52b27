/**
 * RSA-OAEP key wrap for the SCv2 handshake (spec §4, §6, §10, §12 "OAEP hash").
 *
 * Wrap: RSA-OAEP-2048 with SHA-256 and MGF1-SHA-256, empty label, under the server's public key
 * given as standard Base64 of DER SubjectPublicKeyInfo (§5). Unwrap (gateway, and an observer who
 * holds the private key): PKCS#8 (PEM or Base64 DER; PKCS#1 "RSA PRIVATE KEY" PEM is re-wrapped into
 * PKCS#8 because WebCrypto imports only PKCS#8), SHA-256 first and SHA-1 as the fallback §12 allows.
 * WebCrypto binds the hash to the imported key, hence one CryptoKey per hash. Failures are
 * RSA_BAD_KEY (key material unusable) or RSA_UNWRAP_FAILED (generic: OAEP padding oracles are the
 * classic leak, so we never say which check failed).
 */
import { KeyholeError } from './errors';
import { concatBytes, fromBase64Any, randomBytes, toBase64 } from './bytes';
import { AES_KEY_LENGTH } from './aead';

export type OaepHash = 'SHA-256' | 'SHA-1';

export interface RsaPrivateKey {
  /** PKCS#8 DER. */
  readonly der: Uint8Array;
  readonly sha256: CryptoKey;
  readonly sha1: CryptoKey;
}

const subtle = () => globalThis.crypto.subtle;
const bs = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

/** A fresh random AES-256 session key (§10: two independent 32-byte keys). */
export function generateAesKey(): Uint8Array<ArrayBuffer> {
  return randomBytes(AES_KEY_LENGTH);
}

/** DER bytes from PEM armour (any label) or bare Base64 (either alphabet, whitespace ignored). */
function derFromText(text: string): { der: Uint8Array; label?: string } {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  const body = (m ? m[2] : text).replace(/\s+/g, '');
  try {
    const der = fromBase64Any(body);
    if (der.length === 0) throw new Error('empty');
    return { der, label: m?.[1] };
  } catch {
    throw new KeyholeError('RSA_BAD_KEY', 'rsa: key is not PEM or base64 DER');
  }
}

// Bounded caches: importing an RSA key costs far more than the operation it enables.
const MAX_CACHED = 8;
const publicCache = new Map<string, Promise<CryptoKey>>();
const privateCache = new Map<string, Promise<RsaPrivateKey>>();

function remember<T>(cache: Map<string, Promise<T>>, id: string, make: () => Promise<T>): Promise<T> {
  const hit = cache.get(id);
  if (hit) return hit;
  const p = make();
  cache.set(id, p);
  p.catch(() => cache.delete(id));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return p;
}

function importPublicKey(spkiBase64: string): Promise<CryptoKey> {
  return remember(publicCache, spkiBase64, async () => {
    const { der } = derFromText(spkiBase64);
    try {
      return await subtle().importKey('spki', bs(der), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    } catch {
      throw new KeyholeError('RSA_BAD_KEY', 'rsa: unusable public key');
    }
  });
}

/** RSA-OAEP-SHA-256 encryption of `data` under a Base64 SPKI public key (PEM also accepted). */
export async function rsaOaepEncrypt(spkiBase64: string, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const key = await importPublicKey(spkiBase64);
  try {
    return new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, key, bs(data)));
  } catch {
    throw new KeyholeError('RSA_BAD_KEY', 'rsa: encryption failed');
  }
}

/** §6 body fields: both session keys wrapped, as standard Base64. */
export async function wrapSessionKeys(spkiBase64: string, requestKey: Uint8Array, responseKey: Uint8Array): Promise<{ encReqKey: string; encRespKey: string }> {
  if (requestKey.length !== AES_KEY_LENGTH || responseKey.length !== AES_KEY_LENGTH) {
    throw new KeyholeError('AEAD_BAD_KEY', 'rsa: session keys must be 32 bytes');
  }
  const [req, resp] = await Promise.all([rsaOaepEncrypt(spkiBase64, requestKey), rsaOaepEncrypt(spkiBase64, responseKey)]);
  return { encReqKey: toBase64(req), encRespKey: toBase64(resp) };
}

// --- PKCS#1 → PKCS#8 (RFC 5208): SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING pkcs1 }

function derLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

const derTlv = (tag: number, body: Uint8Array) => concatBytes(new Uint8Array([tag]), derLength(body.length), body);
const RSA_ALGORITHM_ID = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);

function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return derTlv(0x30, concatBytes(new Uint8Array([0x02, 0x01, 0x00]), RSA_ALGORITHM_ID, derTlv(0x04, pkcs1)));
}

/**
 * Parse a private key once (PKCS#8 PEM, PKCS#1 PEM, or Base64 PKCS#8 DER) into CryptoKeys for both
 * OAEP hashes. Cached by text, so passing the same PEM string to rsaOaepUnwrap repeatedly is cheap.
 */
export function importPrivateKeyPem(pemOrB64Der: string): Promise<RsaPrivateKey> {
  return remember(privateCache, pemOrB64Der, async () => {
    const { der: raw, label } = derFromText(pemOrB64Der);
    const der = label === 'RSA PRIVATE KEY' ? pkcs1ToPkcs8(raw) : raw;
    const load = (hash: OaepHash) => subtle().importKey('pkcs8', bs(der), { name: 'RSA-OAEP', hash }, false, ['decrypt']);
    try {
      const [sha256, sha1] = await Promise.all([load('SHA-256'), load('SHA-1')]);
      return { der, sha256, sha1 };
    } catch {
      throw new KeyholeError('RSA_BAD_KEY', 'rsa: unusable private key');
    }
  });
}

/** Unwrap one OAEP ciphertext: SHA-256 first, then SHA-1 (§12 observer column). */
export async function rsaOaepUnwrap(privateKey: string | RsaPrivateKey, wrapped: Uint8Array): Promise<{ key: Uint8Array<ArrayBuffer>; hash: OaepHash }> {
  const k = typeof privateKey === 'string' ? await importPrivateKeyPem(privateKey) : privateKey;
  for (const [hash, ck] of [['SHA-256', k.sha256], ['SHA-1', k.sha1]] as const) {
    try {
      return { key: new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, ck, bs(wrapped))), hash };
    } catch {
      // try the next hash; the final error is deliberately generic
    }
  }
  throw new KeyholeError('RSA_UNWRAP_FAILED', 'rsa: unwrap failed');
}
