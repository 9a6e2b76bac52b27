/**
 * Fixed-row-height virtual list: only the rows in (and just around) the viewport are in the DOM, so
 * 10,000 exchanges cost the same to scroll as 30. Row heights are fixed by CSS (--row-h) and passed in;
 * the windowing math lives in model/virtual-window.ts (unit-tested).
 *
 * "Stick to bottom": while the user is at the end of the list, new rows keep it scrolled to the end,
 * like the Network panel; scrolling up stops that. `holdTail` (a HAR import running) suspends it: rows
 * arrive below without moving the list; what happens when the hold ends is TailFollower's rule
 * (model/virtual-window.ts).
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { TailFollower, isPinnedToBottom, scrollToReveal, visibleRange } from '../model/virtual-window';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ComponentChildren;
  /** Index to keep in view (keyboard selection). */
  revealIndex?: number;
  onKeyDown?: (e: KeyboardEvent) => void;
  testId?: string;
  /** While true, new rows do not move the list to its end (a HAR import is running). */
  holdTail?: boolean;
}

export function VirtualList({ count, rowHeight, renderRow, revealIndex, onKeyDown, testId, holdTail = false }: VirtualListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const follow = useRef<TailFollower | undefined>(undefined);
  follow.current ??= new TailFollower();

  useLayoutEffect(() => {
    const el = ref.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Where this commit leaves the list, rendered now: new rows followed at the end, or the selected row
  // brought into view, are in the DOM in this render rather than one render (and a frame) after the
  // scroll. Measured on a Resend click: that second render was the largest step between the answer
  // arriving and it showing (test/bench/resend.bench.ts).
  const seen = useRef<{ count: number; holdTail: boolean; revealIndex?: number; rowHeight: number }>({ count: -1, holdTail, rowHeight });
  const total = count * rowHeight;
  let top = scrollTop;
  if ((seen.current.count !== count || seen.current.holdTail !== holdTail) && total > height && follow.current.peek(holdTail, isPinnedToBottom(scrollTop, height, total, rowHeight))) top = total - height;
  if (revealIndex !== undefined && (revealIndex !== seen.current.revealIndex || rowHeight !== seen.current.rowHeight)) top = scrollToReveal(revealIndex, top, height, rowHeight) ?? top;

  // Keep following the tail of live traffic while pinned (and not held: scrollHeight forces a layout).
  useLayoutEffect(() => {
    const el = ref.current!;
    const atEnd = isPinnedToBottom(scrollTop, height, count * rowHeight, rowHeight);
    if (follow.current!.update(holdTail, atEnd) && el.scrollHeight > el.clientHeight) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [count, holdTail]);

  useLayoutEffect(() => {
    if (revealIndex === undefined) return;
    const el = ref.current!;
    const next = scrollToReveal(revealIndex, el.scrollTop, el.clientHeight, rowHeight);
    if (next !== undefined) {
      el.scrollTop = next;
      setScrollTop(el.scrollTop);
    }
  }, [revealIndex, rowHeight]);

  useLayoutEffect(() => {
    seen.current = { count, holdTail, revealIndex, rowHeight };
  });

  const range = visibleRange({ scrollTop: top, viewportHeight: height, rowHeight, count });
  const rows = [];
  for (let i = range.start; i < range.end; i++) rows.push(renderRow(i));

  return (
    <div
      ref={ref}
      class="vlist"
      tabIndex={0}
      data-testid={testId}
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        const el = e.currentTarget as HTMLDivElement;
        follow.current!.scrolled(el.scrollTop, el.clientHeight, el.scrollHeight, rowHeight);
        setScrollTop(el.scrollTop);
      }}
    >
      <div class="vlist-inner" style={{ height: `${range.totalHeight}px` }}>
        <div style={{ transform: `translateY(${range.offsetTop}px)` }}>{rows}</div>
      </div>
    </div>
  );
}
