import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Keyring } from '../../../src/inspect/keyring';
import { DecryptedSideSchema, decryptExchange } from '../../../src/inspect/decrypt-exchange';
import { API, aesKey, b64, binaryEnvelope, exchange, jsonEnvelope, ok, seal } from './fixtures';

const refreshUrl = `${API}/web/v1/system/auth/token/refresh`;

function session(id = 'sess_1') {
  const requestKey = aesKey();
  const responseKey = aesKey();
  const k = new Keyring();
  k.add({ sessionId: id, requestKey: b64(requestKey), responseKey: b64(responseKey), source: 'manual' });
  return { k, requestKey, responseKey, headers: { 'x-sc-session-id': id, 'x-sc-version': '2' } };
}

describe('decryptExchange', () => {
  test('binary request and response (binary bodies labelled application/json)', async () => {
    const s = session();
    const d = await decryptExchange(
      exchange({
        url: refreshUrl,
        reqHeaders: s.headers,
        req: binaryEnvelope(2, s.requestKey, '{"refreshToken":"r1"}'),
        res: binaryEnvelope(0x81, s.responseKey, ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 3600 })),
      }),
      s.k,
    );
    expect(d).toMatchObject({ kind: 'refresh', path: '/prometheus/web/v1/system/auth/token/refresh', sessionId: 'sess_1', responseCode: '2000' });
    expect(d.request).toMatchObject({ form: 'binary', status: 'decrypted', json: { refreshToken: 'r1' }, anatomy: { form: 'binary', type: 2 } });
    expect(d.response).toMatchObject({ form: 'binary', status: 'decrypted', json: { data: { accessToken: 'a2' } }, anatomy: { type: 0x81 } });
    expect(d.follow).toEqual({ apiBase: API, kind: 'refresh' });
  });

  test('JSON envelopes', async () => {
    const s = session();
    const d = await decryptExchange(
      exchange({ url: `${API}/web/v1/system/auth/login/complete`, reqHeaders: s.headers, req: jsonEnvelope(s.requestKey, '{"code":"123456"}'), res: jsonEnvelope(s.responseKey, ok({ accessToken: 'a', refreshToken: 'r', expiresIn: 1 })) }),
      s.k,
    );
    expect(d.request).toMatchObject({ form: 'json-envelope', status: 'decrypted', json: { code: '123456' }, anatomy: { pEncoding: 'base64' } });
    expect(d.response.status).toBe('decrypted');
    expect(d.follow).toEqual({ apiBase: API, kind: 'login' });
  });

  test('plain JSON bodies are shown as they are (a plain error before decryption, §12)', async () => {
    const d = await decryptExchange(
      exchange({ req: '{"keyId":"k"}', res: JSON.stringify({ success: false, code: 'SECURE_CHANNEL.SESSION_NOT_FOUND', message: 'x' }), status: 401 }),
      new Keyring(),
    );
    expect(d.request).toMatchObject({ form: 'plain-json', status: 'plain', json: { keyId: 'k' } });
    expect(d.response).toMatchObject({ status: 'plain' });
    expect(d.responseCode).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
  });

  test('a JSON envelope whose IV looks like a binary header opens by the IV‖ct‖tag reading; a wrong key still fails with AEAD_AUTH_FAILED', async () => {
    const s = session();
    // "SC" 2 0x81 as the IV's first bytes: read first as an inner binary envelope (whose tag fails), then as IV‖ct‖tag.
    const iv = Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x81]), randomBytes(8)]);
    const sealed = (key: Uint8Array, text: string) => {
      const { ct, tag } = seal(key, text, { iv });
      return JSON.stringify({ v: 2, p: b64(Buffer.concat([iv, ct, tag])) });
    };
    const d = await decryptExchange(exchange({ url: refreshUrl, reqHeaders: s.headers, req: sealed(s.requestKey, '{"refreshToken":"r1"}'), res: sealed(s.responseKey, ok({ n: 1 })) }), s.k);
    expect(d.request).toMatchObject({ status: 'decrypted', json: { refreshToken: 'r1' } });
    expect(d.response).toMatchObject({ status: 'decrypted', json: { data: { n: 1 } } });
    expect(d.responseCode).toBe('2000');
    const wrong = await decryptExchange(exchange({ url: refreshUrl, reqHeaders: s.headers, req: sealed(aesKey(), '{"refreshToken":"r1"}') }), s.k);
    expect(wrong.request).toMatchObject({ status: 'failed', error: { code: 'AEAD_AUTH_FAILED' } });
  });

  test('no body → none', async () => {
    const d = await decryptExchange(exchange({ method: 'GET', url: `${API}/web/v1/secure-channel/public-key` }), new Keyring());
    expect(d.kind).toBe('public-key');
    expect(d.request).toEqual({ form: 'none', status: 'none' });
  });

  test('NO_KEY when nothing in the keyring can open it', async () => {
    const d = await decryptExchange(exchange({ reqHeaders: { 'x-sc-session-id': 'unknown' }, req: binaryEnvelope(2, aesKey(), '{}') }), new Keyring());
    expect(d.request).toMatchObject({ status: 'failed', form: 'binary', error: { code: 'NO_KEY' }, anatomy: { type: 2 } });
  });

  test('AEAD_AUTH_FAILED when the session has keys but they do not verify (tampered byte)', async () => {
    const s = session();
    const env = binaryEnvelope(2, s.requestKey, '{"a":1}');
    env[20] ^= 1;
    const d = await decryptExchange(exchange({ reqHeaders: s.headers, req: env }), s.k);
    expect(d.request).toMatchObject({ status: 'failed', error: { code: 'AEAD_AUTH_FAILED', message: 'aead: authentication failed' } });
  });

  test('ENVELOPE_* codes for malformed envelopes', async () => {
    const s = session();
    const badVersion = binaryEnvelope(2, s.requestKey, '{}');
    badVersion[2] = 3;
    const truncated = binaryEnvelope(2, s.requestKey, '{}').subarray(0, 20);
    const d1 = await decryptExchange(exchange({ reqHeaders: s.headers, req: badVersion }), s.k);
    const d2 = await decryptExchange(exchange({ reqHeaders: s.headers, req: truncated }), s.k);
    const d3 = await decryptExchange(exchange({ reqHeaders: s.headers, req: '{"v":3,"p":"AAAA"}' }), s.k);
    expect(d2.request.error?.code).toBe('ENVELOPE_TRUNCATED');
    expect(d3.request.error?.code).toBe('ENVELOPE_BAD_VERSION');
    expect(d1.request.status).toBe('failed');
    expect(d1.request.error?.code).toMatch(/^ENVELOPE_/);
  });

  test('a body over the capture limit is reported, not silently missing', async () => {
    const ex = exchange({});
    ex.responseBody = { base64: '', size: 6 * 1024 * 1024, truncated: true };
    const d = await decryptExchange(ex, new Keyring());
    expect(d.response).toMatchObject({ status: 'failed', error: { code: 'INPUT_INVALID' } });
    expect(d.response.error?.message).toContain('6291456');
  });

  test('a lossy body that fails says it may be lossy', async () => {
    const s = session();
    const ex = exchange({ reqHeaders: s.headers, res: binaryEnvelope(0x81, aesKey(), '{}') });
    ex.responseBody!.lossy = true;
    const d = await decryptExchange(ex, s.k);
    expect(d.response.error?.message).toContain('lossy');
  });
});

