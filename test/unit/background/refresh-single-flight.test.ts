import { describe, expect, test } from 'vitest';
import { setup, adopted, record } from './setup';
import { COALESCE_MS } from '../../../src/background/sessions/refresh-engine';

describe('single flight', () => {
  test('twenty concurrent refreshes and an alarm share one network refresh and one result', async () => {
    const s = setup();
    const v = await adopted(s, 30); // due: inside the 60 s margin, so the alarm wants it too
    s.client.hold();
    const clicks = Array.from({ length: 20 }, () => s.engine.refresh(v.key, 'manual'));
    const alarm = s.engine.onAlarm(`kh:refresh:${v.key}`);
    await new Promise((r) => setTimeout(r, 5));
    s.client.letGo();
    const results = await Promise.all(clicks);
    await alarm;
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect(new Set(results.map((r) => r.accessTokenMasked)).size).toBe(1);
    expect((await record(s, v.key)).refreshToken).toBe('rt-1');
  });

  test('a click right after a refresh shares its result; a later click refreshes again', async () => {
    const s = setup();
    const v = await adopted(s);
    await s.engine.refresh(v.key);
    s.advance(COALESCE_MS - 1);
    await s.engine.refresh(v.key);
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    s.advance(2);
    await s.engine.refresh(v.key);
    expect(s.client.refreshCalls).toEqual(['rt-0', 'rt-1']);
  });

  test('an alarm that fires before the refresh is due does nothing', async () => {
    const s = setup();
    const v = await adopted(s, 3600);
    await s.engine.onAlarm(`kh:refresh:${v.key}`);
    expect(s.client.refreshCalls).toEqual([]);
  });

  test('sessions refresh independently of each other', async () => {
    const s = setup();
    const a = await adopted(s);
    s.client.valid.add('rt-x');
    const b = await s.engine.adopt({ envId: 'local', refreshToken: 'rt-x' });
    await Promise.all([s.engine.refresh(a.key), s.engine.refresh(b.key)]);
    expect(s.client.refreshCalls.sort()).toEqual(['rt-0', 'rt-x']);
  });
});

describe('the rotation write', () => {
  test('the marker is stored before the token leaves, and the new pair replaces it in one write', async () => {
    const s = setup();
    const v = await adopted(s);
    const before = s.areas.session.writes.length;
    let writesWhenSent = -1;
    s.client.onRefresh = async () => {
      writesWhenSent = s.areas.session.writes.length;
      const marker = s.areas.session.writes.at(-1)![`kh:sess:${v.key}`] as { inflight?: { refreshToken: string; worker: string } };
      expect(marker.inflight).toMatchObject({ refreshToken: 'rt-0', worker: 'worker-1' });
      return s.client.pair();
    };
    await s.engine.refresh(v.key);
    expect(writesWhenSent).toBe(before + 1);
    const after = s.areas.session.writes.slice(before + 1);
    expect(after).toHaveLength(1);
    const stored = after[0]![`kh:sess:${v.key}`] as Record<string, unknown>;
    expect(stored).toMatchObject({ refreshToken: 'rt-1', status: 'active', lastRefresh: { ok: true } });
    expect(stored).not.toHaveProperty('inflight');
  });

  test('tokens go to storage.local only with "Remember sessions" on', async () => {
    const s = setup();
    const v1 = await adopted(s);
    expect(s.areas.session.data.has(`kh:sess:${v1.key}`)).toBe(true);
    expect(s.areas.local.data.has(`kh:sess:${v1.key}`)).toBe(false);
    await s.engine.saveSettings({ rememberSessions: true });
    expect(s.areas.local.data.has(`kh:sess:${v1.key}`)).toBe(true);
    expect(s.areas.session.data.has(`kh:sess:${v1.key}`)).toBe(false);
    await s.engine.refresh(v1.key);
    expect((s.areas.local.data.get(`kh:sess:${v1.key}`) as { refreshToken: string }).refreshToken).toBe('rt-1');
  });

  test('the token leaves only once the marker write has resolved', async () => {
    const s = setup();
    const v = await adopted(s);
    const release = s.areas.session.holdNextSet();
    const refreshed = s.engine.refresh(v.key);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.client.refreshCalls).toEqual([]);
    release();
    await refreshed;
    expect(s.client.refreshCalls).toEqual(['rt-0']);
  });

  test('a failed marker write sends nothing', async () => {
    const s = setup();
    const v = await adopted(s);
    s.areas.session.failNextSet = true;
    await expect(s.engine.refresh(v.key)).rejects.toThrow();
    expect(s.client.refreshCalls).toEqual([]);
  });
});

describe('a worker stopped mid-refresh', () => {
  test('stopped after the token left: the next worker marks the session interrupted and never re-sends it', async () => {
    const s = setup();
    const v = await adopted(s);
    s.client.hold();
    void s.engine.refresh(v.key); // this worker "dies" while the request is out
    await new Promise((r) => setTimeout(r, 5));
    expect(s.client.refreshCalls).toEqual(['rt-0']);

    const next = s.restart();
    const view = await next.engine.refresh(v.key);
    expect(view.status).toBe('interrupted');
    await next.engine.refresh(v.key);
    await next.engine.wake();
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect((await record(next, v.key)).inflight).toBeUndefined();
    expect(next.alarms.when(`kh:refresh:${v.key}`)).toBeUndefined();
  });

  test('stopped before the token left (during the handshake): the next worker simply refreshes', async () => {
    const s = setup();
    const v = await adopted(s);
    let stuck: () => void = () => {};
    s.client.ensureChannel = () => new Promise<void>((r) => (stuck = r)); // the worker dies here
    void s.engine.refresh(v.key);
    await new Promise((r) => setTimeout(r, 5));
    expect((await record(s, v.key)).inflight).toBeUndefined();

    const next = s.restart();
    s.client.ensureChannel = async () => {};
    const view = await next.engine.refresh(v.key);
    expect(view.status).toBe('active');
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    stuck();
  });

  test('at wake-up an overdue session is refreshed, once', async () => {
    const s = setup();
    const v = await adopted(s, 600);
    s.advance(590_000); // asleep past the refresh time
    const next = s.restart();
    await Promise.all([next.engine.wake(), next.engine.wake()]);
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect((await record(next, v.key)).refreshToken).toBe('rt-1');
  });
});
