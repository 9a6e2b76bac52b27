/**
 * The capture hub: everything the service worker does with captured traffic, behind injected
 * storage and session-engine functions so it runs under unit tests as well as in Chrome.
 *
 *  relay → ingest(): learn keys (learn-keys.ts), decrypt once, buffer, push to open panels, and let
 *          page-refresh.ts tell the session engine about the page's own refreshes;
 *  crypto events → keyring (wraps / candidate keys) → re-learn the handshakes that carry that wrap, and
 *          re-decrypt only what the new key can open (redecrypt-passes.ts);
 *  panel ports → snapshot + live pushes + RPC (panel-port.ts).
 *
 * The page decides how much work it causes (issue #10 item 2), so: every tab has its own serial lane
 * (lanes.ts) — one tab's flood never queues another tab's exchange behind it; learning a wrap or a key
 * costs O(what it can match) (exchange-index.ts, the keyring's wrap index); a re-decrypt pass tries at
 * most PASS_EXCHANGES exchanges with at most PASS_KEYS new keys, yields every SLICE_MS, and counts what it
 * skipped (shown in the panel's status bar as a flood).
 *
 * State that must survive a stopped worker (buffers, keyring) is mirrored in storage.session; the
 * decrypted views are a cache rebuilt on demand.
 */
import { decryptExchange, type DecryptOptions, type DecryptedExchange } from '../../inspect/decrypt-exchange';
import { headerValue, type CapturedExchange } from '../../inspect/exchange';
import { Keyring, type CandidateKey, type KeyringChange, type KeyringSnapshot, type WrapObservation } from '../../inspect/keyring';
import { learnKeys } from '../../inspect/learn-keys';
import { KeyholeError } from '../../protocol/errors';
import { ExchangeIndex } from './exchange-index';
import { Lanes, type Lane } from './lanes';
import { PageRefreshes, spendsToken, tokenPairOf, type ApiAllowed, type SessionsBridge } from './page-refresh';
import { RedecryptPasses, keepDecrypted } from './redecrypt-passes';
import { TabBuffers, type BufferLimits, type KvArea, DEFAULT_LIMITS } from './tab-buffers';

export type { SessionsBridge } from './page-refresh';
export { PASS_EXCHANGES, PASS_KEYS } from './redecrypt-passes';

export type HubEvent =
  | { kind: 'exchange'; tabId: number; exchange: DecryptedExchange }
  | { kind: 'cleared'; tabId: number }
  | { kind: 'keyring'; keyring: KeyringSnapshot }
  | { kind: 'hooked'; tabId: number }
  | { kind: 'dropped'; tabId: number; dropped: number }
  | { kind: 'skipped'; tabId: number; skipped: number };

export interface HubOptions {
  area: KvArea;
  sessions?: SessionsBridge;
  /** May a page of this origin speak for this API base (page-refresh.ts)? Default: same origin only. */
  apiAllowed?: ApiAllowed;
  /** The origin of the page a tab shows, from the browser (a panel resend was sent from it, issue #9). */
  tabOrigin?: (tabId: number) => Promise<string | undefined>;
  liveTabs?: () => Promise<number[]>;
  limits?: BufferLimits;
  now?: () => number;
  /** Errors in background work (rotation notes, persistence) — logged, never thrown at the page. */
  onError?: (e: unknown) => void;
}

const KEYRING_KEY = 'kh.cap.keyring';
const OWN_SESSIONS_TTL_MS = 1000;
/** Keyring pushes to panels are coalesced (a flood of candidate keys would otherwise push hundreds). */
const KEYRING_PUSH_MS = 50;
/** Keyring writes to storage.session are coalesced too. */
const KEYRING_SAVE_MS = 100;


const sameOrigin: ApiAllowed = async (pageOrigin, apiBase) => {
  try {
    return pageOrigin !== undefined && new URL(apiBase).origin === pageOrigin;
  } catch {
    return false;
  }
};

