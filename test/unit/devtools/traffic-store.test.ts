import { expect, test } from 'vitest';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';
import { chunkRanges } from '../../../src/devtools/import/har-import';
import { isApiEntry, preflightMethod } from '../../../src/devtools/backend/network-source';
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

test('rows stay in time order whatever order they arrive in; a replaced row keeps its seq', () => {
  const s = new TrafficStore();
  s.upsert([exchange({ id: 'b', startedAt: 2000 }), exchange({ id: 'd', startedAt: 4000 })]);
  s.upsert([exchange({ id: 'a', startedAt: 1000 })]);
  s.upsert([exchange({ id: 'c', startedAt: 3000, source: 'devtools' })]);
  expect(s.rows.map((r) => r.data.exchange.id)).toEqual(['a', 'b', 'c', 'd']);
  const seq = s.byExchangeId('c')!.seq;
  // The hook's copy of c (started a moment later) replaces the DevTools row and moves to its own time.
  s.upsert([exchange({ id: 'c-hook', startedAt: 4500 })]);
  expect(s.rows.map((r) => r.data.exchange.id)).toEqual(['a', 'b', 'd', 'c-hook']);
  expect(s.byExchangeId('c-hook')!.seq).toBe(seq);
  expect(s.getBySeq(seq)!.data.exchange.id).toBe('c-hook');
});

test('a CORS preflight is folded into the call it precedes, before or after that call arrives', () => {
  const s = new TrafficStore();
  const call = exchange({ id: 'call', startedAt: 10_000 });
  s.addPreflight({ method: 'POST', url: call.exchange.url, startedAt: 9_990, durationMs: 3, status: 204 });
  s.upsert([call]);
  expect(s.rows).toHaveLength(1);
  expect(s.rows[0].preflight).toMatchObject({ status: 204, durationMs: 3 });
  const later = exchange({ id: 'later', startedAt: 20_000 });
  s.upsert([later]);
  s.addPreflight({ method: 'POST', url: later.exchange.url, startedAt: 19_995, status: 204 });
  expect(s.rows).toHaveLength(2);
  expect(s.byExchangeId('later')!.preflight).toBeDefined();
  expect(s.preflights).toBe(2);
  // A re-decryption keeps the folded preflight.
  s.upsert([exchange({ id: 'call', startedAt: 10_000 })]);
  expect(s.byExchangeId('call')!.preflight).toBeDefined();
});

test('navigation with Preserve log off drops the old page, also when it is re-sent; on, it adds a marker', () => {
  const s = new TrafficStore();
  s.upsert([exchange({ id: 'old', startedAt: 1000 }), exchange({ id: 'new', startedAt: 3000 })]);
  s.navigated(2000, 'http://app/', false);
  expect(s.rows.map((r) => r.data.exchange.id)).toEqual(['new']);
  s.upsert([exchange({ id: 'old', startedAt: 1000 })]); // a reconnect's snapshot
  expect(s.rows.map((r) => r.data.exchange.id)).toEqual(['new']);
  s.navigated(4000, 'http://app/next', true);
  s.upsert([exchange({ id: 'after', startedAt: 5000 })]);
  expect(s.rows.map((r) => r.data.exchange.id)).toEqual(['new', 'after']);
  expect(s.markers).toMatchObject([{ at: 4000, url: 'http://app/next' }]);
});

test('the DevTools source recognises CORS preflights', () => {
  expect(preflightMethod({ request: { method: 'OPTIONS', url: 'http://x/a', headers: [{ name: 'Access-Control-Request-Method', value: 'post' }] } })).toBe('POST');
  expect(preflightMethod({ request: { method: 'OPTIONS', url: 'http://x/a' }, _resourceType: 'preflight' })).toBe('POST');
  expect(preflightMethod({ request: { method: 'OPTIONS', url: 'http://x/a' }, _resourceType: 'fetch' })).toBeUndefined();
  expect(preflightMethod({ request: { method: 'POST', url: 'http://x/a' } })).toBeUndefined();
});
