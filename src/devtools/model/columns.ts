/**
 * The list's columns: what each shows, how it sorts, its default width, and which ones fit. Pure
 * (unit-tested). Widths the user drags are remembered in localStorage like DevTools remembers its own.
 */
import type { Row } from './traffic-store';

export type ColumnId = 'time' | 'method' | 'path' | 'status' | 'code' | 'duration' | 'reqSize' | 'respSize' | 'session' | 'form' | 'decrypt';

export interface ColumnDef {
  id: ColumnId;
  /** Message key of the header (public/_locales). */
  label: string;
  width: number;
  min: number;
  /** Lower shows first when the list is narrow; the path always shows (it takes the rest). */
  priority: number;
  compare: (a: Row, b: Row) => number;
}

const num = (v: number | undefined) => (v === undefined ? -1 : v);
const str = (v: string | undefined) => v ?? '';

export const COLUMNS: readonly ColumnDef[] = [
  { id: 'time', label: 'p_colTime', width: 92, min: 60, priority: 7, compare: (a, b) => a.startedAt - b.startedAt },
  { id: 'method', label: 'p_colMethod', width: 60, min: 36, priority: 1, compare: (a, b) => a.summary.method.localeCompare(b.summary.method) },
  { id: 'path', label: 'p_colPath', width: 0, min: 120, priority: 0, compare: (a, b) => a.summary.shortPath.localeCompare(b.summary.shortPath) },
  { id: 'status', label: 'p_colStatus', width: 54, min: 36, priority: 2, compare: (a, b) => num(a.summary.status) - num(b.summary.status) },
  { id: 'code', label: 'p_colCode', width: 120, min: 50, priority: 3, compare: (a, b) => str(a.summary.responseCode).localeCompare(str(b.summary.responseCode)) },
  { id: 'duration', label: 'p_colDuration', width: 66, min: 40, priority: 5, compare: (a, b) => num(a.summary.durationMs) - num(b.summary.durationMs) },
  { id: 'reqSize', label: 'p_colReqSize', width: 58, min: 40, priority: 8, compare: (a, b) => a.summary.requestSize - b.summary.requestSize },
  { id: 'respSize', label: 'p_colRespSize', width: 58, min: 40, priority: 6, compare: (a, b) => a.summary.responseSize - b.summary.responseSize },
  { id: 'session', label: 'p_colSession', width: 110, min: 50, priority: 9, compare: (a, b) => str(a.summary.sessionId).localeCompare(str(b.summary.sessionId)) },
  { id: 'form', label: 'p_colForm', width: 70, min: 40, priority: 10, compare: (a, b) => a.summary.form.localeCompare(b.summary.form) },
  { id: 'decrypt', label: 'p_colDecrypt', width: 96, min: 60, priority: 4, compare: (a, b) => a.summary.verdict.localeCompare(b.summary.verdict) },
];

export const COLUMN_BY_ID = new Map(COLUMNS.map((c) => [c.id, c]));

export interface SortState {
  column: ColumnId;
  dir: 'asc' | 'desc';
}

/** Header click: a new column sorts ascending; the same one flips; a third click returns to time order. */
export function nextSort(current: SortState | undefined, column: ColumnId): SortState | undefined {
  if (!current || current.column !== column) return { column, dir: 'asc' };
  return current.dir === 'asc' ? { column, dir: 'desc' } : undefined;
}

/** A sorted copy (stable: ties keep time order); undefined sort is the store's own time order. */
export function sortRows(rows: readonly Row[], sort: SortState | undefined): readonly Row[] {
  if (!sort) return rows;
  const col = COLUMN_BY_ID.get(sort.column);
  if (!col) return rows;
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * col.compare(a, b) || a.startedAt - b.startedAt || a.seq - b.seq);
}

export type ColumnWidths = Partial<Record<ColumnId, number>>;

/** Widths from storage, each within its column's bounds; anything else is dropped (storage is user-editable). */
export function parseWidths(raw: string | null | undefined): ColumnWidths {
  const out: ColumnWidths = {};
  if (!raw) return out;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return out;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const c of COLUMNS) {
    const w = (v as Record<string, unknown>)[c.id];
    if (c.id !== 'path' && typeof w === 'number' && Number.isFinite(w)) out[c.id] = clampWidth(c, w);
  }
  return out;
}

export function clampWidth(c: ColumnDef, w: number): number {
  return Math.round(Math.min(600, Math.max(c.min, w)));
}

export function widthOf(c: ColumnDef, widths: ColumnWidths): number {
  return widths[c.id] ?? c.width;
}

/**
 * The columns that fit `available` px, in display order: by priority while the fixed widths plus the
 * path's minimum fit. `wide`: false keeps only the essentials (the detail pane shares the width).
 */
export function visibleColumns(available: number, widths: ColumnWidths): ColumnDef[] {
  const path = COLUMN_BY_ID.get('path')!;
  let used = path.min;
  const chosen = new Set<ColumnId>(['path']);
  for (const c of [...COLUMNS].sort((a, b) => a.priority - b.priority)) {
    if (c.id === 'path') continue;
    const w = widthOf(c, widths);
    if (used + w > available) break;
    used += w;
    chosen.add(c.id);
  }
  return COLUMNS.filter((c) => chosen.has(c.id));
}

export function gridTemplate(cols: readonly ColumnDef[], widths: ColumnWidths): string {
  return cols.map((c) => (c.id === 'path' ? `minmax(${c.min}px, 1fr)` : `${widthOf(c, widths)}px`)).join(' ');
}
