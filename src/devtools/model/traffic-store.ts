/**
 * The panel's list of exchanges: one row per exchange, always in time order (startedAt, then arrival),
 * with its summary derived once. A live call answers when it answers and DevTools rows arrive after a
 * grace period, so arrival order is not time order: a late row is inserted where it belongs.
 *
 * CORS preflights are not rows (issue #11: counts count calls): the DevTools source hands them to
 * `addPreflight`, which folds each into the call it precedes (`Row.preflight`).
 *
 * Kept outside Preact state on purpose: a HAR import appends 10,000 rows in chunks, and copying an
 * immutable array per chunk (or diffing it) is what makes naive lists stutter. Components read
 * `rows` and re-render on `version` (see use-store.ts, which coalesces notifications per frame).
 */
import type { DecryptedExchange } from '../inspect-types';
import { searchHaystack } from './filter';
import { summarize, type RowSummary } from './row-summary';
import { twinKey, withinWindow, TWIN_WINDOW_MS } from './dedupe';

export type RowOrigin = 'hook' | 'devtools' | 'har';

export interface Row {
  /** Stable per store lifetime; the list's key and the selection's handle. */
  seq: number;
  /** = data.exchange.startedAt: the sort key. */
  startedAt: number;
  data: DecryptedExchange;
  summary: RowSummary;
  origin: RowOrigin;
  /** DevTools gave a body that may not be the exact wire bytes (architecture.md §3). */
  lossy: boolean;
  haystack(): string;
  /** The CORS preflight the browser sent before this call (cross-origin apps), folded in. */
  preflight?: Preflight;
}

export interface Preflight {
  /** The preflighted method (Access-Control-Request-Method) and URL: what it is matched on. */
  method: string;
  url: string;
  startedAt: number;
  durationMs?: number;
  status?: number;
}

/** "Preserve log" on: where the inspected page navigated (DevTools draws a marker row there). */
export interface NavigationMarker {
  seq: number;
  at: number;
  url: string;
}

/** A preflight precedes its call by at most this (it is sent just before; the call waits for it). */
const PREFLIGHT_WINDOW_MS = 10_000;

function before(a: { startedAt: number; seq: number }, b: { startedAt: number; seq: number }): boolean {
  return a.startedAt < b.startedAt || (a.startedAt === b.startedAt && a.seq < b.seq);
}

export function originOf(d: DecryptedExchange): RowOrigin {
  const s = d.exchange.source;
  return s === 'devtools' ? 'devtools' : s === 'har' ? 'har' : 'hook';
}

function isLossy(d: DecryptedExchange): boolean {
  return !!(d.exchange.requestBody?.lossy || d.exchange.responseBody?.lossy);
}

export class TrafficStore {
  /** Sorted by (startedAt, seq). */
  rows: Row[] = [];
  markers: NavigationMarker[] = [];
  /** Preflights folded into calls (or waiting for theirs), for the status bar. */
  preflights = 0;
  version = 0;
  private seq = 0;
  private byId = new Map<string, Row>();
  private bySeq = new Map<number, Row>();
  /** method+url → rows, for twin lookups between the hook and DevTools sources. */
  private byTwinKey = new Map<string, Row[]>();
  /** Preflights whose call has not arrived yet, by the call's twin key. */
  private pendingPreflights = new Map<string, Preflight[]>();
  /** Rows that started before this belong to a page the user navigated away from ("Preserve log" off). */
  private notBefore = 0;
  private listeners = new Set<(now: boolean) => void>();

