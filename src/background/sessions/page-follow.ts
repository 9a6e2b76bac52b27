/**
 * The capture hub's hooks into the session engine (docs/contracts.md, sessions/index.ts): Keyhole's own
 * SC keys for the keyring, "Follow in Keyhole", and what the inspected page's own refreshes tell us about
 * a followed session (it rotated the pair; it reused a token Keyhole had spent).
 */
import { accessTokenExpiry } from '../../protocol/jwt';
import { newEnvId, parseEnvironment, sameApiBase, type Environment } from '../../domain/environment';
import { isDeadStatus, type SessionRecord } from '../../domain/session';
import { buildGatewayHeaders } from '../../protocol/headers';
import { accessClaims } from './token-claims';
import { interrupted, withSpent } from './refresh-outcome';
import type { Adopter } from './adopt';
import type { EngineCore } from './engine-core';

/** How a session is named to the user outside the popup (panel): environment, then account. */
function sessionLabel(rec: SessionRecord, env: Environment): string {
  const who = rec.label ?? rec.sub;
  return who ? `${env.name} (${who})` : env.name;
}

export class PageFollow {
  constructor(
    private readonly c: EngineCore,
    private readonly adopter: Adopter,
  ) {}

  async listOwnScSessions(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; envId: string }>> {
    return (await this.c.stores.scStates()).map(({ envId, state }) => ({
      sessionId: state.sessionId,
      requestKey: state.requestKey,
      responseKey: state.responseKey,
      envId,
    }));
  }

  /** "Follow in Keyhole": find or create the environment for `apiBase`, then store the pair. */
  async adoptFromPage(input: { apiBase: string; accessToken?: string; refreshToken: string; expiresIn?: number; label?: string; clientHash?: string }): Promise<{ sessionKey: string }> {
    const env = await this.ensureEnvironment(input.apiBase, input.label);
    const view = await this.adopter.adopt({ ...input, envId: env.id, source: 'followed' });
    return { sessionKey: view.key };
  }

  /** The inspected page refreshed a followed session itself: replace our copy in one write. */
  async notePageRotation(input: { apiBase: string; oldRefreshToken: string; accessToken: string; refreshToken: string; expiresIn: number }): Promise<boolean> {
    const envs = await this.c.stores.environments();
    const sessions = await this.c.stores.sessions();
    const match = sessions.find(
      (s) => s.record.refreshToken === input.oldRefreshToken && envs.some((e) => e.id === s.record.envId && sameApiBase(e.apiBase, input.apiBase)),
    );
    if (!match) return false;
    return this.c.refresher.queue.run(match.record.key, async () => {
      const cur = await this.c.stores.session(match.record.key);
      if (!cur || cur.record.refreshToken !== input.oldRefreshToken) return false;
      // Another account's pair is never taken for this session (issue #10): when the session's `sub` is
      // known, the page's new access token must name the same one.
      if (cur.record.sub !== undefined && accessClaims(input.accessToken).sub !== cur.record.sub) return false;
      const now = this.c.now();
      let accessExpiresAt: number;
      try {
        accessExpiresAt = accessTokenExpiry(input.accessToken, input.expiresIn, now);
      } catch {
        accessExpiresAt = now + input.expiresIn * 1000;
      }
      const next: SessionRecord = {
        ...cur.record,
        ...accessClaims(input.accessToken),
        accessToken: input.accessToken,
        accessExpiresAt,
        refreshToken: input.refreshToken,
        ...(input.refreshToken !== input.oldRefreshToken ? { spentRefreshTokens: withSpent(cur.record.spentRefreshTokens, input.oldRefreshToken) } : {}),
        // The page's success proves the token was the page's to spend (an interrupted send of ours did not
        // consume it): a later replay of it by the page is not Keyhole's doing (notePageReuse).
        keyholeSpent: cur.record.keyholeSpent?.filter((e) => e.token !== input.oldRefreshToken),
        revocation: undefined,
        status: 'active',
        retryAt: undefined,
        failures: 0,
        inflight: undefined,
        refreshedAt: now,
        lastRefresh: { at: now, ok: true, code: 'PAGE_ROTATION' },
      };
      await this.c.stores.putSession(next, cur.area);
      await this.c.afterChange(next);
      return true;
    });
  }

