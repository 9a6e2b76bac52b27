/**
 * AES-256-GCM (NIST SP 800-38D) for SCv2 payloads (spec §4): 32-byte key, 12-byte IV, 16-byte tag
 * appended to the ciphertext, optional AAD (§12: none, or UTF-8 of the session id).
 *
 * Two interchangeable backends, proven byte-identical by the tests:
 *  - `webCryptoAead`: globalThis.crypto.subtle — the fast path (architecture §4: 8–30× noble at
 *    1 KiB+). Imported CryptoKeys are cached per raw key (a small bounded map, oldest import evicted
 *    first: a hit is a lookup, nothing moves) so a session's repeated messages do not pay importKey each time.
 *  - `nobleAead`: @noble/ciphers, synchronous (`sealSync`/`openSync`) and a second implementation.
 *
 * Both check the tag before any plaintext exists (WebCrypto by contract, noble by computing the tag
 * first), and a failure is always AEAD_AUTH_FAILED with one generic message: the caller learns
 * "not authentic", never which byte, and never gets partial plaintext.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { KeyholeError } from './errors';

export interface Aead {
  readonly name: 'webcrypto' | 'noble';
  /** Returns ciphertext‖tag. */
  seal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /** Takes ciphertext‖tag; throws AEAD_AUTH_FAILED when the tag does not verify. */
  open(key: Uint8Array, iv: Uint8Array, ctAndTag: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
}

export interface SyncAead extends Aead {
  sealSync(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  openSync(key: Uint8Array, iv: Uint8Array, ctAndTag: Uint8Array, aad?: Uint8Array): Uint8Array;
}

export const AES_KEY_LENGTH = 32;
export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;

export const AUTH_FAILED_MESSAGE = 'aead: authentication failed';

function checkParams(key: Uint8Array, iv: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AES_KEY_LENGTH) throw new KeyholeError('AEAD_BAD_KEY', 'aead: key must be 32 bytes');
  if (!(iv instanceof Uint8Array) || iv.length !== GCM_IV_LENGTH) throw new KeyholeError('AEAD_BAD_IV', 'aead: IV must be 12 bytes');
}

const authFailed = (cause?: unknown) => new KeyholeError('AEAD_AUTH_FAILED', AUTH_FAILED_MESSAGE, cause === undefined ? undefined : { cause });

/** WebCrypto typings want ArrayBuffer-backed views; ours may be ArrayBufferLike-typed. Same bytes. */
const bs = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

export interface WebCryptoAeadOptions {
  /** Max cached CryptoKeys (oldest import evicted first). A handful of live sessions × 2 keys is the normal load. */
  cacheSize?: number;
  subtle?: SubtleCrypto;
}

export interface WebCryptoAead extends Aead {
  readonly name: 'webcrypto';
  /** Number of CryptoKeys currently cached (for tests and diagnostics). */
  cacheCount(): number;
  clearCache(): void;
}

export function createWebCryptoAead(options: WebCryptoAeadOptions = {}): WebCryptoAead {
  const max = Math.max(1, options.cacheSize ?? 32);
  // Looked up once, on first use: in Chrome every `crypto.subtle` read goes through a DOM binding.
  let sub: SubtleCrypto | undefined;
  const subtle = () => (sub ??= options.subtle ?? globalThis.crypto.subtle);
  // Keyed by the key bytes as a Latin-1 string (32 chars, cheap to build). A pending import is cached
  // as its promise, so concurrent first uses of one key share a single importKey; once it resolves the
  // entry holds the CryptoKey itself, and the hot path skips an await.
  const cache = new Map<string, CryptoKey | Promise<CryptoKey>>();

  function cryptoKey(key: Uint8Array): CryptoKey | Promise<CryptoKey> {
    const id = String.fromCharCode.apply(null, key as unknown as number[]);
    const hit = cache.get(id);
    if (hit) return hit;
    // slice(): importKey copies anyway, but the caller may reuse/zero its array while we await.
    const p = subtle().importKey('raw', bs(key.slice()), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    cache.set(id, p);
    p.then(
      (k) => {
        if (cache.get(id) === p) cache.set(id, k);
      },
      () => {
        if (cache.get(id) === p) cache.delete(id);
      },
    );
    if (cache.size > max) cache.delete(cache.keys().next().value as string);
    return p;
  }

  const params = (iv: Uint8Array, aad?: Uint8Array): AesGcmParams =>
    aad ? { name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad), tagLength: 128 } : { name: 'AES-GCM', iv: bs(iv), tagLength: 128 };

  return {
    name: 'webcrypto',
    async seal(key, iv, plaintext, aad) {
      checkParams(key, iv);
      const ck = cryptoKey(key);
      const k = ck instanceof Promise ? await ck : ck;
      return new Uint8Array(await subtle().encrypt(params(iv, aad), k, bs(plaintext)));
    },
    async open(key, iv, ctAndTag, aad) {
      checkParams(key, iv);
      if (ctAndTag.length < GCM_TAG_LENGTH) throw authFailed();
      const ck = cryptoKey(key);
      const k = ck instanceof Promise ? await ck : ck;
      let pt: ArrayBuffer;
      try {
        pt = await subtle().decrypt(params(iv, aad), k, bs(ctAndTag));
      } catch (e) {
        throw authFailed(e);
      }
      return new Uint8Array(pt);
    },
    cacheCount: () => cache.size,
    clearCache: () => cache.clear(),
  };
}

export const webCryptoAead: WebCryptoAead = createWebCryptoAead();

function sealSync(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkParams(key, iv);
  return gcm(key, iv, aad).encrypt(plaintext);
}

function openSync(key: Uint8Array, iv: Uint8Array, ctAndTag: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkParams(key, iv);
  if (ctAndTag.length < GCM_TAG_LENGTH) throw authFailed();
  try {
    // noble computes and compares the tag before it runs CTR over the ciphertext.
    return gcm(key, iv, aad).decrypt(ctAndTag);
  } catch (e) {
    throw authFailed(e);
  }
}

export const nobleAead: SyncAead & { readonly name: 'noble' } = {
  name: 'noble',
  sealSync,
  openSync,
  // async wrappers: exceptions become rejections, like the WebCrypto backend.
  seal: async (key, iv, plaintext, aad) => sealSync(key, iv, plaintext, aad),
  open: async (key, iv, ctAndTag, aad) => openSync(key, iv, ctAndTag, aad),
};

/** Default backend: WebCrypto (fast), as the architecture guide recommends for bulk work. */
export const defaultAead: Aead = webCryptoAead;
