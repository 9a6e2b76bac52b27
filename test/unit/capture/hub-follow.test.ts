/**
 * "Follow in Keyhole" must not hand the session engine a refresh token the page already spent
 * (§11 single use): a later refresh of the same tab that presented it makes it dead.
 */
import { describe, expect, test } from 'vitest';
import { CaptureHub, type SessionsBridge } from '../../../src/background/capture/hub';
import type { KvArea } from '../../../src/background/capture/tab-buffers';
import { API, b64, binaryEnvelope, exchange, handshake, ok } from '../inspect/fixtures';

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

function bridge(): SessionsBridge & { adopted: Array<{ refreshToken: string }> } {
  const adopted: Array<{ refreshToken: string }> = [];
  return {
    adopted,
    listOwnScSessions: async () => [],
    adoptSession: async (input) => {
      adopted.push(input);
      return { sessionKey: `s:${input.refreshToken}` };
    },
    notePageRotation: async () => false,
  };
}

async function page(hub: CaptureHub, tabId = 1) {
  const h = handshake(`sess_${tabId}_${Math.random().toString(36).slice(2)}`);
  await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
  await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 });
  await hub.ingest({ ...h.ex, tabId });
  const headers = { 'x-sc-session-id': h.sessionId, 'x-sc-version': '2' };
  const pair = (rt: string) => ok({ accessToken: `at-${rt}`, refreshToken: rt, expiresIn: 3600 });
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
    refresh: (oldRt: string, newRt: string) =>
      hub.ingest(
        exchange({
          tabId,
          url: `${API}/web/v1/system/auth/token/refresh`,
          reqHeaders: headers,
          req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
          res: binaryEnvelope(0x81, h.responseKey, pair(newRt)),
        }),
      ),
    /** A refresh the gateway refused before decrypting (plain 429): the token was not consumed. */
    refreshRateLimited: (oldRt: string) =>
      hub.ingest(
        exchange({
          tabId,
          status: 429,
          url: `${API}/web/v1/system/auth/token/refresh`,
          reqHeaders: headers,
          req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: oldRt })),
          res: JSON.stringify({ success: false, code: 'RATE_LIMIT.EXCEEDED', message: 'Too many requests' }),
        }),
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