  /**
   * The inspected page presented, in its own refresh, `refreshToken`, and the gateway did not prove it
   * invalid (capture hub: a decrypted AUTH.REFRESH_TOKEN_INVALID answer, §12). If Keyhole had
   * already spent that token for a session of this API base — rotated it, or sent it in a refresh whose
   * outcome is unknown — before the page's answer came (`answeredAt`), then the page's copy was burnt by
   * Keyhole, the request was a reuse, and the gateway revoked the whole family, Keyhole's newer pair
   * included (§11 single use, §12 reuse detection). Mark that session `revoked` now (its alarm stops)
   * instead of letting its next refresh find out. Nothing is sent anywhere.
   *
   * A refresh of ours still in flight with that token is waited for (the session's queue): its outcome
   * decides. Idempotent: an already revoked session is returned again, unchanged (the hub re-decrypts
   * buffered traffic after a worker restart). Returns the session, or undefined when none matches.
   */
  async notePageReuse(input: { apiBase: string; refreshToken: string; answeredAt: number; exchangeId?: string }): Promise<{ sessionKey: string; label: string } | undefined> {
    const [envs, sessions] = await Promise.all([this.c.stores.environments(), this.c.stores.sessions()]);
    const envOf = (r: SessionRecord) => envs.find((e) => e.id === r.envId && sameApiBase(e.apiBase, input.apiBase));
    const spentByUs = (r: SessionRecord) => r.keyholeSpent?.some((e) => e.token === input.refreshToken && e.at <= input.answeredAt) ?? false;
    const match = sessions.find(
      (s) => envOf(s.record) && (spentByUs(s.record) || (s.record.inflight?.refreshToken === input.refreshToken && s.record.inflight.startedAt <= input.answeredAt)),
    );
    if (!match) return undefined;
    const key = match.record.key;
    return this.c.refresher.queue.run(key, async () => {
      const cur = await this.c.stores.session(key);
      const env = cur && envOf(cur.record);
      if (!cur || !env) return undefined;
      const now = this.c.now();
      // We hold the session's queue, so a marker here is a dead worker's: that send's outcome is unknown,
      // and the token counts as spent by Keyhole at the marker's time (refresh-outcome.ts interrupted).
      const rec = cur.record.inflight ? interrupted(cur.record, now) : cur.record;
      if (!spentByUs(rec)) return undefined;
      const found = { sessionKey: key, label: sessionLabel(rec, env) };
      if (rec.status === 'revoked') return found;
      const next: SessionRecord = {
        ...rec,
        status: 'revoked',
        retryAt: undefined,
        revocation: {
          at: now,
          code: 'PAGE_REUSED_SPENT_TOKEN',
          message: 'the page reused a refresh token Keyhole had already spent; the gateway revokes the whole token family (reuse detection) — sign in again on the page, then Follow again',
          ...(input.exchangeId ? { exchangeId: input.exchangeId.slice(0, 200) } : {}),
        },
      };
      await this.c.stores.putSession(next, cur.area);
      await this.c.afterChange(next); // clears the refresh alarm (schedule.ts) and the badge
      return found;
    });
  }

  /**
   * What Keyhole's records say about a refresh token a hand-made request (the panel's resend or compose,
   * issue #9) is about to present: `spent` when a session rotated away from it (by Keyhole, or the page
   * while followed) or sent it with an unknown outcome; `current` when it is a session's live token (a
   * followed one is then shared with the page). Read only; nothing is sent. Token strings are random, so
   * they are matched across every environment.
   */
  async refreshTokenState(refreshToken: string): Promise<{ state: 'spent' | 'current' | 'unknown'; label?: string; sessionKey?: string; followed?: boolean }> {
    const [envs, sessions] = await Promise.all([this.c.stores.environments(), this.c.stores.sessions()]);
    const named = (r: SessionRecord) => {
      const env = envs.find((e) => e.id === r.envId);
      return { sessionKey: r.key, followed: r.source === 'followed', ...(env && { label: sessionLabel(r, env) }) };
    };
    for (const { record: r } of sessions) {
      if (r.spentRefreshTokens?.includes(refreshToken) || r.keyholeSpent?.some((e) => e.token === refreshToken) || (r.inflight?.refreshToken === refreshToken && r.refreshToken !== refreshToken)) {
        return { state: 'spent', ...named(r) };
      }
    }
    const live = sessions.find((s) => s.record.refreshToken === refreshToken);
    return live ? { state: 'current', ...named(live.record) } : { state: 'unknown' };
  }

  /**
   * Keyhole's own SC sessions as Compose targets (issue #9): the environment's API base, the gateway
   * headers its client sends (§3: mode, X-Client-Hash — the followed session's own where it has one —
   * locale, portal code, Cloudflare simulation in local/test) and the live accounts over it whose access
   * token the user may add as Bearer. Keys included: the panel seals with them (they are in its keyring
   * too). Read only.
   */
  async composeTargets(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; apiBase: string; envName: string; headers: Record<string, string>; accounts: Array<{ label: string; accessToken: string }> }>> {
    const [envs, sessions, states, profileHash] = await Promise.all([this.c.stores.environments(), this.c.stores.sessions(), this.c.stores.scStates(), this.c.clientHash()]);
    return states.flatMap(({ envId, state, clientHash }) => {
      const env = envs.find((e) => e.id === envId);
      if (!env || state.expiresAt <= this.c.now()) return [];
      const hash = clientHash ?? profileHash;
      const { 'X-Request-Id': _, ...headers } = buildGatewayHeaders({
        mode: env.mode,
        clientHash: hash,
        locale: env.language,
        ...(env.portalCode ? { portalCode: env.portalCode } : {}),
        ...(env.mode !== 'production' && env.cf ? { cf: { ip: env.cf.ip, country: env.cf.country, ...(env.cf.ray ? { ray: env.cf.ray } : {}) } } : {}),
      });
      const accounts = sessions
        .map((s) => s.record)
        .filter((r) => r.envId === envId && (r.clientHash ?? profileHash) === hash && !isDeadStatus(r.status) && !!r.accessToken)
        .map((r) => ({ label: sessionLabel(r, env), accessToken: r.accessToken! }));
      return [{ sessionId: state.sessionId, requestKey: state.requestKey, responseKey: state.responseKey, apiBase: env.apiBase.replace(/\/+$/, ''), envName: env.name, headers, accounts }];
    });
  }

  private async ensureEnvironment(apiBase: string, label?: string): Promise<Environment> {
    const envs = await this.c.stores.environments();
    const hit = envs.find((e) => sameApiBase(e.apiBase, apiBase));
    if (hit) return hit;
    const u = new URL(apiBase);
    const local = u.hostname === '127.0.0.1' || u.hostname === 'localhost';
    const env = parseEnvironment({
      id: newEnvId(),
      name: (label ?? u.host).slice(0, 60),
      apiBase,
      portal: 'system',
      mode: local ? 'local' : 'production',
      language: 'en',
    });
    await this.c.stores.saveEnvironments([...envs, env]);
    return env;
  }
}
