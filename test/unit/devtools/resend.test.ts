/** The pure parts of Resend / Edit and resend (issue #9): draft, JSON check, headers, token guard, JSON diff. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkJson, draftFrom, headersToSend, keysFor, resendAbility } from '../../../src/devtools/resend/draft';
import { jsonErrorAt } from '../../../src/devtools/resend/json-error-at';
import { guardTokens, pageTokenState } from '../../../src/devtools/resend/token-guard';
import { jsonDiff } from '../../../src/devtools/resend/json-diff';
import { refreshTokensIn } from '../../../src/client/refresh-tokens-in';
import type { KeyringSnapshot } from '../../../src/devtools/inspect-types';
import { exchange } from './fixtures';
import { beforeAll } from 'vitest';
import { i18nStub } from '../helpers/en-catalogue';

// The messages come from the English catalogue, as chrome.i18n would give them.
beforeAll(() => {
  (globalThis as { chrome?: unknown }).chrome = i18nStub('en');
});

const K1 = 'A'.repeat(43) + '=';
const K2 = 'B'.repeat(43) + '=';
const keyring = (entries: KeyringSnapshot['entries']): KeyringSnapshot => ({ entries, candidates: [], wraps: 0, hasPrivateKey: false });

describe('resend draft', () => {
  it('starts from the decrypted request: formatted JSON, original form and AAD, browser headers left out, SC headers apart', () => {
    const d = exchange({
      headers: { 'content-type': 'application/json;charset=UTF-8', 'x-sc-session-id': 'sess_1', 'x-sc-version': '2', 'content-length': '40', origin: 'http://x', 'x-request-id': 'r1', 'sec-fetch-mode': 'cors' },
      request: { form: 'json-envelope', aad: 'session-id' },
    });
    const draft = draftFrom(d);
    expect(draft).toMatchObject({ method: 'POST', path: '/prometheus/web/v1/system/auth/token/refresh', origin: 'http://127.0.0.1:18020', form: 'json', aad: 'session-id', sessionId: 'sess_1' });
    expect(draft.body).toBe('{\n  "refreshToken": "rt-abc"\n}');
    expect(draft.headers).toEqual([['content-type', 'application/json;charset=UTF-8'], ['x-request-id', 'r1']]);
    expect(draft.scHeaders).toEqual([['x-sc-session-id', 'sess_1'], ['x-sc-version', '2']]);
  });

  it('sends the session\'s SC headers unless advanced, and a fresh request id', () => {
    const draft = draftFrom(exchange({ headers: { 'x-sc-session-id': 'sess_1', 'x-request-id': 'old' } }));
    draft.headers.push(['X-SC-Session-Id', 'forged']);
    draft.scHeaders = [['x-sc-session-id', 'sess_other']];
    expect(headersToSend(draft, { advanced: false, requestId: 'new' })).toEqual({ 'x-request-id': 'new', 'x-sc-session-id': 'sess_1', 'x-sc-version': '2' });
    expect(headersToSend(draft, { advanced: true, requestId: 'new' })).toMatchObject({ 'x-sc-session-id': 'sess_other' });
  });

  it('needs a decrypted request and both keys of its session', () => {
    const d = exchange();
    expect(resendAbility(d, keyring([{ sessionId: 'sess_1', requestKey: K1, source: 'manual', addedAt: 0 }]))).toEqual({ ok: false, why: 'no-keys' });
    const both = keyring([
      { sessionId: 'sess_1', requestKey: K1, source: 'manual', addedAt: 0 },
      { sessionId: 'sess_1', responseKey: K2, source: 'trial', addedAt: 1 },
    ]);
    expect(keysFor(both, 'sess_1')).toEqual({ sessionId: 'sess_1', requestKey: K1, responseKey: K2 });
    expect(resendAbility(d, both)).toMatchObject({ ok: true });
    expect(resendAbility(exchange({ request: { status: 'failed' } }), both)).toEqual({ ok: false, why: 'not-decrypted' });
  });
});

describe('JSON check', () => {
  it('names line and column of the first bad character', () => {
    expect(checkJson('{\n  "a": 1,\n  "b": }')).toEqual({ ok: false, message: 'Invalid JSON at line 3, column 8: unexpected "}"' });
    expect(checkJson('{"a": [1, 2')).toEqual({ ok: false, message: 'Invalid JSON at line 1, column 12: the text ends too early' });
    expect(checkJson(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('finds no error in any valid JSON and some error in what JSON.parse refuses', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => jsonErrorAt(JSON.stringify(v, null, 1)) === -1));
    fc.assert(
      fc.property(fc.string(), (s) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        return valid === (jsonErrorAt(s) === -1);
      }),
    );
  });
});

describe('single-use token guard', () => {
  const login = exchange({ path: '/prometheus/web/v1/system/auth/login/complete', request: { json: { code: '123456' } }, response: { json: { success: true, data: { refreshToken: 'rt-1' } } } });
  const refresh = exchange({ request: { json: { refreshToken: 'rt-1' } }, response: { json: { success: true, data: { refreshToken: 'rt-2' } } } });
  const unknown = async () => ({ state: 'unknown' as const });

  it('reads spent and current tokens from the listed traffic', () => {
    expect(pageTokenState([login, refresh], 'rt-1')).toBe('spent');
    expect(pageTokenState([login, refresh], 'rt-2')).toBe('current');
    expect(pageTokenState([login], 'rt-1')).toBe('current');
    expect(pageTokenState([login, refresh], 'rt-x')).toBe('unknown');
  });

  it('blocks a spent token (page or Keyhole records), asks before spending a current one, lets others through', async () => {
    expect(await guardTokens({ refreshToken: 'rt-1' }, [login, refresh], unknown)).toMatchObject({ kind: 'blocked', message: expect.stringContaining('a later exchange of this page already rotated it') });
    expect(await guardTokens({ refreshToken: 'rt-9' }, [], async () => ({ state: 'spent', label: 'Local (u1)' }))).toMatchObject({ kind: 'blocked', message: expect.stringContaining("Keyhole's session Local (u1) already rotated away from it") });
    expect(await guardTokens({ refreshToken: 'rt-2' }, [login, refresh], unknown)).toMatchObject({ kind: 'confirm', followed: false, message: expect.stringContaining("page's current refresh token") });
    expect(await guardTokens({ refreshToken: 'rt-2' }, [], async () => ({ state: 'current', label: 'L', followed: true }))).toMatchObject({ kind: 'confirm', followed: true });
    expect(await guardTokens({ email: 'a' }, [login, refresh], unknown)).toEqual({ kind: 'ok' });
    // A failing worker query never lets a token the page spent through.
    expect(await guardTokens({ refreshToken: 'rt-1' }, [login, refresh], () => Promise.reject(new Error('worker gone')))).toMatchObject({ kind: 'blocked' });
  });

  it('finds refresh tokens nested and in snake case, bounded', () => {
    expect(refreshTokensIn({ a: { refresh_token: 'x' }, list: [{ refreshToken: 'y' }], refreshToken: 5 })).toEqual(['x', 'y']);
    let deep: unknown = { refreshToken: 'z' };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(refreshTokensIn(deep)).toEqual([]);
  });
});

describe('JSON diff', () => {
  it('compares structure, not text: key order and formatting do not count', () => {
    expect(jsonDiff({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toEqual([]);
  });
  it('lists added, removed and changed paths', () => {
    expect(jsonDiff({ success: true, data: { id: 1, list: [1, 2] }, gone: 1 }, { success: false, data: { id: 1, list: [1], 'x-y': null } })).toEqual([
      { path: 'success', kind: 'changed', before: true, after: false },
      { path: 'data.list[1]', kind: 'removed', before: 2 },
      { path: 'data["x-y"]', kind: 'added', after: null },
      { path: 'gone', kind: 'removed', before: 1 },
    ]);
  });
});
