import { describe, expect, test } from 'vitest';
import { setup, adopted, record, T0 } from './setup';
import { badgeFor, BADGE_RED } from '../../../src/background/sessions/badge';
import { validateEnvironment, originPattern, needsHostPermission } from '../../../src/background/sessions/environments';
import type { SessionRecord } from '../../../src/background/sessions/schemas';

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
    expect((await s.engine.views()).map((x) => x.key)).toEqual([v.key]);
    expect(await s.engine.stores.settings()).toMatchObject({ rememberSessions: false, refreshMarginSec: 60 });
    expect(await s.engine.stores.environments()).toEqual([]);
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
    const ok = await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus/', oldRefreshToken: 'rt-0', accessToken: 'opaque', refreshToken: 'rt-page', expiresIn: 3600 });
    expect(ok).toBe(true);
    expect(s.areas.session.writes.length).toBe(writes + 1);
    expect(await record(s, v.key)).toMatchObject({ refreshToken: 'rt-page', accessExpiresAt: T0 + 3_600_000 });
    expect(await s.engine.notePageRotation({ apiBase: 'http://127.0.0.1:18020/prometheus', oldRefreshToken: 'rt-0', accessToken: 'a', refreshToken: 'b', expiresIn: 1 })).toBe(false);
  });
});
