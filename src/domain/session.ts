/**
 * Session records as the worker stores them, and the statuses every screen shows (pure, no chrome.*).
 * Every storage read goes through these schemas: a bad entry is dropped, never crashes the worker.
 * Storage layout: src/background/sessions/index.ts.
 */
import * as z from '../protocol/zod';

/**
 * The persisted single-flight marker: set in the same record, in one write, right before the refresh
 * request carrying `refreshToken` leaves; cleared by the write that records the outcome. A worker that
 * finds it without owning the flight knows a previous worker died with the token possibly spent.
 */
export const InflightMarker = z.object({
  refreshToken: z.string().check(z.minLength(1)),
  startedAt: z.number(),
  worker: z.string(),
});
export type InflightMarker = z.infer<typeof InflightMarker>;

/**
 * - `active`: refreshable;
 * - `rejected`: the server refused the refresh token (REFRESH_REJECTED) — never retried with it;
 * - `interrupted`: a refresh died with the token possibly spent — never re-sent (see refresh-engine.ts);
 * - `waiting`: a retry is scheduled at `retryAt` (429 Retry-After, or backoff after a failure that
 *   provably did not spend the token);
 * - `revoked`: Keyhole learnt, without refreshing, that the token family is gone — `revocation` says
 *   how (e.g. the inspected page presented a refresh token Keyhole had spent: reuse detection, §12).
 */
export const SessionStatus = z.enum(['active', 'rejected', 'interrupted', 'waiting', 'revoked']);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Statuses Keyhole never refreshes again (no alarm, no badge, Refresh disabled): only a new sign-in helps. */
export function isDeadStatus(s: SessionStatus): boolean {
  return s === 'rejected' || s === 'interrupted' || s === 'revoked';
}

/**
 * Why a session is `revoked`. Codes (extend only by adding):
 * - `PAGE_REUSED_SPENT_TOKEN`: the inspected page sent, in its own refresh, a refresh token Keyhole had
 *   already spent for this (followed) session; under reuse detection the gateway revokes the whole token
 *   family, Keyhole's newer pair included (§11 single use, §12). Recovery: sign in again on the page,
 *   then Follow again.
 */
export const REVOCATION_CODES = ['PAGE_REUSED_SPENT_TOKEN'] as const;
export const Revocation = z.object({
  at: z.number(),
  code: z.enum(REVOCATION_CODES),
  message: z.string().check(z.maxLength(500)),
  /** The captured exchange that showed it (panel row), when known. */
  exchangeId: z.optional(z.string().check(z.maxLength(200))),
});
export type Revocation = z.infer<typeof Revocation>;

export const LastRefresh = z.object({
  at: z.number(),
  ok: z.boolean(),
  code: z.optional(z.string().check(z.maxLength(64))),
  message: z.optional(z.string().check(z.maxLength(500))),
});
export type LastRefresh = z.infer<typeof LastRefresh>;

/** How many spent refresh tokens a session remembers (SessionRecord.spentRefreshTokens). */
export const SPENT_TOKENS_KEPT = 5;

export const SessionRecord = z.object({
  key: z.string().check(z.minLength(1), z.maxLength(64)),
  envId: z.string().check(z.minLength(1)),
  label: z.optional(z.string().check(z.maxLength(100))),
  source: z.enum(['signin', 'adopted', 'followed']),
  createdAt: z.number(),
  accessToken: z.optional(z.string()),
  accessExpiresAt: z.optional(z.number()),
  refreshToken: z.string().check(z.minLength(1)),
  refreshExpiresAt: z.optional(z.number()),
  sub: z.optional(z.string()),
  sid: z.optional(z.string()),
  status: SessionStatus,
  retryAt: z.optional(z.number()),
  /** Consecutive failures that did not spend the token (network during handshake, offline): drives backoff. */
  failures: z._default(z.int().check(z.gte(0)), 0),
  lastRefresh: z.optional(LastRefresh),
  /** Last successful refresh (for "last refreshed" and burst coalescing). */
  refreshedAt: z.optional(z.number()),
  inflight: z.optional(InflightMarker),
  /**
   * The last few refresh tokens this session rotated away from (oldest first, at most SPENT_TOKENS_KEPT):
   * a pasted or followed copy of one of them is refused instead of becoming a session that would
   * present a spent token (reuse detection revokes the family, §12). Never leaves the worker.
   */
  spentRefreshTokens: z.optional(z.array(z.string().check(z.minLength(1)))),
  /**
   * The refresh tokens Keyhole itself presented in a refresh that consumed them (rotated) or may have
   * (interrupted), with when each left (the in-flight marker's time); oldest first, at most
   * SPENT_TOKENS_KEPT. Tokens the page rotated itself are not here. If the inspected page later presents
   * one of these, the page's copy was burnt by Keyhole and the family is revoked (§12): the capture hub
   * flags that exchange and the session becomes `revoked` (engine.ts notePageReuse). Never leaves the worker.
   */
  keyholeSpent: z.optional(z.array(z.object({ token: z.string().check(z.minLength(1)), at: z.number() }))),
  /** Set with status `revoked`. */
  revocation: z.optional(Revocation),
  /**
   * The X-Client-Hash this session's token family is bound to, when it is not this profile's own: a
   * session followed from a page that sends its own device fingerprint. The gateway checks the family's
   * fingerprint on refresh and logout (§12), so Keyhole must present the page's hash — over an SC session
   * created with that hash, since SC sessions are bound to it too. Absent: the profile's hash.
   */
  clientHash: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
});
export type SessionRecord = z.infer<typeof SessionRecord>;
