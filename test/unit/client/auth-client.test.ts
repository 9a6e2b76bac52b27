import { describe, expect, it } from 'vitest';
import { fail, makeJwt, ok } from './fake-gateway';
import { rejection, rig } from './helpers';

const LOGIN = '/web/v1/system/auth/login/initiate';
const COMPLETE = '/web/v1/system/auth/login/complete';
const REFRESH = '/web/v1/system/auth/token/refresh';
const LOGOUT = '/web/v1/system/auth/logout';

async function loggedIn(r = rig()): Promise<{ r: ReturnType<typeof rig>; pair: Awaited<ReturnType<ReturnType<typeof rig>['auth']['loginComplete']>> }> {
  const init = await r.auth.loginInitiate('demo@keyhole.test', 'keyhole-demo-1');
  const pair = await r.auth.loginComplete(init.sessionId, 10011002, '123456');
  return { r, pair };
}

describe('AuthClient login', () => {
  it('sends exactly email and password to login initiate', async () => {
    const { gw, auth } = rig();
    await auth.loginInitiate('demo@keyhole.test', 'keyhole-demo-1');
    expect(gw.requests.find((q) => q.path === LOGIN)!.plaintext).toEqual({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
  });

  it('returns the login session id and MFA methods', async () => {
    const { auth } = rig();
    const init = await auth.loginInitiate('demo@keyhole.test', 'keyhole-demo-1');
    expect(init.mfaMethods[0]).toMatchObject({ code: 'OTP', value: 10011002 });
    expect(init.expiresIn).toBe(300);
  });

  it('maps bad credentials to INVALID_CREDENTIALS', async () => {
    const { auth } = rig();
    const e = await rejection(auth.loginInitiate('demo@keyhole.test', 'wrong'));
    expect(e.code).toBe('INVALID_CREDENTIALS');
    expect(e.serverCode).toBe('AUTH.INVALID_CREDENTIALS');
  });

  it('sends exactly sessionId, method and code to login complete', async () => {
    const { r } = await loggedIn();
    expect(r.gw.requests.find((q) => q.path === COMPLETE)!.plaintext).toEqual({ sessionId: expect.any(String), method: 10011002, code: '123456' });
  });

  it('maps a wrong MFA code to MFA_CODE_INVALID', async () => {
    const { gw, auth } = rig();
    gw.handlers.set(COMPLETE, () => ({ status: 400, envelope: fail('AUTH.MFA_CODE_INVALID', 'Invalid code') }));
    expect((await rejection(auth.loginComplete('x', 10011002, '000000'))).code).toBe('MFA_CODE_INVALID');
  });
});

describe('AuthClient token pair', () => {
  it('takes the access expiry from the JWT exp claim', async () => {
    const { r, pair } = await loggedIn();
    const exp = JSON.parse(Buffer.from(pair.accessToken.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(pair.receivedAt).toBe(r.clock.t);
    expect(pair.accessExpiresAt).toBe(exp * 1000);
    expect(pair.expiresIn).toBe(3600);
  });

  it('falls back to receivedAt + expiresIn when the JWT has no exp', async () => {
    const { gw, auth, clock } = rig();
    gw.handlers.set(COMPLETE, () => ({ envelope: ok({ accessToken: makeJwt({ sub: 'a', sid: 's', iat: 1 }), refreshToken: 'r', expiresIn: 120 }) }));
    const pair = await auth.loginComplete('x', 10011002, '123456');
    expect(pair.accessExpiresAt).toBe(clock.t + 120_000);
  });

  it('falls back to receivedAt + expiresIn when the access token is not a JWT', async () => {
    const { gw, auth, clock } = rig();
    gw.handlers.set(COMPLETE, () => ({ envelope: ok({ accessToken: 'opaque', refreshToken: 'r', expiresIn: 60 }) }));
    const pair = await auth.loginComplete('x', 10011002, '123456');
    expect(pair.accessExpiresAt).toBe(clock.t + 60_000);
  });

  it('rejects a token response without a refresh token as SCHEMA_INVALID', async () => {
    const { gw, auth } = rig();
    gw.handlers.set(COMPLETE, () => ({ envelope: ok({ accessToken: 'a', expiresIn: 60 }) }));
    expect((await rejection(auth.loginComplete('x', 10011002, '123456'))).code).toBe('SCHEMA_INVALID');
  });
});

describe('AuthClient refresh', () => {
  it('sends exactly the refresh token and returns the rotated pair', async () => {
    const { r, pair } = await loggedIn();
    const next = await r.auth.refresh(pair.refreshToken);
    expect(r.gw.requests.find((q) => q.path === REFRESH)!.plaintext).toEqual({ refreshToken: pair.refreshToken });
    expect(next.refreshToken).not.toBe(pair.refreshToken);
  });

  it('maps a refused refresh token to REFRESH_REJECTED', async () => {
    const { r, pair } = await loggedIn();
    await r.auth.refresh(pair.refreshToken);
    const e = await rejection(r.auth.refresh(pair.refreshToken));
    expect(e.code).toBe('REFRESH_REJECTED');
    expect(e.status).toBe(401);
  });

  it('does not resend a refresh after a network failure', async () => {
    const { r, pair } = await loggedIn();
    const calls: string[] = [];
    const orig = r.gw.fetch;
    r.gw.fetch = async (url, init) => {
      calls.push(url);
      if (url.endsWith(REFRESH)) throw new TypeError('connection reset');
      return orig(url, init);
    };
    // The channel captured the fetch at construction, so rebuild a client around the patched one.
    const { SecureChannel } = await import('../../../src/client/secure-channel');
    const { AuthClient } = await import('../../../src/client/auth-client');
    const channel = new SecureChannel({ apiBase: r.channel.apiBase, fetch: r.gw.fetch, headers: () => ({ mode: 'local', clientHash: 'client-hash-1' }), store: r.store, now: () => r.clock.t });
    const auth = new AuthClient({ channel });
    expect((await rejection(auth.refresh(pair.refreshToken))).code).toBe('NETWORK_ERROR');
    expect(calls.filter((u) => u.endsWith(REFRESH))).toHaveLength(1);
  });

  it('does not resend a refresh after a server error', async () => {
    const { r, pair } = await loggedIn();
    r.gw.handlers.set(REFRESH, () => ({ status: 500, envelope: fail('SYSTEM.INTERNAL_ERROR', 'boom') }));
    expect((await rejection(r.auth.refresh(pair.refreshToken))).code).toBe('SERVER_ERROR');
    expect(r.gw.count(REFRESH)).toBe(1);
  });

  it('sends the refresh only once its gate has resolved (the marker write), sealing it meanwhile', async () => {
    const { r, pair } = await loggedIn();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const refreshed = r.auth.refresh(pair.refreshToken, { gate });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.gw.count(REFRESH)).toBe(0);
    open();
    expect((await refreshed).refreshToken).not.toBe(pair.refreshToken);
    expect(r.gw.count(REFRESH)).toBe(1);
  });

  it("sends nothing when its gate rejects, and rejects with the gate's reason", async () => {
    const { r, pair } = await loggedIn();
    const reason = new Error('storage: write failed');
    expect(await r.auth.refresh(pair.refreshToken, { gate: Promise.reject(reason) }).catch((e: unknown) => e)).toBe(reason);
    expect(r.gw.count(REFRESH)).toBe(0);
    expect(await r.auth.refresh(pair.refreshToken).then((p) => p.refreshToken !== pair.refreshToken)).toBe(true); // the token was never spent
  });

  it('resends a refresh once on a new session after SESSION_NOT_FOUND', async () => {
    const { r, pair } = await loggedIn();
    r.gw.sessions.clear();
    const next = await r.auth.refresh(pair.refreshToken);
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect(r.gw.count(REFRESH)).toBe(2);
    expect(r.gw.requests.filter((q) => q.path === REFRESH && q.plaintext)).toHaveLength(1);
  });

  it('maps a rate-limited refresh to RATE_LIMITED with retryAfterMs', async () => {
    const { r, pair } = await loggedIn();
    r.gw.handlers.set(REFRESH, () => ({ status: 429, plain: true, headers: { 'retry-after': '42' }, envelope: fail('RATE_LIMIT.EXCEEDED', 'Too many requests') }));
    const e = await rejection(r.auth.refresh(pair.refreshToken));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfterMs).toBe(42_000);
  });

  it('maps a fingerprint mismatch to FINGERPRINT_MISMATCH', async () => {
    const { r, pair } = await loggedIn();
    r.gw.handlers.set(REFRESH, () => ({ status: 403, envelope: fail('AUTH.FINGERPRINT_MISMATCH', 'Fingerprint mismatch') }));
    expect((await rejection(r.auth.refresh(pair.refreshToken))).code).toBe('FINGERPRINT_MISMATCH');
  });

  it('rejects a refresh response with a wrong field type as SCHEMA_INVALID', async () => {
    const { r, pair } = await loggedIn();
    r.gw.handlers.set(REFRESH, () => ({ envelope: ok({ accessToken: 'a', refreshToken: 'b', expiresIn: 'soon' }) }));
    expect((await rejection(r.auth.refresh(pair.refreshToken))).code).toBe('SCHEMA_INVALID');
  });
});

describe('AuthClient logout', () => {
  it('posts with the bearer token and no body, unencrypted', async () => {
    const { r, pair } = await loggedIn();
    const out = await r.auth.logout(pair.accessToken);
    const req = r.gw.requests.find((q) => q.path === LOGOUT)!;
    expect(out).toEqual({ success: true, terminatedSessions: 1 });
    expect(req.headers['authorization']).toBe(`Bearer ${pair.accessToken}`);
    expect(req.body).toBeUndefined();
  });

  it('maps a missing token answer to TOKEN_MISSING', async () => {
    const { gw, auth } = rig();
    gw.handlers.set(LOGOUT, () => ({ status: 401, envelope: fail('ACCESS.TOKEN_MISSING', 'Token missing') }));
    expect((await rejection(auth.logout('x'))).code).toBe('TOKEN_MISSING');
  });
});
