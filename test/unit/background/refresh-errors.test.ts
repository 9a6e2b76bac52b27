import { describe, expect, test } from 'vitest';
import { KeyholeError } from '../../../src/protocol/errors';
import { setup, adopted, record } from './setup';
import { BACKOFF_MS, MAX_AUTO_RETRIES } from '../../../src/background/sessions/backoff';

const alarm = (key: string) => `kh:refresh:${key}`;

describe('when the server says no', () => {
  test('AUTH.REFRESH_TOKEN_INVALID: the session is kept, marked rejected, and never retried', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.valid.clear();
    const view = await s.engine.refresh(v.key);
    expect(view).toMatchObject({ status: 'rejected', lastRefresh: { ok: false, code: 'REFRESH_REJECTED' } });
    s.advance(10 * 60_000);
    await s.engine.refresh(v.key);
    await s.engine.onAlarm(alarm(v.key));
    await s.engine.wake();
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect(s.alarms.when(alarm(v.key))).toBeUndefined();
    expect((await s.engine.views()).map((x) => x.key)).toEqual([v.key]);
  });

  test('HTTP 429: waits for Retry-After (clicks included), then retries at that time', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.onRefresh = async () => {
      throw new KeyholeError('RATE_LIMITED', 'Too many requests', { status: 429, retryAfterMs: 42_000 });
    };
    const view = await s.engine.refresh(v.key);
    expect(view).toMatchObject({ status: 'waiting', retryAt: s.clock.t + 42_000, lastRefresh: { code: 'RATE_LIMITED' } });
    expect(s.alarms.when(alarm(v.key))).toBe(s.clock.t + 42_000);
    s.advance(20_000);
    for (let i = 0; i < 5; i++) await s.engine.refresh(v.key);
    await s.engine.onAlarm(alarm(v.key));
    expect(s.client.refreshCalls).toHaveLength(1);

    s.client.onRefresh = undefined;
    s.advance(22_000);
    await s.engine.onAlarm(alarm(v.key));
    expect(s.client.refreshCalls).toEqual(['rt-0', 'rt-0']); // re-sent only because 429 proves it unspent
    expect((await record(s, v.key))).toMatchObject({ status: 'active', refreshToken: 'rt-1' });
  });

  test('a 429 without Retry-After waits a default minute', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.onRefresh = async () => {
      throw new KeyholeError('RATE_LIMITED', 'Too many requests', { status: 429 });
    };
    expect((await s.engine.refresh(v.key)).retryAt).toBe(s.clock.t + 60_000);
  });

  test('a network failure during the handshake backs off, bounded, without spending the token', async () => {
    const s = setup();
    const v = await adopted(s, 30);
    s.client.handshakeError = new KeyholeError('NETWORK_ERROR', 'client: network request failed');
    for (let i = 0; i < MAX_AUTO_RETRIES; i++) {
      const r = await record(s, v.key);
      if (i > 0) {
        expect(r.retryAt).toBe(s.alarms.when(alarm(v.key)));
        s.clock.t = r.retryAt!;
      }
      await s.engine.onAlarm(alarm(v.key));
      const after = await record(s, v.key);
      expect(after.failures).toBe(i + 1);
      if (i < MAX_AUTO_RETRIES) expect(after.retryAt).toBe(s.clock.t + BACKOFF_MS[i]!);
    }
    s.clock.t = (await record(s, v.key)).retryAt!;
    await s.engine.onAlarm(alarm(v.key));
    const last = await record(s, v.key);
    expect(last).toMatchObject({ failures: MAX_AUTO_RETRIES + 1, status: 'active' });
    expect(s.alarms.when(alarm(v.key))).toBeUndefined(); // budget spent: the user decides
    expect(s.client.refreshCalls).toEqual([]);

    s.client.handshakeError = undefined;
    expect((await s.engine.refresh(v.key)).status).toBe('active'); // a click still works
    expect(s.client.refreshCalls).toEqual(['rt-0']);
  });

  test('a network failure after the token left marks the session interrupted: never re-sent', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.onRefresh = async () => {
      throw new KeyholeError('NETWORK_ERROR', 'client: network request failed');
    };
    expect((await s.engine.refresh(v.key)).status).toBe('interrupted');
    s.client.onRefresh = undefined;
    s.advance(3_600_000);
    await s.engine.refresh(v.key);
    await s.engine.wake();
    expect(s.client.refreshCalls).toEqual(['rt-0']);
  });

  test('a timeout or a 5xx after sending is an unknown outcome too', async () => {
    for (const code of ['TIMEOUT', 'SERVER_ERROR'] as const) {
      const s = setup();
      const v = await adopted(s);
      s.client.onRefresh = async () => {
        throw new KeyholeError(code, 'x', { status: code === 'SERVER_ERROR' ? 500 : undefined });
      };
      expect((await s.engine.refresh(v.key)).status).toBe('interrupted');
    }
  });

  test('SECURE_CHANNEL.SESSION_NOT_FOUND even after the channel re-handshake: backs off (the token was never read)', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.onRefresh = async () => {
      throw new KeyholeError('SC_SESSION_NOT_FOUND', 'Session not found', { status: 401 });
    };
    const view = await s.engine.refresh(v.key);
    expect(view).toMatchObject({ status: 'waiting', retryAt: s.clock.t + BACKOFF_MS[0] });
  });

  test('offline: nothing is sent; retry with backoff', async () => {
    const s = setup();
    const v = await adopted(s);
    s.setOnline(false);
    const view = await s.engine.refresh(v.key);
    expect(view).toMatchObject({ status: 'waiting', lastRefresh: { code: 'NETWORK_ERROR' } });
    expect(s.client.refreshCalls).toEqual([]);
    expect(s.client.probes).toBe(0);
  });

  test('an unreachable gateway is found by the probe, before any token is spent', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.probeError = new KeyholeError('NETWORK_ERROR', 'refused');
    expect((await s.engine.refresh(v.key)).status).toBe('waiting');
    expect(s.client.refreshCalls).toEqual([]);
  });

  test('the probe runs only when the gateway has not answered lately', async () => {
    const s = setup();
    const v = await adopted(s);
    await s.engine.refresh(v.key);
    s.advance(5_000);
    await s.engine.refresh(v.key);
    expect(s.client.probes).toBe(1);
    s.advance(60_000);
    await s.engine.refresh(v.key);
    expect(s.client.probes).toBe(2);
  });
});
