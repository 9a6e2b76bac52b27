import { expect, test } from 'vitest';
import { isPinnedToBottom, scrollToReveal, visibleRange } from '../../../src/devtools/model/virtual-window';

test('only the rows in the viewport plus overscan are rendered', () => {
  const r = visibleRange({ scrollTop: 2100, viewportHeight: 210, rowHeight: 21, count: 10_000, overscan: 5 });
  expect(r).toEqual({ start: 95, end: 116, offsetTop: 95 * 21, totalHeight: 210_000 });
  expect(r.end - r.start).toBeLessThan(30);
});

test('the top of the list starts at row 0', () => {
  expect(visibleRange({ scrollTop: 0, viewportHeight: 100, rowHeight: 20, count: 3, overscan: 8 })).toEqual({ start: 0, end: 3, offsetTop: 0, totalHeight: 60 });
});

test('a stale scrollTop past the end (the list just shrank) is clamped', () => {
  const r = visibleRange({ scrollTop: 99_999, viewportHeight: 100, rowHeight: 20, count: 50, overscan: 0 });
  expect(r.end).toBe(50);
  expect(r.start).toBe(45);
});

test('an empty list renders nothing', () => {
  expect(visibleRange({ scrollTop: 0, viewportHeight: 100, rowHeight: 20, count: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
});

test('revealing a row scrolls only when it is out of view', () => {
  expect(scrollToReveal(10, 0, 100, 20)).toBe(120);
  expect(scrollToReveal(2, 100, 100, 20)).toBe(40);
  expect(scrollToReveal(6, 100, 100, 20)).toBeUndefined();
});

test('the list counts as pinned to the bottom within one row of the end', () => {
  expect(isPinnedToBottom(890, 100, 1000, 20)).toBe(true);
  expect(isPinnedToBottom(800, 100, 1000, 20)).toBe(false);
});
