import { expect, test } from 'vitest';
import { TailFollower, isPinnedToBottom, scrollToReveal, visibleRange } from '../../../src/devtools/model/virtual-window';

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

test('new rows keep a list at its end there; scrolling away stops that, scrolling back resumes it', () => {
  const f = new TailFollower();
  expect(f.update(false)).toBe(true); // a new list follows its end
  f.scrolled(400, 100, 1000, 20); // the user scrolled up
  expect(f.update(false)).toBe(false);
  f.scrolled(900, 100, 1000, 20); // and back to the end
  expect(f.update(false)).toBe(true);
});

test('an import holds the list: rows arrive without moving it, and it goes to the end once when the import settles', () => {
  const f = new TailFollower();
  expect(f.update(true)).toBe(false); // the first rows of the file stay on screen
  expect(f.update(true)).toBe(false); // later chunks do not move it either
  expect(f.update(false)).toBe(true); // settled: a list that was following goes to the end
  expect(f.update(false)).toBe(true); // and keeps following live traffic
});

test('a list the user scrolled during an import stays where they left it when the import settles', () => {
  const f = new TailFollower();
  expect(f.update(true)).toBe(false);
  f.scrolled(2_000, 100, 52_500, 21); // reading rows of the file while the rest arrives
  expect(f.update(true)).toBe(false);
  expect(f.update(false)).toBe(false);
  // Scrolling to the (then) end during an import follows again once it settles.
  const g = new TailFollower();
  g.scrolled(400, 100, 500, 20);
  expect(g.update(true)).toBe(false);
  expect(g.update(false)).toBe(true);
});
