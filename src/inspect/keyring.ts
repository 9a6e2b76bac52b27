/**
 * The keyring: SC session id → {request key, response key}, from every source the issue names
 * (architecture.md §3): the page's own handshake (its RSA-OAEP-wrapped keys paired with the observed
 * /session call), a type-1 envelope, trial decryption with captured candidate keys, Keyhole's own
 * sessions, keys typed in by the user, and a test-environment RSA private key.
 *
 * Memory only. The service worker mirrors `toState()` into chrome.storage.session (never
 * storage.local, architecture.md §2) so a stopped worker loses nothing. Everything is bounded: the
 * page decides how many keys it imports, so a hostile page must not grow this without limit.
 * Keys are held as standard Base64 strings (JSON-friendly) and decoded on use.
 */
import * as z from '../protocol/zod';
import { bytesEqual, fromBase64, toBase64 } from '../protocol/bytes';
import type { AadMode } from '../protocol/message';
import { MAX_SESSION_ID_LENGTH, MAX_WRAPPED_BASE64 } from './limits';

export const KeySource = z.enum(['page-handshake', 'type1', 'trial', 'keyhole-session', 'manual', 'private-key']);
export type KeySource = z.infer<typeof KeySource>;

const B64Key = z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/, 'a 32-byte key in standard base64'));

export const KeyEntry = z.object({
  sessionId: z.optional(z.string().check(z.maxLength(MAX_SESSION_ID_LENGTH))),
  requestKey: z.optional(B64Key),
  responseKey: z.optional(B64Key),
  source: KeySource,
  /** The AAD mode that last opened a message of this session (§12: none, then the session id). */
  aad: z.optional(z.enum(['none', 'session-id'])),
  addedAt: z.number(),
  label: z.optional(z.string().check(z.maxLength(200))),
});
export type KeyEntry = z.infer<typeof KeyEntry>;

export const CandidateKey = z.object({
  key: B64Key,
  origin: z.enum(['rsa-wrap', 'aes-import', 'aes-export']),
  at: z.number(),
});
export type CandidateKey = z.infer<typeof CandidateKey>;

/** A 32-byte key the page RSA-OAEP-encrypted, and the ciphertext it got (the WebCrypto hook). */
export const WrapObservation = z.object({ key: B64Key, wrapped: z.string().check(z.maxLength(MAX_WRAPPED_BASE64)), at: z.number() });
export type WrapObservation = z.infer<typeof WrapObservation>;

/** What the panel sees. Keys are included (the panel masks them); the private key never is. */
export const KeyringSnapshot = z.object({
  entries: z.array(KeyEntry),
  candidates: z.array(CandidateKey),
  wraps: z.int(),
  hasPrivateKey: z.boolean(),
});
export type KeyringSnapshot = z.infer<typeof KeyringSnapshot>;

/** What the service worker persists in storage.session. */
export const KeyringState = z.object({
  entries: z.array(KeyEntry),
  candidates: z.array(CandidateKey),
  wraps: z.array(WrapObservation),
  privateKeyPem: z.optional(z.string().check(z.maxLength(16_384))),
});
export type KeyringState = z.infer<typeof KeyringState>;

export interface KeyCandidate {
  key: Uint8Array;
  /** Which direction the key is known to serve; 'any' for loose candidates. */
  dir: 'request' | 'response' | 'any';
  source: KeySource;
  /** Set when the key is known to belong to the session asked for. */
  sessionId?: string;
}

/**
 * Per pool, not overall: what the page makes us observe (handshakes, type-1 envelopes, trial hits) is
 * evicted oldest first among itself and can never push out a key the user typed or one derived from the
 * user's private key (issue #10). Keys typed by the user are refused past their limit, never evicted.
 */
export const KEYRING_LIMITS = { observed: 500, privateKey: 500, manual: 200, candidates: 200, wraps: 200 } as const;

type Pool = 'observed' | 'privateKey' | 'manual' | 'keyhole';
const poolOf = (s: KeySource): Pool => (s === 'manual' ? 'manual' : s === 'private-key' ? 'privateKey' : s === 'keyhole-session' ? 'keyhole' : 'observed');

