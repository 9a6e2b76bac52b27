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

/**
 * "Stick to bottom", and holding it during a HAR import. While the user is at the end of the list, new
 * rows keep it scrolled to the end (live traffic, like the Network panel); scrolling away stops that and
 * scrolling back to the end resumes it. While an import runs the list is *held*: rows arrive below
 * without moving it (before, a following list jumped to the new end with every chunk, which nobody can
 * read, and laid out a fresh window each time: 15–30 ms per chunk in a trace). When the import settles:
 * - a list that was following live traffic when the import began goes back to the end once, and
 *   follows from there — unless the user scrolled away during the import;
 * - a list that the import itself filled (it was empty) stays at the file's first rows, which the user
 *   has been reading since they appeared: no jump at the end either. It follows live traffic once the
 *   user is at its end (at once when the rows fit on screen).
 */
export class TailFollower {
  private pinned = true;
  /** undefined until the first update (a list created while an import runs was empty before it). */
  private held: boolean | undefined;
  /** Go back to the end when the hold ends. */
  private resume = false;

  /** The user scrolled (or the list was scrolled): follow from now on only when at the end. */
  scrolled(scrollTop: number, viewportHeight: number, totalHeight: number, rowHeight: number): void {
    this.pinned = isPinnedToBottom(scrollTop, viewportHeight, totalHeight, rowHeight);
    if (this.held) this.resume = this.pinned;
  }

  /**
   * The rows changed, or the hold did. `atEnd`: the viewport shows the last row (from the known sizes).
   * True when the list should go to its end now.
   */
  /** What update(held, atEnd) would answer, changing nothing: the list renders the rows it will scroll to. */
  peek(held: boolean, atEnd: boolean): boolean {
    if (held) return false;
    if (this.held && !this.resume) return atEnd;
    return this.pinned;
  }

  update(held: boolean, atEnd: boolean): boolean {
    const was = this.held;
    this.held = held;
    if (held) {
      if (was === false) this.resume = this.pinned;
      return false;
    }
    if (was) {
      if (!this.resume) this.pinned = atEnd;
      this.resume = false;
    }
    return this.pinned;
  }
}
