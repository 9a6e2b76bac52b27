/** The filter bar's terms (issue #11): each key, negation, AND, free text and regex, suggestions. */
import { describe, expect, test } from 'vitest';
import { searchHaystack } from '../../../src/devtools/model/filter';
import { collectSuggestionSource, parseFilter, parseSize, suggest, tokenize, type FilterRow } from '../../../src/devtools/model/filter-query';
import { summarize } from '../../../src/devtools/model/row-summary';
import type { DecryptedExchange } from '../../../src/devtools/inspect-types';
import { exchange } from './fixtures';

const row = (d: DecryptedExchange, extra: Partial<FilterRow> = {}): FilterRow & { name: string } => ({
  name: d.exchange.id,
  summary: summarize(d),
  haystack: () => searchHaystack(d),
  ...extra,
});

const initiate = row(exchange({ id: 'initiate', path: '/p/web/v1/system/auth/login/initiate', request: { text: '{"email":"demo@keyhole.test"}', json: { email: 'demo@keyhole.test' } } }));
const complete = row(
  exchange({ id: 'complete', path: '/p/web/v1/system/auth/login/complete', status: 404, response: { text: '{"code":"AUTH.SESSION_NOT_FOUND"}', json: { code: 'AUTH.SESSION_NOT_FOUND' } } }),
);
complete.summary.responseCode = 'AUTH.SESSION_NOT_FOUND';
const refresh = row(exchange({ id: 'refresh', status: 401, response: { status: 'failed', error: { code: 'AEAD_AUTH_FAILED', message: 'x' }, json: undefined, text: undefined } }));
refresh.summary.responseCode = 'AUTH.REFRESH_TOKEN_INVALID';
const key = row(exchange({ id: 'key', method: 'GET', path: '/p/web/v1/secure-channel/public-key', status: 200 }));
key.summary.sessionId = undefined;
key.summary.responseSize = 12 * 1024;
const resentEx = exchange({ id: 'resent', path: '/p/web/v1/system/auth/token/refresh' });
(resentEx.exchange as { resentFrom?: string }).resentFrom = 'refresh';
const resent = row(resentEx, { data: resentEx });
const ROWS = [initiate, complete, refresh, key, resent];

const names = (q: string) => {
  const p = parseFilter(q);
  if (!p.ok) throw new Error(JSON.stringify(p.problem));
  return ROWS.filter(p.test).map((r) => r.name);
};

describe('terms', () => {
  test('method: matches case-insensitively', () => {
    expect(names('method:get')).toEqual(['key']);
    expect(names('method:POST')).toEqual(['initiate', 'complete', 'refresh', 'resent']);
  });

  test('status: an exact code, a class, or none', () => {
    expect(names('status:401')).toEqual(['refresh']);
    expect(names('status:4xx')).toEqual(['complete', 'refresh']);
    expect(names('status:none')).toEqual([]);
    expect(parseFilter('status:abc')).toEqual({ ok: false, problem: { code: 'badStatus', value: 'abc' } });
  });

  test('code: with a * wildcard, anchored', () => {
    expect(names('code:AUTH.*')).toEqual(['complete', 'refresh']);
    expect(names('code:auth.session_not_found')).toEqual(['complete']);
    expect(names('code:AUTH')).toEqual([]);
  });

  test('path: a substring, or a glob with *', () => {
    expect(names('path:/token')).toEqual(['refresh', 'resent']);
    expect(names('path:*/login/*')).toEqual(['initiate', 'complete']);
  });

  test('session: a substring of the SC session id', () => {
    expect(names('session:sess_')).toEqual(['initiate', 'complete', 'refresh', 'resent']);
  });

  test('larger-than: either body, k = 1024', () => {
    expect(names('larger-than:10k')).toEqual(['key']);
    expect(names('larger-than:100')).toEqual(['initiate', 'complete', 'refresh', 'key', 'resent']);
    expect(parseSize('1.5M')).toBe(1_572_864);
    expect(parseFilter('larger-than:lots')).toEqual({ ok: false, problem: { code: 'badSize', value: 'lots' } });
  });

  test('is:failed, is:resent, is:decrypted; an unknown is: is a coded problem', () => {
    expect(names('is:failed')).toEqual(['refresh']);
    expect(names('is:resent')).toEqual(['resent']);
    expect(names('is:decrypted')).toEqual(['initiate', 'complete', 'key', 'resent']);
    expect(parseFilter('is:pending')).toEqual({ ok: false, problem: { code: 'badIs', value: 'pending' } });
  });

  test('a network error counts as failed', () => {
    const d = exchange({ id: 'neterr' });
    d.exchange.error = 'Failed to fetch';
    const r = row(d);
    const p = parseFilter('is:failed');
    expect(p.ok && p.test(r)).toBe(true);
  });

  test('- negates any term', () => {
    expect(names('-method:POST')).toEqual(['key']);
    expect(names('-is:resent -path:/login')).toEqual(['refresh', 'key']);
    expect(names('-demo@keyhole')).toEqual(['complete', 'refresh', 'key', 'resent']);
  });

  test('terms combine by AND: POST with code AUTH.* on /token', () => {
    expect(names('method:POST code:AUTH.* path:/token')).toEqual(['refresh']);
  });
});

