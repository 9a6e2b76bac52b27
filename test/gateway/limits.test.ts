/**
 * The gateway's bounds (issue #10 item 8): SC session creation is rate limited per client; SC sessions,
 * replay memory and token families are capped (oldest evicted, counted in stats.evictions()); SCv2
 * calls need Content-Type JSON and X-SC-Version 2 (§3, refused like other gateway headers, §12); and a
 * refusal answered before the body was read reaches a client that reads only after sending.
 */
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type GatewayInput } from '../../src/gateway/index';
import { aesSeal, CF, rsaWrap, TestClient, type1 } from './helpers';

const REFRESH = '/web/v1/system/auth/token/refresh';
let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});
async function gateway(o: GatewayInput): Promise<Gateway> {
  gw = await createGateway({ port: 0, ...o });
  return gw;
}

/** A type-1 request (inline key exchange) from `c`: returns the status and the new session id. */
async function inlineExchange(g: Gateway, c: TestClient): Promise<{ status: number; code: string | undefined; sessionId: string | null }> {
  const pk = await c.publicKey();
  const k = randomBytes(32);
  const s = aesSeal(k, Buffer.from('{"refreshToken":"nope"}'));
  const res = await fetch(g.url + REFRESH, { method: 'POST', headers: c.headers(), body: type1(pk.keyId, rsaWrap(pk.publicKey, k), rsaWrap(pk.publicKey, randomBytes(32)), s.iv, s.ct, s.tag) as BodyInit });
  const raw = Buffer.from(await res.arrayBuffer());
  let code: string | undefined;
  try {
    code = JSON.parse(raw.toString('utf8')).code;
  } catch {
    code = undefined; // an encrypted answer
  }
  return { status: res.status, code, sessionId: res.headers.get('x-sc-session-id') };
}