/**
 * What one change added, so the capture hub re-decrypts only what it can open (issue #10: O(what it
 * can match), not O(everything buffered)). `session`: `keys` for that session (sessionId undefined:
 * keys without one, tried on anything); `candidate`: a loose key to try; `all`: anything else that may open more (private key, bulk replace); `meta`: nothing new to open (a removal, an AAD note).
 */
export type KeyringChange = { kind: 'session'; sessionId: string | undefined; keys: string[] } | { kind: 'candidate'; key: string } | { kind: 'wrap'; wrapped: string; key: string } | { kind: 'all' } | { kind: 'meta' };

export class Keyring {
  private entries: KeyEntry[] = [];
  private loose: CandidateKey[] = [];
  private wraps: WrapObservation[] = [];
  /** wrapped (standard Base64) → key: learning a handshake looks its wrapped keys up in O(1). */
  private wrapIndex = new Map<string, string>();
  private privateKeyPem: string | undefined;
  private listeners = new Set<(c: KeyringChange) => void>();
  private decodedKeys = new Map<string, Uint8Array>();
  /** ownCandidates' answers, per session and direction, until the entries change (a HAR import asks 20,000 times). */
  private own = new Map<string, Partial<Record<'request' | 'response' | 'any', readonly KeyCandidate[]>>>();

  constructor(private readonly now: () => number = Date.now) {}

  static fromState(state: unknown, now?: () => number): Keyring {
    const k = new Keyring(now);
    const s = KeyringState.safeParse(state);
    if (s.success) {
      k.entries = s.data.entries;
      k.loose = s.data.candidates;
      k.wraps = s.data.wraps;
      for (const w of k.wraps) k.wrapIndex.set(w.wrapped, w.key);
      k.privateKeyPem = s.data.privateKeyPem;
    }
    return k;
  }

  toState(): KeyringState {
    return {
      entries: [...this.entries],
      candidates: [...this.loose],
      wraps: [...this.wraps],
      ...(this.privateKeyPem !== undefined && { privateKeyPem: this.privateKeyPem }),
    };
  }

  snapshot(): KeyringSnapshot {
    return { entries: [...this.entries], candidates: [...this.loose], wraps: this.wraps.length, hasPrivateKey: !!this.privateKeyPem };
  }

