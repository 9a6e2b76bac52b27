/**
 * "Remember sessions" moves every pair between storage.session and storage.local (issue #10 item 3).
 * Fault injection: the worker is stopped after storage operation k of the move, for every k; then a
 * fresh worker (and maybe a browser restart, which empties storage.session) carries on. At no point may
 * a refresh token sit in storage.local with Remember off, and no later refresh may present a token
 * that was already spent (a stale copy).
 */
import { describe, expect, test } from 'vitest';
import { setup, adopted } from './setup';
import { dyingAreas, type FakeArea } from './fakes';
import { COALESCE_MS } from '../../../src/background/sessions/refresh-engine';
import { SessionEngine } from '../../../src/background/sessions/engine';

type S = ReturnType<typeof setup>;

const sessKeys = (a: FakeArea) => [...a.data.keys()].filter((k) => k.startsWith('kh:sess:'));
const rememberOn = (s: S) => (s.areas.local.data.get('kh:settings') as { rememberSessions?: boolean } | undefined)?.rememberSessions === true;

/** Invariant: with Remember off (as stored), storage.local holds no session. */
function noTokenOnDiskWhenOff(s: S, when: string): void {
  if (!rememberOn(s)) expect(sessKeys(s.areas.local), `token on disk with Remember off (${when})`).toEqual([]);
}

/** Two sessions, each refreshed once, so each has a spent token a stale copy would still hold. */
async function twoRefreshedSessions(s: S): Promise<void> {
  await adopted(s);
  s.client.valid.add('rt-a');
  await s.engine.adopt({ envId: 'local', refreshToken: 'rt-a' });
  for (const v of await s.engine.views()) await s.engine.refresh(v.key);
}

/** A fresh worker refreshes every session it finds (by hand, past the coalescing window). */
async function refreshAll(s: S): Promise<void> {
  await s.engine.wake();
  // The new worker finished the move: one copy per session, in the area the stored setting names.
  const [inLocal, inSession] = [sessKeys(s.areas.local), sessKeys(s.areas.session)];
  expect(rememberOn(s) ? inSession : inLocal, 'a copy left in the other area after wake-up').toEqual([]);
  expect((await s.engine.views()).length).toBe(inLocal.length + inSession.length);
  for (const v of await s.engine.views()) {
    s.advance(COALESCE_MS + 1);
    await s.engine.refresh(v.key);
  }
}

/** Runs the toggle on a worker that dies after `limit` storage operations; returns how many it used. */
async function toggleDying(s: S, on: boolean, limit: number): Promise<string[]> {
  const areas = dyingAreas(s.areas, limit);
  const dying = new SessionEngine({ areas, alarms: s.alarms, createClient: () => s.client, now: () => s.clock.t, workerId: 'dying' });
  void dying.saveSettings({ rememberSessions: on }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 0)); // the fakes settle in microtasks: everything that can run has run
  return areas.ops;
}

async function scenario(on: boolean, limit: number, browserRestart: 'none' | 'at-once' | 'after-a-refresh'): Promise<string[]> {
  const s = setup();
  if (!on) await s.engine.saveSettings({ rememberSessions: true });
  await twoRefreshedSessions(s);
  const ops = await toggleDying(s, on, limit);
  noTokenOnDiskWhenOff(s, `stopped after ${limit}`);

  if (browserRestart === 'at-once') s.areas.session.data.clear();
  let w = s.restart('w2');
  await refreshAll(w);
  noTokenOnDiskWhenOff(w, 'after a new worker');
  if (browserRestart === 'after-a-refresh') {
    s.areas.session.data.clear();
    w = s.restart('w3');
    await refreshAll(w);
    noTokenOnDiskWhenOff(w, 'after the browser restart');
  }
  const calls = s.client.refreshCalls;
  expect(new Set(calls).size, `a token was presented twice: ${calls.join(' ')} (ops: ${ops.join(' | ')})`).toBe(calls.length);
  for (const v of await w.engine.views()) expect(v.status, `ops: ${ops.join(' | ')}`).toBe('active');
  return ops;
}

describe('the "Remember sessions" move is crash-safe', () => {
  for (const on of [true, false]) {
    test(`Remember ${on ? 'on' : 'off'}: a worker stopped after any storage operation of the move`, async () => {
      const total = (await scenario(on, Infinity, 'none')).length;
      expect(total).toBeGreaterThan(4);
      for (let k = 0; k <= total; k++) {
        for (const restart of ['none', 'at-once', 'after-a-refresh'] as const) await scenario(on, k, restart);
      }
    });
  }

  test('a completed move leaves one copy per session, in the area the setting names', async () => {
    const s = setup();
    await twoRefreshedSessions(s);
    await s.engine.saveSettings({ rememberSessions: true });
    expect(sessKeys(s.areas.local)).toHaveLength(2);
    expect(sessKeys(s.areas.session)).toEqual([]);
    await s.engine.saveSettings({ rememberSessions: false });
    expect(sessKeys(s.areas.session)).toHaveLength(2);
    expect(sessKeys(s.areas.local)).toEqual([]);
  });
});

describe('which copy is authoritative', () => {
  test('the copy in the area the setting names, even when the other one looks newer (a clock set back)', async () => {
    const s = setup();
    const v = await adopted(s);
    const k = `kh:sess:${v.key}`;
    const rec = s.areas.session.data.get(k) as Record<string, unknown>;
    s.areas.local.data.set(k, { ...rec, refreshToken: 'rt-stale', refreshedAt: s.clock.t + 3_600_000 });
    const found = await s.engine.stores.session(v.key);
    expect(found).toMatchObject({ area: 'session', stray: true, record: { refreshToken: 'rt-0' } });
    expect((await s.engine.stores.sessions())[0]).toMatchObject({ area: 'session', stray: true });
    await s.restart().engine.wake(); // Remember is off: the copy on disk goes
    expect(sessKeys(s.areas.local)).toEqual([]);
    expect(sessKeys(s.areas.session)).toEqual([k]);
  });
});

describe('the settings queue', () => {
  test('a session added while Remember is being turned off (a refresh holding the move) lands in memory, never on disk', async () => {
    const s = setup();
    await s.engine.saveSettings({ rememberSessions: true });
    const v = await adopted(s, 30);
    s.client.hold();
    const refreshing = s.engine.refresh(v.key);
    await new Promise((r) => setTimeout(r, 0));
    const toggling = s.engine.saveSettings({ rememberSessions: false }); // waits for the refresh (session queue)
    await new Promise((r) => setTimeout(r, 0));
    s.client.valid.add('rt-new');
    const adding = s.engine.adopt({ envId: 'local', refreshToken: 'rt-new' }); // waits for the move (settings queue)
    await new Promise((r) => setTimeout(r, 5));
    expect(rememberOn(s)).toBe(true); // nothing settled yet
    s.client.letGo();
    const [, , added] = await Promise.all([refreshing, toggling, adding]);
    expect(rememberOn(s)).toBe(false);
    expect(sessKeys(s.areas.local)).toEqual([]);
    expect(sessKeys(s.areas.session).sort()).toEqual([`kh:sess:${v.key}`, `kh:sess:${added.key}`].sort());
    expect((s.areas.session.data.get(`kh:sess:${v.key}`) as { refreshToken: string }).refreshToken).toBe('rt-1');
  });
});
