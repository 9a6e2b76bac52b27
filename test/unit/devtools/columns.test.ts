import { expect, test } from 'vitest';
import { COLUMNS, nextSort, parseWidths, sortRows, visibleColumns } from '../../../src/devtools/model/columns';
import { navigationTime } from '../../../src/devtools/backend/navigation';
import { TrafficStore } from '../../../src/devtools/model/traffic-store';
import { exchange } from './fixtures';

const store = () => {
  const s = new TrafficStore();
  s.upsert([
    exchange({ id: 'a', startedAt: 1, status: 401, path: '/p/web/v1/b' }),
    exchange({ id: 'b', startedAt: 2, status: 200, path: '/p/web/v1/a' }),
    exchange({ id: 'c', startedAt: 3, status: 404, path: '/p/web/v1/c' }),
  ]);
  return s;
};

test('a header click sorts ascending, then descending, then back to time order', () => {
  expect(nextSort(undefined, 'status')).toEqual({ column: 'status', dir: 'asc' });
  expect(nextSort({ column: 'status', dir: 'asc' }, 'status')).toEqual({ column: 'status', dir: 'desc' });
  expect(nextSort({ column: 'status', dir: 'desc' }, 'status')).toBeUndefined();
  expect(nextSort({ column: 'status', dir: 'desc' }, 'path')).toEqual({ column: 'path', dir: 'asc' });
});

test('sorting by status and by path; time order untouched without a sort', () => {
  const rows = store().rows;
  const ids = (r: readonly { data: { exchange: { id: string } } }[]) => r.map((x) => x.data.exchange.id);
  expect(ids(sortRows(rows, { column: 'status', dir: 'asc' }))).toEqual(['b', 'a', 'c']);
  expect(ids(sortRows(rows, { column: 'status', dir: 'desc' }))).toEqual(['c', 'a', 'b']);
  expect(ids(sortRows(rows, { column: 'path', dir: 'asc' }))).toEqual(['b', 'a', 'c']);
  expect(sortRows(rows, undefined)).toBe(rows);
});

test('the columns that fit a narrow list: method, status, code first; the path always', () => {
  const ids = (w: number) => visibleColumns(w, {}).map((c) => c.id);
  expect(ids(200)).toEqual(['method', 'path']);
  expect(ids(520)).toEqual(['method', 'path', 'status', 'code', 'duration', 'decrypt']);
  expect(ids(2000)).toHaveLength(COLUMNS.length);
});

test('stored widths are bounded and anything else is dropped', () => {
  expect(parseWidths('{"code":5,"status":80,"path":300,"bogus":1}')).toEqual({ code: 50, status: 80 });
  expect(parseWidths('not json')).toEqual({});
  expect(parseWidths('[1]')).toEqual({});
});

test('a navigation time the page reports is trusted only within the minute before the event', () => {
  expect(navigationTime(99_000, 100_000)).toBe(99_000);
  expect(navigationTime(10, 100_000)).toBe(100_000);
  expect(navigationTime(200_000, 100_000)).toBe(100_000);
  expect(navigationTime('x', 100_000)).toBe(100_000);
});
