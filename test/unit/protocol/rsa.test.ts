import { describe, expect, it } from 'vitest';
import { constants, createPrivateKey, privateDecrypt, publicEncrypt, createPublicKey } from 'node:crypto';
import { generateAesKey, importPrivateKeyPem, rsaOaepEncrypt, rsaOaepUnwrap, wrapSessionKeys } from '../../../src/protocol/rsa';
import { fromBase64, toHex } from '../../../src/protocol/bytes';
import { expectRejectsCode, hex, vectors } from './helpers';

const r = vectors.rsa;
const nodePrivate = createPrivateKey(r.privateKeyPkcs8Pem);
const nodePublic = createPublicKey({ key: Buffer.from(r.publicKeySpkiBase64, 'base64'), format: 'der', type: 'spki' });

describe('RSA-OAEP session key wrap', () => {
  it('generates 32-byte random AES keys', () => {
    const a = generateAesKey();
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(generateAesKey()));
  });

  it('unwraps the OAEP-SHA-256 fixtures to the fixture keys', async () => {
    const req = await rsaOaepUnwrap(r.privateKeyPkcs8Pem, fromBase64(r.oaepSha256.encReqKey));
    const resp = await rsaOaepUnwrap(r.privateKeyPkcs8Pem, fromBase64(r.oaepSha256.encRespKey));
    expect(req).toEqual({ key: hex(r.requestKey), hash: 'SHA-256' });
    expect(resp).toEqual({ key: hex(r.responseKey), hash: 'SHA-256' });
  });

  it('falls back to SHA-1 for OAEP-SHA-1 wrapped keys', async () => {
    const req = await rsaOaepUnwrap(r.privateKeyPkcs8Pem, fromBase64(r.oaepSha1.encReqKey));
    expect(req).toEqual({ key: hex(r.requestKey), hash: 'SHA-1' });
  });

  it('accepts the private key as base64 DER, as PKCS#1 PEM and as an imported key', async () => {
    const wrapped = fromBase64(r.oaepSha256.encReqKey);
    for (const k of [r.privateKeyPkcs8DerBase64, r.privateKeyPkcs1Pem]) {
      expect((await rsaOaepUnwrap(k, wrapped)).key).toEqual(hex(r.requestKey));
    }
    const imported = await importPrivateKeyPem(r.privateKeyPkcs8Pem);
    expect((await rsaOaepUnwrap(imported, wrapped)).key).toEqual(hex(r.requestKey));
  });

  it('wraps keys that live node:crypto unwraps with OAEP-SHA-256', async () => {
    const requestKey = generateAesKey();
    const responseKey = generateAesKey();
    const { encReqKey, encRespKey } = await wrapSessionKeys(r.publicKeySpkiBase64, requestKey, responseKey);
    expect(fromBase64(encReqKey).length).toBe(256);
    const dec = (b64: string) => new Uint8Array(privateDecrypt({ key: nodePrivate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(b64, 'base64')));
    expect(dec(encReqKey)).toEqual(requestKey);
    expect(dec(encRespKey)).toEqual(responseKey);
  });

  it('unwraps what live node:crypto wraps with either hash', async () => {
    const key = generateAesKey();
    for (const [oaepHash, hash] of [['sha256', 'SHA-256'], ['sha1', 'SHA-1']] as const) {
      const wrapped = publicEncrypt({ key: nodePublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, key);
      expect(await rsaOaepUnwrap(r.privateKeyPkcs8Pem, wrapped)).toEqual({ key, hash });
    }
  });

  it('accepts a PEM public key for encryption', async () => {
    const pem = nodePublic.export({ type: 'spki', format: 'pem' }) as string;
    const out = await rsaOaepEncrypt(pem, new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(privateDecrypt({ key: nodePrivate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, out))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('fails generically on a corrupted wrapped key', async () => {
    const wrapped = fromBase64(r.oaepSha256.encReqKey);
    wrapped[10] ^= 1;
    await expectRejectsCode(rsaOaepUnwrap(r.privateKeyPkcs8Pem, wrapped), 'RSA_UNWRAP_FAILED', 'rsa: unwrap failed');
  });

  it('refuses a public key that is not base64 SPKI', async () => {
    await expectRejectsCode(rsaOaepEncrypt('not a key!', new Uint8Array(32)), 'RSA_BAD_KEY', 'rsa: key is not PEM or base64 DER');
    await expectRejectsCode(rsaOaepEncrypt('AAAAAAAA', new Uint8Array(32)), 'RSA_BAD_KEY', 'rsa: unusable public key');
  });

  it('refuses a private key that does not import', async () => {
    await expectRejectsCode(rsaOaepUnwrap('MIIBOgIBAAJBAK', new Uint8Array(256)), 'RSA_BAD_KEY', 'rsa: unusable private key');
  });

  it('refuses session keys that are not 32 bytes', async () => {
    await expectRejectsCode(wrapSessionKeys(r.publicKeySpkiBase64, new Uint8Array(16), new Uint8Array(32)), 'AEAD_BAD_KEY', 'rsa: session keys must be 32 bytes');
  });
});
