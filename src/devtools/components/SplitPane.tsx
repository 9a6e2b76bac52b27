/**
 * Two panes side by side with a draggable divider. The ratio is remembered in localStorage (per
 * extension origin), like DevTools remembers its sidebar widths.
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';

const KEY = 'keyhole.panel.split';

function initialRatio(): number {
  const v = Number(globalThis.localStorage?.getItem(KEY));
  return v > 0.15 && v < 0.85 ? v : 0.42;
}

export function SplitPane({ left, right }: { left: ComponentChildren; right?: ComponentChildren }) {
  const [ratio, setRatio] = useState(initialRatio);
  const [dragging, setDragging] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const onPointerDown = (e: PointerEvent) => {
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    setDragging(true);
    const rect = box.current!.getBoundingClientRect();
    let last = ratio;
    const move = (ev: PointerEvent) => {
      last = Math.min(0.85, Math.max(0.15, (ev.clientX - rect.left) / rect.width));
      setRatio(last);
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      setDragging(false);
      localStorage.setItem(KEY, String(last));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };
  return (
    <div class="split" ref={box}>
      <div class="split-pane" style={right ? { width: `${ratio * 100}%` } : { flex: 1 }}>
        {left}
      </div>
      {right && (
        <>
          <div class={`split-handle${dragging ? ' dragging' : ''}`} onPointerDown={onPointerDown} role="separator" aria-orientation="vertical" />
          <div class="split-pane" style={{ flex: 1 }}>
            {right}
          </div>
        </>
      )}
    </div>
  );
}
