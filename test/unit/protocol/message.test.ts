import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDecipheriv } from 'node:crypto';
import { aadFor, describeEnvelope, openMessage, sealKeyExchangeMessage, sealMessage, tryOpenMessage } from '../../../src/protocol/message';
import { nobleAead, webCryptoAead, type Aead } from '../../../src/protocol/aead';
import { bytesToLatin1, fromBase64, randomBytes, toBase64, toHex, utf8Encode } from '../../../src/protocol/bytes';
import { expectRejectsCode, expectThrowsCode, hex, vectors } from './helpers';

const e = vectors.envelopes;
const j = vectors.jsonEnvelopes;
const requestKey = hex(vectors.keys.requestKey);
const responseKey = hex(vectors.keys.responseKey);

describe('sealMessage: known answers', () => {
  it('seals the type 2 fixture byte for byte with a fixed IV', async () => {
    const out = await sealMessage(e.type2.plaintext, { key: requestKey, form: 'binary', iv: hex(e.type2.iv) });
    expect(toHex(out)).toBe(e.type2.envelope);
  });

  it('seals the type 129 fixture with the response key', async () => {
    const out = await sealMessage(e.type129.plaintext, { key: responseKey, form: 'binary', type: 0x81, iv: hex(e.type129.iv) });
    expect(toHex(out)).toBe(e.type129.envelope);
  });

  it('seals the type 1 fixture with inline wrapped keys', async () => {
    const out = await sealKeyExchangeMessage(e.type1.plaintext, {
      key: requestKey, keyId: e.type1.keyId, encReqKey: hex(e.type1.encReqKey), encRespKey: hex(e.type1.encRespKey), iv: hex(e.type1.iv),
    });
    expect(toHex(out)).toBe(e.type1.envelope);
  });

  it('seals the session-id AAD fixture', async () => {
    const out = await sealMessage(e.type2WithSessionAad.plaintext, { key: requestKey, form: 'binary', iv: hex(e.type2WithSessionAad.iv), aad: aadFor('session-id', vectors.keys.sessionId) });
    expect(toHex(out)).toBe(e.type2WithSessionAad.envelope);
  });

  it('seals the JSON envelope fixture text exactly', async () => {
    expect(await sealMessage(j.request.plaintext, { key: requestKey, form: 'json', iv: hex(j.request.iv) })).toBe(j.request.text);
    expect(await sealMessage(j.response.plaintext, { key: responseKey, form: 'json', iv: hex(j.response.iv) })).toBe(j.response.text);
  });

  it('draws a fresh IV for every message', async () => {
    const a = await sealMessage('{}', { key: requestKey, form: 'binary' });
    const b = await sealMessage('{}', { key: requestKey, form: 'binary' });
    expect(toHex(a.subarray(4, 16))).not.toBe(toHex(b.subarray(4, 16)));
  });
});

