/**
 * The gateway's state behind a small interface, so a persistent backend could replace the
 * in-memory one. Everything here is plain data; policy (TTLs, reuse detection) lives in the handlers.
 */

/** An SC session (§6): the two AES keys and what it is bound to (§12 X-Client-Hash). */
export interface ScSession {
  id: string;
  keyId: string;
  requestKey: Buffer;
  responseKey: Buffer;
  clientHash: string;
  createdAt: number;
  expiresAt: number;
}

/** A pending MFA step between login/initiate and login/complete (§11). */
export interface LoginSession {
  id: string;
  accountId: string;
  clientHash: string;
  portal: string;
  expiresAt: number;
}

/** A chain of refresh tokens descending from one login (§12 refresh semantics). */
export interface TokenFamily {
  id: string;
  accountId: string;
  clientHash: string;
  portal: string;
  createdAt: number;
  revoked: boolean;
  /** Why it was revoked: logout or detected reuse. */
  revokedReason?: 'logout' | 'reuse';
  /** Number of rotations so far. */
  generation: number;
}

export interface RefreshTokenRecord {
  familyId: string;
  /** `current` until it is used once; then `rotated` (a second use is reuse). */
  state: 'current' | 'rotated';
  expiresAt: number;
}

export interface RateBucket {
  count: number;
  resetAt: number;
}

export interface GatewayStore {
  putScSession(s: ScSession): void;
  getScSession(id: string): ScSession | undefined;
  deleteScSession(id: string): boolean;
  clearScSessions(): number;
  scSessionCount(): number;
  /** Records an IV for the session; false when it was seen before (§12 replay). */
  rememberIv(sessionId: string, iv: string): boolean;

  putLoginSession(s: LoginSession): void;
  getLoginSession(id: string): LoginSession | undefined;
  deleteLoginSession(id: string): void;

  putFamily(f: TokenFamily): void;
  getFamily(id: string): TokenFamily | undefined;
  putRefreshToken(token: string, r: RefreshTokenRecord): void;
  getRefreshToken(token: string): RefreshTokenRecord | undefined;

  /** Fixed-window counter: increments and returns the bucket. */
  hit(key: string, windowMs: number, now: number): RateBucket;

  /** Drops everything expired before `now`. */
  sweep(now: number): void;

  /** What the memory caps evicted so far (a store without caps may omit it). */
  evictions?(): Evictions;
}

/** Counts of entries evicted by the memory caps (GatewayOptions.caps), oldest first. */
export interface Evictions {
  /** SC sessions dropped because the session cap was reached. */
  scSessions: number;
  /** SC sessions dropped, with their IVs, to keep the replay memory under its cap (per session or overall). */
  replay: number;
  /** Token families dropped (with their refresh tokens) because the family cap was reached. */
  families: number;
  /** Old refresh tokens of a family forgotten past the per-family cap (a reuse of one is then refused, not detected). */
  refreshTokens: number;
}

export const NO_EVICTIONS: Readonly<Evictions> = Object.freeze({ scSessions: 0, replay: 0, families: 0, refreshTokens: 0 });

export interface StoreCaps {
  scSessions: number;
  replayIvs: number;
  families: number;
  tokensPerFamily: number;
}

const UNCAPPED: StoreCaps = { scSessions: Infinity, replayIvs: Infinity, families: Infinity, tokensPerFamily: Infinity };


/** Upper bound on remembered IVs per session; past it the session is dropped (client re-handshakes). */
export const MAX_IVS_PER_SESSION = 100_000;

/**
 * In-memory store. Maps keep insertion order, so "the oldest" is the first key: creation order for
 * SC sessions and families (a re-put of a known id keeps its place).
 */
export class MemoryStore implements GatewayStore {
  private sc = new Map<string, ScSession>();
  private ivs = new Map<string, Set<string>>();
  /** IVs remembered over all sessions (the replay memory's size). */
  private ivTotal = 0;
  private logins = new Map<string, LoginSession>();
  private families = new Map<string, TokenFamily>();
  private tokens = new Map<string, RefreshTokenRecord>();
  /** familyId → its refresh tokens, oldest first (eviction with the family, per-family cap, sweep). */
  private familyTokens = new Map<string, string[]>();
  private buckets = new Map<string, RateBucket>();
  private readonly evicted: Evictions = { ...NO_EVICTIONS };
  private readonly caps: StoreCaps;

  constructor(caps: Partial<StoreCaps> = {}) {
    this.caps = { ...UNCAPPED, ...caps };
  }

  evictions(): Evictions {
    return { ...this.evicted };
  }

