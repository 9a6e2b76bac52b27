/**
 * Creating a session from a token pair: pasted (popup), followed from the inspected page, or handed back
 * by a sign-in. One refresh token lives in one session only (see `adopt`).
 */
import { KeyholeError } from '../../protocol/errors';
import { accessTokenExpiry } from '../../protocol/jwt';
import type { SessionRecord } from '../../domain/session';
import type { SessionView } from '../../messaging/popup-rpc';
import { accessClaims } from './token-claims';
import type { EngineCore } from './engine-core';

/** SerialQueue key for adopting (session keys are 16 hex characters, so it cannot collide). */
const ADOPT_QUEUE = 'adopt:';

export interface AdoptInput {
  envId: string;
  refreshToken: string;
  accessToken?: string;
  expiresIn?: number;
  label?: string;
  source?: 'adopted' | 'followed';
  /** The X-Client-Hash the page sent with the exchange that carried the pair (followed sessions). */
  clientHash?: string;
}

export type NewSession = Pick<SessionRecord, 'envId' | 'source' | 'refreshToken'> & Partial<SessionRecord>;

export class Adopter {
  constructor(private readonly c: EngineCore) {}

  /**
   * Paste a refresh token (and maybe an access token) for an environment.
   *
   * A refresh token is single use (§11), so one token must live in one session only: two sessions
   * holding it would both send it, and the second send is a reuse that revokes the family (§12). So:
   * - a token an existing session holds (current, or in its in-flight marker) returns that session,
   *   taking the given access token if it is newer than the one stored;
   * - a token a session already rotated away from (spentRefreshTokens) is refused: it is dead.
   * Check and insert run on one queue so two adopts of one token at once (double click, Follow twice)
   * cannot both miss each other.
   */
  async adopt(input: AdoptInput): Promise<SessionView> {
    await this.c.env(input.envId);
    await this.c.clientHash();
    return this.c.refresher.queue.run(ADOPT_QUEUE, () => this.adoptOnce(input));
  }

  private async adoptOnce(input: AdoptInput): Promise<SessionView> {
    const sessions = await this.c.stores.sessions();
    const token = input.refreshToken;
    const holder = sessions.find((s) => s.record.refreshToken === token || s.record.inflight?.refreshToken === token);
    if (holder) return this.adoptInto(holder.record.key, input);
    if (sessions.some((s) => s.record.spentRefreshTokens?.includes(token))) {
      throw new KeyholeError('REFRESH_REJECTED', 'this refresh token was already rotated');
    }
    const accessExpiresAt = input.accessToken ? this.adoptedExpiry(input.accessToken, input.expiresIn) : undefined;
    return this.addSession({
      envId: input.envId,
      source: input.source ?? 'adopted',
      refreshToken: input.refreshToken,
      ...(input.accessToken ? { accessToken: input.accessToken } : {}),
      ...(accessExpiresAt !== undefined ? { accessExpiresAt } : {}),
      ...(input.label ? { label: input.label } : {}),
      // The family is bound to the hash it was created with (§12): keep a page's hash that is not ours.
      ...(input.clientHash && input.clientHash !== this.c.hash ? { clientHash: input.clientHash } : {}),
    });
  }

  /** The session `key` already holds the adopted token: keep it, and take a newer access token. */
  private async adoptInto(key: string, input: { refreshToken: string; accessToken?: string; expiresIn?: number }): Promise<SessionView> {
    // On the session's own queue: a refresh of it that is running finishes first (no lost update).
    const rec = await this.c.refresher.queue.run(key, async () => {
      const cur = await this.c.stores.session(key);
      if (!cur) throw new KeyholeError('SESSION_DEAD', 'sessions: no such session');
      const r = cur.record;
      // Rotated meanwhile, or the token is in a flight: the pasted access token is not newer than ours.
      if (r.refreshToken !== input.refreshToken || r.inflight || !input.accessToken || input.accessToken === r.accessToken) return r;
      const exp = this.adoptedExpiry(input.accessToken, input.expiresIn);
      const newer = r.accessToken === undefined || (exp !== undefined && (r.accessExpiresAt === undefined || exp > r.accessExpiresAt));
      if (!newer) return r;
      const next: SessionRecord = {
        ...r,
        ...accessClaims(input.accessToken),
        accessToken: input.accessToken,
        accessExpiresAt: exp,
      };
      await this.c.stores.putSession(next, cur.area);
      await this.c.afterChange(next);
      return next;
    });
    return this.c.view(rec, await this.c.stores.environments());
  }

  /** Expiry of an access token handed in with a pasted/followed refresh token (undefined: unknown → refresh at once). */
  private adoptedExpiry(accessToken: string, expiresIn: number | undefined): number | undefined {
    let at: number | undefined;
    try {
      at = accessTokenExpiry(accessToken, expiresIn ?? 0, this.c.now());
    } catch {
      return undefined;
    }
    // Without `exp` and without expiresIn the expiry is unknown: refresh at once (schedule.ts).
    return expiresIn === undefined && at <= this.c.now() ? undefined : at;
  }

  /** Stores a new session in the area "Remember sessions" selects, and schedules its refresh. */
  async addSession(p: NewSession): Promise<SessionView> {
    const now = this.c.now();
    const rec: SessionRecord = {
      key: globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16),
      createdAt: now,
      status: 'active',
      failures: 0,
      ...accessClaims(p.accessToken),
      ...p,
    };
    // On the settings queue: a "Remember sessions" move running now finishes first, so the area read
    // here is the one the move leaves every session in.
    await this.c.settingsQueue(async () => this.c.stores.putSession(rec, await this.c.area()));
    await this.c.afterChange(rec);
    return this.c.view(rec, await this.c.stores.environments());
  }
}
