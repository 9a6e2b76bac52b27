/**
 * The session engine: every session operation of the service worker, over injected storage, alarms,
 * network client and clock (so the whole engine runs in unit tests with fakes). No state lives only
 * in memory except caches that a fresh worker rebuilds from storage.
 *
 * This file keeps reads, refresh and its scheduling, and sign-out; the rest stands on its own:
 * engine-core.ts (shared plumbing), adopt.ts (one token, one session), sign-in.ts, page-follow.ts (the
 * capture hub's hooks), settings-admin.ts (environments, settings), remember-move.ts (the crash-safe "Remember sessions" move).
 */
import { KeyholeError } from '../../protocol/errors';
import type { Stores } from './stores';
import type { Environment, Settings } from '../../domain/environment';
import type { RefreshEngine, RefreshTrigger } from './refresh-engine';
import { alarmName, BADGE_ALARM, isDue, keyOfAlarm } from './schedule';
import type { PopupState, SessionView } from '../../messaging/popup-rpc';
import { EngineCore, type EngineDeps } from './engine-core';
import { Adopter, type AdoptInput } from './adopt';
import { SignIn } from './sign-in';
import { PageFollow } from './page-follow';
import { SettingsAdmin } from './settings-admin';
import { RememberMove } from './remember-move';

export type { EngineDeps } from './engine-core';

export class SessionEngine {
  readonly stores: Stores;
  readonly refresher: RefreshEngine;
  private readonly c: EngineCore;
  private readonly adopter: Adopter;
  private readonly signIn: SignIn;
  private readonly page: PageFollow;
  private readonly admin: SettingsAdmin;
  private readonly remember: RememberMove;

  constructor(private readonly d: EngineDeps) {
    this.c = new EngineCore(d);
    this.stores = this.c.stores;
    this.refresher = this.c.refresher;
    this.adopter = new Adopter(this.c);
    this.signIn = new SignIn(this.c, this.adopter);
    this.page = new PageFollow(this.c, this.adopter);
    this.remember = new RememberMove(this.c);
    this.admin = new SettingsAdmin(this.c, this.remember);
  }

  /** Stable X-Client-Hash for this browser profile (§3, §12): generated once, kept in storage.local. */
  clientHash(): Promise<string> {
    return this.c.clientHash();
  }

  // ── reads ────────────────────────────────────────────────────────────

  async views(): Promise<SessionView[]> {
    const [sessions, envs] = await Promise.all([this.stores.sessions(), this.stores.environments()]);
    return sessions.map((s) => this.c.view(s.record, envs));
  }

  async popupState(): Promise<PopupState> {
    const [envs, settings, sessions] = await Promise.all([this.stores.environments(), this.stores.settings(), this.stores.sessions()]);
    const active = envs.find((e) => e.id === settings.activeEnvId) ?? envs[0];
    const summary = (e: Environment) => ({ id: e.id, name: e.name, apiBase: e.apiBase });
    return {
      version: this.d.version ?? '0.0.0',
      activeEnvironment: active ? summary(active) : { id: '', name: '', apiBase: '' },
      environments: envs.map(summary),
      sessions: sessions.map((s) => this.c.view(s.record, envs)),
      now: this.c.now(),
    };
  }

  async revealAccessToken(key: string): Promise<string> {
    const s = await this.stores.session(key);
    if (!s?.record.accessToken) throw new KeyholeError('TOKEN_MISSING', 'sessions: no access token yet');
    return s.record.accessToken;
  }

  // ── refresh ──────────────────────────────────────────────────────────

  async refresh(key: string, trigger: RefreshTrigger = 'manual'): Promise<SessionView> {
    await this.c.clientHash();
    const [rec, envs] = await Promise.all([this.refresher.refresh(key, trigger), this.stores.environments()]);
    return this.c.view(rec, envs);
  }

  /** Alarm handler: a session's refresh alarm, or the periodic badge tick. */
  async onAlarm(name: string): Promise<void> {
    if (name === BADGE_ALARM) return this.updateBadge();
    const key = keyOfAlarm(name);
    if (!key) return;
    await this.c.clientHash();
    await this.refresher.refresh(key, 'alarm').catch(() => undefined);
  }

  /**
   * Worker start and browser start-up: alarms do not fire while the machine sleeps and may be dropped
   * on browser restart, so run what is overdue now and re-create every session's alarm.
   */
  async wake(): Promise<void> {
    await this.c.clientHash();
    const [sessions, settings] = await Promise.all([this.stores.sessions(), this.stores.settings()]);
    // A "Remember sessions" move a stopped worker left half done is finished first (remember-move.ts).
    await this.remember.settle(sessions, settings).catch(() => undefined);
    const now = this.c.now();
    await Promise.all(
      sessions.map(async ({ record }) => {
        // A leftover marker is settled by the refresh path itself (it marks the session interrupted).
        if (record.inflight || isDue(record, settings.refreshMarginSec, now)) {
          await this.refresher.refresh(record.key, 'startup').catch(() => undefined);
        } else {
          await this.c.schedule(record, settings);
        }
      }),
    );
    await this.d.alarms.create(BADGE_ALARM, { when: now + 60_000, periodInMinutes: 1 });
    await this.updateBadge();
  }

  updateBadge(): Promise<void> {
    return this.c.updateBadge();
  }

  // ── creating sessions (adopt.ts, sign-in.ts) ─────────────────────────

  signInStart(envId: string, email: string, password: string) {
    return this.signIn.start(envId, email, password);
  }

  signInComplete(envId: string, loginSessionId: string, method: number, code: string): Promise<SessionView> {
    return this.signIn.complete(envId, loginSessionId, method, code);
  }

  adopt(input: AdoptInput): Promise<SessionView> {
    return this.adopter.adopt(input);
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
      const client = await this.c.client(env, rec.clientHash);
      if (rec.accessToken && (rec.accessExpiresAt ?? Infinity) > this.c.now()) await client.logout(rec.accessToken).catch(() => undefined);
      // The SC session this one used (the profile's, or the one of its own hash) closes with its last user.
      const others = (await this.stores.sessions()).some((s) => s.record.envId === env.id && s.record.clientHash === rec.clientHash);
      if (!others) await client.closeChannel().catch(() => undefined);
    });
    await this.updateBadge();
  }

  // ── capture hub hooks (page-follow.ts; docs/contracts.md) ────────────

  listOwnScSessions() {
    return this.page.listOwnScSessions();
  }

  adoptFromPage(input: Parameters<PageFollow['adoptFromPage']>[0]) {
    return this.page.adoptFromPage(input);
  }

  notePageRotation(input: Parameters<PageFollow['notePageRotation']>[0]) {
    return this.page.notePageRotation(input);
  }

  notePageReuse(input: Parameters<PageFollow['notePageReuse']>[0]) {
    return this.page.notePageReuse(input);
  }

  refreshTokenState(refreshToken: string) {
    return this.page.refreshTokenState(refreshToken);
  }

  composeTargets() {
    return this.page.composeTargets();
  }

  // ── environments and settings (settings-admin.ts) ────────────────────

  saveEnvironment(input: unknown): Promise<Environment> {
    return this.admin.saveEnvironment(input);
  }

  deleteEnvironment(envId: string): Promise<void> {
    return this.admin.deleteEnvironment(envId);
  }

  setActiveEnvironment(envId: string): Promise<void> {
    return this.admin.setActiveEnvironment(envId);
  }

  saveSettings(patch: Partial<Pick<Settings, 'rememberSessions' | 'refreshMarginSec'>>): Promise<Settings> {
    return this.admin.saveSettings(patch);
  }
}
