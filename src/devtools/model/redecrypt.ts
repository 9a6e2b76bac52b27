/**
 * Rows the panel owns are decrypted again when the keyring learns keys.
 *
 * Who owns a row decides who re-decrypts it. Live hook rows sit in the service worker's per-tab buffer:
 * the worker re-decrypts its failed exchanges on every keyring change and pushes the ones that changed
 * (hub.ts redecryptFailed → 'exchange' push → TrafficStore.upsert). HAR rows and DevTools-network rows
 * live only here (decryptBatch without `keep`), so nobody else will ever try them again: this module
 * does, when a keyring push brings keys they did not have.
 *
 * Which rows: a row is tried again only when the new keys can change its outcome —
 *  - a session gained a key: its rows that failed with NO_KEY (or AEAD_AUTH_FAILED: the session's keys
 *    did not verify, and it now has another) are decrypted with the whole new keyring;
 *  - keys without a session arrived (loose candidates, sessionless entries): rows that failed with
 *    NO_KEY are *probed* with those new keys alone (trial decryption, the GCM tag decides), so a new
 *    candidate costs a few AES opens per failed row, not the 48-key trial of a full decrypt.
 * Rows still NO_KEY after a session's keys were tried locally go to the worker (decryptBatch), as the
 * HAR import does (local-decryptor.ts) — but only when the worker has something the snapshot lacks:
 * the keys behind the page's RSA wraps (the snapshot counts them, `wraps`, without the keys), which it
 * tries by trial. With no wraps the worker would answer what the panel just computed, so a key typed
 * for one direction does not send 10,000 half-decrypted rows through the port.
 *
 * Bounded: the work is done in chunks with a yield between them (10,000 failed rows never hold the
 * main thread), keyring pushes that arrive meanwhile are merged into one next pass, and a row is
 * replaced only when what the user sees changed — so rows that still fail keep their coded error, and
 * the row keeps its place (upsert by exchange id keeps its seq: selection and scroll stay).
 *
 * Not covered: hook rows the worker already evicted from its bounded buffer (it no longer has them to
 * re-decrypt, and the panel cannot tell which those are), and rows only a page wrap's key opens by
 * trial when no buffered row of their session exists (the worker records a trial success as a session
 * entry, which reaches the panel as a session delta).
 */
import type { CapturedExchange, DecryptedExchange, DecryptedSide, ErrorCode, KeyEntry, KeyringSnapshot } from '../inspect-types';
import type { Row } from './traffic-store';
import { macrotask } from './macrotask';
import { DECRYPT_BATCH_MAX } from '../../messaging/panel-rpc';

export interface KeyringDelta {
  /** Sessions that gained a key (either direction). */
  sessions: ReadonlySet<string>;
  /** New keys bound to no session, as a snapshot of their own: trial material for every failed row. */
  loose?: KeyringSnapshot;
}

const keyTag = (sessionId: string | undefined, dir: 'q' | 's', key: string) => `${sessionId ?? ''}\u0000${dir}\u0000${key}`;

function entryTags(e: KeyEntry): string[] {
  const out: string[] = [];
  if (e.requestKey) out.push(keyTag(e.sessionId, 'q', e.requestKey));
  if (e.responseKey) out.push(keyTag(e.sessionId, 's', e.responseKey));
  return out;
}

/** What `next` holds that `prev` did not: keys only (a changed label, AAD note or private-key flag decrypts nothing). */
export function keyringDelta(prev: KeyringSnapshot | undefined, next: KeyringSnapshot): KeyringDelta {
  const known = new Set((prev?.entries ?? []).flatMap(entryTags));
  const knownCandidates = new Set((prev?.candidates ?? []).map((c) => c.key));
  const sessions = new Set<string>();
  const looseEntries: KeyEntry[] = [];
  for (const e of next.entries) {
    if (!entryTags(e).some((t) => !known.has(t))) continue;
    if (e.sessionId !== undefined) sessions.add(e.sessionId);
    else looseEntries.push(e);
  }
  const looseCandidates = next.candidates.filter((c) => !knownCandidates.has(c.key));
  if (looseEntries.length === 0 && looseCandidates.length === 0) return { sessions };
  return { sessions, loose: { entries: looseEntries, candidates: looseCandidates, wraps: 0, hasPrivateKey: false } };
}

export function isEmptyDelta(d: KeyringDelta): boolean {
  return d.sessions.size === 0 && !d.loose;
}

const failedWith = (s: DecryptedSide, code: ErrorCode) => s.status === 'failed' && s.error?.code === code;