describe('SC session creation is rate limited per client', () => {
  it('POST …/session and type-1 envelopes share one bucket per client; other clients are not affected', async () => {
    const g = await gateway({ rateLimits: { session: 3 }, windowMs: 60_000 });
    const c = new TestClient(g);
    for (let i = 0; i < 2; i++) await c.handshake();
    expect((await inlineExchange(g, c)).sessionId).toMatch(/^sess_/); // the third creation
    await expect(c.handshake()).rejects.toThrow(/session 429/);
    const r = await c.raw('/web/v1/secure-channel/session', { body: '{}' });
    expect(r.status).toBe(429);
    expect(r.json).toMatchObject({ success: false, code: 'RATE_LIMIT.EXCEEDED' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const inline = await inlineExchange(g, c);
    expect(inline).toMatchObject({ status: 429, code: 'RATE_LIMIT.EXCEEDED', sessionId: null });
    expect(g.store.scSessionCount()).toBe(3);
    // Another client hash (or IP) has its own bucket.
    await new TestClient(g).handshake();
    await new TestClient(g, { ip: '10.0.0.9', clientHash: c.clientHash }).handshake();
  });

  it('the default allows 60 creations per window', async () => {
    const g = await gateway({});
    const c = new TestClient(g);
    const statuses: number[] = [];
    const pk = await c.publicKey();
    for (let i = 0; i < 61; i++) {
      const r = await c.raw('/web/v1/secure-channel/session', {
        body: JSON.stringify({ keyId: pk.keyId, encReqKey: rsaWrap(pk.publicKey, randomBytes(32)).toString('base64'), encRespKey: rsaWrap(pk.publicKey, randomBytes(32)).toString('base64') }),
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
  });
});

describe('memory caps: the oldest goes, and is counted', () => {
  it('SC sessions: past the cap the oldest session is dropped (its id is then unknown)', async () => {
    const g = await gateway({ rateLimits: false, caps: { scSessions: 3 } });
    const clients = Array.from({ length: 5 }, () => new TestClient(g));
    for (const c of clients) await c.handshake();
    expect(g.store.scSessionCount()).toBe(3);
    expect(g.stats.evictions()).toMatchObject({ scSessions: 2, replay: 0, families: 0 });
    expect((await clients[0]!.refresh('x')).env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
    expect((await clients[1]!.refresh('x')).env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
    expect((await clients[4]!.refresh('x')).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID'); // decrypted: alive
  });

  it('replay memory: past the overall cap the oldest session goes with all its IVs; replays stay refused', async () => {
    const g = await gateway({ rateLimits: false, caps: { replayIvs: 5 } });
    const a = new TestClient(g);
    const b = new TestClient(g);
    await a.handshake();
    await b.handshake();
    for (let i = 0; i < 3; i++) expect((await a.refresh('x')).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    const iv = randomBytes(12);
    expect((await b.sc(REFRESH, { refreshToken: 'x' }, { body: b.seal({ refreshToken: 'x' }, 'binary', { iv }) })).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    expect((await b.refresh('x')).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID'); // 5 IVs remembered
    expect(g.stats.evictions().replay).toBe(0);
    expect((await b.refresh('x')).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID'); // the 6th: A (oldest) goes
    expect(g.stats.evictions().replay).toBe(1);
    expect((await a.refresh('x')).env.code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
    // B's IVs were not forgotten: the same message again is still a replay.
    expect((await b.sc(REFRESH, { refreshToken: 'x' }, { body: b.seal({ refreshToken: 'x' }, 'binary', { iv }) })).env.code).toBe('SECURE_CHANNEL.REPLAY_DETECTED');
  });

  it('token families: past the cap the oldest family and its tokens go', async () => {
    const g = await gateway({ rateLimits: false, caps: { families: 2 } });
    const c = new TestClient(g);
    await c.handshake();
    const first = g.issueTokens(c.clientHash);
    const second = g.issueTokens(c.clientHash);
    g.issueTokens(c.clientHash);
    expect(g.stats.evictions().families).toBe(1);
    expect((await c.refresh(first.refreshToken)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    expect((await c.refresh(second.refreshToken)).env.success).toBe(true);
  });

  it('refresh tokens per family: the oldest rotated ones are forgotten; recent reuse is still detected', async () => {
    const g = await gateway({ rateLimits: false, caps: { tokensPerFamily: 3 } });
    const c = new TestClient(g);
    await c.handshake();
    const tokens = [g.issueTokens(c.clientHash).refreshToken];
    for (let i = 0; i < 4; i++) {
      const r = await c.refresh(tokens.at(-1)!);
      expect(r.env.success).toBe(true);
      tokens.push(r.env.data.refreshToken);
    }
    expect(g.stats.evictions().refreshTokens).toBe(2); // 5 issued, 3 kept
    // The forgotten oldest token is simply invalid (no family revocation)…
    expect((await c.refresh(tokens[0]!)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    const fresh = await c.refresh(tokens[4]!);
    expect(fresh.env.success).toBe(true); // the family survived the forgotten token
    tokens.push(fresh.env.data.refreshToken);
    // …a remembered rotated one still revokes the family (§12 reuse detection): the newest dies with it.
    expect((await c.refresh(tokens[3]!)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
    expect((await c.refresh(tokens[5]!)).env.code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  });

  it('the sweep drops families whose every refresh token expired', async () => {
    let now = Date.now();
    const g = await gateway({ rateLimits: false, refreshTtl: 60, now: () => now });
    const t = g.issueTokens('h');
    expect(g.store.getFamily(t.familyId)).toBeDefined();
    now += 61_000;
    g.store.sweep(now);
    expect(g.store.getFamily(t.familyId)).toBeUndefined();
  });
});

describe('SCv2 routes require their gateway headers (§3; refused like the others, §12)', () => {
  it('without X-SC-Version (a session id sent), with a version other than 2, or without JSON Content-Type: plain 403, nothing processed', async () => {
    const g = await gateway({ rateLimits: false });
    const c = new TestClient(g);
    await c.handshake();
    const { refreshToken } = g.issueTokens(c.clientHash);
    const cases: Array<[Record<string, string | undefined>, string, RegExp]> = [
      [{ 'X-SC-Version': undefined }, 'X-SC-Version', /Missing required header: X-SC-Version/],
      [{ 'X-SC-Version': '3' }, 'X-SC-Version', /Invalid value of header: X-SC-Version/],
      [{ 'Content-Type': undefined }, 'Content-Type', /Missing required header: Content-Type/],
      [{ 'Content-Type': 'text/plain' }, 'Content-Type', /Invalid value of header: Content-Type/],
      [{ 'Content-Type': 'application/octet-stream' }, 'Content-Type', /Invalid value of header: Content-Type/],
    ];
    for (const [headers, name, message] of cases) {
      const r = await c.sc(REFRESH, { refreshToken }, { headers });
      expect(r.status, name).toBe(403);
      expect(r.form).toBe('plain');
      expect(r.env).toMatchObject({ success: false, code: 'ACCESS.PERMISSION_DENIED', data: { header: name } });
      expect(r.env.message).toMatch(message);
    }
    // The token was never spent: the proper call still rotates it. `application/json` without charset is fine.
    const ok = await c.sc(REFRESH, { refreshToken }, { headers: { 'Content-Type': 'application/json' } });
    expect(ok.env.success).toBe(true);
    // Any case, a space before the parameters (the check's slow path; fetch trims the ends)…
    const spaced = { 'Content-Type': ' Application/JSON ; charset=utf-8', 'X-SC-Version': ' 2 ' };
    const again = await c.sc(REFRESH, { refreshToken: ok.env.data.refreshToken }, { headers: spaced });
    expect(again.env.success).toBe(true);
    // …but not a type that only starts like it.
    const near = await c.sc(REFRESH, { refreshToken: again.env.data.refreshToken }, { headers: { 'Content-Type': 'application/jsonx' } });
    expect(near).toMatchObject({ status: 403, form: 'plain', env: { code: 'ACCESS.PERMISSION_DENIED', data: { header: 'Content-Type' } } });
  });

  it('a type-1 request, which has no session id yet, may leave X-SC-Version out (§3 "with the session id")', async () => {
    const g = await gateway({ rateLimits: false });
    expect((await inlineExchange(g, new TestClient(g))).sessionId).toMatch(/^sess_/);
  });
});

/** A plain client: writes the whole request (slowly, so the server has time to answer first), only then reads. */
function writeThenRead(g: Gateway, path: string, headers: Record<string, string>, body: Buffer, keepAlive: boolean): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(g.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let err: string | undefined;
    s.pause();
    s.on('error', (e: NodeJS.ErrnoException) => (err ??= e.code ?? e.message));
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m ? m[1]! : `no answer (${err ?? 'closed'})`);
    });
    s.on('connect', async () => {
      const head = [`POST ${g.basePath}${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${body.length}`, `Connection: ${keepAlive ? 'keep-alive' : 'close'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      s.write(head);
      for (let o = 0; o < body.length && !err; o += 32 * 1024) {
        s.write(body.subarray(o, o + 32 * 1024));
        await new Promise((r) => setTimeout(r, 3));
      }
      s.on('data', (c: Buffer) => chunks.push(c));
      s.resume();
      if (keepAlive) setTimeout(() => s.end(), 200);
    });
  });
}

describe('a refusal before the body is read still reaches the client', () => {
  const headers = { ...CF, 'Content-Type': 'application/json;charset=UTF-8', 'X-Client-Hash': 'h-drain', 'X-SC-Version': '2', 'X-SC-Session-Id': 'sess_x' };
  it('a 429 answered before a 900 KB body is read arrives as a 429 (connection close and keep-alive)', async () => {
    const g = await gateway({ rateLimits: { refresh: 0 } });
    const body = Buffer.alloc(900 * 1024, 0x61);
    for (const keepAlive of [false, true]) {
      for (let i = 0; i < 3; i++) expect(await writeThenRead(g, REFRESH, headers, body, keepAlive)).toBe('429');
    }
  });

  it('so do a 403 (gateway headers) and a 413 (declared size)', async () => {
    const g = await gateway({});
    expect(await writeThenRead(g, REFRESH, { ...headers, 'X-SC-Version': '9' }, Buffer.alloc(900 * 1024, 0x61), false)).toBe('403');
    const small = await gateway({ maxBodyBytes: 64 * 1024 });
    expect(await writeThenRead(small, REFRESH, headers, Buffer.alloc(900 * 1024, 0x61), false)).toBe('413');
    await g.close();
  });
});
