/** §11 authentication and the §12 refresh/fingerprint decisions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { decodeJwtPayload, TestClient } from './helpers';

let gw: Gateway;
beforeAll(async () => {
  gw = await createGateway({ port: 0, rateLimits: false });
});
afterAll(() => gw.close());

const INITIATE = '/web/v1/system/auth/login/initiate';
const COMPLETE = '/web/v1/system/auth/login/complete';

async function client(portal?: string) {
  const c = new TestClient(gw, { portal });
  await c.handshake();
  return c;
}

describe('login (§11)', () => {
  it('initiate returns a uuid login session, OTP method and expiresIn 300', async () => {
    const c = await client();
    const r = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
    expect(r.status).toBe(200);
    expect(r.env).toMatchObject({ success: true, code: '2000', message: 'SUCCESS' });
    expect(r.env.data.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.env.data).toMatchObject({ mfaMethods: [{ code: 'OTP', value: 10011002, label: 'OTP' }], expiresIn: 300, accountStatus: null });
  });

  it('complete with the demo OTP returns a Bearer token pair; access token is an HS256 JWT', async () => {
    const c = await client();
    const pair = await c.login();
    expect(pair).toMatchObject({ expiresIn: 3600, accountStatus: null, tokenType: 'Bearer' });
    const [h] = pair.accessToken.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const p = decodeJwtPayload(pair.accessToken);
    expect(typeof p.sub).toBe('string');
    expect(typeof p.sid).toBe('string');
    expect(p.exp - p.iat).toBe(3600);
    expect(Math.abs(p.iat - Date.now() / 1000)).toBeLessThan(5);
    expect(pair.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('bad credentials → encrypted 401 AUTH.INVALID_CREDENTIALS', async () => {
    const c = await client();
    const r = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'wrong-password' });
    expect(r.status).toBe(401);
    expect(r.form).toBe('binary');
    expect(r.env.code).toBe('AUTH.INVALID_CREDENTIALS');
  });

  it.each([
    ['7 characters', 'x'.repeat(7)],
    ['129 characters', 'x'.repeat(129)],
  ])('a password of %s → 400 VALIDATION.INVALID_PARAMETER naming the field (§11: 8–128)', async (_label, password) => {
    const c = await client();
    const r = await c.sc(INITIATE, { email: 'demo@keyhole.test', password });
    expect(r.status).toBe(400);
    expect(r.env).toMatchObject({ code: 'VALIDATION.INVALID_PARAMETER', data: { password: ['Must be 8 to 128 characters'] } });
  });

  it('passwords of exactly 8 and 128 characters reach the credential check', async () => {
    const c = await client();
    for (const password of ['x'.repeat(8), 'x'.repeat(128)]) {
      const r = await c.sc(INITIATE, { email: 'demo@keyhole.test', password });
      expect(r.env.code).toBe('AUTH.INVALID_CREDENTIALS');
    }
  });

  it('initiate validates strictly', async () => {
    const c = await client();
    const r = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'keyhole-demo-1', remember: true });
    expect(r.status).toBe(400);
    expect(r.env).toMatchObject({ code: 'VALIDATION.INVALID_PARAMETER', data: { remember: ['Unknown field'] } });
  });

  it('wrong OTP → 400 AUTH.MFA_CODE_INVALID, then the right one still works', async () => {
    const c = await client();
    const a = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
    const bad = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 10011002, code: '000000' });
    expect(bad.status).toBe(400);
    expect(bad.env.code).toBe('AUTH.MFA_CODE_INVALID');
    const good = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 10011002, code: '123456' });
    expect(good.env.success).toBe(true);
    // The login session is single-use.
    const again = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 10011002, code: '123456' });
    expect(again.status).toBe(404);
    expect(again.env.code).toBe('AUTH.SESSION_NOT_FOUND');
  });

  it('complete validates method and code length', async () => {
    const c = await client();
    const a = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
    let r = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 42, code: '123456' });
    expect(r.env).toMatchObject({ code: 'VALIDATION.INVALID_PARAMETER', data: { method: ['Unsupported MFA method'] } });
    r = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 10011001, code: '123456' });
    expect(r.env.data).toEqual({ method: ['Unsupported MFA method'] });
    r = await c.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: '10011002', code: '123' });
    expect(r.env.data).toEqual({ method: ['Must be an integer'], code: ['Must be 6 to 10 characters'] });
  });

  it('complete from another client hash → 403 AUTH.FINGERPRINT_MISMATCH', async () => {
    const c = await client();
    const a = await c.sc(INITIATE, { email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
    const other = await client();
    const r = await other.sc(COMPLETE, { sessionId: a.env.data.sessionId, method: 10011002, code: '123456' });
    expect(r.status).toBe(403);
    expect(r.env.code).toBe('AUTH.FINGERPRINT_MISMATCH');
  });

  it('works on the tenant, consumer and partner portals', async () => {
    for (const portal of ['tenant', 'consumer', 'partner']) {
      const c = await client(portal);
      const pair = await c.login();
      const r = await c.refresh(pair.refreshToken);
      expect(r.env.success).toBe(true);
    }
  });
});

describe('refresh (§11, §12)', () => {
  it('rotates on every call: each pair is new and the old refresh token is spent', async () => {
    const c = await client();
    const p0 = await c.login();
    const r1 = await c.refresh(p0.refreshToken);
    expect(r1.status).toBe(200);
    expect(Object.keys(r1.env.data).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    expect(r1.env.data.refreshToken).not.toBe(p0.refreshToken);
    expect(r1.env.data.accessToken).not.toBe(p0.accessToken);
    expect(decodeJwtPayload(r1.env.data.accessToken).sid).toBe(decodeJwtPayload(p0.accessToken).sid);
    const r2 = await c.refresh(r1.env.data.refreshToken, { form: 'json' });
    expect(r2.env.success).toBe(true);
    expect(gw.stats.count('refresh')).toBeGreaterThanOrEqual(2);
  });

  it('reuse of a rotated token revokes the whole family', async () => {
    const c = await client();
    const p0 = await c.login();
    const r1 = await c.refresh(p0.refreshToken);
    const reuse = await c.refresh(p0.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.form).toBe('binary');
    expect(reuse.env).toMatchObject({ code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'Invalid or expired refresh token' });
    // The legitimate newest token is dead too.
    const next = await c.refresh(r1.env.data.refreshToken);
    expect(next.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('unknown token → 401 AUTH.REFRESH_TOKEN_INVALID', async () => {
    const c = await client();
    const r = await c.refresh('bm9wZQ');
    expect(r.status).toBe(401);
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('body is exactly {refreshToken}: unknown fields → 400 with {field:[msgs]}', async () => {
    const c = await client();
    const p0 = await c.login();
    let r = await c.sc('/web/v1/system/auth/token/refresh', { refreshToken: p0.refreshToken, deviceId: 'x' });
    expect(r.status).toBe(400);
    expect(r.env).toMatchObject({ success: false, code: 'VALIDATION.INVALID_PARAMETER', data: { deviceId: ['Unknown field'] } });
    r = await c.sc('/web/v1/system/auth/token/refresh', {});
    expect(r.env.data).toEqual({ refreshToken: ['Required'] });
    r = await c.sc('/web/v1/system/auth/token/refresh', { refreshToken: 5 });
    expect(r.env.data).toEqual({ refreshToken: ['Must be a string'] });
    r = await c.sc('/web/v1/system/auth/token/refresh', [p0.refreshToken]);
    expect(r.env.code).toBe('VALIDATION.INVALID_PARAMETER');
    // The token was not spent by the refused calls.
    expect((await c.refresh(p0.refreshToken)).env.success).toBe(true);
  });

  it('token family is bound to X-Client-Hash (403), and a stranger cannot revoke it', async () => {
    const c = await client();
    const p0 = await c.login();
    const thief = await client();
    const r = await thief.refresh(p0.refreshToken);
    expect(r.status).toBe(403);
    expect(r.env.code).toBe('AUTH.FINGERPRINT_MISMATCH');
    expect((await c.refresh(p0.refreshToken)).env.success).toBe(true);
    expect((await thief.refresh(p0.refreshToken)).env.code).toBe('AUTH.FINGERPRINT_MISMATCH');
  });

  it('a token from one portal is refused on another', async () => {
    const c = await client();
    const p0 = await c.login();
    const r = await c.sc('/web/v1/tenant/auth/token/refresh', { refreshToken: p0.refreshToken });
    expect(r.env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('issueTokens() gives tests a pair without logging in', async () => {
    const c = await client();
    const t = gw.issueTokens(c.clientHash);
    expect((await c.refresh(t.refreshToken)).env.success).toBe(true);
  });
});

describe('reuse detection off', () => {
  it('a rotated token is refused but the family survives', async () => {
    const g2 = await createGateway({ port: 0, reuseDetection: false });
    try {
      const c = new TestClient(g2);
      await c.handshake();
      const p0 = await c.login();
      const r1 = await c.refresh(p0.refreshToken);
      expect((await c.refresh(p0.refreshToken)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
      expect((await c.refresh(r1.env.data.refreshToken)).env.success).toBe(true);
    } finally {
      await g2.close();
    }
  });
});

describe('logout (§11)', () => {
  const LOGOUT = '/web/v1/system/auth/logout';

  it('Bearer → plain {success:true, terminatedSessions:1}; refresh then fails; idempotent', async () => {
    const c = await client();
    const p0 = await c.login();
    let r = await c.raw(LOGOUT, { method: 'POST', headers: c.headers({ Authorization: `Bearer ${p0.accessToken}` }) });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: true, code: '2000', data: { success: true, terminatedSessions: 1 } });
    expect((await c.refresh(p0.refreshToken)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    r = await c.raw(LOGOUT, { method: 'POST', headers: c.headers({ Authorization: `Bearer ${p0.accessToken}` }) });
    expect(r.json.data).toEqual({ success: true, terminatedSessions: 0 });
  });

  it('missing token → 401 ACCESS.TOKEN_MISSING; forged → 401 ACCESS.UNAUTHORIZED (documented codes only)', async () => {
    const c = await client();
    let r = await c.raw(LOGOUT, { method: 'POST' });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('ACCESS.TOKEN_MISSING');
    const p0 = await c.login();
    const [h, p] = p0.accessToken.split('.');
    r = await c.raw(LOGOUT, { method: 'POST', headers: c.headers({ Authorization: `Bearer ${h}.${p}.new-token` }) });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('ACCESS.UNAUTHORIZED');
  });

  it('another client hash → 403 AUTH.FINGERPRINT_MISMATCH', async () => {
    const c = await client();
    const p0 = await c.login();
    const r = await c.raw(LOGOUT, { method: 'POST', headers: c.headers({ Authorization: `Bearer ${p0.accessToken}`, 'X-Client-Hash': 'other' }) });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('AUTH.FINGERPRINT_MISMATCH');
  });
});
