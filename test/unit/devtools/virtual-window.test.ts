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
  expect(f.update(false, true)).toBe(true); // a new list follows its end
  f.scrolled(400, 100, 1000, 20); // the user scrolled up
  expect(f.update(false, false)).toBe(false);
  f.scrolled(900, 100, 1000, 20); // and back to the end
  expect(f.update(false, true)).toBe(true);
});

test('an import into a list that was following live traffic: held while it runs, back to the end once when it settles', () => {
  const f = new TailFollower();
  expect(f.update(false, true)).toBe(true); // live traffic, followed
  expect(f.update(true, false)).toBe(false); // the import's rows arrive: the list does not move
  expect(f.update(true, false)).toBe(false);
  expect(f.update(false, false)).toBe(true); // settled: back to the end
  expect(f.update(false, true)).toBe(true); // and following live traffic again
});

test('an import into an empty list: the first rows stay on screen, no jump when it settles; following starts at the end', () => {
  const f = new TailFollower(); // created with the import's first rows (the list was empty)
  expect(f.update(true, true)).toBe(false);
  expect(f.update(true, false)).toBe(false);
  expect(f.update(false, false)).toBe(false); // settled, viewport still at the first rows
  expect(f.update(false, false)).toBe(false); // live rows after it do not pull the list down
  f.scrolled(209_900, 100, 210_000, 21); // the user goes to the end
  expect(f.update(false, true)).toBe(true);
  // A small file that fits on screen: the viewport is at its end, so live traffic is followed at once.
  const g = new TailFollower();
  expect(g.update(true, true)).toBe(false);
  expect(g.update(false, true)).toBe(true);
});

test('scrolling during an import decides where the list is when it settles', () => {
  const f = new TailFollower();
  expect(f.update(false, true)).toBe(true);
  expect(f.update(true, false)).toBe(false);
  f.scrolled(2_000, 100, 52_500, 21); // away from the end, reading rows while the rest arrives
  expect(f.update(false, false)).toBe(false); // stays where the user left it
  const g = new TailFollower();
  expect(g.update(true, true)).toBe(false); // an import into an empty list
  g.scrolled(400, 100, 500, 20); // the user goes to the (then) end during it
  expect(g.update(true, false)).toBe(false);
  expect(g.update(false, false)).toBe(true); // followed once it settles
});

test('peek answers what update would, and changes nothing', () => {
  const steps: Array<[boolean, boolean] | ['scroll', number]> = [[false, true], ['scroll', 400], [false, false], [true, false], ['scroll', 900], [true, false], [false, false], [false, true], [true, true], [false, false], ['scroll', 0], [false, false]];
  const f = new TailFollower();
  const twin = new TailFollower();
  for (const s of steps) {
    if (s[0] === 'scroll') {
      f.scrolled(s[1] as number, 100, 1000, 20);
      twin.scrolled(s[1] as number, 100, 1000, 20);
      continue;
    }
    const [held, atEnd] = s as [boolean, boolean];
    expect(f.peek(held, atEnd)).toBe(twin.update(held, atEnd));
    expect(f.peek(held, atEnd)).toBe(f.peek(held, atEnd));
    f.update(held, atEnd);
  }
});