  onChange(listener: (c: KeyringChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(c: KeyringChange = { kind: 'all' }): void {
    this.own.clear();
    for (const l of this.listeners) l(c);
  }

  /**
   * Adds keys for a session. Merges into an entry for the same session when it fills a missing side
   * without contradicting a known one; returns false when nothing new was learnt, and for anything the
   * keyring cannot hold (a session id over MAX_SESSION_ID_LENGTH, a key that is not 32 bytes): never
   * throws, because its callers (decryption, key learning) must not (issue #10).
   */
  add(e: { sessionId?: string; requestKey?: string; responseKey?: string; source: KeySource; label?: string }): boolean {
    if (!e.requestKey && !e.responseKey) return false;
    const parsed = KeyEntry.safeParse({ ...e, addedAt: this.now() });
    if (!parsed.success) return false;
    const entry = parsed.data;
    for (const x of this.entries) {
      if (x.sessionId !== entry.sessionId) continue;
      const reqOk = !x.requestKey || !entry.requestKey || x.requestKey === entry.requestKey;
      const respOk = !x.responseKey || !entry.responseKey || x.responseKey === entry.responseKey;
      if (!reqOk || !respOk) continue;
      const fills = (!x.requestKey && !!entry.requestKey) || (!x.responseKey && !!entry.responseKey);
      if (!fills) return false;
      x.requestKey ??= entry.requestKey;
      x.responseKey ??= entry.responseKey;
      this.changed({ kind: 'session', sessionId: entry.sessionId, keys: keysOf(entry) });
      return true;
    }
    const pool = poolOf(entry.source);
    if (pool === 'manual' && this.count(pool) >= KEYRING_LIMITS.manual) return false;
    this.entries.push(entry);
    if (pool === 'observed' || pool === 'privateKey') {
      const limit = pool === 'observed' ? KEYRING_LIMITS.observed : KEYRING_LIMITS.privateKey;
      if (this.count(pool) > limit) this.entries.splice(this.entries.findIndex((x) => poolOf(x.source) === pool), 1);
    }
    this.changed({ kind: 'session', sessionId: entry.sessionId, keys: keysOf(entry) });
    return true;
  }

  /** Entries of one pool (see KEYRING_LIMITS). */
  private count(pool: Pool): number {
    let n = 0;
    for (const x of this.entries) if (poolOf(x.source) === pool) n++;
    return n;
  }

  /** True when typed keys have reached their limit (the panel says so rather than evicting one). */
  manualFull(): boolean {
    return this.count('manual') >= KEYRING_LIMITS.manual;
  }

  /** Sessions replaced wholesale from one source (Keyhole's own sessions are re-read, not accumulated). Entries the keyring cannot hold are skipped. */
  replaceSource(source: KeySource, list: Array<{ sessionId?: string; requestKey?: string; responseKey?: string; label?: string }>): void {
    const before = JSON.stringify(this.entries.filter((e) => e.source === source).map(({ addedAt: _a, aad: _b, ...rest }) => rest));
    const kept = new Map(this.entries.filter((e) => e.source === source).map((e) => [`${e.sessionId}|${e.requestKey}|${e.responseKey}`, e]));
    const next: KeyEntry[] = list.flatMap((x) => {
      const old = kept.get(`${x.sessionId}|${x.requestKey}|${x.responseKey}`);
      if (old) return [old];
      const p = KeyEntry.safeParse({ ...x, source, addedAt: this.now() });
      return p.success ? [p.data] : [];
    });
    this.entries = [...this.entries.filter((e) => e.source !== source), ...next];
    this.own.clear();
    const after = JSON.stringify(next.map(({ addedAt: _a, aad: _b, ...rest }) => rest));
    if (before === after) return;
    const added = next.filter((e) => !kept.has(`${e.sessionId}|${e.requestKey}|${e.responseKey}`));
    if (added.length === 0) this.changed({ kind: 'meta' });
    for (const e of added) this.changed({ kind: 'session', sessionId: e.sessionId, keys: keysOf(e) });
  }

  /** A loose key to try by trial; false when known already or not a 32-byte key. */
  addCandidate(c: CandidateKey): boolean {
    const p = CandidateKey.safeParse(c);
    if (!p.success) return false;
    const parsed = p.data;
    if (this.loose.some((x) => x.key === parsed.key) || this.wraps.some((w) => w.key === parsed.key)) return false;
    this.loose.push(parsed);
    if (this.loose.length > KEYRING_LIMITS.candidates) this.loose.shift();
    this.changed({ kind: 'candidate', key: parsed.key });
    return true;
  }

  /** An observed RSA-OAEP wrap; false when known already or malformed. */
  addWrap(w: WrapObservation): boolean {
    const p = WrapObservation.safeParse(w);
    if (!p.success) return false;
    const parsed = p.data;
    if (this.wrapIndex.has(parsed.wrapped)) return false;
    this.wraps.push(parsed);
    this.wrapIndex.set(parsed.wrapped, parsed.key);
    if (this.wraps.length > KEYRING_LIMITS.wraps) {
      const old = this.wraps.shift()!;
      if (this.wrapIndex.get(old.wrapped) === old.key) this.wrapIndex.delete(old.wrapped);
    }
    // The wrapped key now has a better provenance than a bare import; one copy is enough for trials.
    this.loose = this.loose.filter((x) => x.key !== parsed.key);
    this.changed({ kind: 'wrap', wrapped: parsed.wrapped, key: parsed.key });
    return true;
  }

  /** The plaintext key behind an observed encReqKey / encRespKey, if the page wrapped it in view. O(1). */
  findWrapped(wrapped: Uint8Array): Uint8Array | undefined {
    const key = this.wrapIndex.get(toBase64(wrapped));
    return key === undefined ? undefined : this.keyBytes(key).slice();
  }

  setPrivateKey(pem: string | undefined): void {
    if (this.privateKeyPem === pem) return;
    this.privateKeyPem = pem;
    this.changed();
  }

  privateKey(): string | undefined {
    return this.privateKeyPem;
  }

  /** Remembers which AAD mode opened this session's messages (shown in the panel). */
  noteAad(sessionId: string | undefined, aad: AadMode): void {
    const e = this.entries.find((x) => x.sessionId === sessionId && x.sessionId !== undefined);
    if (!e || e.aad === aad) return;
    e.aad = aad;
    this.changed({ kind: 'meta' });
  }

  removeEntry(index: number): boolean {
    if (index < 0 || index >= this.entries.length) return false;
    this.entries.splice(index, 1);
    this.changed({ kind: 'meta' });
    return true;
  }

  clear(): void {
    this.entries = [];
    this.loose = [];
    this.wraps = [];
    this.wrapIndex.clear();
    this.changed();
  }

  hasKeysFor(sessionId: string | undefined): boolean {
    return sessionId !== undefined && this.entries.some((e) => e.sessionId === sessionId);
  }

  /**
   * Keys to try, best first: the session's own keys (right direction), then every loose candidate
   * (keys the page imported, exported or wrapped — trial decryption, the GCM tag decides).
   * Deduplicated by key bytes.
   */
  candidates(sessionId?: string, dir: 'request' | 'response' | 'any' = 'any'): KeyCandidate[] {
    const seen = new Set<string>();
    const out: KeyCandidate[] = [];
    const push = (b64: string | undefined, c: Omit<KeyCandidate, 'key'>) => {
      if (!b64 || seen.has(b64)) return;
      seen.add(b64);
      out.push({ ...c, key: this.keyBytes(b64) });
    };
    if (sessionId !== undefined) this.pushOwn(sessionId, dir, push);
    // Keys learnt without a session id (e.g. a handshake whose response was not captured).
    for (const e of this.entries) {
      if (e.sessionId !== undefined) continue;
      push(e.requestKey, { dir: 'any', source: e.source });
      push(e.responseKey, { dir: 'any', source: e.source });
    }
    for (const w of [...this.wraps].reverse()) push(w.key, { dir: 'any', source: 'trial' });
    for (const c of [...this.loose].reverse()) push(c.key, { dir: 'any', source: 'trial' });
    return out;
  }

  /** Given loose keys (standard Base64, from a KeyringChange) as trial candidates; malformed ones skipped. */
  looseCandidates(keys: readonly string[]): KeyCandidate[] {
    const out: KeyCandidate[] = [];
    for (const k of new Set(keys)) {
      try {
        out.push({ key: this.keyBytes(k), dir: 'any', source: 'trial' });
      } catch {
        /* not Base64: nothing to try */
      }
    }
    return out;
  }

  /**
   * The first part of candidates(): only the keys that belong to `sessionId`, same order. Decryption
   * tries these alone first — for a known session that is the whole job, and it skips building the
   * loose-candidate list (up to a few hundred keys) for every message. The same list until the entries
   * change: callers must not mutate it.
   */
  ownCandidates(sessionId: string, dir: 'request' | 'response' | 'any' = 'any'): readonly KeyCandidate[] {
    let bySession = this.own.get(sessionId);
    const hit = bySession?.[dir];
    if (hit) return hit;
    const out: KeyCandidate[] = [];
    let seen: string[] | undefined;
    this.pushOwn(sessionId, dir, (b64, c) => {
      if (!b64 || seen?.includes(b64)) return;
      (seen ??= []).push(b64);
      out.push({ ...c, key: this.keyBytes(b64) });
    });
    if (!bySession) {
      if (this.own.size >= 1024) this.own.clear();
      this.own.set(sessionId, (bySession = {}));
    }
    bySession[dir] = out;
    return out;
  }

  private pushOwn(sessionId: string, dir: 'request' | 'response' | 'any', push: (b64: string | undefined, c: Omit<KeyCandidate, 'key'>) => void): void {
    for (const e of this.entries) {
      if (e.sessionId !== sessionId) continue;
      if (dir !== 'response') push(e.requestKey, { dir: 'request', source: e.source, sessionId });
      if (dir !== 'request') push(e.responseKey, { dir: 'response', source: e.source, sessionId });
    }
  }

  /** Decoded key bytes, memoised (every message of a session asks for the same key). Callers must not mutate them. */
  private keyBytes(b64: string): Uint8Array {
    let k = this.decodedKeys.get(b64);
    if (!k) {
      if (this.decodedKeys.size >= 1024) this.decodedKeys.clear();
      k = fromBase64(b64);
      this.decodedKeys.set(b64, k);
    }
    return k;
  }
}

const keysOf = (e: KeyEntry): string[] => [e.requestKey, e.responseKey].filter((k): k is string => k !== undefined);

export { toBase64 as keyToBase64 };
