/**
 * Pure record transitions for a refresh attempt. Each returns the complete next record, so the engine
 * stores every outcome — new pair, marker cleared, status — in one write.
 *
 * The key question for every failure is "could the server have consumed the refresh token?":
 * - The server answered a plain refusal that it gives *before* decrypting the body (§12 "encrypted vs
 *   plain errors": rate limit, unknown SC session, bad payload, gateway headers) or refused the request
 *   as such (fingerprint, validation): the token was provably not consumed and may be sent again later.
 * - REFRESH_REJECTED: the token is dead; never sent again.
 * - Anything else after the token left (network error, timeout, 5xx, unreadable answer): the outcome is
 *   unknown. Re-sending could present a spent token (reuse detection would revoke the family), so the
 *   session is marked `interrupted` and never retried with it.
 */
import { isKeyholeError, type ErrorCode } from '../../protocol/errors';
import { backoffDelay, DEFAULT_RETRY_AFTER_MS } from './backoff';
import { SPENT_TOKENS_KEPT, type SessionRecord } from '../../domain/session';
import type { TokenPair } from './env-client';
import { accessClaims } from './token-claims';

/** Server answers that prove the refresh token was not consumed. */
const UNSPENT_CODES = new Set<ErrorCode>([
  'RATE_LIMITED',
  'SC_SESSION_NOT_FOUND',
  'SC_INVALID_PAYLOAD',
  'PERMISSION_DENIED',
  'TOKEN_MISSING',
  'FINGERPRINT_MISMATCH',
  'VALIDATION_FAILED',
]);

/** True when a refusal with this Keyhole code proves the refresh token was not consumed. */
export function provesUnspent(code: string | undefined): boolean {
  return code !== undefined && UNSPENT_CODES.has(code as ErrorCode);
}

/** `list` plus `token` (once, newest last), bounded to the last SPENT_TOKENS_KEPT. */
export function withSpent(list: readonly string[] | undefined, token: string): string[] {
  return [...(list ?? []).filter((t) => t !== token), token].slice(-SPENT_TOKENS_KEPT);
}

type KeyholeSpent = NonNullable<SessionRecord['keyholeSpent']>;

/**
 * SessionRecord.keyholeSpent plus the token `rec` just presented (its in-flight marker), stamped with
 * when it left: a page exchange answered before that cannot have been burnt by Keyhole.
 */
function withKeyholeSpent(rec: SessionRecord, at: number): KeyholeSpent {
  const token = rec.inflight?.refreshToken ?? rec.refreshToken;
  const sentAt = rec.inflight?.startedAt ?? at;
  return [...(rec.keyholeSpent ?? []).filter((e) => e.token !== token), { token, at: sentAt }].slice(-SPENT_TOKENS_KEPT);
}

export function errorInfo(e: unknown): { code: string; message: string; retryAfterMs?: number } {
  if (isKeyholeError(e)) {
    return { code: e.code, message: String(e.message).slice(0, 300), ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
  }
  return { code: 'SERVER_ERROR', message: e instanceof Error ? e.message.slice(0, 300) : 'unknown error' };
}

/** The new pair replaces the old one; marker cleared; failures reset. */
export function rotated(rec: SessionRecord, pair: TokenPair, at: number): SessionRecord {
  const claims = accessClaims(pair.accessToken);
  return {
    ...rec,
    accessToken: pair.accessToken,
    accessExpiresAt: pair.accessExpiresAt,
    refreshToken: pair.refreshToken,
    // The token just rotated away from is dead: remember it so nobody adopts a copy of it later, and
    // that Keyhole spent it (a page presenting it afterwards revokes the family: engine notePageReuse).
    ...(pair.refreshToken !== rec.refreshToken
      ? { spentRefreshTokens: withSpent(rec.spentRefreshTokens, rec.refreshToken), keyholeSpent: withKeyholeSpent(rec, at) }
      : {}),
    ...claims,
    status: 'active',
    retryAt: undefined,
    revocation: undefined,
    failures: 0,
    lastRefresh: { at, ok: true },
    refreshedAt: at,
    inflight: undefined,
  };
}

/** A failure that did not spend the token: 429 waits for Retry-After, the rest back off (bounded). */
export function notSpent(rec: SessionRecord, e: unknown, at: number): SessionRecord {
  const info = errorInfo(e);
  const base = { ...rec, inflight: undefined, lastRefresh: { at, ok: false, code: info.code, message: info.message } };
  if (info.code === 'RATE_LIMITED') {
    return { ...base, status: 'waiting', retryAt: at + (info.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) };
  }
  const failures = rec.failures + 1;
  const delay = backoffDelay(failures);
  return delay === undefined
    ? { ...base, failures, status: 'active', retryAt: undefined } // budget spent: the user decides
    : { ...base, failures, status: 'waiting', retryAt: at + delay };
}

/** The refresh request was sent and did not come back with a new pair. */
export function afterSend(rec: SessionRecord, e: unknown, at: number): SessionRecord {
  const info = errorInfo(e);
  if (info.code === 'REFRESH_REJECTED') {
    return { ...rec, inflight: undefined, status: 'rejected', retryAt: undefined, lastRefresh: { at, ok: false, code: info.code, message: info.message } };
  }
  if (UNSPENT_CODES.has(info.code as ErrorCode)) return notSpent(rec, e, at);
  return interrupted(rec, at, info.code, info.message);
}

/** Outcome unknown: keep the session (its access token may still work) but never re-send the token. */
export function interrupted(rec: SessionRecord, at: number, code = 'SESSION_DEAD', message = 'refresh interrupted; the refresh token may have been spent'): SessionRecord {
  return {
    ...rec,
    inflight: undefined,
    status: 'interrupted',
    retryAt: undefined,
    lastRefresh: { at, ok: false, code, message },
    // Keyhole may have spent it: a page presenting it later and refused is most likely the reuse (§12).
    keyholeSpent: withKeyholeSpent(rec, at),
  };
}
