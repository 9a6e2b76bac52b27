import { expect, test } from 'vitest';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';
import { chunkRanges } from '../../../src/devtools/import/har-import';
import { isApiEntry } from '../../../src/devtools/backend/network-source';
import { exchange } from './fixtures';

test('an exchange sent again (re-decrypted) replaces its row instead of adding one', () => {
  const s = new TrafficStore();
  s.upsert([exchange({ id: 'a', response: { status: 'failed', error: { code: 'NO_KEY', message: '' } } })]);
  s.upsert([exchange({ id: 'a' })]);
  expect(s.rows).toHaveLength(1);
  expect(s.rows[0].summary.verdict).toBe('decrypted');
});

test('a DevTools entry with a hook twin is recognised; a later hook copy replaces a DevTools row', () => {
  const s = new TrafficStore();
  s.upsert([exchange({ id: 'dt', source: 'devtools', startedAt: 1000 })]);
  const [{ data }] = s.rows;
  expect(s.hasHookTwin(data.exchange.method, data.exchange.url, 1000)).toBe(false);
  s.upsert([exchange({ id: 'hook', source: 'hook-fetch', startedAt: 1300 })]);
  expect(s.rows).toHaveLength(1);
  expect(s.rows[0].origin).toBe('hook');
  expect(s.hasHookTwin(data.exchange.method, data.exchange.url, 1100)).toBe(true);
  expect(s.hasHookTwin(data.exchange.method, data.exchange.url, 9000)).toBe(false);
});

test('rows are found by seq after clears and replacements', () => {
  const s = new TrafficStore();
  s.upsert([exchange(), exchange(), exchange()]);
  const seq = s.rows[1].seq;
  expect(s.getBySeq(seq)).toBe(s.rows[1]);
  s.clear();
  expect(s.getBySeq(seq)).toBeUndefined();
});

test('HAR import chunks: a small first chunk so rows show at once, then full chunks', () => {
  expect(chunkRanges(2500, 100, 1000)).toEqual([[0, 100], [100, 1100], [1100, 2100], [2100, 2500]]);
  expect(chunkRanges(50, 100, 1000)).toEqual([[0, 50]]);
  expect(chunkRanges(0, 100, 1000)).toEqual([]);
});

test('the DevTools source keeps fetch/XHR and SCv2 paths only', () => {
  expect(isApiEntry({ request: { method: 'GET', url: 'http://x/app.js' }, _resourceType: 'script' })).toBe(false);
  expect(isApiEntry({ request: { method: 'POST', url: 'http://x/a' }, _resourceType: 'fetch' })).toBe(true);
  expect(isApiEntry({ request: { method: 'POST', url: 'http://x/p/web/v1/system/auth/token/refresh' } })).toBe(true);
  expect(isApiEntry({ request: { method: 'GET', url: 'data:text/plain,x' }, _resourceType: 'fetch' })).toBe(false);
});