export function hasNoKey(d: Pick<DecryptedExchange, 'request' | 'response'>): boolean {
  return failedWith(d.request, 'NO_KEY') || failedWith(d.response, 'NO_KEY');
}

/** Rows only the panel holds: the worker's buffer has the hook's rows, and re-decrypts those itself. */
export function panelOwned(row: Pick<Row, 'origin'>): boolean {
  return row.origin !== 'hook';
}

export type RetryReason = 'session' | 'loose';

/** Why `d` could decrypt now, if it could. */
export function retryReason(d: DecryptedExchange, delta: KeyringDelta): RetryReason | undefined {
  const noKey = hasNoKey(d);
  if (d.sessionId !== undefined && delta.sessions.has(d.sessionId)) {
    if (noKey || failedWith(d.request, 'AEAD_AUTH_FAILED') || failedWith(d.response, 'AEAD_AUTH_FAILED')) return 'session';
  }
  if (delta.loose && noKey) return 'loose';
  return undefined;
}

export interface RetryPick {
  id: string;
  reason: RetryReason;
  /** The row's data when picked: the update is dropped if the store moved on (cleared, re-sent). */
  before: DecryptedExchange;
}

/** The panel-owned rows a keyring delta may decrypt, in list order. */
export function selectRetries(rows: readonly Row[], delta: KeyringDelta): RetryPick[] {
  if (isEmptyDelta(delta)) return [];
  const out: RetryPick[] = [];
  for (const r of rows) {
    if (!panelOwned(r) || r.summary.verdict !== 'failed') continue;
    const reason = retryReason(r.data, delta);
    if (reason) out.push({ id: r.data.exchange.id, reason, before: r.data });
  }
  return out;
}

/** Consecutive slices of at most `size`. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const n = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

const sideKey = (s: DecryptedSide) => `${s.status}|${s.error?.code ?? ''}|${s.keySource ?? ''}`;

/**
 * The row to show after a retry, or undefined when nothing the user sees changed (same status and
 * error code per side: a row that still fails keeps its coded error and is not re-rendered). A side
 * that was decrypted stays decrypted: a retry only adds (a probe with only the new keys cannot open a
 * side the old keys opened, and must not un-decrypt it).
 */
export function retryOutcome(before: DecryptedExchange, after: DecryptedExchange): DecryptedExchange | undefined {
  const keepRequest = before.request.status === 'decrypted' && after.request.status !== 'decrypted';
  const keepResponse = before.response.status === 'decrypted' && after.response.status !== 'decrypted';
  const merged: DecryptedExchange = {
    ...before, // fields a local decrypt does not produce (the worker's annotations) stay
    ...after,
    request: keepRequest ? before.request : after.request,
    response: keepResponse ? before.response : after.response,
  };
  if (keepResponse) {
    if (before.responseCode !== undefined) merged.responseCode = before.responseCode;
    else delete merged.responseCode;
    if (before.follow) merged.follow = before.follow;
    else delete merged.follow;
  }
  if (merged.sessionId === undefined && before.sessionId !== undefined) merged.sessionId = before.sessionId;
  const same = sideKey(merged.request) === sideKey(before.request) && sideKey(merged.response) === sideKey(before.response);
  return same ? undefined : merged;
}

/** True when the retry opened a side that had failed with NO_KEY. */
export function opensMore(before: DecryptedExchange, after: DecryptedExchange): boolean {
  return (failedWith(before.request, 'NO_KEY') && after.request.status === 'decrypted') || (failedWith(before.response, 'NO_KEY') && after.response.status === 'decrypted');
}

// ── the driver ───────────────────────────────────────────────────────────────────────────────────

export interface RedecryptDeps {
  /** The store's rows now, and one by exchange id. */
  rows(): readonly Row[];
  row(exchangeId: string): Row | undefined;
  upsert(list: DecryptedExchange[]): void;
  /** A decryptor with a keyring built from `snapshot`, for one pass (trial successes carry over between its rows). */
  local(snapshot: KeyringSnapshot): (list: CapturedExchange[]) => Promise<DecryptedExchange[]>;
  /** The worker's decryptBatch, for rows the local keyring still found no key for. */
  worker(list: CapturedExchange[]): Promise<DecryptedExchange[]>;
  /** Gives the event loop a turn between chunks (paint, input). Default: one macrotask. */
  yieldNow?(): Promise<void>;
  /** Rows per chunk (default 200). */
  chunkSize?: number;
  /** Called with the rows replaced by a pass chunk (before → after). */
  onReplaced?(changes: Array<{ before: DecryptedExchange; after: DecryptedExchange }>): void;
}

