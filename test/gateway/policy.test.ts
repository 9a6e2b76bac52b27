/** Gateway policy (§12): rate limits, Cloudflare simulation, portal code, locales, 404/405/413, CORS. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type RequestEvent } from '../../src/gateway/index';
import { CF, TestClient } from './helpers';

let gw: Gateway;
const lines: string[] = [];
/** Added to the real clock: lets a test jump past the rate-limit window without sleeping. */
let skew = 0;
beforeAll(async () => {
  gw = await createGateway({ port: 0, windowMs: 5000, now: () => Date.now() + skew, log: (l) => lines.push(l) });
});
afterAll(() => gw.close());

const REFRESH = '/web/v1/system/auth/token/refresh';

describe('rate limits (§12)', () => {
  it('refresh: 10 per window per client, then plain 429 RATE_LIMIT.EXCEEDED with Retry-After', async () => {
    const c = new TestClient(gw);
    await c.handshake();
    for (let i = 0; i < 10; i++) expect((await c.refresh('x')).status).toBe(401);
    const r = await c.refresh('x');
    expect(r.status).toBe(429);
    expect(r.form).toBe('plain');
    expect(r.env).toMatchObject({ success: false, code: 'RATE_LIMIT.EXCEEDED' });
    const ra = Number(r.headers.get('retry-after'));
    expect(ra).toBeGreaterThanOrEqual(1);
    expect(ra).toBeLessThanOrEqual(5);
    expect(r.env.message).toBe(`Too many requests; retry after ${ra} seconds`);
    // Another client (different X-Client-Hash) is not affected; another IP neither.
    const other = new TestClient(gw);
    await other.handshake();
    expect((await other.refresh('x')).status).toBe(401);
    // Still limited inside the window; after it the client may call again.
    expect((await c.refresh('x')).status).toBe(429);
    skew += 5000;
    expect((await c.refresh('x')).status).toBe(401);
  });

  it('login/complete allows 5, login/initiate 10, logout 10 per window', async () => {
    const c = new TestClient(gw);
    await c.handshake();
    const statuses = async (path: string, n: number, send: () => Promise<number>) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await send());
      return out;
    };
    const complete = await statuses('complete', 6, async () => (await c.sc('/web/v1/system/auth/login/complete', { sessionId: 'x', method: 10011002, code: '123456' })).status);
    expect(complete).toEqual([404, 404, 404, 404, 404, 429]);
    const initiate = await statuses('initiate', 11, async () => (await c.sc('/web/v1/system/auth/login/initiate', { email: 'a@b.c', password: 'wrong-password' })).status);
    expect(initiate.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(initiate[10]).toBe(429);
    const logout = await statuses('logout', 11, async () => (await c.raw('/web/v1/system/auth/logout', { method: 'POST' })).status);
    expect(logout[9]).toBe(401);
    expect(logout[10]).toBe(429);
  });

  it('rate limiting can be switched off or tuned', async () => {
    const g2 = await createGateway({ port: 0, rateLimits: { refresh: 2 } });
    try {
      const c = new TestClient(g2);
      await c.handshake();
      expect([(await c.refresh('x')).status, (await c.refresh('x')).status, (await c.refresh('x')).status]).toEqual([401, 401, 429]);
    } finally {
      await g2.close();
    }
  });
});

describe('Cloudflare simulation and portal code (§12)', () => {
  it.each(Object.keys(CF))('local mode: missing %s → 403 ACCESS.PERMISSION_DENIED naming it', async (name) => {
    const c = new TestClient(gw);
    const r = await c.raw('/web/v1/secure-channel/public-key', { headers: c.headers({ [name]: undefined }) });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ success: false, code: 'ACCESS.PERMISSION_DENIED' });
    expect(r.json.message).toContain(name);
  });

  it('health needs no headers at all', async () => {
    const res = await fetch(gw.url + '/actuator/health');
    expect(res.status).toBe(200);
    const j = await res.json();
    expect(j).toMatchObject({ status: 'UP', success: true, code: '2000', version: '2.0.0', data: { status: 'UP' } });
  });

  it('production mode does not require them; portal code is enforced when configured', async () => {
    const g2 = await createGateway({ port: 0, mode: 'production', portalCode: 'letmein' });
    try {
      const noCf = { 'X-Client-Hash': 'h', 'X-PORTAL-ACCESS-CODE': 'letmein' };
      let res = await fetch(g2.url + '/web/v1/secure-channel/public-key', { headers: noCf });
      expect(res.status).toBe(200);
      res = await fetch(g2.url + '/web/v1/secure-channel/public-key', { headers: { ...noCf, 'X-PORTAL-ACCESS-CODE': 'wrong' } });
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe('ACCESS.PERMISSION_DENIED');
      res = await fetch(g2.url + '/web/v1/secure-channel/public-key', { headers: { 'X-Client-Hash': 'h' } });
      expect(res.status).toBe(403);
      // A full encrypted call works with the code.
      const c = new TestClient(g2, { headers: { 'X-PORTAL-ACCESS-CODE': 'letmein' } });
      await c.handshake();
      const pair = await c.login();
      expect((await c.refresh(pair.refreshToken)).env.success).toBe(true);
    } finally {
      await g2.close();
    }
  });
});