describe('openMessage: known answers', () => {
  it('opens type 2, type 129 and type 1 fixtures', async () => {
    expect((await openMessage(hex(e.type2.envelope), requestKey)).text).toBe(e.type2.plaintext);
    expect((await openMessage(hex(e.type129.envelope), responseKey)).json).toMatchObject({ success: true, code: '2000' });
    const t1 = await openMessage(hex(e.type1.envelope), requestKey);
    expect(t1.text).toBe(e.type1.plaintext);
    expect(t1.anatomy).toMatchObject({ form: 'binary', type: 1, keyId: e.type1.keyId, encReqKeyLength: 256, encRespKeyLength: 256 });
  });

  it('opens all three JSON p forms', async () => {
    for (const f of [j.request, j.requestBase64Url, j.requestBinaryInside]) {
      expect((await openMessage(f.text, requestKey)).text).toBe(f.plaintext);
    }
  });

  it('opens a JSON envelope given as bytes', async () => {
    expect((await openMessage(utf8Encode(j.response.text), responseKey)).json).toEqual(JSON.parse(j.response.plaintext));
  });

  it('opens a binary envelope given as a Latin-1 string (HAR text)', async () => {
    expect((await openMessage(bytesToLatin1(hex(e.type2.envelope)), requestKey)).text).toBe(e.type2.plaintext);
  });

  it('opens with the session-id AAD', async () => {
    const m = await openMessage(hex(e.type2WithSessionAad.envelope), requestKey, { aad: utf8Encode(vectors.keys.sessionId) });
    expect(m.json).toEqual({ ping: true });
  });

  it('reports the anatomy of a JSON envelope', async () => {
    const m = await openMessage(j.requestBase64Url.text, requestKey);
    expect(m.anatomy).toEqual({
      form: 'json-envelope', pEncoding: 'base64url', ivHex: j.requestBase64Url.iv, tagHex: m.anatomy.tagHex,
      ciphertextLength: j.request.plaintext.length, totalLength: j.requestBase64Url.text.length,
    });
  });

  it('gives json undefined for a non-JSON plaintext', async () => {
    const sealed = await sealMessage('plain words', { key: requestKey, form: 'binary' });
    const m = await openMessage(sealed, requestKey);
    expect(m.text).toBe('plain words');
    expect(m.json).toBeUndefined();
  });

  it('falls back to IV‖ct‖tag when p only looks like an inner envelope', async () => {
    const iv = new Uint8Array([0x53, 0x43, 0x02, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]);
    const text = await sealMessage('{"unlucky":true}', { key: requestKey, form: 'json', iv });
    const m = await openMessage(text, requestKey);
    expect(m.json).toEqual({ unlucky: true });
    expect(m.anatomy.ivHex).toBe(toHex(iv));
  });
});

