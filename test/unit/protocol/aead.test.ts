import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AUTH_FAILED_MESSAGE, createWebCryptoAead, nobleAead, webCryptoAead, type Aead } from '../../../src/protocol/aead';
import { randomBytes, toHex } from '../../../src/protocol/bytes';
import { expectRejectsCode, expectThrowsCode, hex, vectors } from './helpers';

const backends: Aead[] = [webCryptoAead, nobleAead];

/** McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16 (AES-256), typed by hand. */
const NIST = [
  {
    name: 'GCM spec test case 13 (zero key, empty)',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000', pt: '', aad: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'GCM spec test case 14 (zero key, one zero block)',
    key: '0000000000000000000000000000000000000000000000000000000000000000',
    iv: '000000000000000000000000', pt: '00000000000000000000000000000000', aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'GCM spec test case 16 (60-byte plaintext, 20-byte AAD)',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

const aadOf = (h?: string) => (h ? hex(h) : undefined);

describe.each(backends.map((b) => [b.name, b] as const))('AES-256-GCM (%s)', (_name, aead) => {
  it.each(NIST)('matches the published vector: $name', async (t) => {
    const sealed = await aead.seal(hex(t.key), hex(t.iv), hex(t.pt), aadOf(t.aad));
    expect(toHex(sealed)).toBe(t.ct + t.tag);
    expect(toHex(await aead.open(hex(t.key), hex(t.iv), sealed, aadOf(t.aad)))).toBe(t.pt);
  });

  it('seals every fixture vector to the node:crypto bytes', async () => {
    for (const t of vectors.aesGcm) {
      const sealed = await aead.seal(hex(t.key), hex(t.iv), hex(t.plaintext), aadOf(t.aad));
      expect(toHex(sealed), t.name).toBe(t.ciphertext + t.tag);
    }
  });

  it('opens every fixture vector', async () => {
    for (const t of vectors.aesGcm) {
      const pt = await aead.open(hex(t.key), hex(t.iv), hex(t.ciphertext + t.tag), aadOf(t.aad));
      expect(toHex(pt), t.name).toBe(t.plaintext);
    }
  });

  it('rejects a tampered tag with a generic message', async () => {
    const t = vectors.aesGcm[2];
    const sealed = hex(t.ciphertext + t.tag);
    sealed[sealed.length - 1] ^= 1;
    await expectRejectsCode(aead.open(hex(t.key), hex(t.iv), sealed), 'AEAD_AUTH_FAILED', AUTH_FAILED_MESSAGE);
  });

  it('rejects a tampered ciphertext byte', async () => {
    const t = vectors.aesGcm[2];
    const sealed = hex(t.ciphertext + t.tag);
    sealed[0] ^= 0x80;
    await expectRejectsCode(aead.open(hex(t.key), hex(t.iv), sealed), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects the wrong key', async () => {
    const t = vectors.aesGcm[2];
    await expectRejectsCode(aead.open(hex(vectors.keys.responseKey), hex(t.iv), hex(t.ciphertext + t.tag)), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects a missing AAD when one was used to seal', async () => {
    const t = vectors.aesGcm[3];
    await expectRejectsCode(aead.open(hex(t.key), hex(t.iv), hex(t.ciphertext + t.tag)), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects a different AAD', async () => {
    const t = vectors.aesGcm[3];
    await expectRejectsCode(
      aead.open(hex(t.key), hex(t.iv), hex(t.ciphertext + t.tag), new TextEncoder().encode('sess_other')),
      'AEAD_AUTH_FAILED', 'aead: authentication failed',
    );
  });

  it('rejects input shorter than a tag', async () => {
    await expectRejectsCode(aead.open(randomBytes(32), randomBytes(12), randomBytes(15)), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('refuses a key that is not 32 bytes', async () => {
    await expectRejectsCode(aead.seal(randomBytes(16), randomBytes(12), new Uint8Array(1)), 'AEAD_BAD_KEY', 'aead: key must be 32 bytes');
    await expectRejectsCode(aead.open(randomBytes(31), randomBytes(12), randomBytes(20)), 'AEAD_BAD_KEY', 'aead: key must be 32 bytes');
  });

  it('refuses an IV that is not 12 bytes', async () => {
    await expectRejectsCode(aead.seal(randomBytes(32), randomBytes(16), new Uint8Array(1)), 'AEAD_BAD_IV', 'aead: IV must be 12 bytes');
    await expectRejectsCode(aead.open(randomBytes(32), randomBytes(8), randomBytes(20)), 'AEAD_BAD_IV', 'aead: IV must be 12 bytes');
  });

  it('opens what live node:crypto sealed', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), async (pt, aad) => {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      if (aad) c.setAAD(aad);
      const sealed = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      expect(await aead.open(key, iv, sealed, aad)).toEqual(pt);
    }), { numRuns: 50 });
  });

  it('seals what live node:crypto opens', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }), async (pt, aad) => {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      const sealed = await aead.seal(key, iv, pt, aad);
      const d = createDecipheriv('aes-256-gcm', key, iv);
      if (aad) d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      const out = Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
      expect(new Uint8Array(out)).toEqual(pt);
    }), { numRuns: 50 });
  });

  it('round-trips random plaintexts and AADs', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), async (pt, aad) => {
      const key = randomBytes(32);
      const iv = randomBytes(12);
      expect(await aead.open(key, iv, await aead.seal(key, iv, pt, aad), aad)).toEqual(pt);
    }), { numRuns: 60 });
  });
});

