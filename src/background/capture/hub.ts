/**
 * The capture hub: everything the service worker does with captured traffic, behind injected
 * storage and session-engine functions so it runs under unit tests as well as in Chrome.
 *
 *  relay → ingest(): learn keys (learn-keys.ts), decrypt once, buffer, push to open panels, and —
 *          when the page refreshed a session Keyhole follows — notePageRotation() at once, panel or not;
 *          when the page presented a refresh token Keyhole had already spent — notePageReuse(): the
 *          exchange is flagged (`conflict`) and the engine marks the session revoked;
 *  crypto events → keyring (wraps / candidate keys) → re-learn handshakes, re-decrypt what failed;
 *  panel ports → snapshot + live pushes + RPC (panel-port.ts).
 *
 * State that must survive a stopped worker (buffers, keyring) is mirrored in storage.session; the
 * decrypted views are a cache rebuilt on demand. Work is serialised on one queue so keys learnt from
 * a handshake are in the keyring before the next exchange of that session is decrypted.
 */
import { apiBaseOf } from '../../inspect/classify';
import { decryptExchange, type DecryptedExchange, type ExchangeConflict } from '../../inspect/decrypt-exchange';
import { headerValue, type CapturedExchange } from '../../inspect/exchange';
import { Keyring, type CandidateKey, type KeyringSnapshot, type WrapObservation } from '../../inspect/keyring';
import { learnKeys, wrappedPairOf } from '../../inspect/learn-keys';
import { KeyholeError } from '../../protocol/errors';
import { errorFromResponse } from '../../protocol/server-errors';
import { provesUnspent } from '../sessions/refresh-outcome';
import { TabBuffers, type BufferLimits, type KvArea, DEFAULT_LIMITS } from './tab-buffers';

export interface SessionsBridge {
  listOwnScSessions(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; envId: string }>>;
  adoptSession(input: { apiBase: string; accessToken?: string; refreshToken: string; expiresIn?: number; label?: string; clientHash?: string }): Promise<{ sessionKey: string }>;
  notePageRotation(input: { apiBase: string; oldRefreshToken: string; accessToken: string; refreshToken: string; expiresIn: number }): Promise<boolean>;
  /** The page presented `refreshToken` in a refresh answered at `answeredAt`: the session Keyhole spent it for (now revoked), if any. */
  notePageReuse(input: { apiBase: string; refreshToken: string; answeredAt: number; exchangeId?: string }): Promise<{ sessionKey: string; label: string } | undefined>;
}

export type HubEvent =
  | { kind: 'exchange'; tabId: number; exchange: DecryptedExchange }
  | { kind: 'cleared'; tabId: number }
  | { kind: 'keyring'; keyring: KeyringSnapshot }
  | { kind: 'hooked'; tabId: number }
  | { kind: 'dropped'; tabId: number; dropped: number };

export interface HubOptions {
  area: KvArea;
  sessions?: SessionsBridge;
  liveTabs?: () => Promise<number[]>;
  limits?: BufferLimits;
  now?: () => number;
  /** Errors in background work (rotation notes, persistence) — logged, never thrown at the page. */
  onError?: (e: unknown) => void;
}

const KEYRING_KEY = 'kh.cap.keyring';
const OWN_SESSIONS_TTL_MS = 1000;

export class CaptureHub {
  readonly buffers: TabBuffers;
  keyring: Keyring;
  private decrypted = new Map<string, DecryptedExchange>();
  private rotationNoted = new Set<string>();
  /** Conflicts found per exchange id: once flagged, re-decryptions keep the flag without asking the engine. */
  private reuseNoted = new Map<string, ExchangeConflict>();
  private listeners = new Set<(e: HubEvent) => void>();
  /** Hook messages the tab's relay refused under its flood limit (memory only: a count, nothing to keep). */
  private droppedByTab = new Map<number, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private readyPromise: Promise<void> | undefined;
  private ownSessionsAt = -Infinity;
  private redecryptTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  private readonly now: () => number;

