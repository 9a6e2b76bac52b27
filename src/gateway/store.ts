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
}

/** Upper bound on remembered IVs per session; past it the session is dropped (client re-handshakes). */
export const MAX_IVS_PER_SESSION = 100_000;

export class MemoryStore implements GatewayStore {
  private sc = new Map<string, ScSession>();
  private ivs = new Map<string, Set<string>>();
  private logins = new Map<string, LoginSession>();
  private families = new Map<string, TokenFamily>();
  private tokens = new Map<string, RefreshTokenRecord>();
  private buckets = new Map<string, RateBucket>();

  putScSession(s: ScSession): void {
    this.sc.set(s.id, s);
    this.ivs.set(s.id, new Set());
  }
  getScSession(id: string): ScSession | undefined {
    return this.sc.get(id);
  }
  deleteScSession(id: string): boolean {
    this.ivs.delete(id);
    return this.sc.delete(id);
  }
  clearScSessions(): number {
    const n = this.sc.size;
    this.sc.clear();
    this.ivs.clear();
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
    if (set.has(iv)) return false;
    if (set.size >= MAX_IVS_PER_SESSION) {
      // Bounded memory: retire the session rather than forget IVs (forgetting would re-open replays).
      this.deleteScSession(sessionId);
      return true;
    }
    set.add(iv);
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
    this.families.set(f.id, f);
  }
  getFamily(id: string): TokenFamily | undefined {
    return this.families.get(id);
  }
  putRefreshToken(token: string, r: RefreshTokenRecord): void {
    this.tokens.set(token, r);
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
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k);
  }
}