  putScSession(s: ScSession): void {
    if (!this.sc.has(s.id)) {
      while (this.sc.size >= this.caps.scSessions) {
        this.deleteScSession(this.sc.keys().next().value!);
        this.evicted.scSessions++;
      }
      this.ivs.set(s.id, new Set());
    }
    this.sc.set(s.id, s);
  }
  getScSession(id: string): ScSession | undefined {
    return this.sc.get(id);
  }
  deleteScSession(id: string): boolean {
    this.ivTotal -= this.ivs.get(id)?.size ?? 0;
    this.ivs.delete(id);
    return this.sc.delete(id);
  }
  clearScSessions(): number {
    const n = this.sc.size;
    this.sc.clear();
    this.ivs.clear();
    this.ivTotal = 0;
    return n;
  }
  scSessionCount(): number {
    return this.sc.size;
  }
  rememberIv(sessionId: string, iv: string): boolean {
    let set = this.ivs.get(sessionId);
    if (!set) {
      set = new Set();
      this.ivs.set(sessionId, set);
    }
    // The common case in one hash operation: room left, so adding tells whether the IV was new.
    if (set.size < MAX_IVS_PER_SESSION && this.ivTotal < this.caps.replayIvs) {
      const before = set.size;
      set.add(iv);
      if (set.size === before) return false;
      this.ivTotal++;
      return true;
    }
    if (set.has(iv)) return false;
    if (set.size >= MAX_IVS_PER_SESSION) {
      // Bounded memory: retire the session rather than forget IVs (forgetting would re-open replays).
      this.deleteScSession(sessionId);
      this.evicted.replay++;
      return true;
    }
    // The same rule overall: the oldest sessions go, with all their IVs, never single IVs.
    while (this.ivTotal >= this.caps.replayIvs && this.sc.size > 0) {
      const oldest = this.sc.keys().next().value!;
      this.deleteScSession(oldest);
      this.evicted.replay++;
      if (oldest === sessionId) return true;
    }
    set.add(iv);
    this.ivTotal++;
    return true;
  }

  putLoginSession(s: LoginSession): void {
    this.logins.set(s.id, s);
  }
  getLoginSession(id: string): LoginSession | undefined {
    return this.logins.get(id);
  }
  deleteLoginSession(id: string): void {
    this.logins.delete(id);
  }

  putFamily(f: TokenFamily): void {
    const known = this.families.get(f.id);
    if (known === f) return; // the same record, changed in place (refresh, revocation): already stored
    if (!known) {
      while (this.families.size >= this.caps.families) {
        this.deleteFamily(this.families.keys().next().value!);
        this.evicted.families++;
      }
      this.familyTokens.set(f.id, []);
    }
    this.families.set(f.id, f);
  }
  getFamily(id: string): TokenFamily | undefined {
    return this.families.get(id);
  }
  private deleteFamily(id: string): void {
    for (const t of this.familyTokens.get(id) ?? []) this.tokens.delete(t);
    this.familyTokens.delete(id);
    this.families.delete(id);
  }
  putRefreshToken(token: string, r: RefreshTokenRecord): void {
    // One hash operation: the map's size tells whether the token is new (a re-put only replaces the record).
    const before = this.tokens.size;
    this.tokens.set(token, r);
    if (this.tokens.size === before) return;
    let list = this.familyTokens.get(r.familyId);
    if (!list) {
      list = [];
      this.familyTokens.set(r.familyId, list);
    }
    list.push(token);
    while (list.length > this.caps.tokensPerFamily) {
      this.tokens.delete(list.shift()!);
      this.evicted.refreshTokens++;
    }
  }
  getRefreshToken(token: string): RefreshTokenRecord | undefined {
    return this.tokens.get(token);
  }

  hit(key: string, windowMs: number, now: number): RateBucket {
    let b = this.buckets.get(key);
    if (!b || b.resetAt <= now) {
      b = { count: 0, resetAt: now + windowMs };
      this.buckets.set(key, b);
    }
    b.count++;
    return b;
  }

  sweep(now: number): void {
    for (const [id, s] of this.sc) if (s.expiresAt <= now) this.deleteScSession(id);
    for (const [id, s] of this.logins) if (s.expiresAt <= now) this.logins.delete(id);
    for (const [t, r] of this.tokens) if (r.expiresAt <= now) this.tokens.delete(t);
    for (const [id, list] of this.familyTokens) {
      const live = list.filter((t) => this.tokens.has(t));
      // A family whose every refresh token expired can never be refreshed again: it goes too.
      if (live.length === 0 && list.length > 0) this.deleteFamily(id);
      else if (live.length !== list.length) this.familyTokens.set(id, live);
    }
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k);
  }
}
