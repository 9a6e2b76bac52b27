/**
 * Two panes with a draggable divider: side by side, or (a narrow panel, e.g. DevTools docked right)
 * one above the other. Each orientation's ratio is remembered in localStorage (per extension origin),
 * like DevTools remembers its sidebar sizes.
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';

const KEY = 'keyhole.panel.split';
const KEY_VERTICAL = 'keyhole.panel.split.vertical';

function initialRatio(key: string, fallback: number): number {
  const v = Number(globalThis.localStorage?.getItem(key));
  return v > 0.1 && v < 0.9 ? v : fallback;
}

export function SplitPane({ left, right, vertical = false }: { left: ComponentChildren; right?: ComponentChildren; vertical?: boolean }) {
  const key = vertical ? KEY_VERTICAL : KEY;
  // Stacked, the list gets a fifth (about 5 rows at 700 px), like DevTools' Network panel narrowing its
  // list when a request is open: the detail's plaintext is what the user came for.
  const [ratios, setRatios] = useState(() => ({ [KEY]: initialRatio(KEY, 0.42), [KEY_VERTICAL]: initialRatio(KEY_VERTICAL, 0.2) }));
  const ratio = ratios[key]!;
  const [dragging, setDragging] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const onPointerDown = (e: PointerEvent) => {
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    setDragging(true);
    const rect = box.current!.getBoundingClientRect();
    let last = ratio;
    const move = (ev: PointerEvent) => {
      const r = vertical ? (ev.clientY - rect.top) / rect.height : (ev.clientX - rect.left) / rect.width;
      last = Math.min(0.85, Math.max(0.12, r));
      setRatios((o) => ({ ...o, [key]: last }));
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      setDragging(false);
      localStorage.setItem(key, String(last));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };
  const size = vertical ? { height: `${ratio * 100}%` } : { width: `${ratio * 100}%` };
  return (
    <div class={`split${vertical ? ' vertical' : ''}`} ref={box}>
      <div class="split-pane" style={right ? size : { flex: 1 }}>
        {left}
      </div>
      {right && (
        <>
          <div class={`split-handle${dragging ? ' dragging' : ''}`} onPointerDown={onPointerDown} role="separator" aria-orientation={vertical ? 'horizontal' : 'vertical'} />
          <div class="split-pane" style={{ flex: 1 }}>
            {right}
          </div>
        </>
      )}
    </div>
  );
}
