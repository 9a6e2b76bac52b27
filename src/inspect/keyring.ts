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

export const KeySource = z.enum(['page-handshake', 'type1', 'trial', 'keyhole-session', 'manual', 'private-key']);
export type KeySource = z.infer<typeof KeySource>;

const B64Key = z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/, 'a 32-byte key in standard base64'));

export const KeyEntry = z.object({
  sessionId: z.optional(z.string().check(z.maxLength(512))),
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
export const WrapObservation = z.object({ key: B64Key, wrapped: z.string().check(z.maxLength(2048)), at: z.number() });
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

export const KEYRING_LIMITS = { entries: 500, candidates: 200, wraps: 200 } as const;

export class Keyring {
  private entries: KeyEntry[] = [];
  private loose: CandidateKey[] = [];
  private wraps: WrapObservation[] = [];
  private privateKeyPem: string | undefined;
  private listeners = new Set<() => void>();
  private decodedKeys = new Map<string, Uint8Array>();

  constructor(private readonly now: () => number = Date.now) {}

  static fromState(state: unknown, now?: () => number): Keyring {
    const k = new Keyring(now);
    const s = KeyringState.safeParse(state);
    if (s.success) {
      k.entries = s.data.entries;
      k.loose = s.data.candidates;
      k.wraps = s.data.wraps;
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

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /**
   * Adds keys for a session. Merges into an entry for the same session when it fills a missing side
   * without contradicting a known one; returns false when nothing new was learnt.
   */
  add(e: { sessionId?: string; requestKey?: string; responseKey?: string; source: KeySource; label?: string }): boolean {
    if (!e.requestKey && !e.responseKey) return false;
    const entry = KeyEntry.parse({ ...e, addedAt: this.now() });
    for (const x of this.entries) {
      if (x.sessionId !== entry.sessionId) continue;
      const reqOk = !x.requestKey || !entry.requestKey || x.requestKey === entry.requestKey;
      const respOk = !x.responseKey || !entry.responseKey || x.responseKey === entry.responseKey;
      if (!reqOk || !respOk) continue;
      const fills = (!x.requestKey && !!entry.requestKey) || (!x.responseKey && !!entry.responseKey);
      if (!fills) return false;
      x.requestKey ??= entry.requestKey;
      x.responseKey ??= entry.responseKey;
      this.changed();
      return true;
    }
    this.entries.push(entry);
    if (this.entries.length > KEYRING_LIMITS.entries) this.entries.shift();
    this.changed();
    return true;
  }

  /** Sessions replaced wholesale from one source (Keyhole's own sessions are re-read, not accumulated). */
  replaceSource(source: KeySource, list: Array<{ sessionId?: string; requestKey?: string; responseKey?: string; label?: string }>): void {
    const before = JSON.stringify(this.entries.filter((e) => e.source === source).map(({ addedAt: _a, aad: _b, ...rest }) => rest));
    const kept = new Map(this.entries.filter((e) => e.source === source).map((e) => [`${e.sessionId}|${e.requestKey}|${e.responseKey}`, e]));
    const next: KeyEntry[] = list.map((x) => kept.get(`${x.sessionId}|${x.requestKey}|${x.responseKey}`) ?? KeyEntry.parse({ ...x, source, addedAt: this.now() }));
    this.entries = [...this.entries.filter((e) => e.source !== source), ...next];
    const after = JSON.stringify(next.map(({ addedAt: _a, aad: _b, ...rest }) => rest));
    if (before !== after) this.changed();
  }

  addCandidate(c: CandidateKey): boolean {
    const parsed = CandidateKey.parse(c);
    if (this.loose.some((x) => x.key === parsed.key) || this.wraps.some((w) => w.key === parsed.key)) return false;
    this.loose.push(parsed);
    if (this.loose.length > KEYRING_LIMITS.candidates) this.loose.shift();
    this.changed();
    return true;
  }

  addWrap(w: WrapObservation): boolean {
    const parsed = WrapObservation.parse(w);
    if (this.wraps.some((x) => x.wrapped === parsed.wrapped)) return false;
    this.wraps.push(parsed);
    if (this.wraps.length > KEYRING_LIMITS.wraps) this.wraps.shift();
    // The wrapped key now has a better provenance than a bare import; one copy is enough for trials.
    this.loose = this.loose.filter((x) => x.key !== parsed.key);
    this.changed();
    return true;
  }

  /** The plaintext key behind an observed encReqKey / encRespKey, if the page wrapped it in view. */
  findWrapped(wrapped: Uint8Array): Uint8Array | undefined {
    for (const w of this.wraps) {
      const bytes = fromBase64Safe(w.wrapped);
      if (bytes && bytesEqual(bytes, wrapped)) return fromBase64(w.key);
    }
    return undefined;
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
    this.changed();
  }

  removeEntry(index: number): boolean {
    if (index < 0 || index >= this.entries.length) return false;
    this.entries.splice(index, 1);
    this.changed();
    return true;
  }

  clear(): void {
    this.entries = [];
    this.loose = [];
    this.wraps = [];
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

  /**
   * The first part of candidates(): only the keys that belong to `sessionId`, same order. Decryption
   * tries these alone first — for a known session that is the whole job, and it skips building the
   * loose-candidate list (up to a few hundred keys) for every message.
   */
  ownCandidates(sessionId: string, dir: 'request' | 'response' | 'any' = 'any'): KeyCandidate[] {
    const out: KeyCandidate[] = [];
    let seen: string[] | undefined;
    this.pushOwn(sessionId, dir, (b64, c) => {
      if (!b64 || seen?.includes(b64)) return;
      (seen ??= []).push(b64);
      out.push({ ...c, key: this.keyBytes(b64) });
    });
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

function fromBase64Safe(s: string): Uint8Array | undefined {
  try {
    return fromBase64(s);
  } catch {
    return undefined;
  }
}

export { toBase64 as keyToBase64 };
