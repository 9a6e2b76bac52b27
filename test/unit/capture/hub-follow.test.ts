/**
 * "Follow in Keyhole" must not hand the session engine a refresh token the page already spent
 * (§11 single use): a later refresh of the same tab that presented it makes it dead. And the other
 * direction: when the page presents a refresh token Keyhole already spent for a followed session, the
 * exchange is flagged and the session engine marks that session revoked (§12 reuse detection).
 */
import { describe, expect, test } from 'vitest';
import { CaptureHub, type SessionsBridge } from '../../../src/background/capture/hub';
import type { KvArea } from '../../../src/background/capture/tab-buffers';
import { DecryptedExchangeSchema } from '../../../src/inspect/decrypt-exchange';
import { API, b64, binaryEnvelope, exchange, handshake, ok } from '../inspect/fixtures';
import { record, sessionsBridge, setup, T0 } from '../background/setup';

function memoryArea(): KvArea {
  const data = new Map<string, unknown>();
  return {
    async get(keys) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of data) if (!keys || keys.includes(k)) out[k] = JSON.parse(JSON.stringify(v));
      return out;
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, JSON.parse(JSON.stringify(v)));
    },
    async remove(keys) {
      for (const k of keys) data.delete(k);
    },
  };
}

function bridge(): SessionsBridge & { adopted: Array<{ refreshToken: string }>; reuses: Array<{ refreshToken: string; answeredAt: number }> } {
  const adopted: Array<{ refreshToken: string }> = [];
  const reuses: Array<{ refreshToken: string; answeredAt: number }> = [];
  return {
    adopted,
    reuses,
    listOwnScSessions: async () => [],
    adoptSession: async (input) => {
      adopted.push(input);
      return { sessionKey: `s:${input.refreshToken}` };
    },
    notePageRotation: async () => false,
    notePageReuse: async (input) => {
      reuses.push(input);
      return undefined;
    },
  };
}

async function page(hub: CaptureHub, tabId = 1) {
  const h = handshake(`sess_${tabId}_${Math.random().toString(36).slice(2)}`);
  await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
  await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 });
  await hub.ingest({ ...h.ex, tabId });
  const headers = { 'x-sc-session-id': h.sessionId, 'x-sc-version': '2' };
  const pair = (rt: string) => ok({ accessToken: `at-${rt}`, refreshToken: rt, expiresIn: 3600 });
  /** Exchanges start at `at` (default: the fixtures' fixed time) and take 40 ms. */
  const timed = (ex: ReturnType<typeof exchange>, at?: number) => ({ ...ex, ...(at !== undefined && { startedAt: at }), durationMs: 40 });
  return {
    login: (rt: string) =>
      hub.ingest(
        exchange({
          tabId,
          url: `${API}/web/v1/system/auth/login/complete`,
          reqHeaders: headers,
          req: binaryEnvelope(2, h.requestKey, '{"loginSessionId":"l-1","method":10011002,"code":"123456"}'),
          res: binaryEnvelope(0x81, h.responseKey, pair(rt)),
        }),
      ),
    refresh: (oldRt: string, newRt: string, at?: number) =>
      hub.ingest(
        timed(
          exchange({
            tabId,
            url: `${API}/web/v1/system/auth/token/refresh`,
            reqHeaders: headers,
            req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
            res: binaryEnvelope(0x81, h.responseKey, pair(newRt)),
          }),
          at,
        ),
      ),
    /** The gateway's answer to a spent (reused) or unknown token: 401, encrypted (refused after decryption, §12). */
    refreshRefused: (oldRt: string, at?: number) =>
      hub.ingest(
        timed(
          exchange({
            tabId,
            status: 401,
            url: `${API}/web/v1/system/auth/token/refresh`,
            reqHeaders: headers,
            req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
            res: binaryEnvelope(0x81, h.responseKey, JSON.stringify({ success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'Invalid or expired refresh token', data: null })),
          }),
          at,
        ),
      ),
    /** Answers that say nothing about the token: no answer at all (`status` undefined: a network error), a 5xx, or one sealed with a key nobody has. */
    refreshUnclear: (oldRt: string, o: { status?: number; res?: Uint8Array | string }, at?: number) => {
      const ex = timed(
        exchange({
          tabId,
          ...(o.status !== undefined && { status: o.status }),
          url: `${API}/web/v1/system/auth/token/refresh`,
          reqHeaders: headers,
          req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
          ...(o.res !== undefined && { res: o.res }),
        }),
        at,
      );
      if (o.status === undefined) {
        delete (ex as { status?: number }).status;
        (ex as { error?: string }).error = 'TypeError: Failed to fetch';
      }
      return hub.ingest(ex);
    },
    /** A refresh the gateway refused before decrypting (plain 429): the token was not consumed. */
    refreshRateLimited: (oldRt: string, at?: number) =>
      hub.ingest(
        timed(
          exchange({
            tabId,
            status: 429,
            url: `${API}/web/v1/system/auth/token/refresh`,
            reqHeaders: headers,
            req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
            res: JSON.stringify({ success: false, code: 'RATE_LIMIT.EXCEEDED', message: 'Too many requests' }),
          }),
          at,
        ),
      ),
  };
}

