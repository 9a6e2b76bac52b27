/**
 * The session engine: every session operation of the service worker, over injected storage, alarms,
 * network client and clock (so the whole engine runs in unit tests with fakes). No state lives only
 * in memory except caches that a fresh worker rebuilds from storage.
 */
import { KeyholeError } from '../../protocol/errors';
import { accessTokenExpiry } from '../../protocol/jwt';
import type { Alarms, StorageAreas } from './storage-area';
import { Stores, type AreaName } from './stores';
import { ClientPool, type EnvClient } from './env-client';
import type { ScStateStore } from '../../client/secure-channel';
import { DEFAULT_ENV_ID, type Environment, type Settings } from '../../domain/environment';
import { type SessionRecord } from '../../domain/session';
import { RefreshEngine, type RefreshTrigger } from './refresh-engine';
import { alarmName, BADGE_ALARM, isDue, keyOfAlarm, nextRefreshAt } from './schedule';
import { badgeFor, type Badge } from './badge';
import { accessClaims } from './token-claims';
import { newEnvId, parseEnvironment, sameApiBase } from '../../domain/environment';
import { toView } from '../../domain/session-view';
import { interrupted, withSpent } from './refresh-outcome';
import type { PopupState, SessionView } from '../../messaging/popup-rpc';

/** How a session is named to the user outside the popup (panel): environment, then account. */
function sessionLabel(rec: SessionRecord, env: Environment): string {
  const who = rec.label ?? rec.sub;
  return who ? `${env.name} (${who})` : env.name;
}

/** SerialQueue key for adopting (session keys are 16 hex characters, so it cannot collide). */
const ADOPT_QUEUE = 'adopt:';

interface AdoptInput {
  envId: string;
  refreshToken: string;
  accessToken?: string;
  expiresIn?: number;
  label?: string;
  source?: 'adopted' | 'followed';
  /** The X-Client-Hash the page sent with the exchange that carried the pair (followed sessions). */
  clientHash?: string;
}

export interface EngineDeps {
  areas: StorageAreas;
  alarms: Alarms;
  createClient(env: Environment, ctx: { clientHash: string; store: ScStateStore; now: () => number }): EnvClient;
  now?: () => number;
  workerId?: string;
  isOnline?: () => boolean;
  setBadge?: (b: Badge) => Promise<void> | void;
  version?: string;
}

export class SessionEngine {
  readonly stores: Stores;
  readonly refresher: RefreshEngine;
  private readonly now: () => number;
  private readonly pool: ClientPool;
  private clientHashP: Promise<string> | undefined;
  private hash: string | undefined;

  constructor(private readonly d: EngineDeps) {
    this.now = d.now ?? Date.now;
    this.stores = new Stores(d.areas);
    this.pool = new ClientPool((env, clientHash) => {
      if (!this.hash) throw new KeyholeError('WORKER_UNAVAILABLE', 'sessions: client hash not loaded');
      return d.createClient(env, { clientHash: clientHash ?? this.hash, store: this.stores.scStore(env.id, clientHash), now: this.now });
    });
    this.refresher = new RefreshEngine({
      stores: this.stores,
      clientFor: (env, clientHash) => this.pool.get(env, clientHash),
      now: this.now,
      workerId: d.workerId ?? globalThis.crypto.randomUUID(),
      isOnline: d.isOnline ?? (() => true),
      onChanged: (rec) => void this.afterChange(rec),
    });
  }

  // ── identity ─────────────────────────────────────────────────────────

  /** Stable X-Client-Hash for this browser profile (§3, §12): generated once, kept in storage.local. */
  clientHash(): Promise<string> {
    this.clientHashP ??= (async () => {
      let h = await this.stores.clientHash();
      if (!h) {
        const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
        h = 'kh-' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        await this.stores.saveClientHash(h);
      }
      this.hash = h;
      return h;
    })();
    return this.clientHashP;
  }

  /** `clientHash`: a session's own hash (SessionRecord.clientHash); undefined for the profile's. */
  private async client(env: Environment, clientHash?: string): Promise<EnvClient> {
    await this.clientHash();
    return this.pool.get(env, clientHash);
  }

  private async env(envId: string): Promise<Environment> {
    const env = await this.stores.environment(envId);
    if (!env) throw new KeyholeError('INPUT_INVALID', 'sessions: unknown environment');
    return env;
  }

  private async area(): Promise<AreaName> {
    return (await this.stores.settings()).rememberSessions ? 'local' : 'session';
  }

