/**
 * SecureChannel + AuthClient against the REAL reference gateway (src/gateway), over real HTTP on
 * 127.0.0.1. Each test uses its own fingerprint (X-Client-Hash), so rate-limit buckets and token
 * families never leak between tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/index';
import { SecureChannel, type ScSessionState } from '../../src/client/secure-channel';
import { AuthClient, MFA_METHOD } from '../../src/client/auth-client';
import type { FetchLike } from '../../src/client/transport';

type Gateway = Awaited<ReturnType<typeof createGateway>>;

const DEMO = { email: 'demo@keyhole.test', password: 'keyhole-demo-1', otp: '123456' };
let hashCounter = 0;

interface Client {
  channel: SecureChannel;
  auth: AuthClient;
  /** Every URL the client fetched, in order. */
  urls: string[];
  store: { value?: ScSessionState; load(): Promise<ScSessionState | undefined>; save(s?: ScSessionState): Promise<void> };
}

function client(gw: Gateway, opts: { form?: 'binary' | 'json'; clientHash?: string; store?: Client['store'] } = {}): Client {
  const urls: string[] = [];
  const fetchFn: FetchLike = (url, init) => {
    urls.push(url);
    return fetch(url, init);
  };
  const clientHash = opts.clientHash ?? `it-client-${process.pid}-${++hashCounter}`;
  const store: Client['store'] = opts.store ?? {
    async load() {
      return this.value;
    },
    async save(s) {
      this.value = s;
    },
  };
  const channel = new SecureChannel({
    apiBase: gw.url,
    fetch: fetchFn,
    headers: () => ({ mode: 'local', clientHash, locale: 'en', cf: { ip: '127.0.0.1', ray: `${clientHash}-DEV`, country: 'US' } }),
    form: opts.form ?? 'binary',
    store,
    timeoutMs: 10_000,
  });
  return { channel, auth: new AuthClient({ channel }), urls, store };
}

async function login(c: Client): Promise<Awaited<ReturnType<AuthClient['loginComplete']>>> {
  const init = await c.auth.loginInitiate(DEMO.email, DEMO.password);
  return c.auth.loginComplete(init.sessionId, MFA_METHOD.OTP, DEMO.otp);
}

async function codeOf(p: Promise<unknown>): Promise<{ code?: string; retryAfterMs?: number; status?: number }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string };
  }
  throw new Error('expected a rejection');
}

let gw: Gateway;
beforeAll(async () => {
  gw = await createGateway({ port: 0, log: false });
});
afterAll(async () => {
  await gw?.close();
});