describe('Follow in Keyhole and spent refresh tokens', () => {
  test('a login answer whose refresh token a later refresh of the tab spent is refused; the newest pair is followed', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const p = await page(hub);
    const login = await p.login('rt-A');
    const r1 = await p.refresh('rt-A', 'rt-B');
    const r2 = await p.refresh('rt-B', 'rt-C');
    expect(login.follow?.kind).toBe('login');
    await expect(hub.followSession(login.exchange.id)).rejects.toMatchObject({ code: 'REFRESH_REJECTED', message: expect.stringContaining('already spent this refresh token') });
    await expect(hub.followSession(r1.exchange.id)).rejects.toMatchObject({ code: 'REFRESH_REJECTED' });
    expect(sessions.adopted).toEqual([]);
    expect(await hub.followSession(r2.exchange.id)).toEqual({ sessionKey: 's:rt-C' });
    expect(sessions.adopted.map((a) => a.refreshToken)).toEqual(['rt-C']);
  });

  test('a later refresh refused before the token was consumed (429) does not count', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const p = await page(hub);
    const login = await p.login('rt-A');
    const limited = await p.refreshRateLimited('rt-A');
    expect(limited.kind).toBe('refresh');
    expect(await hub.followSession(login.exchange.id)).toEqual({ sessionKey: 's:rt-A' });
  });

  test('refreshes in another tab, or of another token, do not count', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const p1 = await page(hub, 1);
    const p2 = await page(hub, 2);
    const login = await p1.login('rt-A');
    await p1.refresh('rt-other', 'rt-X');
    await p2.refresh('rt-A', 'rt-B');
    expect(await hub.followSession(login.exchange.id)).toEqual({ sessionKey: 's:rt-A' });
  });
});