export class CaptureHub {
  readonly buffers: TabBuffers;
  keyring: Keyring;
  private readonly index = new ExchangeIndex();
  private readonly refreshes: PageRefreshes;
  private decrypted = new Map<string, DecryptedExchange>();
  private listeners = new Set<(e: HubEvent) => void>();
  /** Hook messages the tab's relay refused under its flood limit (memory only: a count, nothing to keep). */
  private droppedByTab = new Map<number, number>();
  private readonly lanes: Lanes;
  private readonly passes: RedecryptPasses;
  private readyPromise: Promise<void> | undefined;
  private ownSessionsAt = -Infinity;
  private keyringPush: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: HubOptions) {
    this.now = o.now ?? Date.now;
    this.buffers = new TabBuffers(o.area, o.limits ?? DEFAULT_LIMITS);
    this.keyring = new Keyring(this.now);
    this.refreshes = new PageRefreshes(o.sessions, o.apiAllowed ?? sameOrigin, (e) => o.onError?.(e));
    this.lanes = new Lanes(() => this.ready());
    this.passes = new RedecryptPasses({
      lane: (tabId, fn) => this.lane(tabId, fn),
      buffers: this.buffers,
      index: this.index,
      cached: (id) => this.decrypted.get(id),
      decrypt: (ex, opts, before) => this.decryptAndNote(ex, opts, before),
      emit: (e) => this.emit(e),
      onError: (e) => this.o.onError?.(e),
    });
  }

  on(listener: (e: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: HubEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.onError?.(err);
      }
    }
  }

  ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      const stored = await this.o.area.get([KEYRING_KEY]);
      this.keyring = Keyring.fromState(stored[KEYRING_KEY], this.now);
      this.keyring.onChange((c) => this.keyringChanged(c));
      await this.buffers.ready(this.o.liveTabs);
      for (const tabId of this.buffers.tabIds()) for (const ex of this.buffers.get(tabId)) this.index.add(ex);
    })();
    return this.readyPromise;
  }

  private lane<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    return this.lanes.run(lane, fn);
  }

  // ── keyring changes → persistence, panel pushes, re-decrypt passes ─────────

  private keyringChanged(c: KeyringChange): void {
    this.persistKeyring();
    this.keyringPush ??= setTimeout(() => {
      this.keyringPush = undefined;
      this.emit({ kind: 'keyring', keyring: this.keyring.snapshot() });
    }, KEYRING_PUSH_MS);
    // Route to what the change can open. Candidates and wraps are routed by their callers (they know the tab).
    if (c.kind === 'session' && c.sessionId !== undefined) {
      for (const { tabId } of this.index.ofSession(c.sessionId)) this.passes.schedule(tabId, { sessions: [c.sessionId] });
    } else if (c.kind === 'session') {
      // Keys without a session: any failed exchange may be theirs; tried alone, capped per tab.
      for (const tabId of this.buffers.tabIds()) this.passes.schedule(tabId, { loose: c.keys });
    } else if (c.kind === 'all') {
      // A private key: every tab, capped (its handshakes are re-learnt by setPrivateKey).
      for (const tabId of this.buffers.tabIds()) this.passes.schedule(tabId, { full: true });
    }
  }

  /**
   * Coalesced: a flood of keys would otherwise serialise the whole keyring once per key (measured: 300
   * keys in a burst held the worker's thread ~0.6 s). A stopped worker loses at most the last
   * KEYRING_SAVE_MS of observed keys, which the buffered traffic teaches again.
   */
  private persistKeyring(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.o.area.set({ [KEYRING_KEY]: this.keyring.toState() }).catch((e) => this.o.onError?.(e));
    }, KEYRING_SAVE_MS);
  }

  /** Writes a pending keyring save now (tests, benches; the worker relies on the timer). */
  async flush(): Promise<void> {
    if (this.saveTimer === undefined) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.o.area.set({ [KEYRING_KEY]: this.keyring.toState() });
  }

  /** Keyhole's own SC sessions are a keyring source; re-read at most once a second. */
  private async refreshOwnSessions(): Promise<void> {
    if (!this.o.sessions || this.now() - this.ownSessionsAt < OWN_SESSIONS_TTL_MS) return;
    this.ownSessionsAt = this.now();
    try {
      const list = await this.o.sessions.listOwnScSessions();
      this.keyring.replaceSource(
        'keyhole-session',
        list.map((s) => ({ sessionId: s.sessionId, requestKey: s.requestKey, responseKey: s.responseKey, label: s.envId })),
      );
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  // ── inputs from the relay ────────────────────────────────────────────────

  markHooked(tabId: number): Promise<void> {
    return this.lane(tabId, async () => {
      await this.buffers.markHooked(tabId);
      this.emit({ kind: 'hooked', tabId });
    });
  }

  ingest(ex: CapturedExchange): Promise<DecryptedExchange> {
    return this.lane(ex.tabId, async () => {
      await this.refreshOwnSessions();
      await learnKeys(ex, this.keyring);
      await this.buffer(ex);
      const d = await this.decryptAndNote(ex);
      this.emit({ kind: 'exchange', tabId: ex.tabId, exchange: d });
      return d;
    });
  }

  /**
   * The page RSA-encrypted a key: learn the buffered handshakes carrying exactly that ciphertext (index
   * lookup, not a scan), and let the tab's next pass try the key by trial.
   */
  addWrap(w: WrapObservation, tabId?: number): Promise<void> {
    return this.lane(tabId ?? 'global', async () => {
      if (!this.keyring.addWrap(w)) return;
      for (const id of this.index.withWrapped(w.wrapped)) {
        const ex = this.buffers.find(id);
        if (ex) await learnKeys(ex, this.keyring);
      }
      this.scheduleLoose(tabId, w.key);
    });
  }

  addCandidate(c: CandidateKey, tabId?: number): Promise<void> {
    return this.lane(tabId ?? 'global', async () => {
      if (this.keyring.addCandidate(c)) this.scheduleLoose(tabId, c.key);
    });
  }

  /** A loose key from a tab: only that tab's failed exchanges are retried with it (a key a page holds is for its own traffic). */
  private scheduleLoose(tabId: number | undefined, key: string): void {
    for (const t of tabId === undefined ? this.buffers.tabIds() : [tabId]) this.passes.schedule(t, { loose: [key] });
  }

  /** The relay's flood limit dropped `count` messages of this tab: the panel says so (they are not recoverable). */
  noteDropped(tabId: number, count: number): void {
    const dropped = this.dropped(tabId) + count;
    this.droppedByTab.set(tabId, dropped);
    this.emit({ kind: 'dropped', tabId, dropped });
  }

  dropped(tabId: number): number {
    return this.droppedByTab.get(tabId) ?? 0;
  }

  /** Re-decrypt tries skipped under the per-pass budget in this tab (a flood of keys). */
  skipped(tabId: number): number {
    return this.passes.skipped(tabId);
  }

  tabClosed(tabId: number): Promise<void> {
    this.droppedByTab.delete(tabId);
    this.passes.forgetTab(tabId);
    return this.lane(tabId, async () => {
      for (const id of await this.buffers.clearTab(tabId, { forgetHooked: true })) this.forget(id);
      this.emit({ kind: 'cleared', tabId });
    });
  }

  // ── buffering and decryption ─────────────────────────────────────────────

  private async buffer(ex: CapturedExchange): Promise<void> {
    for (const id of await this.buffers.add(ex)) this.forget(id);
    this.index.add(ex);
  }

  /** An exchange left the buffer: drop what is cached and indexed about it. */
  private forget(id: string): void {
    if (this.buffers.find(id)) return; // replaced in place (same id): still buffered
    this.decrypted.delete(id);
    this.index.remove(id);
    this.refreshes.forget(id);
  }

  /**
   * Decrypts (never throws: decryptExchange's contract), caches and tells page-refresh.ts. `before`: a
   * side it had already decrypted stays decrypted even when this pass only tried new keys.
   */
  private async decryptAndNote(ex: CapturedExchange, opts: DecryptOptions = {}, before?: DecryptedExchange): Promise<DecryptedExchange> {
    let d = await decryptExchange(ex, this.keyring, opts);
    if (before) d = keepDecrypted(before, d);
    if (ex.tabId >= 0 && this.buffers.find(ex.id)) this.decrypted.set(ex.id, d);
    try {
      await this.refreshes.note(d);
    } catch (e) {
      this.o.onError?.(e);
    }
    return d;
  }

  /** Every buffered exchange of a tab, decrypted (cached), oldest first. Never fails for one bad exchange. */
  decryptedFor(tabId: number): Promise<DecryptedExchange[]> {
    return this.lane(tabId, async () => {
      await this.refreshOwnSessions();
      const out: DecryptedExchange[] = [];
      for (const ex of this.buffers.get(tabId)) out.push(this.decrypted.get(ex.id) ?? (await this.decryptAndNote(ex)));
      return out;
    });
  }

  // ── panel calls ──────────────────────────────────────────────────────────

  clearTab(tabId: number): Promise<void> {
    if (this.droppedByTab.delete(tabId)) this.emit({ kind: 'dropped', tabId, dropped: 0 });
    if (this.passes.forgetTab(tabId)) this.emit({ kind: 'skipped', tabId, skipped: 0 });
    return this.lane(tabId, async () => {
      for (const id of await this.buffers.clearTab(tabId)) this.forget(id);
      this.emit({ kind: 'cleared', tabId });
    });
  }

  async keyringSnapshot(): Promise<KeyringSnapshot> {
    await this.ready();
    await this.refreshOwnSessions();
    return this.keyring.snapshot();
  }

  async addManualKey(input: { sessionId: string; requestKey?: string; responseKey?: string; label?: string }): Promise<KeyringSnapshot> {
    await this.ready();
    if (!this.keyring.add({ ...input, source: 'manual' }) && this.keyring.manualFull()) {
      throw new KeyholeError('INPUT_INVALID', 'keyring: the limit of keys typed in is reached; remove one first');
    }
    return this.keyring.snapshot();
  }

  async removeKey(index: number): Promise<KeyringSnapshot> {
    await this.ready();
    if (!this.keyring.removeEntry(index)) throw new KeyholeError('INPUT_INVALID', 'keyring: no such entry');
    return this.keyring.snapshot();
  }

  /** `pem` already checked by the caller (importPrivateKeyPem); undefined forgets it. Returns how many entries it unwrapped. */
  async setPrivateKey(pem: string | undefined): Promise<number> {
    await this.ready();
    this.keyring.setPrivateKey(pem);
    if (!pem) return 0;
    const byTab = new Map<number, string[]>();
    for (const { id, tabId } of this.index.handshakes()) byTab.set(tabId, [...(byTab.get(tabId) ?? []), id]);
    const counts = await Promise.all(
      [...byTab].map(([tabId, ids]) =>
        this.lane(tabId, async () => {
          let added = 0;
          for (const id of ids) {
            const ex = this.buffers.find(id);
            if (ex) added += await learnKeys(ex, this.keyring);
          }
          return added;
        }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * "Follow in Keyhole": adopt the token pair of a login/refresh answer. Refused when a later refresh
   * request of the same tab already presented that refresh token (§11 single use): the page spent it,
   * so following it would store a dead token, and Keyhole's first refresh would be a reuse that revokes
   * the family (§12). A later refresh that was refused in a way proving the token unspent (429, SC
   * session, validation, access/header refusals) does not count. The session engine then refuses
   * copies of tokens it holds or rotated itself (engine.ts adopt).
   */
  /** The resend guard's question to the session engine (read only). */
  async refreshTokenState(refreshToken: string): Promise<{ state: 'spent' | 'current' | 'unknown'; label?: string; sessionKey?: string; followed?: boolean }> {
    return (await this.o.sessions?.refreshTokenState?.(refreshToken)) ?? { state: 'unknown' };
  }

  /** Compose targets (issue #9): Keyhole's own SC sessions, read from the session engine. */
  async composeTargets(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; apiBase: string; envName: string; headers: Record<string, string>; accounts: Array<{ label: string; accessToken: string }> }>> {
    return (await this.o.sessions?.composeTargets?.()) ?? [];
  }

  async followSession(exchangeId: string): Promise<{ sessionKey: string }> {
    if (!this.o.sessions) throw new KeyholeError('WORKER_UNAVAILABLE', 'capture: session engine not available');
    await this.ready();
    const found = this.buffers.find(exchangeId);
    if (!found) throw new KeyholeError('INPUT_INVALID', 'capture: no such exchange');
    const { d, spentBy } = await this.lane(found.tabId, async () => {
      const ex = this.buffers.find(exchangeId);
      if (!ex) throw new KeyholeError('INPUT_INVALID', 'capture: no such exchange');
      const d = this.decrypted.get(ex.id) ?? (await this.decryptAndNote(ex));
      const token = tokenPairOf(d)?.refreshToken;
      let spentBy: DecryptedExchange | undefined;
      if (d.follow && typeof token === 'string' && ex.tabId >= 0) {
        const tab = this.buffers.get(ex.tabId);
        for (const later of tab.slice(tab.findIndex((e) => e.id === ex.id) + 1)) {
          const ld = this.decrypted.get(later.id) ?? (await this.decryptAndNote(later));
          if (spendsToken(ld, token)) {
            spentBy = ld;
            break;
          }
        }
      }
      return { d, spentBy };
    });
    const data = tokenPairOf(d);
    if (!d.follow || typeof data?.refreshToken !== 'string') throw new KeyholeError('INPUT_INVALID', 'capture: this exchange carries no token pair to follow');
    if (spentBy) {
      throw new KeyholeError(
        'REFRESH_REJECTED',
        'capture: the page already spent this refresh token in a later refresh (refresh tokens are single-use) — follow the newest refresh instead',
        { details: { spentBy: spentBy.exchange.id } },
      );
    }
    // The family is bound to the X-Client-Hash the page created it with (§12): Keyhole must send that one.
    const clientHash = headerValue(d.exchange.requestHeaders, 'x-client-hash');
    return this.o.sessions.adoptSession({
      apiBase: d.follow.apiBase,
      refreshToken: data.refreshToken,
      ...(typeof data.accessToken === 'string' && { accessToken: data.accessToken }),
      ...(typeof data.expiresIn === 'number' && { expiresIn: data.expiresIn }),
      ...(clientHash && { clientHash }),
    });
  }

  /**
   * HAR / devtools.network entries: learn, decrypt; `keep` also buffers them for this tab. Their page
   * origin is unknown (the panel's word is not the browser's), so they never move a followed session.
   */
  decryptBatch(tabId: number, exchanges: CapturedExchange[], keep: boolean): Promise<DecryptedExchange[]> {
    return this.lane(tabId, async () => {
      await this.refreshOwnSessions();
      // A resend (issue #9) was sent from this tab's page by the panel: the browser's word for the tab's
      // origin is the honest one, so a resent refresh of a followed session moves it like a page refresh.
      const resendOrigin = exchanges.some((ex) => ex.source === 'resend') ? await this.o.tabOrigin?.(tabId) : undefined;
      const withTab = exchanges.map(({ pageOrigin: _, ...ex }) => ({ ...ex, tabId, ...(ex.source === 'resend' && resendOrigin && { pageOrigin: resendOrigin }) }));
      // Learn from every handshake first: a HAR holds the /session call before the calls it keys.
      for (const ex of withTab) await learnKeys(ex, this.keyring);
      const out: DecryptedExchange[] = [];
      for (const ex of withTab) {
        if (keep) await this.buffer(ex);
        const d = keep ? await this.decryptAndNote(ex) : await decryptExchange(ex, this.keyring);
        if (keep) this.emit({ kind: 'exchange', tabId, exchange: d });
        out.push(d);
      }
      return out;
    });
  }

  isHooked(tabId: number): boolean {
    return this.buffers.isHooked(tabId);
  }

  /** Waits for queued work, re-decrypt passes included (tests, benches). */
  async idle(): Promise<void> {
    await this.ready();
    await this.lanes.idle();
    await this.flush();
  }

  /** Bookkeeping sizes (tests: everything is pruned with the buffer). */
  sizes(): { decrypted: number; rotationNoted: number; reuseNoted: number } {
    return { decrypted: this.decrypted.size, ...this.refreshes.sizes() };
  }
}
