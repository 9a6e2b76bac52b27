/** §5–§9 and the §12 secure-channel decisions, over real HTTP. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { aesSeal, jsonEnvelope, rsaWrap, TestClient, type1, type2 } from './helpers';

let gw: Gateway;
beforeAll(async () => {
  gw = await createGateway({ port: 0, rateLimits: false });
});
afterAll(() => gw.close());

const REFRESH = '/web/v1/system/auth/token/refresh';

describe('GET public-key (§5)', () => {
  it('returns the documented shape with a base64 SPKI and a dated keyId', async () => {
    const c = new TestClient(gw);
    const r = await c.raw('/web/v1/secure-channel/public-key');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(r.json).toMatchObject({ version: '2.0.0', success: true, code: '2000', message: 'SUCCESS' });
    expect(typeof r.json.timestamp).toBe('number');
    const d = r.json.data;
    expect(d).toMatchObject({ algorithm: 'RSA-OAEP-2048', keySize: 2048, expiresAt: null });
    expect(d.keyId).toMatch(/^rsa-key-\d{4}-\d{2}-\d{2}$/);
    expect(d.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Buffer.from(d.publicKey, 'base64').length).toBe(294); // RSA-2048 SPKI DER
  });

  it('is also served under /web/v1/{portal}/secure-channel', async () => {
    for (const portal of ['system', 'tenant', 'consumer', 'partner']) {
      const r = await new TestClient(gw).raw(`/web/v1/${portal}/secure-channel/public-key`);
      expect(r.status).toBe(200);
      expect(r.json.data.keyId).toBe(gw.keyId);
    }
  });
});

describe('POST session (§6)', () => {
  it('creates a session: sess_ id, expiresAt 24 h ahead, keys never echoed', async () => {
    const c = new TestClient(gw);
    const before = Date.now();
    const k = await c.handshake();
    expect(k.sessionId).toMatch(/^sess_[A-Za-z0-9_-]+$/);
    expect(k.expiresAt).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect(k.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1000);
  });

  it('works under a portal SC root too', async () => {
    const c = new TestClient(gw, { portal: 'tenant' });
    await c.handshake();
    const r = await c.sc('/web/v1/tenant/auth/token/refresh', { refreshToken: 'x' });
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('refuses an unknown keyId with 400 "4000"', async () => {
    const c = new TestClient(gw);
    const pk = await c.publicKey();
    const r = await c.raw('/web/v1/secure-channel/session', {
      body: JSON.stringify({ keyId: 'rsa-key-1999-01-01', encReqKey: rsaWrap(pk.publicKey, randomBytes(32)).toString('base64'), encRespKey: rsaWrap(pk.publicKey, randomBytes(32)).toString('base64') }),
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ success: false, code: '4000', message: 'Invalid or expired RSA key ID', data: null });
  });

  it('refuses keys it cannot decrypt with 400 "4000"', async () => {
    const c = new TestClient(gw);
    const pk = await c.publicKey();
    const r = await c.raw('/web/v1/secure-channel/session', {
      body: JSON.stringify({ keyId: pk.keyId, encReqKey: randomBytes(256).toString('base64'), encRespKey: randomBytes(256).toString('base64') }),
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: '4000', message: 'Failed to decrypt session keys' });
  });

  it('refuses a wrapped key that is not 32 bytes', async () => {
    const c = new TestClient(gw);
    const pk = await c.publicKey();
    const r = await c.raw('/web/v1/secure-channel/session', {
      body: JSON.stringify({ keyId: pk.keyId, encReqKey: rsaWrap(pk.publicKey, randomBytes(16)).toString('base64'), encRespKey: rsaWrap(pk.publicKey, randomBytes(32)).toString('base64') }),
    });
    expect(r.json).toMatchObject({ code: '4000', message: 'Failed to decrypt session keys' });
  });

  it('validates the body strictly (unknown fields, missing fields, non-JSON)', async () => {
    const c = new TestClient(gw);
    let r = await c.raw('/web/v1/secure-channel/session', { body: JSON.stringify({ keyId: 'k', encReqKey: 'a', encRespKey: 'b', extra: 1 }) });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'VALIDATION.INVALID_PARAMETER', data: { extra: ['Unknown field'] } });
    r = await c.raw('/web/v1/secure-channel/session', { body: JSON.stringify({ keyId: 'k' }) });
    expect(r.json.data).toEqual({ encReqKey: ['Required'], encRespKey: ['Required'] });
    r = await c.raw('/web/v1/secure-channel/session', { body: '{not json' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('VALIDATION.INVALID_PARAMETER');
    r = await c.raw('/web/v1/secure-channel/session', { body: '' });
    expect(r.json.code).toBe('VALIDATION.INVALID_PARAMETER');
  });

  it('requires X-Client-Hash at creation (403 AUTH.FINGERPRINT_MISMATCH)', async () => {
    const c = new TestClient(gw);
    const r = await c.raw('/web/v1/secure-channel/session', { headers: c.headers({ 'X-Client-Hash': undefined }), body: '{}' });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('AUTH.FINGERPRINT_MISMATCH');
    expect(r.json.message).toContain('X-Client-Hash');
  });

  it('refuses a retired keyId after rotation; the new key works; old sessions live on', async () => {
    const g2 = await createGateway({ port: 0 });
    try {
      const c = new TestClient(g2);
      const old = await c.publicKey();
      await c.handshake();
      const newId = g2.rotateKey();
      expect(newId).not.toBe(old.keyId);
      const r = await c.raw('/web/v1/secure-channel/session', {
        body: JSON.stringify({ keyId: old.keyId, encReqKey: rsaWrap(old.publicKey, randomBytes(32)).toString('base64'), encRespKey: rsaWrap(old.publicKey, randomBytes(32)).toString('base64') }),
      });
      expect(r.status).toBe(400);
      expect(r.json.message).toBe('Invalid or expired RSA key ID');
      expect((await c.publicKey()).keyId).toBe(newId);
      const still = await c.sc(REFRESH, { refreshToken: 'nope' });
      expect(still.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
      await new TestClient(g2).handshake();
    } finally {
      await g2.close();
    }
  });

  it('honours retiredKeyIds given as an option', async () => {
    const g2 = await createGateway({ port: 0, keyId: 'rsa-key-2026-03-21', retiredKeyIds: ['rsa-key-2026-03-21'] });
    try {
      const c = new TestClient(g2);
      await expect(c.handshake()).rejects.toThrow(/session 400/);
    } finally {
      await g2.close();
    }
  });
});

describe('POST session/close (§7)', () => {
  it('closes with either header, is idempotent, and the id is refused afterwards', async () => {
    const c = new TestClient(gw);
    const k = await c.handshake();
    let r = await c.raw('/web/v1/secure-channel/session/close', { method: 'POST', headers: c.headers({ 'X-Secure-Channel-Session-Id': k.sessionId }) });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: true, code: '2000', data: null });
    r = await c.raw('/web/v1/secure-channel/session/close', { method: 'POST', headers: c.headers({ 'X-SC-Session-Id': k.sessionId }) });
    expect(r.status).toBe(200);
    r = await c.raw('/web/v1/secure-channel/session/close', { method: 'POST', headers: c.headers({ 'X-SC-Session-Id': 'sess_never' }) });
    expect(r.status).toBe(200);
    const after = await c.refresh('x');
    expect(after.status).toBe(401);
    expect(after.form).toBe('plain');
    expect(after.env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
  });

  it('needs the session header (400 "4000")', async () => {
    const c = new TestClient(gw);
    const r = await c.raw('/web/v1/secure-channel/session/close', { method: 'POST' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: '4000', message: 'Session ID header is required' });
  });

  it('a live session can only be closed by its own client hash', async () => {
    const c = new TestClient(gw);
    const k = await c.handshake();
    const r = await c.raw('/web/v1/secure-channel/session/close', { method: 'POST', headers: c.headers({ 'X-SC-Session-Id': k.sessionId, 'X-Client-Hash': 'other' }) });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('AUTH.FINGERPRINT_MISMATCH');
  });
});

describe('request forms and response mirroring (§8, §9, §12)', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = new TestClient(gw);
    await c.handshake();
  });

  it('binary type 2 in → binary type 129 out, Content-Type application/json;charset=UTF-8', async () => {
    const r = await c.refresh('nope');
    expect(r.form).toBe('binary');
    expect(r.raw[3]).toBe(0x81);
    expect(r.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(r.status).toBe(401);
    expect(r.aad).toBe(false);
    expect(r.env).toMatchObject({ version: '2.0.0', success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'Invalid or expired refresh token', data: null });
  });

  it.each(['json', 'json-url', 'json-binary'] as const)('JSON envelope %s in → JSON {v:2,p} out (standard base64)', async (form) => {
    const r = await c.refresh('nope', { form });
    expect(r.form).toBe('json');
    const outer = JSON.parse(r.raw.toString());
    expect(Object.keys(outer)).toEqual(['v', 'p']);
    expect(outer.p).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it.each(['binary', 'json'] as const)('AAD = UTF-8(sessionId) is accepted and mirrored (%s)', async (form) => {
    const r = await c.sc(REFRESH, { refreshToken: 'nope' }, { form, aad: true });
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    expect(r.aad).toBe(true);
    const r2 = await c.sc(REFRESH, { refreshToken: 'nope' }, { form });
    expect(r2.aad).toBe(false);
  });

  it('type 1 inline key exchange creates a session and returns X-SC-Session-Id', async () => {
    const c1 = new TestClient(gw);
    const pk = await c1.publicKey();
    const requestKey = randomBytes(32);
    const responseKey = randomBytes(32);
    const { iv, ct, tag } = aesSeal(requestKey, Buffer.from(JSON.stringify({ refreshToken: 'nope' })));
    const body = type1(pk.keyId, rsaWrap(pk.publicKey, requestKey), rsaWrap(pk.publicKey, responseKey), iv, ct, tag);
    const res = await fetch(gw.url + REFRESH, { method: 'POST', headers: c1.headers(), body: body as BodyInit });
    const sid = res.headers.get('x-sc-session-id');
    expect(sid).toMatch(/^sess_/);
    const keys = { sessionId: sid!, keyId: pk.keyId, requestKey, responseKey, expiresAt: 0 };
    const r = c1.open(res.status, res.headers, Buffer.from(await res.arrayBuffer()), keys);
    expect(r.form).toBe('binary');
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    // The new session is a normal session afterwards.
    c1.keys = keys;
    const again = await c1.refresh('nope');
    expect(again.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    // Type 1 inside a JSON envelope answers JSON.
    const s2 = aesSeal(requestKey, Buffer.from('{"refreshToken":"x"}'));
    const res2 = await fetch(gw.url + REFRESH, {
      method: 'POST',
      headers: c1.headers(),
      body: jsonEnvelope(type1(pk.keyId, rsaWrap(pk.publicKey, requestKey), rsaWrap(pk.publicKey, responseKey), s2.iv, s2.ct, s2.tag)),
    });
    expect(res2.headers.get('x-sc-session-id')).toMatch(/^sess_/);
    const r2 = c1.open(res2.status, res2.headers, Buffer.from(await res2.arrayBuffer()), { ...keys, sessionId: res2.headers.get('x-sc-session-id')! });
    expect(r2.form).toBe('json');
  });

  it('type 1 with an unknown keyId or undecryptable keys → plain 400 "4000"', async () => {
    const c1 = new TestClient(gw);
    const pk = await c1.publicKey();
    const k = randomBytes(32);
    const s = aesSeal(k, Buffer.from('{}'));
    let res = await c1.raw(REFRESH, { body: type1('rsa-key-nope', rsaWrap(pk.publicKey, k), rsaWrap(pk.publicKey, k), s.iv, s.ct, s.tag) });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: '4000', message: 'Invalid or expired RSA key ID' });
    res = await c1.raw(REFRESH, { body: type1(pk.keyId, randomBytes(256), randomBytes(256), s.iv, s.ct, s.tag) });
    expect(res.json).toMatchObject({ code: '4000', message: 'Failed to decrypt session keys' });
  });

  it('replaying a message → 400 SECURE_CHANNEL.REPLAY_DETECTED, encrypted', async () => {
    const body = c.seal({ refreshToken: 'nope' });
    const first = await c.sc(REFRESH, null, { body });
    expect(first.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    const again = await c.sc(REFRESH, null, { body });
    expect(again.status).toBe(400);
    expect(again.form).toBe('binary');
    expect(again.env.code).toBe('SECURE_CHANNEL.REPLAY_DETECTED');
    // The same IV in a different form is the same message.
    const iv = randomBytes(12);
    await c.sc(REFRESH, null, { body: c.seal({ refreshToken: 'a' }, 'json', { iv }) });
    const r = await c.sc(REFRESH, null, { body: c.seal({ refreshToken: 'a' }, 'binary', { iv }) });
    expect(r.env.code).toBe('SECURE_CHANNEL.REPLAY_DETECTED');
  });

  it('a forged tag is refused plain (400 INVALID_PAYLOAD) and does not poison the IV memory', async () => {
    const iv = randomBytes(12);
    const good = c.seal({ refreshToken: 'z' }, 'binary', { iv }) as Buffer;
    const forged = Buffer.from(good);
    forged[forged.length - 1]! ^= 1;
    const r = await c.sc(REFRESH, null, { body: forged });
    expect(r.status).toBe(400);
    expect(r.form).toBe('plain');
    expect(r.env.code).toBe('SECURE_CHANNEL.INVALID_PAYLOAD');
    const ok = await c.sc(REFRESH, null, { body: good });
    expect(ok.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('plaintext JSON to an SCv2 endpoint → plain 400 SECURE_CHANNEL.INVALID_PAYLOAD', async () => {
    const r = await c.sc(REFRESH, null, { body: JSON.stringify({ refreshToken: 'x' }) });
    expect(r.status).toBe(400);
    expect(r.form).toBe('plain');
    expect(r.env).toMatchObject({ version: '2.0.0', success: false, code: 'SECURE_CHANNEL.INVALID_PAYLOAD', data: null });
  });

  it.each([
    ['empty body', Buffer.alloc(0)],
    ['magic only', Buffer.from([0x53, 0x43])],
    ['truncated type 2', Buffer.from([0x53, 0x43, 0x02, 0x02, 1, 2, 3])],
    ['bad version', Buffer.concat([Buffer.from([0x53, 0x43, 0x01, 0x02]), randomBytes(40)])],
    ['unknown type', Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x07]), randomBytes(40)])],
    ['response type in a request', Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x81]), randomBytes(40)])],
    ['truncated type 1', Buffer.from([0x53, 0x43, 0x02, 0x01, 10, 0x61])],
    ['garbage bytes', randomBytes(300)],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b])],
    ['JSON v:1', JSON.stringify({ v: 1, p: randomBytes(40).toString('base64') })],
    ['JSON p not base64', JSON.stringify({ v: 2, p: '***' })],
    ['JSON p too short', JSON.stringify({ v: 2, p: 'AAAA' })],
    ['JSON array', '[1,2,3]'],
  ])('%s → plain 400 SECURE_CHANNEL.INVALID_PAYLOAD', async (_name, body) => {
    const r = await c.sc(REFRESH, null, { body });
    expect(r.status).toBe(400);
    expect(r.form).toBe('plain');
    expect(r.env.code).toBe('SECURE_CHANNEL.INVALID_PAYLOAD');
  });

  it('unknown or missing session id → plain 401 SECURE_CHANNEL.SESSION_NOT_FOUND', async () => {
    const body = c.seal({ refreshToken: 'x' });
    let r = await c.sc(REFRESH, null, { body, headers: { 'X-SC-Session-Id': 'sess_unknown' } });
    expect(r.status).toBe(401);
    expect(r.form).toBe('plain');
    expect(r.env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
    r = await c.sc(REFRESH, null, { body, headers: { 'X-SC-Session-Id': undefined } });
    expect(r.env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
  });

  it('accepts X-Secure-Channel-Session-Id on encrypted calls too', async () => {
    const r = await c.sc(REFRESH, { refreshToken: 'x' }, { headers: { 'X-SC-Session-Id': undefined, 'X-Secure-Channel-Session-Id': c.keys!.sessionId } });
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('a message under another session key does not verify', async () => {
    const other = new TestClient(gw, { clientHash: c.clientHash });
    await other.handshake();
    const r = await c.sc(REFRESH, null, { body: other.seal({ refreshToken: 'x' }) });
    expect(r.status).toBe(400);
    expect(r.env.code).toBe('SECURE_CHANNEL.INVALID_PAYLOAD');
  });

  it('decrypted non-JSON plaintext → encrypted 400 VALIDATION.INVALID_PARAMETER', async () => {
    const r = await c.sc(REFRESH, 'not json at all');
    expect(r.status).toBe(400);
    expect(r.form).toBe('binary');
    expect(r.env.code).toBe('VALIDATION.INVALID_PARAMETER');
  });

  it('a different X-Client-Hash on the session → encrypted 403 AUTH.FINGERPRINT_MISMATCH', async () => {
    let r = await c.sc(REFRESH, { refreshToken: 'x' }, { headers: { 'X-Client-Hash': 'someone-else' } });
    expect(r.status).toBe(403);
    expect(r.form).toBe('binary');
    expect(r.env.code).toBe('AUTH.FINGERPRINT_MISMATCH');
    r = await c.sc(REFRESH, { refreshToken: 'x' }, { headers: { 'X-Client-Hash': undefined } });
    expect(r.env.code).toBe('AUTH.FINGERPRINT_MISMATCH');
  });

  it('binary in type2 helper builds the same bytes as the seal helper (sanity)', () => {
    const iv = randomBytes(12);
    const b = c.seal({ a: 1 }, 'binary', { iv }) as Buffer;
    expect(b.subarray(0, 4)).toEqual(Buffer.from([0x53, 0x43, 2, 2]));
    expect(type2(iv, Buffer.alloc(0), Buffer.alloc(16)).length).toBe(32);
  });
});
