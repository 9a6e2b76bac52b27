/**
 * Per-tab bounded buffers of captured exchanges, so traffic from before DevTools opened is there
 * (default 2,000 per tab, plus a byte cap). Mirrored in chrome.storage.session — memory only, never
 * storage.local: the buffer holds Authorization headers and handshake material (architecture.md §2) —
 * so a stopped service worker loses nothing. storage.session holds 10 MB in all, so the mirror has
 * its own byte budget and drops its oldest items first; the in-memory buffer keeps them while the
 * worker lives.
 *
 * Storage layout: `kh.cap.x.<tabId>.<seq>` → CapturedExchange, `kh.cap.hooked` → tab ids.
 */
import { CapturedExchange } from '../../inspect/exchange';

export interface KvArea {
  get(keys: string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

export interface BufferLimits {
  perTab: number;
  /** Approximate bytes (Base64 included) kept in memory per tab. */
  memoryBytesPerTab: number;
  /** Approximate bytes mirrored in storage.session over all tabs. */
  storageBytes: number;
  /**
   * Larger exchanges stay memory-only: one of them would push everything else out of the mirror,
   * and serialising megabytes into storage on every capture costs the page's machine real CPU.
   * SCv2 auth traffic is a few KiB (the gateway refuses bodies over 1 MiB, §12).
   */
  storageItemBytes: number;
}

export const DEFAULT_LIMITS: BufferLimits = { perTab: 2000, memoryBytesPerTab: 96 * 1024 * 1024, storageBytes: 8 * 1024 * 1024, storageItemBytes: 512 * 1024 };

const X_PREFIX = 'kh.cap.x.';
const HOOKED_KEY = 'kh.cap.hooked';

interface Item {
  seq: number;
  ex: CapturedExchange;
  bytes: number;
  stored: boolean;
}

const sizeOf = (ex: CapturedExchange) => 1024 + (ex.requestBody?.base64.length ?? 0) + (ex.responseBody?.base64.length ?? 0);

export class TabBuffers {
  private tabs = new Map<number, Item[]>();
  /** id → its tab, so find() is O(1) whatever the page buffered. */
  private tabOf = new Map<string, number>();
  private hooked = new Set<number>();
  private seq = 0;
  private storedBytes = 0;
  private restored: Promise<void> | undefined;

  constructor(
    private readonly area: KvArea,
    readonly limits: BufferLimits = DEFAULT_LIMITS,
  ) {}

  /** Restores the mirror once; drops tabs that closed while the worker was stopped. */
  ready(liveTabs?: () => Promise<number[]>): Promise<void> {
    this.restored ??= this.restore(liveTabs);
    return this.restored;
  }

  private async restore(liveTabs?: () => Promise<number[]>): Promise<void> {
    const all = await this.area.get(null);
    const live = liveTabs ? new Set(await liveTabs().catch(() => [] as number[])) : undefined;
    const stale: string[] = [];
    for (const [key, value] of Object.entries(all)) {
      if (!key.startsWith(X_PREFIX)) continue;
      const [tabText, seqText] = key.slice(X_PREFIX.length).split('.');
      const tabId = Number(tabText);
      const seq = Number(seqText);
      const ex = CapturedExchange.safeParse(value);
      if (!ex.success || !Number.isSafeInteger(seq) || (live && !live.has(tabId))) {
        stale.push(key);
        continue;
      }
      const item: Item = { seq, ex: ex.data, bytes: sizeOf(ex.data), stored: true };
      this.storedBytes += item.bytes;
      this.list(tabId).push(item);
      this.tabOf.set(ex.data.id, tabId);
      this.seq = Math.max(this.seq, seq + 1);
    }
    for (const items of this.tabs.values()) items.sort((a, b) => a.seq - b.seq);
    const hooked = Array.isArray(all[HOOKED_KEY]) ? (all[HOOKED_KEY] as unknown[]).filter((t): t is number => typeof t === 'number') : [];
    for (const t of hooked) if (!live || live.has(t)) this.hooked.add(t);
    if (stale.length) await this.area.remove(stale);
  }

  private list(tabId: number): Item[] {
    let l = this.tabs.get(tabId);
    if (!l) this.tabs.set(tabId, (l = []));
    return l;
  }

  /** Adds (or replaces, same id) an exchange; returns the ids evicted from memory. */
  async add(ex: CapturedExchange): Promise<string[]> {
    const items = this.list(ex.tabId);
    const existing = this.tabOf.get(ex.id) === ex.tabId ? items.findIndex((i) => i.ex.id === ex.id) : -1;
    const removeKeys: string[] = [];
    if (existing >= 0) {
      const [old] = items.splice(existing, 1);
      if (old.stored) {
        removeKeys.push(this.key(ex.tabId, old.seq));
        this.storedBytes -= old.bytes;
      }
    }
    const item: Item = { seq: this.seq++, ex, bytes: sizeOf(ex), stored: false };
    items.push(item);
    this.tabOf.set(ex.id, ex.tabId);
    const evicted: string[] = [];
    let memory = items.reduce((n, i) => n + i.bytes, 0);
    while (items.length > this.limits.perTab || (memory > this.limits.memoryBytesPerTab && items.length > 1)) {
      const old = items.shift()!;
      memory -= old.bytes;
      evicted.push(old.ex.id);
      if (this.tabOf.get(old.ex.id) === ex.tabId) this.tabOf.delete(old.ex.id);
      if (old.stored) {
        removeKeys.push(this.key(ex.tabId, old.seq));
        this.storedBytes -= old.bytes;
      }
    }
    // Mirror, oldest-first eviction over all tabs. An item bigger than the whole budget stays memory-only.
    const toSet: Record<string, unknown> = {};
    if (item.bytes <= Math.min(this.limits.storageBytes, this.limits.storageItemBytes)) {
      while (this.storedBytes + item.bytes > this.limits.storageBytes) {
        const victim = this.oldestStored();
        if (!victim) break;
        victim.item.stored = false;
        this.storedBytes -= victim.item.bytes;
        removeKeys.push(this.key(victim.tabId, victim.item.seq));
      }
      item.stored = true;
      this.storedBytes += item.bytes;
      toSet[this.key(ex.tabId, item.seq)] = ex;
    }
    if (removeKeys.length) await this.area.remove(removeKeys);
    if (item.stored) await this.area.set(toSet);
    return evicted;
  }

  private oldestStored(): { tabId: number; item: Item } | undefined {
    let best: { tabId: number; item: Item } | undefined;
    for (const [tabId, items] of this.tabs) {
      const first = items.find((i) => i.stored);
      if (first && (!best || first.seq < best.item.seq)) best = { tabId, item: first };
    }
    return best;
  }

  private key(tabId: number, seq: number): string {
    return `${X_PREFIX}${tabId}.${seq}`;
  }

  get(tabId: number): CapturedExchange[] {
    return (this.tabs.get(tabId) ?? []).map((i) => i.ex);
  }

  find(id: string): CapturedExchange | undefined {
    const tabId = this.tabOf.get(id);
    if (tabId === undefined) return undefined;
    const items = this.tabs.get(tabId) ?? [];
    // Newest first: lookups are mostly for recent exchanges.
    for (let i = items.length - 1; i >= 0; i--) if (items[i].ex.id === id) return items[i].ex;
    return undefined;
  }

  tabIds(): number[] {
    return [...this.tabs.keys()];
  }

  /** Forgets a tab's exchanges (tab closed, or the panel's "clear"). Returns the ids dropped. */
  async clearTab(tabId: number, o: { forgetHooked?: boolean } = {}): Promise<string[]> {
    const items = this.tabs.get(tabId) ?? [];
    this.tabs.delete(tabId);
    for (const i of items) if (this.tabOf.get(i.ex.id) === tabId) this.tabOf.delete(i.ex.id);
    const keys = items.filter((i) => i.stored).map((i) => this.key(tabId, i.seq));
    for (const i of items) if (i.stored) this.storedBytes -= i.bytes;
    if (keys.length) await this.area.remove(keys);
    if (o.forgetHooked && this.hooked.delete(tabId)) await this.area.set({ [HOOKED_KEY]: [...this.hooked] });
    return items.map((i) => i.ex.id);
  }

  async markHooked(tabId: number): Promise<void> {
    if (this.hooked.has(tabId)) return;
    this.hooked.add(tabId);
    await this.area.set({ [HOOKED_KEY]: [...this.hooked] });
  }

  isHooked(tabId: number): boolean {
    return this.hooked.has(tabId);
  }
}