  // ── reads ────────────────────────────────────────────────────────────

  async views(): Promise<SessionView[]> {
    const [sessions, envs] = await Promise.all([this.stores.sessions(), this.stores.environments()]);
    return sessions.map((s) => this.view(s.record, envs));
  }

  private view(rec: SessionRecord, envs: Environment[]): SessionView {
    return toView(rec, envs.find((e) => e.id === rec.envId), this.refresher.isRefreshing(rec.key));
  }

  async popupState(): Promise<PopupState> {
    const [envs, settings, sessions] = await Promise.all([this.stores.environments(), this.stores.settings(), this.stores.sessions()]);
    const active = envs.find((e) => e.id === settings.activeEnvId) ?? envs[0];
    const summary = (e: Environment) => ({ id: e.id, name: e.name, apiBase: e.apiBase });
    return {
      version: this.d.version ?? '0.0.0',
      activeEnvironment: active ? summary(active) : { id: '', name: '', apiBase: '' },
      environments: envs.map(summary),
      sessions: sessions.map((s) => this.view(s.record, envs)),
      now: this.now(),
    };
  }

  async revealAccessToken(key: string): Promise<string> {
    const s = await this.stores.session(key);
    if (!s?.record.accessToken) throw new KeyholeError('TOKEN_MISSING', 'sessions: no access token yet');
    return s.record.accessToken;
  }

  // ── refresh ──────────────────────────────────────────────────────────

  async refresh(key: string, trigger: RefreshTrigger = 'manual'): Promise<SessionView> {
    await this.clientHash();
    const [rec, envs] = await Promise.all([this.refresher.refresh(key, trigger), this.stores.environments()]);
    return this.view(rec, envs);
  }

  /** Alarm handler: a session's refresh alarm, or the periodic badge tick. */
  async onAlarm(name: string): Promise<void> {
    if (name === BADGE_ALARM) return this.updateBadge();
    const key = keyOfAlarm(name);
    if (!key) return;
    await this.clientHash();
    await this.refresher.refresh(key, 'alarm').catch(() => undefined);
  }

  /**
   * Worker start and browser start-up: alarms do not fire while the machine sleeps and may be dropped
   * on browser restart, so run what is overdue now and re-create every session's alarm.
   */
  async wake(): Promise<void> {
    await this.clientHash();
    const [sessions, settings] = await Promise.all([this.stores.sessions(), this.stores.settings()]);
    const now = this.now();
    await Promise.all(
      sessions.map(async ({ record }) => {
        // A leftover marker is settled by the refresh path itself (it marks the session interrupted).
        if (record.inflight || isDue(record, settings.refreshMarginSec, now)) {
          await this.refresher.refresh(record.key, 'startup').catch(() => undefined);
        } else {
          await this.schedule(record, settings);
        }
      }),
    );
    await this.d.alarms.create(BADGE_ALARM, { when: now + 60_000, periodInMinutes: 1 });
    await this.updateBadge();
  }

  private async afterChange(rec: SessionRecord): Promise<void> {
    try {
      await this.schedule(rec, await this.stores.settings());
      await this.updateBadge();
    } catch {
      // Scheduling is recomputed at every wake-up; a failure here must not fail the refresh.
    }
  }

  private async schedule(rec: SessionRecord, settings: Settings): Promise<void> {
    const at = nextRefreshAt(rec, settings.refreshMarginSec);
    if (at === undefined) await this.d.alarms.clear(alarmName(rec.key));
    else await this.d.alarms.create(alarmName(rec.key), { when: Math.max(at, this.now() + 1_000) });
  }

  async updateBadge(): Promise<void> {
    if (!this.d.setBadge) return;
    const sessions = await this.stores.sessions();
    await this.d.setBadge(badgeFor(sessions.map((s) => s.record), this.now()));
  }

  // ── creating sessions ────────────────────────────────────────────────

  async signInStart(envId: string, email: string, password: string) {
    const client = await this.client(await this.env(envId));
    const r = await client.loginInitiate(email, password);
    this.refresher.noteContact(envId);
    return { loginSessionId: r.sessionId, mfaMethods: r.mfaMethods ?? [], ...(typeof r.expiresIn === 'number' ? { expiresIn: r.expiresIn } : {}) };
  }