describe('locale (§2, §12)', () => {
  const call = (headers: Record<string, string>) =>
    new TestClient(gw).raw('/web/v1/secure-channel/session/close', { method: 'POST', headers: { ...new TestClient(gw).headers(), ...headers } });

  it.each([
    [{ 'Accept-Language': 'zh' }, '缺少会话 ID 请求头'],
    [{ 'Accept-Language': 'zh-CN,zh;q=0.9' }, '缺少会话 ID 请求头'],
    [{ 'Accept-Language': 'zh-Hant' }, '缺少工作階段 ID 標頭'],
    [{ 'Accept-Language': 'zh-TW' }, '缺少工作階段 ID 標頭'],
    [{ 'Accept-Language': 'ja-JP' }, 'セッション ID ヘッダーが必要です'],
    [{ 'Accept-Language': 'vi' }, 'Cần có header ID phiên'],
    [{ 'Accept-Language': 'fr-FR, de;q=0.8' }, 'Session ID header is required'],
    [{ 'Accept-Language': 'fr, ja;q=0.5' }, 'セッション ID ヘッダーが必要です'],
    [{ 'X-LOCALE': 'vi', 'Accept-Language': 'ja' }, 'Cần có header ID phiên'],
    [{ 'X-LOCALE': 'xx', 'Accept-Language': 'ja' }, 'セッション ID ヘッダーが必要です'],
    [{ 'X-LOCALE': 'xx' }, 'Session ID header is required'],
    [{}, 'Session ID header is required'],
  ])('%j → %s', async (headers, message) => {
    const r = await call(headers);
    expect(r.json.message).toBe(message);
  });

  it('encrypted errors are localized too', async () => {
    const c = new TestClient(gw, { headers: { 'X-LOCALE': 'ja' } });
    await c.handshake();
    const r = await c.refresh('nope');
    expect(r.env.message).toBe('リフレッシュトークンが無効または期限切れです');
  });

  it('validation field messages are localized', async () => {
    const c = new TestClient(gw, { headers: { 'Accept-Language': 'zh' } });
    const r = await c.raw('/web/v1/secure-channel/session', { body: '{"x":1,"keyId":"k","encReqKey":"a","encRespKey":"b"}' });
    expect(r.json.data).toEqual({ x: ['未知字段'] });
    expect(r.json.message).toBe('请求参数无效');
  });
});

describe('other failures (§12)', () => {
  it('unknown path → 404 SYSTEM.NOT_FOUND (also outside the base path)', async () => {
    for (const p of [gw.url + '/web/v1/nope', gw.origin + '/', gw.origin + '/other/actuator/health', gw.url + '/web/v1/bogus/auth/token/refresh']) {
      const res = await fetch(p, { headers: CF });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ version: '2.0.0', success: false, code: 'SYSTEM.NOT_FOUND', data: null });
    }
  });

  it('wrong method → 405 SYSTEM.METHOD_NOT_ALLOWED with Allow', async () => {
    let res = await fetch(gw.url + REFRESH, { headers: CF });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expect((await res.json()).code).toBe('SYSTEM.METHOD_NOT_ALLOWED');
    res = await fetch(gw.url + '/web/v1/secure-channel/public-key', { method: 'POST', headers: CF, body: '{}' });
    expect(res.status).toBe(405);
    res = await fetch(gw.url + '/actuator/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
  });

  it('body over 1 MiB → 413 VALIDATION.PAYLOAD_TOO_LARGE, and the server keeps serving', async () => {
    const c = new TestClient(gw);
    const r = await c.raw(REFRESH, { body: Buffer.alloc(1024 * 1024 + 1, 0x41) });
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('VALIDATION.PAYLOAD_TOO_LARGE');
    const r2 = await c.raw('/web/v1/secure-channel/session', { body: Buffer.alloc(3 * 1024 * 1024, 0x41) });
    expect(r2.status).toBe(413);
    expect((await fetch(gw.url + '/actuator/health')).status).toBe(200);
  });

  it('413 answers on a declared Content-Length before the body arrives', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(gw.url + REFRESH, { method: 'POST', headers: { ...CF, 'Content-Length': String(50 * 1024 * 1024) } }, (res) => {
        resolve(res.statusCode!);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1000));
    });
    expect(status).toBe(413);
  });

  it('413 on a chunked body that grows past the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(gw.url + REFRESH, { method: 'POST', headers: { ...CF, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        resolve(res.statusCode!);
        res.resume();
        req.destroy();
      });
      req.on('error', () => {});
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
      };
      pump();
      setTimeout(() => reject(new Error('no answer')), 5000).unref();
    });
    expect(status).toBe(413);
  });

  it('HTTP garbage gets a 400 and does not take the server down', async () => {
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(gw.port, '127.0.0.1', () => s.write('\x00\x01 NOT HTTP\r\n\r\n'));
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(gw.url + '/actuator/health')).status).toBe(200);
  });
});