describe('the page presents a refresh token Keyhole already spent for a followed session', () => {
  /** The hub over a real session engine (fakes: storage, alarms, network, clock at T0). */
  async function followed() {
    const s = setup();
    const hub = new CaptureHub({ area: memoryArea(), sessions: sessionsBridge(s), now: () => s.clock.t });
    const p = await page(hub);
    s.client.valid.add('rt-A');
    const login = await p.login('rt-A');
    const { sessionKey } = await hub.followSession(login.exchange.id);
    return { s, hub, p, sessionKey };
  }

  test('flags the exchange (zod-mirrored, pushed to the panel) and the engine marks the session revoked with the reason', async () => {
    const { s, hub, p, sessionKey } = await followed();
    s.advance(10_000);
    await s.engine.refresh(sessionKey); // the popup's Refresh (or the alarm): Keyhole spends rt-A → rt-1
    expect((await record(s, sessionKey)).refreshToken).toBe('rt-1');
    expect(s.alarms.when(`kh:refresh:${sessionKey}`)).toBeDefined();

    const pushed: unknown[] = [];
    hub.on((e) => e.kind === 'exchange' && pushed.push(e.exchange));
    s.advance(5_000);
    const d = await p.refreshRefused('rt-A', s.clock.t); // the page's next refresh presents its now-spent copy

    expect(d.conflict).toEqual({
      kind: 'page-reused-spent-token',
      sessionKey,
      label: 'Local gateway (acct-1)', // the default environment's API base is the fixtures' API
      message: expect.stringMatching(/^The page sent a refresh token Keyhole had already used for session Local gateway \(acct-1\), so the gateway revokes the whole token family \(§12.*Sign in again on the page, then Follow in Keyhole again\.$/),
    });
    // What the panel receives keeps the flag through the port's schema.
    expect(pushed).toHaveLength(1);
    expect(DecryptedExchangeSchema.parse(JSON.parse(JSON.stringify(pushed[0]))).conflict).toEqual(d.conflict);

    expect(await record(s, sessionKey)).toMatchObject({
      status: 'revoked',
      revocation: { at: T0 + 15_000, code: 'PAGE_REUSED_SPENT_TOKEN', exchangeId: d.exchange.id },
    });
    expect(s.alarms.when(`kh:refresh:${sessionKey}`)).toBeUndefined();
    // Nothing was sent on the page's behalf or re-sent by Keyhole.
    expect(s.client.refreshCalls).toEqual(['rt-A']);

    // The flag survives re-reading the buffer (the panel opening later) without asking the engine again.
    expect((await hub.decryptedFor(1)).find((x) => x.exchange.id === d.exchange.id)?.conflict).toEqual(d.conflict);
  });

  test('a worker restart re-decrypts the buffered exchange and flags it again; the revocation is not rewritten', async () => {
    const s = setup();
    const area = memoryArea();
    const hub = new CaptureHub({ area, sessions: sessionsBridge(s), now: () => s.clock.t });
    const p = await page(hub);
    s.client.valid.add('rt-A');
    const { sessionKey } = await hub.followSession((await p.login('rt-A')).exchange.id);
    await s.engine.refresh(sessionKey);
    const d = await p.refreshRefused('rt-A', s.clock.t + 1);
    const revocation = (await record(s, sessionKey)).revocation;
    await hub.idle();
    await new Promise((r) => setTimeout(r, 30)); // the buffer mirror is written

    s.advance(60_000);
    const again = new CaptureHub({ area, sessions: sessionsBridge(s.restart()), liveTabs: async () => [1] });
    const list = await again.decryptedFor(1);
    expect(list.find((x) => x.exchange.id === d.exchange.id)?.conflict).toMatchObject({ kind: 'page-reused-spent-token', sessionKey });
    expect((await record(s, sessionKey)).revocation).toEqual(revocation);
  });

  test('a normal page rotation is not flagged: Keyhole follows it, and the session stays active', async () => {
    const { s, p, sessionKey } = await followed();
    s.advance(10_000);
    const d = await p.refresh('rt-A', 'rt-B', s.clock.t);
    expect(d.conflict).toBeUndefined();
    expect(await record(s, sessionKey)).toMatchObject({ status: 'active', refreshToken: 'rt-B', lastRefresh: { ok: true, code: 'PAGE_ROTATION' } });
    // The page then refreshes again normally; Keyhole refreshes after it; nothing collides.
    const d2 = await p.refresh('rt-B', 'rt-C', s.clock.t + 1);
    expect(d2.conflict).toBeUndefined();
    expect((await record(s, sessionKey)).status).toBe('active');
  });

  test('not flagged: a refusal that proves the token unconsumed (429), a refusal answered before Keyhole spent it, a token Keyhole never spent', async () => {
    const { s, hub, p, sessionKey } = await followed();
    const early = s.clock.t; // the page's refresh was answered before Keyhole's refresh sent rt-A
    s.advance(10_000);
    await s.engine.refresh(sessionKey);
    expect((await p.refreshRefused('rt-A', early - 1_000)).conflict).toBeUndefined();
    expect((await p.refreshRateLimited('rt-A', s.clock.t)).conflict).toBeUndefined();
    expect((await p.refreshRefused('rt-unknown', s.clock.t)).conflict).toBeUndefined();
    expect((await record(s, sessionKey)).status).toBe('active');
    await hub.idle();
  });

  test('not flagged, the session left alone: no answer (network error), a 502, an answer nobody can decrypt', async () => {
    const { s, hub, p, sessionKey } = await followed();
    s.advance(10_000);
    await s.engine.refresh(sessionKey);
    const invalid = JSON.stringify({ success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'x', data: null });
    expect((await p.refreshUnclear('rt-A', {}, s.clock.t)).conflict).toBeUndefined();
    expect((await p.refreshUnclear('rt-A', { status: 502, res: '<html>Bad gateway</html>' }, s.clock.t)).conflict).toBeUndefined();
    const sealed = await p.refreshUnclear('rt-A', { status: 401, res: binaryEnvelope(0x81, new Uint8Array(32).fill(3), invalid) }, s.clock.t);
    expect(sealed.response.status).toBe('failed');
    expect(sealed.conflict).toBeUndefined();
    await hub.idle();
    expect((await record(s, sessionKey)).status).toBe('active');
  });

  test('only refresh exchanges whose presented token the gateway may have consumed are checked, once each', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const p = await page(hub);
    await p.login('rt-A');
    await p.refresh('rt-A', 'rt-B');
    await p.refreshRateLimited('rt-B');
    const refused = await p.refreshRefused('rt-B', 1_700_000_000_000);
    await hub.decryptedFor(1);
    expect(sessions.reuses).toEqual([{ apiBase: API, refreshToken: 'rt-B', answeredAt: 1_700_000_000_040, exchangeId: refused.exchange.id }]);
  });
});
