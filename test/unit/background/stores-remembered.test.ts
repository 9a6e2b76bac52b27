/**
 * The worker remembers the session records and environments it read or wrote (issue #12: a warm Refresh
 * click reads no storage), and never remembers anything storage might not hold.
 */
import { describe, expect, test } from 'vitest';
import { Stores } from '../../../src/background/sessions/stores';
import { fakeAreas, type FakeArea } from './fakes';
import { adopted, setup } from './setup';

/** Counts the `get`s on both areas, and logs every get and set in order. */
function countGets(areas: { local: FakeArea; session: FakeArea }): { n: number; log: string[] } {
  const count = { n: 0, log: [] as string[] };
  for (const a of [areas.local, areas.session]) {
    const get = a.get.bind(a);
    const set = a.set.bind(a);
    a.get = (keys) => {
      count.n++;
      count.log.push('get');
      return get(keys);
    };
    a.set = (items) => {
      count.log.push(`set ${Object.keys(items).join(',')}`);
      return set(items);
    };
  }
  return count;
}

describe('remembered records', () => {
  test('a warm refresh reads no storage before its answer is stored, and still writes the marker and the new pair', async () => {
    const s = setup();
    const { key } = await adopted(s);
    await s.engine.refresh(key); // warm: SC channel, reachability, the record read once
    s.advance(2_000);
    await new Promise((r) => setTimeout(r, 10)); // the first refresh's scheduling and badge, done
    const gets = countGets(s.areas);
    const writesBefore = s.areas.session.writes.length;
    const view = await s.engine.refresh(key);
    // Up to the write of the new pair (what the popup's answer waits for): writes only. Scheduling and
    // the badge read afterwards, off the answer's path.
    const sessionWrites = gets.log.flatMap((op, i) => (op.startsWith('set kh:sess:') ? [i] : []));
    expect(sessionWrites.length).toBeGreaterThanOrEqual(2);
    expect(gets.log.slice(0, sessionWrites[1]! + 1)).toEqual([`set kh:sess:${key}`, `set kh:sess:${key}`]);
    const writes = s.areas.session.writes.slice(writesBefore).map((w) => Object.values(w)[0] as { inflight?: unknown; refreshToken: string });
    expect(writes.map((w) => !!w.inflight)).toEqual([true, false]); // marker, then the pair (never-send-twice)
    expect(view.refreshedAt).toBe(s.clock.t);
    // And what is remembered is what storage holds.
    expect(await new Stores(s.areas).session(key)).toEqual(await s.engine.stores.session(key));
  });

  test('a write into the other area (half of a move) is not taken as the authoritative copy', async () => {
    const areas = fakeAreas();
    const stores = new Stores(areas);
    const rec = { key: 'k1', envId: 'local', source: 'signin' as const, createdAt: 1, refreshToken: 'rt', status: 'active' as const, failures: 0 };
    await stores.putSession(rec, 'session');
    expect((await stores.session('k1'))?.area).toBe('session');
    await stores.putSession({ ...rec, refreshToken: 'rt-copy' }, 'local'); // settings still say session
    const gets = countGets(areas);
    expect(await stores.session('k1')).toMatchObject({ area: 'session', record: { refreshToken: 'rt' }, stray: true });
    expect(gets.n).toBeGreaterThan(0); // read again, from storage
  });

  test('a failed write is forgotten; a settings change forgets every session', async () => {
    const areas = fakeAreas();
    const stores = new Stores(areas);
    const rec = { key: 'k1', envId: 'local', source: 'signin' as const, createdAt: 1, refreshToken: 'rt', status: 'active' as const, failures: 0 };
    await stores.putSession(rec, 'session');
    await stores.session('k1');
    areas.session.failNextSet = true;
    await expect(stores.putSession({ ...rec, refreshToken: 'rt-2' }, 'session')).rejects.toThrow();
    expect((await stores.session('k1'))?.record.refreshToken).toBe('rt');
    await stores.saveSettings({ rememberSessions: true, refreshMarginSec: 60, activeEnvId: 'local' });
    const gets = countGets(areas);
    await stores.session('k1');
    expect(gets.n).toBeGreaterThan(0);
  });

  test('a marker is pushed after its write is issued (the token waits for the write); any other record before it (the popup waits for the push)', async () => {
    const areas = fakeAreas();
    const log: string[] = [];
    const stores = new Stores(areas, (r) => log.push(`push ${r.inflight ? 'marker' : r.refreshToken}`));
    const set = areas.session.set.bind(areas.session);
    areas.session.set = (items) => {
      const r = Object.values(items)[0] as { inflight?: unknown; refreshToken: string };
      log.push(`set ${r.inflight ? 'marker' : r.refreshToken}`);
      return set(items);
    };
    const rec = { key: 'k1', envId: 'local', source: 'signin' as const, createdAt: 1, refreshToken: 'rt', status: 'active' as const, failures: 0 };
    await stores.putSession({ ...rec, inflight: { refreshToken: 'rt', startedAt: 1, worker: 'w' } }, 'session');
    await stores.putSession({ ...rec, refreshToken: 'rt-2' }, 'session');
    expect(log).toEqual(['set marker', 'push marker', 'push rt-2', 'set rt-2']);
  });
});