describe('CORS', () => {
  it.each(['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0f1e2d3c-4b5a-4678-9abc-def012345678'])('answers preflight for %s (a default origin) and exposes X-SC-Session-Id', async (origin) => {
    const res = await fetch(gw.url + REFRESH, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-sc-session-id,x-client-hash' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-headers')).toContain('x-sc-session-id');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-SC-Session-Id');
    const actual = await fetch(gw.url + '/actuator/health', { headers: { Origin: origin } });
    expect(actual.headers.get('access-control-allow-origin')).toBe(origin);
    expect(actual.headers.get('access-control-expose-headers')).toContain('X-SC-Session-Id');
  });

  it('does not allow an unconfigured origin', async () => {
    const res = await fetch(gw.url + REFRESH, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('observability and extras', () => {
  it('counts routes, emits request events and logs one line per request without secrets', async () => {
    const events: RequestEvent[] = [];
    const on = (e: RequestEvent) => events.push(e);
    gw.events.on('request', on);
    const before = gw.stats.count('public-key');
    const c = new TestClient(gw);
    await c.handshake();
    const t = gw.issueTokens(c.clientHash);
    await c.refresh(t.refreshToken);
    await new Promise((r) => setTimeout(r, 20));
    gw.events.off('request', on);
    expect(gw.stats.count('public-key')).toBe(before + 1);
    expect(gw.stats.byRoute().session).toBeGreaterThan(0);
    expect(gw.stats.count()).toBeGreaterThan(gw.stats.count('session'));
    expect(events.map((e) => e.route)).toEqual(['public-key', 'session', 'refresh']);
    expect(events[2]).toMatchObject({ method: 'POST', path: '/prometheus' + REFRESH, status: 200, code: '2000' });
    expect(typeof events[2]!.ms).toBe('number');
    const last = lines.at(-1)!;
    expect(last).toMatch(/^\S+ POST \/prometheus\/web\/v1\/system\/auth\/token\/refresh 200 2000 \d+\.\dms$/);
    expect(lines.join('\n')).not.toContain(t.refreshToken);
    expect(lines.join('\n')).not.toContain(c.keys!.sessionId);
  });

  it('echo (Keyhole bench extension) returns the JSON body', async () => {
    const c = new TestClient(gw);
    const r = await c.raw('/web/v1/system/echo', { body: '{"a":[1,2]}' });
    expect(r.json).toMatchObject({ success: true, data: { a: [1, 2] } });
  });

  it('serves the demo portal page, its script and stylesheet', async () => {
    const html = await fetch(gw.url + '/demo/');
    expect(html.headers.get('content-type')).toContain('text/html');
    const text = await html.text();
    for (const id of ['demo-login', 'demo-refresh', 'demo-mode', 'demo-expiry', 'demo-status']) expect(text).toContain(`data-testid="${id}"`);
    expect(text).toContain('value="demo@keyhole.test"');
    const js = await fetch(gw.url + '/demo/demo.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    const src = await js.text();
    expect(src).toContain('XMLHttpRequest');
    expect(src).toContain("'arraybuffer'");
    expect(() => new Function(src)).not.toThrow();
    expect((await fetch(gw.url + '/demo/demo.css')).status).toBe(200);
    const redirect = await fetch(gw.url + '/demo', { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/prometheus/demo/');
  });
});
