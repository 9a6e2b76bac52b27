/**
 * Re-decrypting buffered exchanges when the keyring gains keys, within a budget (issue #10 item 2): a
 * page decides how many keys it shows Keyhole, so one tab's pass tries at most PASS_EXCHANGES of its
 * failed rows (newest first) with at most PASS_KEYS new keys, runs on that tab's lane, gives the event
 * loop a turn every SLICE_MS, and counts what it skipped (the panel's status bar shows it). Work that
 * arrives while a pass is queued joins it, so a flood of keys costs one pass at a time per tab.
 */
import type { DecryptOptions, DecryptedExchange } from '../../inspect/decrypt-exchange';
import type { CapturedExchange } from '../../inspect/exchange';
import type { ExchangeIndex } from './exchange-index';
import { yieldTurn } from './lanes';
import type { TabBuffers } from './tab-buffers';

/** Failed exchanges one re-decrypt pass of a tab retries (newest first); the rest are counted as skipped. */
export const PASS_EXCHANGES = 200;
/** New loose keys one pass tries (same bound as decryption's own trials); older surplus keys are skipped. */
export const PASS_KEYS = 48;
/** A pass gives the event loop a turn after this much work, so other tabs and the panel get in. */
const SLICE_MS = 8;

/** What a tab's next pass should try: sessions that gained keys, new loose keys, or everything (a private key). */
export interface PassRequest {
  sessions?: string[];
  loose?: string[];
  full?: boolean;
}

interface PassWork {
  sessions: Set<string>;
  loose: Set<string>;
  full: boolean;
}

export interface PassHost {
  lane(tabId: number, fn: () => Promise<void>): Promise<void>;
  buffers: TabBuffers;
  index: ExchangeIndex;
  cached(id: string): DecryptedExchange | undefined;
  /** Decrypt, cache and note (the hub's decryptAndNote); `before` keeps sides already opened. */
  decrypt(ex: CapturedExchange, opts: DecryptOptions, before?: DecryptedExchange): Promise<DecryptedExchange>;
  emit(e: { kind: 'exchange'; tabId: number; exchange: DecryptedExchange } | { kind: 'skipped'; tabId: number; skipped: number }): void;
  onError(e: unknown): void;
}

export class RedecryptPasses {
  private work = new Map<number, PassWork>();
  private queued = new Set<number>();
  private skippedByTab = new Map<number, number>();

  constructor(private readonly host: PassHost) {}

  schedule(tabId: number, r: PassRequest): void {
    let work = this.work.get(tabId);
    if (!work) this.work.set(tabId, (work = { sessions: new Set(), loose: new Set(), full: false }));
    for (const s of r.sessions ?? []) work.sessions.add(s);
    for (const k of r.loose ?? []) work.loose.add(k);
    if (r.full) work.full = true;
    if (this.queued.has(tabId)) return; // the queued pass takes this work too
    this.queued.add(tabId);
    void this.host
      .lane(tabId, () => {
        this.queued.delete(tabId);
        return this.run(tabId);
      })
      .catch((e) => this.host.onError(e));
  }

  /** Re-decrypt tries skipped under the budget in this tab. */
  skipped(tabId: number): number {
    return this.skippedByTab.get(tabId) ?? 0;
  }

  /** The tab was cleared or closed: drop its pending work and its count. True when a count was shown. */
  forgetTab(tabId: number): boolean {
    this.work.delete(tabId);
    return this.skippedByTab.delete(tabId);
  }

  /**
   * One bounded pass: first the exchanges of sessions that gained keys (their own keys only: O(that
   * session's exchanges)), then failed exchanges, newest first, with the new loose keys only.
   */
  private async run(tabId: number): Promise<void> {
    const work = this.work.get(tabId);
    this.work.delete(tabId);
    if (!work) return;
    const { buffers, index } = this.host;
    let sliceStart = performance.now();
    const retry = async (ex: CapturedExchange, opts: DecryptOptions) => {
      const before = this.host.cached(ex.id);
      if (before && !retryable(before)) return;
      const after = await this.host.decrypt(ex, opts, before);
      if (!before || changed(before, after)) this.host.emit({ kind: 'exchange', tabId, exchange: after });
      if (performance.now() - sliceStart >= SLICE_MS) {
        await yieldTurn();
        sliceStart = performance.now();
      }
    };
    for (const sessionId of work.sessions) {
      for (const { id, tabId: t } of index.ofSession(sessionId)) {
        const ex = t === tabId ? buffers.find(id) : undefined;
        if (ex) await retry(ex, { loose: [] });
      }
    }
    if (!work.full && work.loose.size === 0) return;
    const allKeys = [...work.loose];
    const keys = allKeys.slice(-PASS_KEYS);
    let skipped = allKeys.length - keys.length;
    let tried = 0;
    const items = buffers.get(tabId);
    for (let i = items.length - 1; i >= 0; i--) {
      const ex = items[i]!;
      const before = this.host.cached(ex.id);
      if (before && !retryable(before)) continue;
      if (tried >= PASS_EXCHANGES) {
        skipped++;
        continue;
      }
      tried++;
      await retry(ex, work.full ? {} : { loose: keys });
    }
    if (skipped > 0) {
      const total = this.skipped(tabId) + skipped;
      this.skippedByTab.set(tabId, total);
      this.host.emit({ kind: 'skipped', tabId, skipped: total });
    }
  }
}

export function retryable(d: DecryptedExchange): boolean {
  const r = (s: DecryptedExchange['request']) => s.status === 'failed' && (s.error?.code === 'NO_KEY' || s.error?.code === 'AEAD_AUTH_FAILED');
  return r(d.request) || r(d.response);
}

/** A pass that tried only new keys must not lose a side an earlier key had opened. */
export function keepDecrypted(before: DecryptedExchange, after: DecryptedExchange): DecryptedExchange {
  const request = before.request.status === 'decrypted' && after.request.status !== 'decrypted' ? before.request : after.request;
  const response = before.response.status === 'decrypted' && after.response.status !== 'decrypted' ? before.response : after.response;
  if (request === after.request && response === after.response) return after;
  return {
    ...after,
    request,
    response,
    ...(after.follow || !before.follow ? {} : { follow: before.follow }),
    ...(after.responseCode === undefined && before.responseCode !== undefined ? { responseCode: before.responseCode } : {}),
  };
}

function changed(before: DecryptedExchange, after: DecryptedExchange): boolean {
  return JSON.stringify(sideStates(before)) !== JSON.stringify(sideStates(after));
}

function sideStates(d: DecryptedExchange) {
  // Error codes too: a row going from NO_KEY to AEAD_AUTH_FAILED (a wrong key was typed) must reach the panel.
  return [d.request.status, d.request.keySource, d.request.error?.code, d.response.status, d.response.keySource, d.response.error?.code, d.sessionId, d.conflict?.sessionKey];
}
