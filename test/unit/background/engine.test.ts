import { describe, expect, test } from 'vitest';
import { setup, adopted, record, T0 } from './setup';
import { FakeClient, jwt } from './fakes';
import { KeyholeError } from '../../../src/protocol/errors';
import { badgeFor, BADGE_RED } from '../../../src/background/sessions/badge';
import { validateEnvironment, originPattern, needsHostPermission } from '../../../src/domain/environment';
import type { SessionRecord } from '../../../src/domain/session';

describe('scheduling', () => {
  test('the refresh alarm is set margin seconds before the access token expires, and moves with the margin', async () => {
    const s = setup();
    const v = await adopted(s, 600);
    expect(s.alarms.when(`kh:refresh:${v.key}`)).toBe(v.accessExpiresAt! - 60_000);
    await s.engine.saveSettings({ refreshMarginSec: 120 });
    expect(s.alarms.when(`kh:refresh:${v.key}`)).toBe(v.accessExpiresAt! - 120_000);
  });

  test('after a refresh the alarm follows the new expiry', async () => {
    const s = setup();
    const v = await adopted(s, 30);
    await s.engine.onAlarm(`kh:refresh:${v.key}`);
    const r = await record(s, v.key);
    expect(s.alarms.when(`kh:refresh:${v.key}`)).toBe(r.accessExpiresAt! - 60_000);
  });

  test('wake-up re-creates missing alarms and the badge tick without refreshing what is not due', async () => {
    const s = setup();
    const v = await adopted(s, 3600);
    s.alarms.alarms.clear(); // a browser restart may drop alarms
    await s.restart().engine.wake();
    expect(s.alarms.when(`kh:refresh:${v.key}`)).toBe(v.accessExpiresAt! - 60_000);
    expect(s.alarms.alarms.get('kh:badge')?.periodInMinutes).toBe(1);
    expect(s.client.refreshCalls).toEqual([]);
  });

  test('a pasted refresh token without an access token is refreshed at once', async () => {
    const s = setup();
    const v = await s.engine.adopt({ envId: 'local', refreshToken: 'rt-0' });
    expect(s.alarms.when(`kh:refresh:${v.key}`)).toBeLessThanOrEqual(T0 + 1_000);
    await s.engine.onAlarm(`kh:refresh:${v.key}`);
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect((await record(s, v.key))).toMatchObject({ sub: 'acct-1', sid: 'sid-1' });
  });
});

describe('badge', () => {
  const rec = (exp: number, status: SessionRecord['status'] = 'active'): SessionRecord => ({
    key: 'k' + exp, envId: 'local', source: 'signin', createdAt: 0, refreshToken: 'r', status, failures: 0, accessExpiresAt: exp,
  });
  test('minutes left of the soonest-expiring session, red under one minute', () => {
    expect(badgeFor([rec(T0 + 10 * 60_000 + 5_000), rec(T0 + 30 * 60_000)], T0).text).toBe('10m');
    expect(badgeFor([rec(T0 + 59_000)], T0)).toEqual({ text: '<1m', color: BADGE_RED });
    expect(badgeFor([rec(T0 - 1)], T0)).toMatchObject({ text: '0', color: BADGE_RED });
    expect(badgeFor([rec(T0 + 59_000, 'rejected')], T0).text).toBe('');
    expect(badgeFor([], T0).text).toBe('');
  });
  test('is updated when sessions change', async () => {
    const s = setup();
    await adopted(s, 300);
    expect(s.badges.at(-1)?.text).toBe('5m');
  });
});

