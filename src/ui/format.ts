/** Small pure formatters shared by the popup and the options page. */

/** Milliseconds left → `mm:ss` (minutes unbounded: a one-hour token shows 60:00); negatives → 00:00. */
export function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** How urgent a countdown looks: ok → warn under 5 min → danger under 1 min → expired. */
export type Urgency = 'ok' | 'warn' | 'danger' | 'expired';
export function urgency(ms: number): Urgency {
  if (ms <= 0) return 'expired';
  if (ms < 60_000) return 'danger';
  if (ms < 5 * 60_000) return 'warn';
  return 'ok';
}

// One formatter each, made on first use: `toLocaleString(undefined, options)` builds a new
// Intl.DateTimeFormat on every call, and a card renders several times per Refresh click (issue #12).
let clockFormat: Intl.DateTimeFormat | undefined;
let dateTimeFormat: Intl.DateTimeFormat | undefined;

/** Local wall-clock time, seconds included (refresh and retry times are seconds apart). */
export function clock(epochMs: number): string {
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return clockFormat.format(epochMs);
}

export function dateTime(epochMs: number): string {
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return dateTimeFormat.format(epochMs);
}

/** Shorten an identifier for a card line, keeping both ends (the end is what people compare). */
export function middle(s: string, max = 28): string {
  return s.length <= max ? s : `${s.slice(0, Math.ceil(max / 2) - 1)}…${s.slice(-Math.floor(max / 2))}`;
}
