/**
 * One refresh token, one session (§11 single use, §12 reuse detection): adopting a token Keyhole
 * already holds returns that session, and a token Keyhole already rotated away from is refused.
 */
import { describe, expect, test } from 'vitest';
import { setup, adopted, record } from './setup';
import { jwt } from './fakes';
import { SPENT_TOKENS_KEPT } from '../../../src/domain/session';

const access = (clockMs: number, inSec: number, sid = 'sid-p') => jwt({ sub: 'acct-1', sid, exp: Math.floor(clockMs / 1000) + inSec });

describe('adopting a refresh token Keyhole already holds', () => {
  test('pasting the same token twice gives one session, and refreshing sends the token once', async () => {
    const s = setup();
    const a = await adopted(s);
    const b = await s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' });
    expect(b.key).toBe(a.key);
    expect(await s.engine.views()).toHaveLength(1);
    await s.engine.refresh(a.key);
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect((await record(s, a.key)).status).toBe('active');
  });

  test('two adopts of one token at the same time still make one session', async () => {
    const s = setup();
    const [a, b, c] = await Promise.all([
      s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' }),
      s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' }),
      s.engine.adoptFromPage({ apiBase: 'http://127.0.0.1:18020/prometheus', refreshToken: 'rt-0' }),
    ]);
    expect(b.key).toBe(a.key);
    expect(c.sessionKey).toBe(a.key);
    expect(await s.engine.views()).toHaveLength(1);
  });

  test('"Follow in Keyhole" twice returns the same session', async () => {
    const s = setup();
    const input = { apiBase: 'https://api.example.com/prometheus', refreshToken: 'rt-page', accessToken: access(s.clock.t, 600), expiresIn: 600 };
    const first = await s.engine.adoptFromPage(input);
    const second = await s.engine.adoptFromPage(input);
    expect(second.sessionKey).toBe(first.sessionKey);
    expect(await s.engine.views()).toHaveLength(1);
  });

  test('a newer access token given with the held refresh token replaces the stored one; an older one does not', async () => {
    const s = setup();
    const a = await adopted(s, 300);
    const before = await record(s, a.key);
    const newer = access(s.clock.t, 3000, 'sid-new');
    const v = await s.engine.adopt({ envId: 'local', refreshToken: 'rt-0', accessToken: newer });
    expect(v.key).toBe(a.key);
    expect(await record(s, a.key)).toMatchObject({ accessToken: newer, sid: 'sid-new', accessExpiresAt: before.accessExpiresAt! + 2_700_000 });
    // The refresh alarm follows the new expiry.
    expect(s.alarms.when(`kh:refresh:${a.key}`)).toBe(before.accessExpiresAt! + 2_700_000 - 60_000);
    await s.engine.adopt({ envId: 'local', refreshToken: 'rt-0', accessToken: access(s.clock.t, 60, 'sid-old') });
    expect((await record(s, a.key)).accessToken).toBe(newer);
  });

  test('the token in a running refresh (the in-flight marker) is held too: the adopt waits and returns that session', async () => {
    const s = setup();
    const a = await adopted(s);
    s.client.hold();
    const flight = s.engine.refresh(a.key);
    await new Promise((r) => setTimeout(r, 0));
    expect((await record(s, a.key)).inflight?.refreshToken).toBe('rt-0');
    const adopting = s.engine.adopt({ envId: 'local', refreshToken: 'rt-0', accessToken: access(s.clock.t, 9000) });
    await new Promise((r) => setTimeout(r, 0)); // the adopt has read storage and waits for the session's queue
    s.client.letGo();
    await flight;
    const v = await adopting;
    expect(v.key).toBe(a.key);
    expect(await s.engine.views()).toHaveLength(1);
    // The refresh rotated the token meanwhile: the stale paste did not overwrite the new pair.
    expect(await record(s, a.key)).toMatchObject({ refreshToken: 'rt-1', sid: 'sid-1' });
    expect(s.client.refreshCalls).toEqual(['rt-0']);
  });

  test('a marker left by a dead worker also counts as holding the token', async () => {
    const s = setup();
    const a = await adopted(s);
    const rec = await record(s, a.key);
    await s.engine.stores.putSession({ ...rec, refreshToken: 'rt-9', inflight: { refreshToken: 'rt-0', startedAt: s.clock.t, worker: 'dead' } }, 'session');
    const again = s.restart();
    expect((await again.engine.adopt({ envId: 'local', refreshToken: 'rt-0' })).key).toBe(a.key);
    expect(await again.engine.views()).toHaveLength(1);
  });
});

describe('spent refresh tokens', () => {
  test('a token the session rotated away from is refused, not adopted', async () => {
    const s = setup();
    const a = await adopted(s);
    await s.engine.refresh(a.key);
    expect((await record(s, a.key)).spentRefreshTokens).toEqual(['rt-0']);
    await expect(s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' })).rejects.toMatchObject({ code: 'REFRESH_REJECTED', message: 'this refresh token was already rotated' });
    await expect(s.engine.adoptFromPage({ apiBase: 'http://127.0.0.1:18020/prometheus', refreshToken: 'rt-0' })).rejects.toMatchObject({ code: 'REFRESH_REJECTED' });
    expect(await s.engine.views()).toHaveLength(1);
  });

  test('the list is bounded to the last few tokens and never leaves the worker', async () => {
    const s = setup();
    const a = await adopted(s);
    for (let i = 0; i < SPENT_TOKENS_KEPT + 2; i++) {
      s.advance(10_000); // past the manual-click coalescing window
      await s.engine.refresh(a.key);
    }
    const rec = await record(s, a.key);
    expect(rec.refreshToken).toBe(`rt-${SPENT_TOKENS_KEPT + 2}`);
    expect(rec.spentRefreshTokens).toEqual(['rt-2', 'rt-3', 'rt-4', 'rt-5', 'rt-6']);
    const state = JSON.stringify(await s.engine.popupState());
    expect(state).not.toContain('rt-');
  });

  test('a rotation done by the inspected page marks the old token spent too', async () => {
    const s = setup();
    const a = await adopted(s);
    await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus', oldRefreshToken: 'rt-0', accessToken: jwt({ sub: 'acct-1' }), refreshToken: 'rt-page', expiresIn: 3600 });
    expect((await record(s, a.key)).spentRefreshTokens).toEqual(['rt-0']);
    await expect(s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' })).rejects.toMatchObject({ code: 'REFRESH_REJECTED' });
    expect((await s.engine.adopt({ envId: 'local', refreshToken: 'rt-page' })).key).toBe(a.key);
  });
});