  async signInComplete(envId: string, loginSessionId: string, method: number, code: string): Promise<SessionView> {
    const env = await this.env(envId);
    const client = await this.client(env);
    const pair = await client.loginComplete(loginSessionId, method, code);
    this.refresher.noteContact(envId);
    return this.addSession({
      envId,
      source: 'signin',
      accessToken: pair.accessToken,
      accessExpiresAt: pair.accessExpiresAt,
      refreshToken: pair.refreshToken,
    });
  }

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
    await this.env(input.envId);
    await this.clientHash();
    return this.refresher.queue.run(ADOPT_QUEUE, () => this.adoptOnce(input));
  }

  private async adoptOnce(input: AdoptInput): Promise<SessionView> {
    const sessions = await this.stores.sessions();
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
      ...(input.clientHash && input.clientHash !== this.hash ? { clientHash: input.clientHash } : {}),
    });
  }

  /** The session `key` already holds the adopted token: keep it, and take a newer access token. */
  private async adoptInto(key: string, input: { refreshToken: string; accessToken?: string; expiresIn?: number }): Promise<SessionView> {
    // On the session's own queue: a refresh of it that is running finishes first (no lost update).
    const rec = await this.refresher.queue.run(key, async () => {
      const cur = await this.stores.session(key);
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
      await this.stores.putSession(next, cur.area);
      await this.afterChange(next);
      return next;
    });
    return this.view(rec, await this.stores.environments());
  }

  /** Expiry of an access token handed in with a pasted/followed refresh token (undefined: unknown → refresh at once). */
  private adoptedExpiry(accessToken: string, expiresIn: number | undefined): number | undefined {
    let at: number | undefined;
    try {
      at = accessTokenExpiry(accessToken, expiresIn ?? 0, this.now());
    } catch {
      return undefined;
    }
    // Without `exp` and without expiresIn the expiry is unknown: refresh at once (schedule.ts).
    return expiresIn === undefined && at <= this.now() ? undefined : at;
  }

  private async addSession(p: Pick<SessionRecord, 'envId' | 'source' | 'refreshToken'> & Partial<SessionRecord>): Promise<SessionView> {
    const now = this.now();
    const rec: SessionRecord = {
      key: globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16),
      createdAt: now,
      status: 'active',
      failures: 0,
      ...accessClaims(p.accessToken),
      ...p,
    };
    await this.stores.putSession(rec, await this.area());
    await this.afterChange(rec);
    return this.view(rec, await this.stores.environments());
  }

  // ── ending sessions ──────────────────────────────────────────────────

  /** Logout (best effort), forget the pair, and close the environment's SC session if it was the last one (§7, §10). */
  async signOut(key: string): Promise<void> {
    await this.refresher.queue.run(key, async () => {
      const found = await this.stores.session(key);
      if (!found) return;
      const rec = found.record;
      await this.stores.deleteSession(key);
      await this.d.alarms.clear(alarmName(key));
      const env = await this.stores.environment(rec.envId);
      if (!env) return;
      const client = await this.client(env, rec.clientHash);
      if (rec.accessToken && (rec.accessExpiresAt ?? Infinity) > this.now()) await client.logout(rec.accessToken).catch(() => undefined);
      // The SC session this one used (the profile's, or the one of its own hash) closes with its last user.
      const others = (await this.stores.sessions()).some((s) => s.record.envId === env.id && s.record.clientHash === rec.clientHash);
      if (!others) await client.closeChannel().catch(() => undefined);
    });
    await this.updateBadge();
  }

  // ── capture hub hooks (docs/contracts.md) ────────────────────────────

  async listOwnScSessions(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; envId: string }>> {
    return (await this.stores.scStates()).map(({ envId, state }) => ({
      sessionId: state.sessionId,
      requestKey: state.requestKey,
      responseKey: state.responseKey,
      envId,
    }));
  }

  /** "Follow in Keyhole": find or create the environment for `apiBase`, then store the pair. */
  async adoptFromPage(input: { apiBase: string; accessToken?: string; refreshToken: string; expiresIn?: number; label?: string; clientHash?: string }): Promise<{ sessionKey: string }> {
    const env = await this.ensureEnvironment(input.apiBase, input.label);
    const view = await this.adopt({ ...input, envId: env.id, source: 'followed' });
    return { sessionKey: view.key };
  }

  /** The inspected page refreshed a followed session itself: replace our copy in one write. */
  async notePageRotation(input: { apiBase: string; oldRefreshToken: string; accessToken: string; refreshToken: string; expiresIn: number }): Promise<boolean> {
    const envs = await this.stores.environments();
    const sessions = await this.stores.sessions();
    const match = sessions.find(
      (s) => s.record.refreshToken === input.oldRefreshToken && envs.some((e) => e.id === s.record.envId && sameApiBase(e.apiBase, input.apiBase)),
    );
    if (!match) return false;
    return this.refresher.queue.run(match.record.key, async () => {
      const cur = await this.stores.session(match.record.key);
      if (!cur || cur.record.refreshToken !== input.oldRefreshToken) return false;
      const now = this.now();
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
      await this.stores.putSession(next, cur.area);
      await this.afterChange(next);
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
    const [envs, sessions] = await Promise.all([this.stores.environments(), this.stores.sessions()]);
    const envOf = (r: SessionRecord) => envs.find((e) => e.id === r.envId && sameApiBase(e.apiBase, input.apiBase));
    const spentByUs = (r: SessionRecord) => r.keyholeSpent?.some((e) => e.token === input.refreshToken && e.at <= input.answeredAt) ?? false;
    const match = sessions.find(
      (s) => envOf(s.record) && (spentByUs(s.record) || (s.record.inflight?.refreshToken === input.refreshToken && s.record.inflight.startedAt <= input.answeredAt)),
    );
    if (!match) return undefined;
    const key = match.record.key;
    return this.refresher.queue.run(key, async () => {
      const cur = await this.stores.session(key);
      const env = cur && envOf(cur.record);
      if (!cur || !env) return undefined;
      const now = this.now();
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
      await this.stores.putSession(next, cur.area);
      await this.afterChange(next); // clears the refresh alarm (schedule.ts) and the badge
      return found;
    });
  }

  private async ensureEnvironment(apiBase: string, label?: string): Promise<Environment> {
    const envs = await this.stores.environments();
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
    await this.stores.saveEnvironments([...envs, env]);
    return env;
  }

  // ── environments and settings (options page) ─────────────────────────

  async saveEnvironment(input: unknown): Promise<Environment> {
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const env = parseEnvironment({ ...raw, id: typeof raw.id === 'string' && raw.id ? raw.id : newEnvId() });
    const envs = await this.stores.environments();
    const old = envs.find((e) => e.id === env.id);
    await this.stores.saveEnvironments(old ? envs.map((e) => (e.id === env.id ? env : e)) : [...envs, env]);
    // SC keys belong to one gateway: a moved environment starts a new SC session.
    if (old && (old.apiBase !== env.apiBase || old.portal !== env.portal)) await this.stores.clearScStores(env.id);
    return env;
  }

  async deleteEnvironment(envId: string): Promise<void> {
    const sessions = await this.stores.sessions();
    if (sessions.some((s) => s.record.envId === envId)) {
      throw new KeyholeError('INPUT_INVALID', 'environment: sign its sessions out first', { details: { messageKey: 'errEnvHasSessions' } });
    }
    const envs = await this.stores.environments();
    await this.stores.saveEnvironments(envs.filter((e) => e.id !== envId));
    await this.stores.clearScStores(envId);
    const settings = await this.stores.settings();
    if (settings.activeEnvId === envId) await this.stores.saveSettings({ ...settings, activeEnvId: DEFAULT_ENV_ID });
  }

  async setActiveEnvironment(envId: string): Promise<void> {
    await this.env(envId);
    await this.stores.saveSettings({ ...(await this.stores.settings()), activeEnvId: envId });
  }

  /** "Remember sessions" moves every pair to the other area (each under its session's queue). */
  async saveSettings(patch: Partial<Pick<Settings, 'rememberSessions' | 'refreshMarginSec'>>): Promise<Settings> {
    const before = await this.stores.settings();
    const after = { ...before, ...patch };
    await this.stores.saveSettings(after);
    if (before.rememberSessions !== after.rememberSessions) {
      const to: AreaName = after.rememberSessions ? 'local' : 'session';
      const sessions = await this.stores.sessions();
      await Promise.all(
        sessions.map((s) =>
          this.refresher.queue.run(s.record.key, async () => {
            const cur = await this.stores.session(s.record.key);
            if (cur) await this.stores.moveSession(cur.record, cur.area, to);
          }),
        ),
      );
    }
    if (before.refreshMarginSec !== after.refreshMarginSec) {
      for (const s of await this.stores.sessions()) await this.schedule(s.record, after);
    }
    return after;
  }
}