describe('AEAD backends agree', () => {
  it('produce identical bytes for identical inputs', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 3000 }),
      fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
      async (key, iv, pt, aad) => {
        const a = await webCryptoAead.seal(key, iv, pt, aad);
        const b = nobleAead.sealSync(key, iv, pt, aad);
        expect(toHex(a)).toBe(toHex(b));
        expect(nobleAead.openSync(key, iv, a, aad)).toEqual(pt);
        expect(await webCryptoAead.open(key, iv, b, aad)).toEqual(pt);
      },
    ), { numRuns: 80 });
  });

  it('noble opens synchronously and throws the generic error synchronously', () => {
    const t = vectors.aesGcm[2];
    expect(toHex(nobleAead.openSync(hex(t.key), hex(t.iv), hex(t.ciphertext + t.tag)))).toBe(t.plaintext);
    const bad = hex(t.ciphertext + t.tag);
    bad[3] ^= 4;
    expectThrowsCode(() => nobleAead.openSync(hex(t.key), hex(t.iv), bad), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });
});

describe('WebCrypto key cache', () => {
  it('imports a key once for repeated operations', async () => {
    let imports = 0;
    const subtle = globalThis.crypto.subtle;
    const counting = new Proxy(subtle, {
      get(target, prop) {
        if (prop === 'importKey') return (...args: Parameters<SubtleCrypto['importKey']>) => (imports++, target.importKey(...args));
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const aead = createWebCryptoAead({ subtle: counting as SubtleCrypto });
    const key = randomBytes(32);
    for (let i = 0; i < 10; i++) {
      const iv = randomBytes(12);
      // a fresh copy of the key each time: the cache is by value, not identity
      await aead.open(key.slice(), iv, await aead.seal(key.slice(), iv, new Uint8Array([i])));
    }
    expect(imports).toBe(1);
  });

  it('stays within its size bound', async () => {
    const aead = createWebCryptoAead({ cacheSize: 3 });
    for (let i = 0; i < 10; i++) await aead.seal(randomBytes(32), randomBytes(12), new Uint8Array(1));
    expect(aead.cacheCount()).toBe(3);
  });

  it('is not confused by a caller mutating the key array after use', async () => {
    const aead = createWebCryptoAead();
    const key = randomBytes(32);
    const original = key.slice();
    const iv = randomBytes(12);
    const sealed = await aead.seal(key, iv, new Uint8Array([1, 2, 3]));
    key.fill(0);
    await expectRejectsCode(aead.open(key, iv, sealed), 'AEAD_AUTH_FAILED');
    expect(await aead.open(original, iv, sealed)).toEqual(new Uint8Array([1, 2, 3]));
  });
});
