/**
 * What the page's own login and refresh calls mean for sessions Keyhole follows (§11 single-use refresh
 * tokens, §12 reuse detection): a page rotation moves Keyhole's copy to the new pair; a page presenting a
 * token Keyhole already spent revokes the family; Follow refuses a pair the page already spent.
 *
 * The page can forge any exchange it reports (issue #10 item 5), so a captured refresh changes a session
 * only when all of these hold:
 *  - both sides were decrypted (the gateway refuses plaintext refreshes, and its refusals after decryption
 *    are encrypted, §12): a plaintext "answer" is something the page wrote, not the gateway;
 *  - the API base belongs to an environment the tab's origin may talk to (`apiAllowed`: the environment's
 *    own origin, or a site the user listed under "Capture on these sites");
 *  - for a rotation, the new access token's `sub` is the followed session's (checked by the engine).
 */
import { apiBaseOf } from '../../inspect/classify';
import type { DecryptedExchange, ExchangeConflict } from '../../inspect/decrypt-exchange';
import { errorFromResponse } from '../../protocol/server-errors';
import { provesUnspent } from '../sessions/refresh-outcome';

export interface SessionsBridge {
  listOwnScSessions(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; envId: string }>>;
  adoptSession(input: { apiBase: string; accessToken?: string; refreshToken: string; expiresIn?: number; label?: string; clientHash?: string }): Promise<{ sessionKey: string }>;
  notePageRotation(input: { apiBase: string; oldRefreshToken: string; accessToken: string; refreshToken: string; expiresIn: number }): Promise<boolean>;
  /** The page presented `refreshToken` in a refresh answered at `answeredAt`: the session Keyhole spent it for (now revoked), if any. */
  notePageReuse(input: { apiBase: string; refreshToken: string; answeredAt: number; exchangeId?: string }): Promise<{ sessionKey: string; label: string } | undefined>;
  /** Keyhole's records on a refresh token a resend would present (issue #9); optional so older fakes fit. */
  /** Keyhole's own SC sessions as Compose targets (issue #9). */
  composeTargets?(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; apiBase: string; envName: string; headers: Record<string, string>; accounts: Array<{ label: string; accessToken: string }> }>>;
  refreshTokenState?(refreshToken: string): Promise<{ state: 'spent' | 'current' | 'unknown'; label?: string; sessionKey?: string; followed?: boolean }>;
}

/** May a page of `pageOrigin` speak for `apiBase`? Undefined origin (HAR, DevTools rows): never. */
export type ApiAllowed = (pageOrigin: string | undefined, apiBase: string) => Promise<boolean>;

export class PageRefreshes {
  /** Exchange ids whose rotation was reported (pruned with the buffer: forget()). */
  private rotationNoted = new Set<string>();
  /** Conflicts found per exchange id: once flagged, re-decryptions keep the flag without asking the engine. */
  private reuseNoted = new Map<string, ExchangeConflict>();

  constructor(
    private readonly sessions: SessionsBridge | undefined,
    private readonly apiAllowed: ApiAllowed,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** An exchange left the buffer. */
  forget(id: string): void {
    this.rotationNoted.delete(id);
    this.reuseNoted.delete(id);
  }

  /** Sizes, for tests of the pruning. */
  sizes(): { rotationNoted: number; reuseNoted: number } {
    return { rotationNoted: this.rotationNoted.size, reuseNoted: this.reuseNoted.size };
  }

  async note(d: DecryptedExchange): Promise<void> {
    if (!this.sessions || d.kind !== 'refresh' || !bothDecrypted(d)) return;
    await this.noteRotation(d, this.sessions);
    await this.noteReuse(d, this.sessions);
  }

  /**
   * The page refreshed a session (§11: single-use refresh tokens). If Keyhole follows that session,
   * its copy must move to the new pair now, or the next Keyhole refresh would replay a burnt token
   * and revoke the family (§12 reuse detection). Done once per exchange, DevTools open or not.
   */
  private async noteRotation(d: DecryptedExchange, sessions: SessionsBridge): Promise<void> {
    if (!d.follow || this.rotationNoted.has(d.exchange.id)) return;
    const req = d.request.json as { refreshToken?: unknown } | undefined;
    const data = tokenPairOf(d);
    if (typeof req?.refreshToken !== 'string' || typeof data?.accessToken !== 'string' || typeof data.refreshToken !== 'string') return;
    this.rotationNoted.add(d.exchange.id);
    try {
      if (!(await this.apiAllowed(d.exchange.pageOrigin, d.follow.apiBase))) return;
      await sessions.notePageRotation({
        apiBase: d.follow.apiBase,
        oldRefreshToken: req.refreshToken,
        accessToken: data.accessToken,
        refreshToken: data.refreshToken,
        expiresIn: typeof data.expiresIn === 'number' ? data.expiresIn : 3600,
      });
    } catch (e) {
      this.onError(e);
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
  private async noteReuse(d: DecryptedExchange, sessions: SessionsBridge): Promise<void> {
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
        if (!(await this.apiAllowed(d.exchange.pageOrigin, apiBase))) return;
        const hit = await sessions.notePageReuse({
          apiBase,
          refreshToken: token,
          answeredAt: d.exchange.startedAt + (d.exchange.durationMs ?? 0),
          exchangeId: id,
        });
        if (!hit) return; // no match (yet): asked again if this exchange is decrypted again
        conflict = reuseConflict(hit);
      } catch (e) {
        this.onError(e);
        return;
      }
      this.reuseNoted.set(id, conflict);
    }
    d.conflict = conflict;
  }
}

function bothDecrypted(d: DecryptedExchange): boolean {
  return d.request.status === 'decrypted' && d.response.status === 'decrypted';
}

export function tokenPairOf(d: DecryptedExchange): { accessToken?: unknown; refreshToken?: unknown; expiresIn?: unknown } | undefined {
  return (d.response.json as { data?: { accessToken?: unknown; refreshToken?: unknown; expiresIn?: unknown } } | undefined)?.data ?? undefined;
}

/**
 * True when `d` is a refresh request that presented `token` and was not refused in a way that proves
 * the token unspent. An unknown outcome (network error, unreadable answer) counts as spent: re-sending
 * it could be a reuse.
 */
export function spendsToken(d: DecryptedExchange, token: string): boolean {
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