describe('sign-in', () => {
  test('initiate then complete stores a new session with sub and sid', async () => {
    const s = setup();
    const start = await s.engine.signInStart('local', 'demo@keyhole.test', 'pw');
    expect(start.mfaMethods[0]).toMatchObject({ value: 10011002 });
    const v = await s.engine.signInComplete('local', start.loginSessionId, 10011002, '123456');
    expect(v).toMatchObject({ source: 'signin', sub: 'acct-1', status: 'active', hasAccessToken: true });
    expect(v.accessTokenMasked).toContain('…');
    expect(JSON.stringify(v)).not.toContain('rt-'); // the refresh token never leaves the worker
  });
  test('every documented failure comes back coded', async () => {
    const s = setup();
    await expect(s.engine.signInStart('local', 'demo@keyhole.test', 'nope')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(s.engine.signInComplete('local', 'login-1', 10011002, '000000')).rejects.toMatchObject({ code: 'MFA_CODE_INVALID' });
    await expect(s.engine.signInStart('missing', 'a@b.c', 'pw')).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('sign-out', () => {
  test('logs out, forgets the pair, clears the alarm, and closes the SC session with the last one', async () => {
    const s = setup();
    const a = await adopted(s);
    s.client.valid.add('rt-x');
    const b = await s.engine.adopt({ envId: 'local', refreshToken: 'rt-x' });
    await s.engine.signOut(a.key);
    expect(s.client.logouts).toHaveLength(1);
    expect(s.client.closes).toBe(0);
    expect(s.alarms.when(`kh:refresh:${a.key}`)).toBeUndefined();
    await s.engine.signOut(b.key);
    expect(s.client.closes).toBe(1);
    expect(await s.engine.views()).toEqual([]);
  });
});

describe('storage is validated on read', () => {
  test('corrupt records, settings and environments are dropped, not fatal', async () => {
    const s = setup();
    const v = await adopted(s);
    s.areas.session.data.set('kh:sess:broken', { key: 'broken', refreshToken: 42 });
    s.areas.session.data.set('kh:sess:other', { ...(await record(s, v.key)) }); // key mismatch
    s.areas.local.data.set('kh:settings', { rememberSessions: 'yes' });
    s.areas.local.data.set('kh:envs', [{ id: 'x', name: '', apiBase: 'ftp://nope' }, 'garbage']);
    // Storage changed behind the worker's back: a worker that reads it (a new one; the live one is the
    // only writer and remembers what it read and wrote) finds the corruption.
    const next = s.restart();
    expect((await next.engine.views()).map((x) => x.key)).toEqual([v.key]);
    expect(await next.engine.stores.settings()).toMatchObject({ rememberSessions: false, refreshMarginSec: 60 });
    expect(await next.engine.stores.environments()).toEqual([]);
  });
  test('SC state with a missing key is ignored', async () => {
    const s = setup();
    s.areas.session.data.set('kh:sc:local', { sessionId: 's', requestKey: 'a' });
    s.areas.session.data.set('kh:sc:b', { keyId: 'k', sessionId: 's2', expiresAt: 1, requestKey: 'cg==', responseKey: 'cw==' });
    expect(await s.engine.listOwnScSessions()).toEqual([{ sessionId: 's2', requestKey: 'cg==', responseKey: 'cw==', envId: 'b' }]);
  });
});

describe('client hash', () => {
  test('generated once per profile and stable across workers', async () => {
    const s = setup();
    const h = await s.engine.clientHash();
    expect(h).toMatch(/^kh-[0-9a-f]{32}$/);
    expect(await s.restart().engine.clientHash()).toBe(h);
  });
});

describe('environments', () => {
  test('bad URL and unknown language are refused with a message key', () => {
    const base = { id: 'e', name: 'Staging', apiBase: 'https://api.example.com/p/', portal: 'tenant', mode: 'test', language: 'ja' };
    const ok = validateEnvironment(base);
    expect(ok.ok && ok.env.apiBase).toBe('https://api.example.com/p');
    expect(validateEnvironment({ ...base, apiBase: 'not a url' })).toEqual({ ok: false, errors: { apiBase: 'errBadUrl' } });
    expect(validateEnvironment({ ...base, apiBase: 'ftp://x' })).toMatchObject({ ok: false, errors: { apiBase: 'errBadUrl' } });
    expect(validateEnvironment({ ...base, language: 'fr' })).toEqual({ ok: false, errors: { language: 'errBadLanguage' } });
  });
  test('the worker refuses an invalid environment too', async () => {
    const s = setup();
    await expect(s.engine.saveEnvironment({ name: 'x', apiBase: 'javascript:alert(1)', portal: 'system', mode: 'local', language: 'en' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
  test('host permission is needed for every origin but the local ones', () => {
    expect(needsHostPermission('http://127.0.0.1:18020/prometheus')).toBe(false);
    expect(needsHostPermission('https://api.example.com')).toBe(true);
    expect(originPattern('https://api.example.com:8443/p')).toBe('https://api.example.com/*');
  });
  test('moving an environment forgets its SC keys', async () => {
    const s = setup();
    s.areas.session.data.set('kh:sc:local', { keyId: 'k', sessionId: 's', expiresAt: 1, requestKey: 'a', responseKey: 'b' });
    await s.engine.saveEnvironment({ id: 'local', name: 'Local gateway', apiBase: 'http://127.0.0.1:9999/x', portal: 'system', mode: 'local', language: 'en' });
    expect(s.areas.session.data.has('kh:sc:local')).toBe(false);
  });
});

describe('capture hub hooks', () => {
  test('adoptSession creates the environment for an unknown API base', async () => {
    const s = setup();
    const { sessionKey } = await s.engine.adoptFromPage({ apiBase: 'https://api.example.com/prometheus/', refreshToken: 'rt-0' });
    const envs = await s.engine.stores.environments();
    expect(envs.at(-1)).toMatchObject({ apiBase: 'https://api.example.com/prometheus', mode: 'production' });
    expect((await record(s, sessionKey)).source).toBe('followed');
  });
  test('notePageRotation replaces the matching pair in one write', async () => {
    const s = setup();
    const v = await adopted(s);
    const writes = s.areas.session.writes.length;
    const ok = await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus/', oldRefreshToken: 'rt-0', accessToken: jwt({ sub: 'acct-1' }), refreshToken: 'rt-page', expiresIn: 3600 });
    expect(ok).toBe(true);
    expect(s.areas.session.writes.length).toBe(writes + 1);
    expect(await record(s, v.key)).toMatchObject({ refreshToken: 'rt-page', accessExpiresAt: T0 + 3_600_000 });
    expect(await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus', oldRefreshToken: 'rt-0', accessToken: 'a', refreshToken: 'b', expiresIn: 1 })).toBe(false);
  });
  test("notePageRotation refuses a pair whose access token names another account than the session's", async () => {
    const s = setup();
    const v = await adopted(s);
    for (const accessToken of [jwt({ sub: 'acct-evil' }), 'opaque']) {
      expect(await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus', oldRefreshToken: 'rt-0', accessToken, refreshToken: 'rt-evil', expiresIn: 3600 })).toBe(false);
    }
    expect(await record(s, v.key)).toMatchObject({ refreshToken: 'rt-0', sub: 'acct-1' });
  });
});

const LOCAL_API = 'http://127.0.0.1:18020/prometheus';

describe('the page presents a refresh token Keyhole already spent (notePageReuse)', () => {
  /** A followed session on the default environment, then one refresh by Keyhole: rt-0 is Keyhole-spent. */
  async function followedThenRefreshed(s: ReturnType<typeof setup>) {
    const { sessionKey } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', accessToken: 'opaque', expiresIn: 600 });
    s.advance(5_000);
    await s.engine.refresh(sessionKey);
    return sessionKey;
  }

  test('marks the session revoked with the reason at once, stops its alarm and leaves the badge; nothing is sent', async () => {
    const s = setup();
    const key = await followedThenRefreshed(s);
    expect(await record(s, key)).toMatchObject({ refreshToken: 'rt-1', keyholeSpent: [{ token: 'rt-0', at: T0 + 5_000 }] });
    expect(s.alarms.when(`kh:refresh:${key}`)).toBeDefined();
    s.advance(2_000);
    const hit = await s.engine.notePageReuse({ apiBase: `${LOCAL_API}/`, refreshToken: 'rt-0', answeredAt: s.clock.t, exchangeId: 'x-page' });
    expect(hit).toEqual({ sessionKey: key, label: 'Local gateway (acct-1)' });
    const rec = await record(s, key);
    expect(rec).toMatchObject({
      status: 'revoked',
      revocation: { at: T0 + 7_000, code: 'PAGE_REUSED_SPENT_TOKEN', exchangeId: 'x-page', message: expect.stringContaining('sign in again on the page') },
      refreshToken: 'rt-1', // kept as it was: never re-sent
    });
    expect(s.alarms.when(`kh:refresh:${key}`)).toBeUndefined();
    expect(s.badges.at(-1)?.text).toBe('');
    const view = (await s.engine.views())[0];
    expect(view).toMatchObject({ status: 'revoked', revocation: { code: 'PAGE_REUSED_SPENT_TOKEN' } });
    expect(JSON.stringify(view)).not.toContain('rt-');

    // A revoked session is never refreshed by itself: not by an alarm or a wake-up (a click may try: below).
    s.advance(3_600_000);
    await s.engine.onAlarm(`kh:refresh:${key}`);
    await s.engine.refresh(key, 'alarm');
    await s.restart().engine.wake();
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect(s.client.logouts).toEqual([]);
  });

  test('a click on a revoked session tries its never-presented token once: rejected if the family is gone, active again if it survived', async () => {
    for (const survived of [false, true]) {
      const s = setup();
      const key = await followedThenRefreshed(s);
      await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t });
      if (!survived) s.client.valid.delete('rt-1'); // reuse detection revoked the family, rt-1 included
      s.advance(2_000);
      const view = await s.engine.refresh(key);
      expect(s.client.refreshCalls).toEqual(['rt-0', 'rt-1']);
      const rec = await record(s, key);
      if (survived) {
        expect(view.status).toBe('active');
        expect(rec).toMatchObject({ status: 'active', refreshToken: 'rt-2' });
        expect(rec.revocation).toBeUndefined();
        expect(s.alarms.when(`kh:refresh:${key}`)).toBeDefined();
      } else {
        expect(rec).toMatchObject({ status: 'rejected', refreshToken: 'rt-1', lastRefresh: { ok: false, code: 'REFRESH_REJECTED' } });
        await s.engine.refresh(key); // rejected is final: the dead token is never sent again
        expect(s.client.refreshCalls).toEqual(['rt-0', 'rt-1']);
      }
    }
  });

  test('is idempotent: asking again (re-decrypted traffic) returns the session without rewriting it', async () => {
    const s = setup();
    const key = await followedThenRefreshed(s);
    await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t });
    const first = await record(s, key);
    const writes = s.areas.session.writes.length;
    s.advance(60_000);
    expect(await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t })).toMatchObject({ sessionKey: key });
    expect(s.areas.session.writes.length).toBe(writes);
    expect((await record(s, key)).revocation).toEqual(first.revocation);
  });

  test('no match: a token Keyhole still holds, one only the page rotated, another API base, or a page answer from before Keyhole sent it', async () => {
    const s = setup();
    const key = await followedThenRefreshed(s); // Keyhole sent rt-0 at T0 + 5 s
    await s.engine.notePageRotation({ apiBase: LOCAL_API, oldRefreshToken: 'rt-1', accessToken: jwt({ sub: 'acct-1' }), refreshToken: 'rt-page', expiresIn: 600 });
    const now = s.clock.t;
    expect(await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-page', answeredAt: now })).toBeUndefined();
    expect(await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-1', answeredAt: now })).toBeUndefined(); // spent by the page, not by Keyhole
    expect(await s.engine.notePageReuse({ apiBase: 'https://api.example.com/prometheus', refreshToken: 'rt-0', answeredAt: now })).toBeUndefined();
    expect(await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: T0 + 4_999 })).toBeUndefined();
    expect(await record(s, key)).toMatchObject({ status: 'active', spentRefreshTokens: ['rt-0', 'rt-1'], keyholeSpent: [{ token: 'rt-0' }] });
  });

  test('a refresh of ours still in flight with that token is waited for, then decides', async () => {
    const s = setup();
    const { sessionKey: key } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', accessToken: 'opaque', expiresIn: 600 });
    s.client.hold();
    const flight = s.engine.refresh(key);
    await new Promise((r) => setTimeout(r, 0));
    expect((await record(s, key)).inflight?.refreshToken).toBe('rt-0');
    const noting = s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t + 100 });
    await new Promise((r) => setTimeout(r, 0));
    expect((await record(s, key)).status).toBe('active'); // not before the flight's outcome is stored
    s.client.letGo();
    await flight;
    expect(await noting).toMatchObject({ sessionKey: key });
    expect(await record(s, key)).toMatchObject({ status: 'revoked', refreshToken: 'rt-1' });
  });

  test('a dead worker\'s marker counts as a send of that token: the next worker revokes at once and clears the marker', async () => {
    const s = setup();
    const { sessionKey: key } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', accessToken: 'opaque', expiresIn: 600 });
    s.client.hold();
    void s.engine.refresh(key); // this worker stops with the token on the wire
    await new Promise((r) => setTimeout(r, 0));
    const sentAt = (await record(s, key)).inflight?.startedAt;
    expect(sentAt).toBeDefined();
    s.advance(2_000);
    const next = s.restart();
    expect(await next.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t, exchangeId: 'x-page' })).toMatchObject({ sessionKey: key });
    const rec = await record(s, key);
    expect(rec).toMatchObject({ status: 'revoked', revocation: { code: 'PAGE_REUSED_SPENT_TOKEN', exchangeId: 'x-page' }, keyholeSpent: [{ token: 'rt-0', at: sentAt }] });
    expect(rec.inflight).toBeUndefined();
  });

  test('a token Keyhole sent with an unknown outcome (interrupted) counts; a later successful page rotation of it proves it was not ours', async () => {
    const s = setup();
    const { sessionKey: key } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', accessToken: 'opaque', expiresIn: 600 });
    s.client.onRefresh = async () => {
      throw new KeyholeError('NETWORK_ERROR', 'connection reset');
    };
    await s.engine.refresh(key);
    expect(await record(s, key)).toMatchObject({ status: 'interrupted', keyholeSpent: [{ token: 'rt-0', at: T0 }] });

    // The page's own refresh of rt-0 succeeded: the gateway never consumed our send. Keyhole follows it.
    await s.engine.notePageRotation({ apiBase: LOCAL_API, oldRefreshToken: 'rt-0', accessToken: jwt({ sub: 'acct-1' }), refreshToken: 'rt-page', expiresIn: 600 });
    expect(await record(s, key)).toMatchObject({ status: 'active', refreshToken: 'rt-page', keyholeSpent: [] });
    expect(await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t })).toBeUndefined();

    // Same again, but this time the page's refresh of the token is refused: that was the reuse.
    const s2 = setup();
    const { sessionKey: key2 } = await s2.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', accessToken: 'opaque', expiresIn: 600 });
    s2.client.onRefresh = s.client.onRefresh;
    await s2.engine.refresh(key2);
    expect(await s2.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s2.clock.t })).toMatchObject({ sessionKey: key2 });
    expect((await record(s2, key2)).status).toBe('revoked');
  });

  test('a page rotation of a revoked session\'s current token (the family survived after all) makes it active again', async () => {
    const s = setup();
    const key = await followedThenRefreshed(s);
    await s.engine.notePageReuse({ apiBase: LOCAL_API, refreshToken: 'rt-0', answeredAt: s.clock.t });
    await s.engine.notePageRotation({ apiBase: LOCAL_API, oldRefreshToken: 'rt-1', accessToken: jwt({ sub: 'acct-1' }), refreshToken: 'rt-page', expiresIn: 600 });
    const rec = await record(s, key);
    expect(rec).toMatchObject({ status: 'active', refreshToken: 'rt-page' });
    expect(rec.revocation).toBeUndefined();
  });
});

