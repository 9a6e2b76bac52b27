/**
 * The panel's list of exchanges: one row per exchange, in arrival order, with its summary derived once.
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
  data: DecryptedExchange;
  summary: RowSummary;
  origin: RowOrigin;
  /** DevTools gave a body that may not be the exact wire bytes (architecture.md §3). */
  lossy: boolean;
  haystack(): string;
}

export function originOf(d: DecryptedExchange): RowOrigin {
  const s = d.exchange.source;
  return s === 'devtools' ? 'devtools' : s === 'har' ? 'har' : 'hook';
}

function isLossy(d: DecryptedExchange): boolean {
  return !!(d.exchange.requestBody?.lossy || d.exchange.responseBody?.lossy);
}

export class TrafficStore {
  rows: Row[] = [];
  version = 0;
  private seq = 0;
  private byId = new Map<string, number>();
  /** method+url → row indexes, for twin lookups between the hook and DevTools sources. */
  private byTwinKey = new Map<string, number[]>();
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  private makeRow(d: DecryptedExchange, seq: number): Row {
    let hay: string | undefined;
    return {
      seq,
      data: d,
      summary: summarize(d),
      origin: originOf(d),
      lossy: isLossy(d),
      haystack: () => (hay ??= searchHaystack(d)),
    };
  }

  /**
   * Adds or replaces exchanges. An id seen before is replaced in place (the SW re-sends an exchange
   * when a late key decrypts it). A hook exchange replaces a DevTools-sourced twin, because the hook
   * has the exact bytes.
   */
  upsert(list: readonly DecryptedExchange[]): void {
    if (list.length === 0) return;
    for (const d of list) {
      const known = this.byId.get(d.exchange.id);
      if (known !== undefined) {
        this.rows[known] = this.makeRow(d, this.rows[known].seq);
        continue;
      }
      const origin = originOf(d);
      const key = twinKey(d.exchange.method, d.exchange.url);
      if (origin === 'hook') {
        const twin = this.findTwinIndex(key, d.exchange.startedAt, 'devtools');
        if (twin !== undefined) {
          this.byId.delete(this.rows[twin].data.exchange.id);
          this.rows[twin] = this.makeRow(d, this.rows[twin].seq);
          this.byId.set(d.exchange.id, twin);
          continue;
        }
      }
      const index = this.rows.length;
      this.rows.push(this.makeRow(d, ++this.seq));
      this.byId.set(d.exchange.id, index);
      const bucket = this.byTwinKey.get(key);
      if (bucket) bucket.push(index);
      else this.byTwinKey.set(key, [index]);
    }
    this.changed();
  }

  private findTwinIndex(key: string, startedAt: number, origin: RowOrigin, windowMs = TWIN_WINDOW_MS): number | undefined {
    const bucket = this.byTwinKey.get(key);
    if (!bucket) return undefined;
    for (let i = bucket.length - 1; i >= 0; i--) {
      const r = this.rows[bucket[i]];
      if (r.origin === origin && withinWindow(r.data.exchange.startedAt, startedAt, windowMs)) return bucket[i];
    }
    return undefined;
  }

  /** True when the hook already captured this request (the DevTools source then skips it). */
  hasHookTwin(method: string, url: string, startedAt: number, windowMs = TWIN_WINDOW_MS): boolean {
    return this.findTwinIndex(twinKey(method, url), startedAt, 'hook', windowMs) !== undefined;
  }

  /** The row of an exchange id (a re-decryption checks that its row is still the one it read). */
  byExchangeId(id: string): Row | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.rows[i];
  }

  getBySeq(seq: number): Row | undefined {
    // Rows are appended with increasing seq, so a binary search finds it without another index.
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.rows[mid].seq;
      if (s === seq) return this.rows[mid];
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  clear(): void {
    this.rows = [];
    this.byId.clear();
    this.byTwinKey.clear();
    this.changed();
  }
}
