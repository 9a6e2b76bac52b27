/** "Never falls over": random bodies, random headers, truncations and concurrent abuse. */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { CF, TestClient } from './helpers';

let gw: Gateway;
let errors = 0;
beforeAll(async () => {
  gw = await createGateway({ port: 0, rateLimits: false });
  gw.events.on('request', (e) => {
    if (e.status >= 500) errors++;
  });
});
afterAll(() => gw.close());

const PATHS = [
  '/web/v1/system/auth/token/refresh',
  '/web/v1/system/auth/login/initiate',
  '/web/v1/tenant/auth/login/complete',
  '/web/v1/secure-channel/session',
  '/web/v1/secure-channel/session/close',
  '/web/v1/system/auth/logout',
  '/web/v1/system/echo',
];

it('random bodies on every route get a 4xx standard envelope, never a 5xx', async () => {
  const c = new TestClient(gw);
  const k = await c.handshake();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...PATHS),
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        fc.string().map((s) => Buffer.from(s)),
        fc.json().map((s) => Buffer.from(s)),
        fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x01]), b])),
        fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x02]), b])),
        fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(JSON.stringify({ v: 2, p: Buffer.from(b).toString('base64') }))),
      ),
      fc.boolean(),
      async (path, body, withSession) => {
        const res = await fetch(gw.url + path, {
          method: 'POST',
          headers: c.headers({ 'X-SC-Session-Id': withSession ? k.sessionId : undefined, Authorization: 'Bearer x.y.z' }),
          body: Buffer.from(body),
        });
        expect(res.status).toBeLessThan(500);
        const bytes = Buffer.from(await res.arrayBuffer());
        if (bytes[0] !== 0x53) {
          const j = JSON.parse(bytes.toString());
          expect(typeof j.success).toBe('boolean');
        }
      },
    ),
    { numRuns: 150 },
  );
  expect(errors).toBe(0);
});

it('every truncation of a valid type 1 envelope is refused cleanly', async () => {
  const c = new TestClient(gw);
  const pk = await c.publicKey();
  const { rsaWrap, aesSeal, type1 } = await import('./helpers');
  const key = randomBytes(32);
  const s = aesSeal(key, Buffer.from('{"refreshToken":"x"}'));
  const full = type1(pk.keyId, rsaWrap(pk.publicKey, key), rsaWrap(pk.publicKey, key), s.iv, s.ct, s.tag);
  const cuts = [0, 3, 4, 5, 10, 20, 30, 300, 540, full.length - 17, full.length - 1];
  const statuses = await Promise.all(cuts.map(async (n) => (await c.raw('/web/v1/system/auth/token/refresh', { body: full.subarray(0, n) })).status));
  for (const st of statuses) expect([400, 401]).toContain(st);
  expect(errors).toBe(0);
});

it('survives concurrent abuse: aborted uploads, huge declared bodies, bursts of valid calls', async () => {
  const c = new TestClient(gw);
  await c.handshake();
  const aborts = Array.from({ length: 20 }, () =>
    new Promise<void>((resolve) => {
      const req = request(gw.url + '/web/v1/system/auth/token/refresh', { method: 'POST', headers: { ...CF, 'Content-Length': '5000' } });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(randomBytes(100));
      setTimeout(() => req.destroy(), 5);
    }),
  );
  const huge = Array.from({ length: 10 }, () => c.raw('/web/v1/system/echo', { body: Buffer.alloc(1024 * 1024 + 10) }).then((r) => r.status));
  const valid = Array.from({ length: 50 }, () => c.refresh('x').then((r) => r.env.code));
  const wrong = Array.from({ length: 20 }, (_, i) => fetch(gw.url + (i % 2 ? '/nope' : '/web/v1/system/auth/logout'), { method: i % 2 ? 'PUT' : 'GET' }).then((r) => r.status));
  const [, h, v, w] = await Promise.all([Promise.all(aborts), Promise.all(huge), Promise.all(valid), Promise.all(wrong)]);
  expect(h.every((s) => s === 413)).toBe(true);
  expect(v.every((code) => code === 'AUTH.REFRESH_TOKEN_INVALID')).toBe(true);
  expect(w.every((s) => s === 404 || s === 405)).toBe(true);
  expect((await fetch(gw.url + '/actuator/health')).status).toBe(200);
  expect(errors).toBe(0);
});

it('a bug answers 500 SYSTEM.INTERNAL_ERROR (encrypted after decryption, plain before) and the server lives on', async () => {
  const { MemoryStore } = await import('../../src/gateway/index');
  class BrokenStore extends MemoryStore {
    broken = false;
    override getRefreshToken(token: string) {
      if (this.broken) throw new Error('disk on fire');
      return super.getRefreshToken(token);
    }
    override putLoginSession(): void {
      throw new Error('disk on fire');
    }
    brokenLimiter = false;
    override hit(key: string, windowMs: number, now: number) {
      if (this.brokenLimiter) throw new Error('limiter on fire');
      return super.hit(key, windowMs, now);
    }
  }
  const store = new BrokenStore();
  const logged: string[] = [];
  const g2 = await createGateway({ port: 0, store, log: (l) => logged.push(l) });
  try {
    const c = new TestClient(g2);
    await c.handshake();
    store.broken = true;
    const r = await c.refresh('x');
    expect(r.status).toBe(500);
    expect(r.form).toBe('binary');
    expect(r.env).toMatchObject({ success: false, code: 'SYSTEM.INTERNAL_ERROR', message: 'Internal server error' });
    const li = await c.sc('/web/v1/system/auth/login/initiate', { email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
    expect(li.env.code).toBe('SYSTEM.INTERNAL_ERROR');
    expect(logged.some((l) => l.includes('internal error: disk on fire'))).toBe(true);
    store.brokenLimiter = true;
    const plain = await c.refresh('x');
    expect(plain.status).toBe(500);
    expect(plain.form).toBe('plain');
    expect(plain.env.code).toBe('SYSTEM.INTERNAL_ERROR');
    expect((await fetch(g2.url + '/actuator/health')).status).toBe(200);
  } finally {
    await g2.close();
  }
});
