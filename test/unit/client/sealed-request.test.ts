/** sealRequest / openAnswer (issue #9): fresh IVs, both forms, both AAD modes, plain and undecryptable answers; never throws. */
import { describe, expect, it } from 'vitest';
import { openAnswer, sealRequest, type ScKeys } from '../../../src/client/sealed-request';
import { openMessage, sealMessage } from '../../../src/protocol/message';
import { utf8Encode } from '../../../src/protocol/bytes';

const keys: ScKeys = { sessionId: 'sess_1', requestKey: new Uint8Array(32).fill(1), responseKey: new Uint8Array(32).fill(2) };
const text = '{\n  "a": 1\n}';

describe('sealRequest', () => {
  for (const form of ['binary', 'json'] as const) {
    for (const aad of ['none', 'session-id'] as const) {
      it(`seals the exact text in the ${form} form with AAD ${aad}, under a fresh IV each call`, async () => {
        const a = await sealRequest(text, keys, { form, aad });
        const b = await sealRequest(text, keys, { form, aad });
        expect(a.ivHex).toMatch(/^[0-9a-f]{24}$/);
        expect(a.ivHex).not.toBe(b.ivHex);
        expect(typeof a.body === 'string').toBe(form === 'json');
        const opened = await openMessage(a.body, keys.requestKey, aad === 'session-id' ? { aad: utf8Encode('sess_1') } : {});
        expect(opened.text).toBe(text);
      });
    }
  }
});

describe('openAnswer', () => {
  const answer = JSON.stringify({ success: false, code: 'VALIDATION.INVALID_PARAMETER', message: 'Invalid request parameters', data: { x: ['Unknown field'] } });

  it('opens a type 129 answer with the response key, trying the other AAD mode second', async () => {
    const sealed = await sealMessage(answer, { key: keys.responseKey, form: 'binary', type: 0x81, aad: utf8Encode('sess_1') });
    const r = await openAnswer(sealed, keys, { aad: 'none' });
    expect(r).toMatchObject({ form: 'binary', status: 'decrypted', aad: 'session-id', envelope: { success: false, code: 'VALIDATION.INVALID_PARAMETER' } });
  });

  it('returns a plain (pre-decryption) error answer as it is', async () => {
    const r = await openAnswer(utf8Encode('{"success":false,"code":"SECURE_CHANNEL.SESSION_NOT_FOUND","message":"x"}'), keys, { aad: 'none' });
    expect(r).toMatchObject({ form: 'plain-json', status: 'plain', envelope: { code: 'SECURE_CHANNEL.SESSION_NOT_FOUND' } });
  });

  it('reports an answer the key does not open as failed, coded, without throwing', async () => {
    const sealed = await sealMessage(answer, { key: keys.requestKey, form: 'json' });
    expect(await openAnswer(utf8Encode(sealed), keys, { aad: 'none' })).toMatchObject({ status: 'failed', error: { code: 'AEAD_AUTH_FAILED' } });
    expect(await openAnswer(new Uint8Array([0x53, 0x43, 0x02, 0x81, 1, 2]), keys, { aad: 'none' })).toMatchObject({ status: 'failed' });
    expect(await openAnswer(new Uint8Array(), keys, { aad: 'none' })).toEqual({ form: 'empty', status: 'none' });
  });
});
