import { describe, expect, test } from 'vitest';
import { badgeFor, BADGE_CALM } from '../../../src/background/sessions/badge';
import type { SessionRecord } from '../../../src/domain/session';
import { T0, setup, adopted } from './setup';

const rec = (exp: number, status: SessionRecord['status']): SessionRecord => ({
  key: `k${exp}${status}`, envId: 'local', source: 'signin', createdAt: 0, refreshToken: 'r', status, failures: 0, accessExpiresAt: exp,
});

describe('badge', () => {
  test('an interrupted session does not count: it is never refreshed again, so its "0" would stay forever', () => {
    expect(badgeFor([rec(T0 - 1, 'interrupted')], T0)).toEqual({ text: '', color: BADGE_CALM });
    expect(badgeFor([rec(T0 - 1, 'interrupted'), rec(T0 + 10 * 60_000, 'active')], T0).text).toBe('10m');
  });

  test('waiting sessions still count (they will be retried)', () => {
    expect(badgeFor([rec(T0 + 5 * 60_000, 'waiting')], T0).text).toBe('5m');
  });

  test('a session interrupted by a dead worker clears the badge at the next update', async () => {
    const s = setup();
    const v = await adopted(s, 30);
    const r = (await s.engine.stores.session(v.key))!.record;
    await s.engine.stores.putSession({ ...r, inflight: { refreshToken: 'rt-0', startedAt: T0, worker: 'dead' } }, 'session');
    s.advance(60_000);
    const again = s.restart();
    await again.engine.wake();
    expect((await again.engine.stores.session(v.key))!.record.status).toBe('interrupted');
    expect(again.badges.at(-1)).toEqual({ text: '', color: BADGE_CALM });
  });
});