export interface Redecryptor {
  /** A keyring push (or any fresh snapshot): rows that its new keys may open are tried again. */
  keyring(next: KeyringSnapshot): void;
  /**
   * Rows decrypted with an older snapshot than the current one (a HAR import that ran while keys
   * arrived) catch up: what the current keyring holds beyond `old` is tried on them.
   */
  since(old: KeyringSnapshot | undefined): void;
  /** Resolves when no pass is running or queued (tests). */
  idle(): Promise<void>;
  stop(): void;
}


export function createRedecryptor(deps: RedecryptDeps): Redecryptor {
  const size = deps.chunkSize ?? 200;
  const yieldNow = deps.yieldNow ?? macrotask;
  // Two snapshots are the whole queue: rows were tried with every key up to `done`; `latest` is the
  // newest push. A pass covers the keys between them; pushes during a pass only move `latest`.
  let latest: KeyringSnapshot | undefined;
  let done: KeyringSnapshot | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const kick = () => {
    if (running || stopped || !latest || latest === done) return;
    // A failing retry must not become an unhandled rejection; the next keyring change tries again.
    running = loop()
      .catch((e) => console.warn('keyhole: re-decrypting rows failed', e))
      .finally(() => {
        running = undefined;
        kick();
      });
  };

  const loop = async () => {
    while (!stopped && latest && latest !== done) {
      const from = done;
      done = latest;
      const delta = keyringDelta(from, done);
      if (!isEmptyDelta(delta)) await pass(delta, done);
    }
  };

  /** Replaces rows whose store entry is still the one picked (a cleared list or a newer push wins). */
  const apply = (updates: Array<{ pick: RetryPick; after: DecryptedExchange }>) => {
    const live = updates.filter((u) => deps.row(u.pick.id)?.data === u.pick.before);
    if (live.length === 0) return;
    deps.upsert(live.map((u) => u.after));
    deps.onReplaced?.(live.map((u) => ({ before: u.pick.before, after: u.after })));
  };

  const pass = async (delta: KeyringDelta, target: KeyringSnapshot) => {
    const picks = selectRetries(deps.rows(), delta);
    if (picks.length === 0) return;
    const full = deps.local(target);
    const probe = delta.loose ? deps.local(delta.loose) : undefined;
    const toWorker: RetryPick[] = [];
    for (const part of chunks(picks, size)) {
      if (stopped) return;
      const bySession = part.filter((p) => p.reason === 'session');
      const byTrial = part.filter((p) => p.reason === 'loose');
      const [fullOut, probeOut] = await Promise.all([
        bySession.length ? full(bySession.map((p) => p.before.exchange)) : [],
        byTrial.length && probe ? probe(byTrial.map((p) => p.before.exchange)) : [],
      ]);
      const updates: Array<{ pick: RetryPick; after: DecryptedExchange }> = [];
      bySession.forEach((pick, i) => {
        const after = retryOutcome(pick.before, fullOut[i]);
        const now = after ?? pick.before;
        if (after) updates.push({ pick, after });
        if (target.wraps > 0 && hasNoKey(now)) toWorker.push({ ...pick, before: now });
      });
      byTrial.forEach((pick, i) => {
        if (!opensMore(pick.before, probeOut[i])) return;
        const after = retryOutcome(pick.before, probeOut[i]);
        if (after) updates.push({ pick, after });
      });
      apply(updates);
      await yieldNow();
    }
    for (const part of chunks(toWorker, DECRYPT_BATCH_MAX)) {
      if (stopped) return;
      const live = part.filter((p) => deps.row(p.id)?.data === p.before);
      if (live.length === 0) continue;
      const again = await deps.worker(live.map((p) => p.before.exchange)).catch(() => undefined);
      if (!again) return; // the worker is restarting: the next keyring push (it re-sends one) retries
      const updates: Array<{ pick: RetryPick; after: DecryptedExchange }> = [];
      live.forEach((pick, i) => {
        const after = again[i] && retryOutcome(pick.before, again[i]);
        if (after) updates.push({ pick, after });
      });
      apply(updates);
      await yieldNow();
    }
  };

  return {
    keyring(next) {
      latest = next;
      kick();
    },
    since(old) {
      // The next pass starts from `old`: a superset of what those rows lack, which is harmless.
      if (!latest) return;
      done = old;
      kick();
    },
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
    },
  };
}