describe('free text', () => {
  test('searches the decrypted bodies, case-insensitively; quotes keep spaces', () => {
    expect(names('DEMO@KEYHOLE.TEST')).toEqual(['initiate']);
    expect(names('"at-xyz"')).toEqual(['initiate', 'key', 'resent']);
    expect(tokenize('path:"/a b" "two words" x')).toEqual(['path:/a b', 'two words', 'x']);
  });

  test('/regex/ matches across the bodies; a bad one is a coded problem, never a throw', () => {
    expect(names('/email"\\s*:\\s*"demo/')).toEqual(['initiate']);
    const bad = parseFilter('/([a-/');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem.code).toBe('badRegex');
  });

  test('regex metacharacters are literal in plain words; an unknown key:value is plain text', () => {
    expect(names('(')).toEqual([]);
    expect(names('email":"demo')).toEqual(['initiate']);
    expect(names('foo:bar')).toEqual([]);
  });

  test('a key without its value yet filters nothing; empty input is empty', () => {
    expect(names('method:')).toHaveLength(5);
    expect(parseFilter('  ')).toMatchObject({ ok: true, empty: true });
  });

  test('the body haystack is not built for rows a cheap term already rejected', () => {
    let built = 0;
    const r = { summary: summarize(exchange({ status: 500 })), haystack: () => (built++, '') };
    const p = parseFilter('x status:2xx');
    expect(p.ok && p.test(r)).toBe(false);
    expect(built).toBe(0);
  });

  test('over-long input is refused with a coded problem', () => {
    expect(parseFilter('x'.repeat(501))).toEqual({ ok: false, problem: { code: 'tooLong', max: 500 } });
  });
});

describe('suggestions', () => {
  const src = collectSuggestionSource(ROWS);

  test('a key prefix suggests the keys; the whole input is kept', () => {
    expect(suggest('me', src)).toEqual(['method:']);
    expect(suggest('status:401 -c', src)).toEqual(['status:401 -code:']);
    expect(suggest('l', src)).toEqual(['larger-than:']);
  });

  test('after key: the values the rows offer, most frequent first', () => {
    expect(suggest('method:', src)).toEqual(['method:POST', 'method:GET']);
    expect(suggest('code:AUTH.R', src)).toEqual(['code:AUTH.REFRESH_TOKEN_INVALID']);
    expect(suggest('is:', src)).toEqual(['is:failed', 'is:resent', 'is:decrypted', 'is:plain']);
  });

  test('nothing after a space, inside quotes, or for a finished value', () => {
    expect(suggest('method:POST ', src)).toEqual([]);
    expect(suggest('"me', src)).toEqual([]);
    expect(suggest('method:POST', src)).toEqual([]);
  });
});