describe('a decrypted side made lazily (issue #12: text and JSON only when read)', () => {
  const plaintextReq = '{"refreshToken":"r1","n":1}';
  async function refreshRow() {
    const s = session();
    const d = await decryptExchange(
      exchange({ url: refreshUrl, reqHeaders: s.headers, req: binaryEnvelope(2, s.requestKey, plaintextReq), res: jsonEnvelope(s.responseKey, ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 3600 })) }),
      s.k,
    );
    return { s, d };
  }

  test('the answer code and follow come from the answer read once; text and json equal the eager values', async () => {
    const { d } = await refreshRow();
    expect(d.responseCode).toBe('2000');
    expect(d.follow).toEqual({ apiBase: API, kind: 'refresh' });
    expect(d.request.text).toBe(plaintextReq);
    expect(d.request.json).toEqual(JSON.parse(plaintextReq));
    expect(d.response.json).toEqual(JSON.parse(ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 3600 })));
    expect(d.response.text).toBe(ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 3600 }));
  });

  test('each is made once and kept (the same tree on every read)', async () => {
    const { d } = await refreshRow();
    expect(d.request.json).toBe(d.request.json);
    expect(d.response.text).toBe(d.response.text);
  });

  test('spread, JSON, structured clone and the port schema see plain values', async () => {
    const { d } = await refreshRow();
    const want = { form: 'binary', status: 'decrypted', text: plaintextReq, json: JSON.parse(plaintextReq), keySource: 'manual', aad: 'none' };
    expect({ ...d.request }).toMatchObject(want);
    expect(JSON.parse(JSON.stringify(d.request))).toMatchObject(want);
    expect(structuredClone(d.request)).toMatchObject(want);
    expect(DecryptedSideSchema.parse(d.request)).toMatchObject(want);
    expect(Object.getOwnPropertyDescriptor(d.request, 'text')?.enumerable).toBe(true);
    expect(Object.getOwnPropertyDescriptor(d.request, 'json')?.enumerable).toBe(true);
  });

  test('assignable, like the data properties they replace', async () => {
    const { d } = await refreshRow();
    d.request.json = { replaced: true };
    d.request.text = 'x';
    expect(d.request.json).toEqual({ replaced: true });
    expect(d.request.text).toBe('x');
  });

  test('a plaintext that is not JSON: text as decoded (lenient UTF-8), json undefined, nothing throws', async () => {
    const s = session();
    // "a", an invalid UTF-8 byte, "b", sealed as a binary type-2 envelope.
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', s.requestKey, iv);
    const ct = Buffer.concat([c.update(Buffer.from([0x61, 0xff, 0x62])), c.final()]);
    const bad = Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 2]), iv, ct, c.getAuthTag()]);
    const d = await decryptExchange(exchange({ reqHeaders: s.headers, req: bad, res: binaryEnvelope(0x81, s.responseKey, 'not json') }), s.k);
    expect(d.request.status).toBe('decrypted');
    expect(d.request.text).toBe('a\uFFFDb');
    expect(d.request.json).toBeUndefined();
    expect(d.response.text).toBe('not json');
    expect(d.response.json).toBeUndefined();
    expect(d.responseCode).toBeUndefined();
  });
});