describe('client against the reference gateway', () => {
  it('performs a handshake and gets a session id and expiry', async () => {
    const c = client(gw);
    const s = await c.channel.session();
    expect(s.sessionId).toMatch(/^sess_/);
    expect(s.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect(c.store.value).toEqual(s);
  });

  it('logs in with the demo account using binary envelopes', async () => {
    const c = client(gw, { form: 'binary' });
    const init = await c.auth.loginInitiate(DEMO.email, DEMO.password);
    expect(init.mfaMethods.map((m) => m.value)).toContain(MFA_METHOD.OTP);
    const pair = await c.auth.loginComplete(init.sessionId, MFA_METHOD.OTP, DEMO.otp);
    expect(pair.accessToken.split('.')).toHaveLength(3);
    expect(pair.refreshToken).toBeTruthy();
    expect(pair.expiresIn).toBeGreaterThan(0);
    expect(pair.accessExpiresAt).toBeGreaterThan(pair.receivedAt - 5_000);
  });

  it('logs in with the demo account using JSON envelopes', async () => {
    const c = client(gw, { form: 'json' });
    const pair = await login(c);
    expect(pair.accessToken).toBeTruthy();
  });

  it('refuses a wrong password with INVALID_CREDENTIALS', async () => {
    const c = client(gw);
    expect((await codeOf(c.auth.loginInitiate(DEMO.email, 'wrong-password'))).code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a wrong OTP with MFA_CODE_INVALID', async () => {
    const c = client(gw);
    const init = await c.auth.loginInitiate(DEMO.email, DEMO.password);
    expect((await codeOf(c.auth.loginComplete(init.sessionId, MFA_METHOD.OTP, '000000'))).code).toBe('MFA_CODE_INVALID');
  });

  it('rotates the refresh token and refuses the old one with REFRESH_REJECTED', async () => {
    const c = client(gw);
    const first = await login(c);
    const second = await c.auth.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const e = await codeOf(c.auth.refresh(first.refreshToken));
    expect(e.code).toBe('REFRESH_REJECTED');
  });

  it('refreshes over JSON envelopes', async () => {
    const c = client(gw, { form: 'json' });
    const first = await login(c);
    const second = await c.auth.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
  });

  it('re-handshakes automatically after the gateway closed the session', async () => {
    const c = client(gw);
    const pair = await login(c);
    const before = c.channel.peekState()!.sessionId;
    await gw.closeAllScSessions();
    const next = await c.auth.refresh(pair.refreshToken);
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect(c.channel.peekState()!.sessionId).not.toBe(before);
    expect(c.urls.filter((u) => u.endsWith('/secure-channel/session'))).toHaveLength(2);
  });

  it('continues a stored session in a fresh channel without a new handshake', async () => {
    const c = client(gw, { clientHash: 'revive-client' });
    const s = await c.channel.session();
    const revived = client(gw, { clientHash: 'revive-client', store: c.store });
    await login(revived);
    expect(revived.channel.peekState()!.sessionId).toBe(s.sessionId);
    expect(revived.urls.filter((u) => u.endsWith('/secure-channel/session'))).toHaveLength(0);
  });

  it('maps a fingerprint that differs from the session\'s to FINGERPRINT_MISMATCH', async () => {
    const c = client(gw, { clientHash: 'fingerprint-a' });
    await c.channel.session();
    const other = client(gw, { clientHash: 'fingerprint-b', store: c.store });
    expect((await codeOf(other.auth.loginInitiate(DEMO.email, DEMO.password))).code).toBe('FINGERPRINT_MISMATCH');
  });

  it('closes the session on the gateway, after which its id is refused', async () => {
    const c = client(gw);
    const s = await c.channel.session();
    await c.channel.close();
    expect(c.store.value).toBeUndefined();
    const res = await fetch(`${gw.url}/web/v1/system/auth/token/refresh`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json;charset=UTF-8',
        'X-SC-Session-Id': s.sessionId,
        'X-SC-Version': '2',
        'X-Client-Hash': 'x',
        'CF-Connecting-IP': '127.0.0.1',
        'Cf-Ray': 'x-DEV',
        'cf-ipcountry': 'US',
      },
      body: new Uint8Array([0x53, 0x43, 2, 2, ...new Uint8Array(12), ...new Uint8Array(20)]),
    });
    const body = (await res.json()) as { code: string };
    expect(body.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
  });

  it('logs out with the access token', async () => {
    const c = client(gw);
    const pair = await login(c);
    const out = await c.auth.logout(pair.accessToken);
    expect(out.success).toBe(true);
    expect((await codeOf(c.auth.refresh(pair.refreshToken))).code).toBe('REFRESH_REJECTED');
  });
});

describe('client against a rate-limited gateway', () => {
  let limited: Gateway;
  beforeAll(async () => {
    limited = await createGateway({ port: 0, log: false, rateLimits: { 'login.initiate': 2 } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('maps the third login attempt in a window to RATE_LIMITED with retryAfterMs', async () => {
    const c = client(limited);
    await c.auth.loginInitiate(DEMO.email, DEMO.password);
    await c.auth.loginInitiate(DEMO.email, DEMO.password);
    const e = await codeOf(c.auth.loginInitiate(DEMO.email, DEMO.password));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.status).toBe(429);
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});
