import { describe, expect, test } from 'vitest';
import { buildPredicate, compileSearch, EMPTY_FILTER, searchHaystack, statusMatches } from '../../../src/devtools/model/filter';
import { summarize } from '../../../src/devtools/model/row-summary';
import { exchange } from './fixtures';

const row = (d = exchange()) => ({ summary: summarize(d), haystack: () => searchHaystack(d) });

describe('search', () => {
  test('plain text search is case-insensitive and looks inside decrypted bodies', () => {
    const m = compileSearch('AT-XYZ', false);
    expect(m.ok && m.test(searchHaystack(exchange()))).toBe(true);
  });

  test('a regex search matches across the decrypted bodies', () => {
    const m = compileSearch('refresh[A-Z]oken"\\s*:\\s*"rt-', true);
    expect(m.ok && m.test(searchHaystack(exchange()))).toBe(true);
  });

  test('a bad regex gives an inline message instead of throwing', () => {
    const m = compileSearch('([a-', true);
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.message).toMatch(/^Invalid regular expression/);
    expect(buildPredicate({ ...EMPTY_FILTER, query: '(', regex: true }).ok).toBe(false);
  });

  test('regex metacharacters are literal in plain text mode', () => {
    const m = compileSearch('(', false);
    expect(m.ok && m.test('a(b')).toBe(true);
  });

  test('a side known only as parsed JSON is searched through its serialisation', () => {
    const d = exchange({ response: { text: undefined, json: { data: { needle: 1 } } } });
    expect(searchHaystack(d)).toContain('"needle":1');
  });
});

describe('filters', () => {
  test('status classes', () => {
    expect(statusMatches(201, '2xx')).toBe(true);
    expect(statusMatches(401, '2xx')).toBe(false);
    expect(statusMatches(undefined, 'none')).toBe(true);
    expect(statusMatches(undefined, '4xx')).toBe(false);
    expect(statusMatches(500, 'all')).toBe(true);
  });

  test('path, status and failed-only combine with the search', () => {
    const ok = row();
    const failed = row(exchange({ status: 400, response: { status: 'failed', error: { code: 'AEAD_AUTH_FAILED', message: 'x' }, json: undefined, text: undefined } }));
    const p = (f: Partial<typeof EMPTY_FILTER>) => {
      const b = buildPredicate({ ...EMPTY_FILTER, ...f });
      if (!b.ok) throw new Error(b.message);
      return [ok, failed].filter(b.test).length;
    };
    expect(p({})).toBe(2);
    expect(p({ failedOnly: true })).toBe(1);
    expect(p({ status: '4xx' })).toBe(1);
    expect(p({ path: 'TOKEN/refresh' })).toBe(2);
    expect(p({ path: '/login' })).toBe(0);
    expect(p({ query: 'at-xyz' })).toBe(1);
  });

  test('the body haystack is not built for rows a cheap filter already rejected', () => {
    let built = 0;
    const r = { summary: summarize(exchange({ status: 500 })), haystack: () => (built++, '') };
    const b = buildPredicate({ ...EMPTY_FILTER, status: '2xx', query: 'x' });
    expect(b.ok && b.test(r)).toBe(false);
    expect(built).toBe(0);
  });
});