describe('openMessage: errors', () => {
  it('rejects a tampered tag', async () => {
    const b = hex(e.type2.envelope);
    b[b.length - 1] ^= 0x01;
    await expectRejectsCode(openMessage(b, requestKey), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects a truncated envelope', async () => {
    await expectRejectsCode(openMessage(hex(e.type2.envelope).subarray(0, 20), requestKey), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
  });

  it('rejects a wrong magic', async () => {
    const b = hex(e.type2.envelope);
    b[0] = 0x54;
    await expectRejectsCode(openMessage(b, requestKey), 'ENVELOPE_BAD_MAGIC', 'envelope: bad magic');
  });

  it('rejects a wrong version', async () => {
    const b = hex(e.type2.envelope);
    b[2] = 0x03;
    await expectRejectsCode(openMessage(b, requestKey), 'ENVELOPE_BAD_VERSION', 'envelope: bad version');
  });

  it('rejects a wrong type', async () => {
    const b = hex(e.type2.envelope);
    b[3] = 0x80;
    await expectRejectsCode(openMessage(b, requestKey), 'ENVELOPE_BAD_TYPE', 'envelope: bad type');
  });

  it('rejects the wrong key', async () => {
    await expectRejectsCode(openMessage(hex(e.type2.envelope), responseKey), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects a wrong AAD', async () => {
    await expectRejectsCode(openMessage(hex(e.type2WithSessionAad.envelope), requestKey, { aad: utf8Encode('sess_other') }), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
    await expectRejectsCode(openMessage(hex(e.type2WithSessionAad.envelope), requestKey), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('rejects a tampered JSON envelope', async () => {
    const raw = fromBase64(JSON.parse(j.request.text).p);
    raw[14] ^= 0x20;
    await expectRejectsCode(openMessage(`{"v":2,"p":"${toBase64(raw)}"}`, requestKey), 'AEAD_AUTH_FAILED', 'aead: authentication failed');
  });

  it('judges a plain JSON body as a malformed envelope', async () => {
    await expectRejectsCode(openMessage('{"refreshToken":"x"}', requestKey), 'ENVELOPE_MALFORMED', 'envelope: not a {"v":2,"p":…} object');
  });

  it('judges non-JSON text as a wrong magic', async () => {
    await expectRejectsCode(openMessage(utf8Encode('hello'), requestKey), 'ENVELOPE_BAD_MAGIC', 'envelope: bad magic');
  });

  it('needs a session id for session-id AAD', () => {
    expect(aadFor('none')).toBeUndefined();
    expectThrowsCode(() => aadFor('session-id'), 'INPUT_INVALID', 'message: session-id AAD needs a session id');
  });
});

describe('describeEnvelope', () => {
  it('describes a binary type 2 envelope without a key', () => {
    expect(describeEnvelope(hex(e.type2.envelope))).toEqual({
      form: 'binary', type: 2, ivHex: e.type2.iv, tagHex: e.type2.tag,
      ciphertextLength: e.type2.ciphertext.length / 2, totalLength: e.type2.envelope.length / 2,
    });
  });

  it('describes a binary envelope inside a JSON envelope', () => {
    expect(describeEnvelope(j.requestBinaryInside.text)).toMatchObject({ form: 'json-envelope', pEncoding: 'binary-envelope', type: 2 });
  });
});

describe('tryOpenMessage', () => {
  it('finds the right key and AAD among candidates', async () => {
    const r = await tryOpenMessage(hex(e.type2WithSessionAad.envelope), [responseKey, requestKey], [undefined, utf8Encode(vectors.keys.sessionId)]);
    expect(r?.keyIndex).toBe(1);
    expect(r?.aadIndex).toBe(1);
    expect(r?.json).toEqual({ ping: true });
  });

  it('returns undefined when no candidate verifies', async () => {
    expect(await tryOpenMessage(hex(e.type2.envelope), [responseKey, randomBytes(32)])).toBeUndefined();
  });

  it('still throws envelope errors', async () => {
    await expectRejectsCode(tryOpenMessage(new Uint8Array([1, 2, 3]), [requestKey]), 'ENVELOPE_BAD_MAGIC');
  });
});

describe('message round trips', () => {
  const backends: Aead[] = [webCryptoAead, nobleAead];

  it.each(backends.map((b) => [b.name, b] as const))('round-trips binary and JSON forms with the %s backend', async (_n, aead) => {
    await fc.assert(fc.asyncProperty(
      fc.string({ maxLength: 400, unit: 'grapheme' }),
      fc.constantFrom('binary' as const, 'json' as const),
      fc.constantFrom(2 as const, 0x81 as const),
      fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
      async (text, form, type, sessionId) => {
        const key = randomBytes(32);
        const aad = sessionId === undefined ? undefined : aadFor('session-id', sessionId);
        const body = await sealMessage(text, { key, form, type, aad, aead });
        const m = await openMessage(body, key, { aad, aead });
        expect(m.text).toBe(text);
        if (form === 'binary') expect(m.anatomy.type).toBe(type);
      },
    ), { numRuns: 60 });
  });

  it('produces identical envelopes from both backends for the same IV', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 1000 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      async (pt, iv) => {
        const key = randomBytes(32);
        const a = await sealMessage(pt, { key, form: 'binary', iv, aead: webCryptoAead });
        const b = await sealMessage(pt, { key, form: 'binary', iv, aead: nobleAead });
        expect(toHex(a)).toBe(toHex(b));
        const ja = await sealMessage(pt, { key, form: 'json', iv, aead: webCryptoAead });
        const jb = await sealMessage(pt, { key, form: 'json', iv, aead: nobleAead });
        expect(ja).toBe(jb);
      },
    ), { numRuns: 50 });
  });

  it('seals envelopes that live node:crypto opens', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (pt) => {
      const key = randomBytes(32);
      const env = await sealMessage(pt, { key, form: 'binary' });
      const d = createDecipheriv('aes-256-gcm', key, env.subarray(4, 16));
      d.setAuthTag(env.subarray(env.length - 16));
      expect(new Uint8Array(Buffer.concat([d.update(env.subarray(16, env.length - 16)), d.final()]))).toEqual(pt);
    }), { numRuns: 30 });
  });

  it('round-trips a 256 KiB body', async () => {
    const key = randomBytes(32);
    const pt = randomBytes(256 * 1024);
    const m = await openMessage(await sealMessage(pt, { key, form: 'json' }), key);
    expect(toHex(m.plaintext)).toBe(toHex(pt));
  });
});
