/**
 * The exchange list: a sortable, resizable column header plus the virtual list over the *filtered* rows.
 * Which columns show depends on the list's width (columns.ts); widths the user drags are remembered.
 * Arrow keys move the selection like in the Network panel. In time order, "Preserve log" navigation
 * markers are drawn between the rows.
 */
import type { ComponentChildren, VNode } from 'preact';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t } from '../../ui/i18n';
import { clampWidth, gridTemplate, parseWidths, visibleColumns, widthOf, type ColumnDef, type ColumnId, type ColumnWidths, type SortState } from '../model/columns';
import type { NavigationMarker, Row } from '../model/traffic-store';
import { formatClock } from '../model/format';
import { TrafficRow } from './TrafficRow';
import { VirtualList } from './VirtualList';

export const ROW_HEIGHT = 21; // keep in sync with --row-h in panel.css
const WIDTHS_KEY = 'keyhole.panel.columns';

export type ListItem = { kind: 'row'; row: Row } | { kind: 'marker'; marker: NavigationMarker };

/** Rows and markers merged by time (both are sorted already). */
export function withMarkers(rows: readonly Row[], markers: readonly NavigationMarker[]): ListItem[] {
  const out: ListItem[] = [];
  let m = 0;
  for (const row of rows) {
    while (m < markers.length && markers[m].at <= row.startedAt) out.push({ kind: 'marker', marker: markers[m++] });
    out.push({ kind: 'row', row });
  }
  while (m < markers.length) out.push({ kind: 'marker', marker: markers[m++] });
  return out;
}

export interface TrafficListProps {
  rows: readonly Row[];
  /** The store's version: `rows` may be the store's own array, mutated in place. */
  version: number;
  /** Navigation markers to draw (only in time order). */
  markers: readonly NavigationMarker[];
  selectedSeq?: number;
  onSelect: (seq: number | undefined) => void;
  sort?: SortState;
  onSort: (column: ColumnId) => void;
  emptyMessage: ComponentChildren;
  /** A HAR import is running: new rows do not move the list to its end (VirtualList). */
  holdTail?: boolean;
}

function useWidth(ref: { current: HTMLElement | null }): number {
  const [w, setW] = useState(800);
  useLayoutEffect(() => {
    const el = ref.current!;
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    setW(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  return w;
}

export function TrafficList({ rows, version, markers, selectedSeq, onSelect, sort, onSort, emptyMessage, holdTail }: TrafficListProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [widths, setWidths] = useState<ColumnWidths>(() => parseWidths(globalThis.localStorage?.getItem(WIDTHS_KEY)));
  const cols = useMemo(() => visibleColumns(width, widths), [width, widths]);
  const items = useMemo(() => (sort || markers.length === 0 ? rows.map((row): ListItem => ({ kind: 'row', row })) : withMarkers(rows, markers)), [rows, version, markers, sort]);
  const selectedIndex = selectedSeq === undefined ? -1 : items.findIndex((it) => it.kind === 'row' && it.row.seq === selectedSeq);
  // A row whose props are unchanged is handed back as the vnode it was last time, which Preact skips (no
  // render, no diff): a Resend click's render, which adds one row and moves the selection, re-rendered
  // every visible row and its cells. A changed row is a new Row object (TrafficStore replaces it), except
  // for the preflight folded into it later (addPreflight), compared here too.
  const rowNodes = useRef(new WeakMap<Row, { cols: readonly ColumnDef[]; index: number; selected: boolean; onSelect: TrafficListProps['onSelect']; preflight: Row['preflight']; node: VNode }>());

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') return onSelect(undefined);
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step === 0 || items.length === 0) return;
    e.preventDefault();
    for (let i = selectedIndex + step; i >= 0 && i < items.length; i += step) {
      const it = items[i];
      if (it.kind === 'row') return onSelect(it.row.seq);
    }
  };

  const startResize = (c: ColumnDef, e: PointerEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const w0 = widthOf(c, widths);
    let last = widths;
    const move = (ev: PointerEvent) => {
      last = { ...widths, [c.id]: clampWidth(c, w0 + ev.clientX - x0) };
      setWidths(last);
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      globalThis.localStorage?.setItem(WIDTHS_KEY, JSON.stringify(last));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };

  return (
    <div class="list" role="grid" ref={box} style={{ '--cols': gridTemplate(cols, widths) }}>
      <div class="list-head grid" role="row">
        {cols.map((c) => {
          const dir = sort?.column === c.id ? sort.dir : undefined;
          return (
            <div
              key={c.id}
              role="columnheader"
              class={`col-h c-${c.id}-h`}
              data-testid={`col-${c.id}`}
              aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
              title={t('p_sortBy', t(c.label))}
              onClick={() => onSort(c.id)}
            >
              <span class="col-label">{t(c.label)}</span>
              {dir && <span class="sort-arrow">{dir === 'asc' ? '▲' : '▼'}</span>}
              {c.id !== 'path' && (
                <span class="col-resize" data-testid={`resize-${c.id}`} onPointerDown={(e) => startResize(c, e)} onClick={(e) => e.stopPropagation()} />
              )}
            </div>
          );
        })}
      </div>
      {items.length === 0 ? (
        <div class="empty">{emptyMessage}</div>
      ) : (
        <VirtualList
          count={items.length}
          rowHeight={ROW_HEIGHT}
          testId="traffic-list"
          holdTail={holdTail}
          revealIndex={selectedIndex >= 0 ? selectedIndex : undefined}
          onKeyDown={onKeyDown}
          renderRow={(i) => {
            const it = items[i];
            if (it.kind === 'marker') {
              return (
                <div key={`m${it.marker.seq}`} class="row nav-marker" data-testid="nav-marker" role="row" title={it.marker.url}>
                  <span>{t('p_navigatedTo', formatClock(it.marker.at))}</span> <span translate={false}>{it.marker.url}</span>
                </div>
              );
            }
            const selected = it.row.seq === selectedSeq;
            const hit = rowNodes.current.get(it.row);
            const { preflight } = it.row;
            if (hit && hit.cols === cols && hit.index === i && hit.selected === selected && hit.onSelect === onSelect && hit.preflight === preflight) return hit.node;
            const node = <TrafficRow key={it.row.seq} row={it.row} cols={cols} index={i} selected={selected} onSelect={onSelect} />;
            rowNodes.current.set(it.row, { cols, index: i, selected, onSelect, preflight, node });
            return node;
          }}
        />
      )}
    </div>
  );
}