  /** `now`: the change answers the user's own click (a Resend): render it at once, not at the next frame. */
  subscribe(listener: (now: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(now = false): void {
    this.version++;
    for (const l of this.listeners) l(now);
  }

  private makeRow(d: DecryptedExchange, seq: number, preflight?: Preflight): Row {
    let hay: string | undefined;
    const row: Row = {
      seq,
      startedAt: d.exchange.startedAt,
      data: d,
      summary: summarize(d),
      origin: originOf(d),
      lossy: isLossy(d),
      haystack: () => (hay ??= searchHaystack(d)),
    };
    if (preflight) row.preflight = preflight;
    return row;
  }

  /** Index of a row in `rows` (binary search on its sort key), or -1. */
  private indexOf(row: Row): number {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.rows[mid];
      if (r === row) return mid;
      if (before(r, row)) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Inserts in time order; live traffic and HAR files arrive mostly in order, so this is usually a push. */
  private insert(row: Row): void {
    const n = this.rows.length;
    if (n === 0 || !before(row, this.rows[n - 1])) {
      this.rows.push(row);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.rows[mid], row)) lo = mid + 1;
      else hi = mid;
    }
    this.rows.splice(lo, 0, row);
  }

  /** `key`: the row's twinKey when the caller has it already (an import makes 10,000 of them). */
  private index(row: Row, key = twinKey(row.data.exchange.method, row.data.exchange.url)): void {
    this.byId.set(row.data.exchange.id, row);
    this.bySeq.set(row.seq, row);
    const bucket = this.byTwinKey.get(key);
    if (bucket) bucket.push(row);
    else this.byTwinKey.set(key, [row]);
  }

  private unindex(row: Row): void {
    this.byId.delete(row.data.exchange.id);
    this.bySeq.delete(row.seq);
    const key = twinKey(row.data.exchange.method, row.data.exchange.url);
    const bucket = this.byTwinKey.get(key);
    if (!bucket) return;
    const i = bucket.indexOf(row);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.byTwinKey.delete(key);
  }

  /** Puts `next` where `old` was (same seq, so the selection follows), re-sorting if its time changed. */
  private replace(old: Row, next: Row): void {
    const i = this.indexOf(old);
    this.unindex(old);
    if (i >= 0 && old.startedAt === next.startedAt) this.rows[i] = next;
    else {
      if (i >= 0) this.rows.splice(i, 1);
      this.insert(next);
    }
    this.index(next);
  }

  /**
   * Adds or replaces exchanges. An id seen before is replaced in place (the SW re-sends an exchange
   * when a late key decrypts it). A hook exchange replaces a DevTools-sourced twin, because the hook
   * has the exact bytes. Exchanges of a page navigated away from (Preserve log off) are ignored.
   * `now`: see subscribe.
   */
  upsert(list: readonly DecryptedExchange[], o: { now?: boolean } = {}): void {
    if (list.length === 0) return;
    let touched = false;
    for (const d of list) {
      if (d.exchange.startedAt < this.notBefore) continue;
      touched = true;
      const known = this.byId.get(d.exchange.id);
      if (known) {
        this.replace(known, this.makeRow(d, known.seq, known.preflight));
        continue;
      }
      const key = twinKey(d.exchange.method, d.exchange.url);
      if (originOf(d) === 'hook') {
        const twin = this.findTwin(key, d.exchange.startedAt, 'devtools');
        if (twin) {
          this.replace(twin, this.makeRow(d, twin.seq, twin.preflight));
          continue;
        }
      }
      const row = this.makeRow(d, ++this.seq, this.takePreflight(key, d.exchange.startedAt));
      this.insert(row);
      this.index(row, key);
    }
    if (touched) this.changed(o.now);
  }

  private findTwin(key: string, startedAt: number, origin: RowOrigin, windowMs = TWIN_WINDOW_MS): Row | undefined {
    const bucket = this.byTwinKey.get(key);
    if (!bucket) return undefined;
    for (let i = bucket.length - 1; i >= 0; i--) {
      const r = bucket[i];
      if (r.origin === origin && withinWindow(r.startedAt, startedAt, windowMs)) return r;
    }
    return undefined;
  }

  private takePreflight(key: string, startedAt: number): Preflight | undefined {
    if (this.pendingPreflights.size === 0) return undefined; // the usual case: no lookup (hashing the key)
    const list = this.pendingPreflights.get(key);
    if (!list) return undefined;
    const i = list.findIndex((p) => p.startedAt <= startedAt + TWIN_WINDOW_MS && startedAt - p.startedAt <= PREFLIGHT_WINDOW_MS);
    if (i < 0) return undefined;
    const [p] = list.splice(i, 1);
    if (list.length === 0) this.pendingPreflights.delete(key);
    return p;
  }

  /**
   * A CORS preflight seen by the DevTools source: folded into the call it precedes (same URL, the
   * preflighted method, started just after), or kept until that call arrives. Never a row of its own.
   */
  addPreflight(p: Preflight): void {
    if (p.startedAt < this.notBefore) return;
    this.preflights++;
    const key = twinKey(p.method, p.url);
    const bucket = this.byTwinKey.get(key) ?? [];
    const call = bucket.find((r) => !r.preflight && r.startedAt + TWIN_WINDOW_MS >= p.startedAt && r.startedAt - p.startedAt <= PREFLIGHT_WINDOW_MS);
    if (call) call.preflight = p;
    else {
      const list = this.pendingPreflights.get(key);
      if (list) list.push(p);
      else this.pendingPreflights.set(key, [p]);
    }
    this.changed();
  }

  /** True when the hook already captured this request (the DevTools source then skips it). */
  hasHookTwin(method: string, url: string, startedAt: number, windowMs = TWIN_WINDOW_MS): boolean {
    return this.findTwin(twinKey(method, url), startedAt, 'hook', windowMs) !== undefined;
  }

  /** The row of an exchange id (a re-decryption checks that its row is still the one it read). */
  byExchangeId(id: string): Row | undefined {
    return this.byId.get(id);
  }

  getBySeq(seq: number): Row | undefined {
    return this.bySeq.get(seq);
  }

  /**
   * The inspected page navigated. Preserve log off: everything that started before `at` goes (and stays
   * gone when a reconnect re-sends it). On: a marker row at `at`.
   */
  navigated(at: number, url: string, preserve: boolean): void {
    if (preserve) {
      this.markers.push({ seq: ++this.seq, at, url });
      this.changed();
      return;
    }
    this.notBefore = Math.max(this.notBefore, at);
    const keep = this.rows.filter((r) => r.startedAt >= at);
    this.clear();
    for (const r of keep) {
      this.rows.push(r);
      this.index(r);
    }
    this.changed();
  }

  clear(): void {
    this.rows = [];
    this.markers = [];
    this.preflights = 0;
    this.byId.clear();
    this.bySeq.clear();
    this.byTwinKey.clear();
    this.pendingPreflights.clear();
    this.changed();
  }
}