describe("followed sessions and the page's X-Client-Hash (§12: the family is bound to it)", () => {
  const PAGE_HASH = 'page-device-hash-1';
  const scState = { keyId: 'k', sessionId: 's', expiresAt: T0 + 86_400_000, requestKey: 'cg==', responseKey: 'cw==' };

  function withPageClient() {
    let page: FakeClient | undefined;
    const s = setup({ clientFor: (h) => (h === PAGE_HASH ? page : undefined) });
    page = new FakeClient(() => s.clock.t);
    page.valid = new Set(['rt-page']);
    return { s, page };
  }

  test('adopting with a page hash other than the profile\'s stores it; the refresh goes through a client created with that hash and its own SC store', async () => {
    const { s, page } = withPageClient();
    const { sessionKey } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-page', accessToken: 'opaque', expiresIn: 600, clientHash: PAGE_HASH });
    expect((await record(s, sessionKey)).clientHash).toBe(PAGE_HASH);
    // The hash is the family's secret-ish binding: it never reaches the popup.
    expect(JSON.stringify(await s.engine.popupState())).not.toContain(PAGE_HASH);

    await s.engine.refresh(sessionKey);
    expect(page.refreshCalls).toEqual(['rt-page']);
    expect(s.client.refreshCalls).toEqual([]);
    const made = s.created.filter((c) => c.clientHash === PAGE_HASH);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ envId: 'local', client: page });
    // Its SC session lives under its own key, beside (not over) the profile's.
    await made[0]!.store.save(scState);
    expect([...s.areas.session.data.keys()].filter((k) => k.startsWith('kh:sc:'))).toEqual([`kh:sc:local#${PAGE_HASH}`]);
    expect(await made[0]!.store.load()).toEqual(scState);

    // A second refresh reuses the same client (one handshake per env+hash, §10).
    s.advance(10_000);
    await s.engine.refresh(sessionKey);
    expect(s.created.filter((c) => c.clientHash === PAGE_HASH)).toHaveLength(1);
    expect(page.refreshCalls).toHaveLength(2);
  });

  test('a page hash identical to the profile\'s is not stored: the profile\'s client and SC store are used', async () => {
    const s = setup();
    const own = await s.engine.clientHash();
    const { sessionKey } = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-0', clientHash: own });
    expect((await record(s, sessionKey)).clientHash).toBeUndefined();
    await s.engine.refresh(sessionKey);
    expect(s.client.refreshCalls).toEqual(['rt-0']);
    expect(s.created).toHaveLength(1);
    expect(s.created[0]!.clientHash).toBe(own);
    await s.created[0]!.store.save(scState);
    expect(s.areas.session.data.has('kh:sc:local')).toBe(true);
  });

  test('sign-out closes only the SC session of that env+hash, and only with its last user', async () => {
    const { s, page } = withPageClient();
    const mine = await adopted(s);
    const a = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-page', accessToken: 'opaque-a', expiresIn: 600, clientHash: PAGE_HASH });
    const b = await s.engine.adoptFromPage({ apiBase: LOCAL_API, refreshToken: 'rt-page-2', accessToken: 'opaque-b', expiresIn: 600, clientHash: PAGE_HASH });

    await s.engine.signOut(a.sessionKey);
    expect(page.logouts).toEqual(['opaque-a']); // logout with the family's hash too
    expect(page.closes).toBe(0); // b still uses that SC session
    expect(s.client.closes).toBe(0);

    await s.engine.signOut(b.sessionKey);
    expect(page.closes).toBe(1);
    expect(s.client.closes).toBe(0); // the profile's SC session is still in use by `mine`

    await s.engine.signOut(mine.key);
    expect(s.client.closes).toBe(1);
    expect(page.closes).toBe(1);
  });

  test('moving or deleting an environment clears all its SC stores (the profile\'s and every hash\'s), and no other environment\'s', async () => {
    const s = setup();
    const put = (k: string) => s.areas.session.data.set(k, scState);
    for (const k of ['kh:sc:local', `kh:sc:local#${PAGE_HASH}`, 'kh:sc:local#other', 'kh:sc:localx', 'kh:sc:stage', `kh:sc:stage#${PAGE_HASH}`]) put(k);
    await s.engine.saveEnvironment({ id: 'local', name: 'Local gateway', apiBase: 'http://127.0.0.1:9999/x', portal: 'system', mode: 'local', language: 'en' });
    expect([...s.areas.session.data.keys()].filter((k) => k.startsWith('kh:sc:')).sort()).toEqual(['kh:sc:localx', 'kh:sc:stage', `kh:sc:stage#${PAGE_HASH}`]);

    // Renaming (same URL and portal) keeps the SC sessions.
    await s.engine.saveEnvironment({ id: 'stage', name: 'Stage', apiBase: 'https://api.example.com/p', portal: 'system', mode: 'test', language: 'en' });
    await s.engine.saveEnvironment({ id: 'stage', name: 'Stage 2', apiBase: 'https://api.example.com/p', portal: 'system', mode: 'test', language: 'en' });
    expect(s.areas.session.data.has(`kh:sc:stage#${PAGE_HASH}`)).toBe(true);

    await s.engine.deleteEnvironment('stage');
    expect([...s.areas.session.data.keys()].filter((k) => k.startsWith('kh:sc:'))).toEqual(['kh:sc:localx']);
  });
});
