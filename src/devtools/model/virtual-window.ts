/**
 * Windowing math for the fixed-row-height virtual list: which rows to put in the DOM for a scroll
 * position. Fixed heights make this O(1) (no measuring), which is what keeps 10,000 rows smooth.
 */
export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Extra rows above and below, so fast scrolling does not flash empty space. */
  overscan?: number;
}

export interface WindowRange {
  /** First row index rendered (inclusive). */
  start: number;
  /** Last row index rendered (exclusive). */
  end: number;
  /** Pixel offset of the first rendered row. */
  offsetTop: number;
  /** Height of the whole scrollable content. */
  totalHeight: number;
}

export function visibleRange({ scrollTop, viewportHeight, rowHeight, count, overscan = 8 }: WindowInput): WindowRange {
  const totalHeight = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight: Math.max(0, totalHeight) };
  // Clamp: the browser can report a stale scrollTop past the end right after the list shrinks.
  const maxTop = Math.max(0, totalHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** The scrollTop that brings row `index` into view, or undefined when it already is (keyboard navigation). */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | undefined {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return undefined;
}

/** True when the viewport is at (or within one row of) the bottom: live traffic then keeps it pinned there. */
export function isPinnedToBottom(scrollTop: number, viewportHeight: number, totalHeight: number, rowHeight: number): boolean {
  return scrollTop + viewportHeight >= totalHeight - rowHeight;
}