  constructor(private readonly o: HubOptions) {
    this.now = o.now ?? Date.now;
    this.buffers = new TabBuffers(o.area, o.limits ?? DEFAULT_LIMITS);
    this.keyring = new Keyring(this.now);
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
      this.keyring.onChange(() => this.keyringChanged());
      await this.buffers.ready(this.o.liveTabs);
    })();
    return this.readyPromise;
  }

  /** One queue for all mutations: ordered learning, no interleaved read-modify-write. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.ready()).then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private keyringChanged(): void {
    this.persistKeyring();
    this.emit({ kind: 'keyring', keyring: this.keyring.snapshot() });
    // Coalesce: one trial success can add several keys in a row.
    if (this.redecryptTimer === undefined) {
      this.redecryptTimer = setTimeout(() => {
        this.redecryptTimer = undefined;
        void this.serial(() => this.redecryptFailed()).catch((e) => this.o.onError?.(e));
      }, 20);
    }
  }

  private persistKeyring(): void {
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = this.o.area
      .set({ [KEYRING_KEY]: this.keyring.toState() })
      .catch((e) => this.o.onError?.(e))
      .finally(() => {
        this.saving = undefined;
        if (this.saveAgain) {
          this.saveAgain = false;
          this.persistKeyring();
        }
      });
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
    return this.serial(async () => {
      await this.buffers.markHooked(tabId);
      this.emit({ kind: 'hooked', tabId });
    });
  }

  ingest(ex: CapturedExchange): Promise<DecryptedExchange> {
    return this.serial(async () => {
      await this.refreshOwnSessions();
      await learnKeys(ex, this.keyring);
      const evicted = await this.buffers.add(ex);
      for (const id of evicted) this.forget(id);
      const d = await this.decryptAndNote(ex);
      this.emit({ kind: 'exchange', tabId: ex.tabId, exchange: d });
      return d;
    });
  }

  addWrap(w: WrapObservation): Promise<void> {
    return this.serial(async () => {
      if (this.keyring.addWrap(w)) await this.relearnHandshakes();
    });
  }

  addCandidate(c: CandidateKey): Promise<void> {
    return this.serial(async () => {
      this.keyring.addCandidate(c);
    });
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

  tabClosed(tabId: number): Promise<void> {
    this.droppedByTab.delete(tabId);
    return this.serial(async () => {
      for (const id of await this.buffers.clearTab(tabId, { forgetHooked: true })) this.forget(id);
      this.emit({ kind: 'cleared', tabId });
    });
  }

  // ── decryption ───────────────────────────────────────────────────────────

  /** An exchange left the buffer: drop what is cached about it. */
  private forget(id: string): void {
    this.decrypted.delete(id);
    this.reuseNoted.delete(id);
  }

  private async decryptAndNote(ex: CapturedExchange): Promise<DecryptedExchange> {
    const d = await decryptExchange(ex, this.keyring);
    if (ex.tabId >= 0 && this.buffers.find(ex.id)) this.decrypted.set(ex.id, d);
    await this.noteRotation(d);
    await this.noteReuse(d);
    return d;
  }

  /**
   * The page refreshed a session (§11: single-use refresh tokens). If Keyhole follows that session,
   * its copy must move to the new pair now, or the next Keyhole refresh would replay a burnt token
   * and revoke the family (§12 reuse detection). Done once per exchange, DevTools open or not.
   */
  private async noteRotation(d: DecryptedExchange): Promise<void> {
    if (!this.o.sessions || d.kind !== 'refresh' || !d.follow || this.rotationNoted.has(d.exchange.id)) return;
    const req = d.request.json as { refreshToken?: unknown } | undefined;
    const data = (d.response.json as { data?: { accessToken?: unknown; refreshToken?: unknown; expiresIn?: unknown } } | undefined)?.data;
    if (typeof req?.refreshToken !== 'string' || typeof data?.accessToken !== 'string' || typeof data.refreshToken !== 'string') return;
    this.rotationNoted.add(d.exchange.id);
    try {
      await this.o.sessions.notePageRotation({
        apiBase: d.follow.apiBase,
        oldRefreshToken: req.refreshToken,
        accessToken: data.accessToken,
        refreshToken: data.refreshToken,
        expiresIn: typeof data.expiresIn === 'number' ? data.expiresIn : 3600,
      });
    } catch (e) {
      this.o.onError?.(e);
    }
  }

  /**
   * The other direction of the same hazard: Keyhole refreshed a followed session (popup or alarm), so the
   * page's copy of the refresh token is spent; when the page then presents it, the gateway sees a reuse
   * and revokes the whole family (§12) — Keyhole's new pair included. Say so at once: flag this exchange
   * (`conflict`, shown on its panel row) and have the engine mark the session revoked, rather than letting
   * Keyhole's next refresh discover it. Only the gateway's own word counts: a decrypted answer saying the
   * refresh token is invalid (REFRESH_REJECTED). No answer (network error), a 5xx, a 429 or an answer
   * not decrypted yet prove nothing — revoking on those would kill a healthy family for good (an
   * undecrypted answer comes back here when keys arrive). Nothing is sent to the page or the gateway.
   */
  private async noteReuse(d: DecryptedExchange): Promise<void> {
    if (!this.o.sessions || d.kind !== 'refresh') return;
    const token = (d.request.json as { refreshToken?: unknown } | undefined)?.refreshToken;
    const status = d.exchange.status;
    if (typeof token !== 'string' || status === undefined || d.responseCode === undefined) return;
    if (errorFromResponse(status, { code: d.responseCode }).code !== 'REFRESH_REJECTED') return;
    const id = d.exchange.id;
    let conflict = this.reuseNoted.get(id);
    if (!conflict) {
      const apiBase = apiBaseOf(d.exchange.url);
      if (!apiBase) return;
      try {
        const hit = await this.o.sessions.notePageReuse({
          apiBase,
          refreshToken: token,
          answeredAt: d.exchange.startedAt + (d.exchange.durationMs ?? 0),
          exchangeId: id,
        });
        if (!hit) return; // no match (yet): asked again if this exchange is decrypted again
        conflict = reuseConflict(hit);
      } catch (e) {
        this.o.onError?.(e);
        return;
      }
      this.reuseNoted.set(id, conflict);
    }
    d.conflict = conflict;
  }

  private async relearnHandshakes(): Promise<number> {
    let added = 0;
    for (const tabId of this.buffers.tabIds()) {
      for (const ex of this.buffers.get(tabId)) if (wrappedPairOf(ex)) added += await learnKeys(ex, this.keyring);
    }
    return added;
  }

  private async redecryptFailed(): Promise<void> {
    for (const tabId of this.buffers.tabIds()) {
      for (const ex of this.buffers.get(tabId)) {
        const before = this.decrypted.get(ex.id);
        if (before && !retryable(before)) continue;
        const after = await this.decryptAndNote(ex);
        if (!before || JSON.stringify(sideStates(before)) !== JSON.stringify(sideStates(after))) {
          this.emit({ kind: 'exchange', tabId, exchange: after });
        }
      }
    }
  }

  /** Every buffered exchange of a tab, decrypted (cached), oldest first. */
  decryptedFor(tabId: number): Promise<DecryptedExchange[]> {
    return this.serial(async () => {
      await this.refreshOwnSessions();
      const out: DecryptedExchange[] = [];
      for (const ex of this.buffers.get(tabId)) out.push(this.decrypted.get(ex.id) ?? (await this.decryptAndNote(ex)));
      return out;
    });
  }

  // ── panel calls ──────────────────────────────────────────────────────────

  clearTab(tabId: number): Promise<void> {
    if (this.droppedByTab.delete(tabId)) this.emit({ kind: 'dropped', tabId, dropped: 0 });
    return this.serial(async () => {
      for (const id of await this.buffers.clearTab(tabId)) this.forget(id);
      this.emit({ kind: 'cleared', tabId });
    });
  }

  keyringSnapshot(): Promise<KeyringSnapshot> {
    return this.serial(async () => {
      await this.refreshOwnSessions();
      return this.keyring.snapshot();
    });
  }

  addManualKey(input: { sessionId: string; requestKey?: string; responseKey?: string; label?: string }): Promise<KeyringSnapshot> {
    return this.serial(async () => {
      this.keyring.add({ ...input, source: 'manual' });
      return this.keyring.snapshot();
    });
  }

  removeKey(index: number): Promise<KeyringSnapshot> {
    return this.serial(async () => {
      if (!this.keyring.removeEntry(index)) throw new KeyholeError('INPUT_INVALID', 'keyring: no such entry');
      return this.keyring.snapshot();
    });
  }

  /** `pem` already checked by the caller (importPrivateKeyPem); undefined forgets it. */
  setPrivateKey(pem: string | undefined): Promise<number> {
    return this.serial(async () => {
      this.keyring.setPrivateKey(pem);
      return pem ? this.relearnHandshakes() : 0;
    });
  }

  /**
   * "Follow in Keyhole": adopt the token pair of a login/refresh answer. Refused when a later refresh
   * request of the same tab already presented that refresh token (§11 single use): the page spent it,
   * so following it would store a dead token, and Keyhole's first refresh would be a reuse that revokes
   * the family (§12). A later refresh that was refused in a way proving the token unspent (429, SC
   * session, validation, access/header refusals) does not count. The session engine then refuses
   * copies of tokens it holds or rotated itself (engine.ts adopt).
   */
  async followSession(exchangeId: string): Promise<{ sessionKey: string }> {
    if (!this.o.sessions) throw new KeyholeError('WORKER_UNAVAILABLE', 'capture: session engine not available');
    const { d, spentBy } = await this.serial(async () => {
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

  /** HAR / devtools.network entries: learn, decrypt; `keep` also buffers them for this tab. */
  decryptBatch(tabId: number, exchanges: CapturedExchange[], keep: boolean): Promise<DecryptedExchange[]> {
    return this.serial(async () => {
      await this.refreshOwnSessions();
      const withTab = exchanges.map((ex) => ({ ...ex, tabId }));
      // Learn from every handshake first: a HAR holds the /session call before the calls it keys.
      for (const ex of withTab) await learnKeys(ex, this.keyring);
      const out: DecryptedExchange[] = [];
      for (const ex of withTab) {
        if (keep) for (const id of await this.buffers.add(ex)) this.forget(id);
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

  /** Waits for queued work (tests). */
  idle(): Promise<void> {
    return this.serial(async () => {});
  }
}

function tokenPairOf(d: DecryptedExchange): { accessToken?: unknown; refreshToken?: unknown; expiresIn?: unknown } | undefined {
  return (d.response.json as { data?: { accessToken?: unknown; refreshToken?: unknown; expiresIn?: unknown } } | undefined)?.data ?? undefined;
}

/**
 * True when `d` is a refresh request that presented `token` and was not refused in a way that proves
 * the token unspent. An unknown outcome (network error, unreadable answer) counts as spent: re-sending
 * it could be a reuse.
 */
function spendsToken(d: DecryptedExchange, token: string): boolean {
  if (d.kind !== 'refresh' || (d.request.json as { refreshToken?: unknown } | undefined)?.refreshToken !== token) return false;
  return refreshOutcome(d) !== 'unspent';
}

/**
 * What the answer to a refresh says about the token it presented: `rotated` (a success: the gateway took
 * it), `unspent` (a refusal given before the body was decrypted, §12 — 429, unknown SC session, header
 * refusals: nothing was consumed), else `refused` — refused after decryption (invalid, reused: under reuse
 * detection the family is gone) or no answer at all (unknown: counts as consumed).
 */
function refreshOutcome(d: DecryptedExchange): 'rotated' | 'unspent' | 'refused' {
  const status = d.exchange.status;
  if (status === undefined) return 'refused';
  const envelope = d.response.json as { success?: unknown } | undefined;
  if (status >= 200 && status < 300 && envelope?.success !== false) return 'rotated';
  return provesUnspent(errorFromResponse(status, { code: d.responseCode }).code) ? 'unspent' : 'refused';
}

function reuseConflict(hit: { sessionKey: string; label: string }): ExchangeConflict {
  return {
    kind: 'page-reused-spent-token',
    sessionKey: hit.sessionKey,
    label: hit.label,
    message:
      `The page sent a refresh token Keyhole had already used for session ${hit.label}, so the gateway revokes the whole token family (§12 reuse detection) — ` +
      `Keyhole's copy is dead too. Sign in again on the page, then Follow in Keyhole again.`,
  };
}

function retryable(d: DecryptedExchange): boolean {
  const r = (s: DecryptedExchange['request']) => s.status === 'failed' && (s.error?.code === 'NO_KEY' || s.error?.code === 'AEAD_AUTH_FAILED');
  return r(d.request) || r(d.response);
}

function sideStates(d: DecryptedExchange) {
  // Error codes too: a row going from NO_KEY to AEAD_AUTH_FAILED (a wrong key was typed) must reach the panel.
  return [d.request.status, d.request.keySource, d.request.error?.code, d.response.status, d.response.keySource, d.response.error?.code, d.sessionId, d.conflict?.sessionKey];
}
