/**
 * The plumbing every part of the session engine shares: storage, the refresh engine and its queue, the
 * network clients (one per environment and X-Client-Hash), and what follows a stored change (the
 * session's alarm, the badge). The parts (adopt.ts, sign-in.ts, page-follow.ts, settings-admin.ts) take
 * this and nothing else, so each reads on its own; engine.ts puts them together.
 */
import { KeyholeError } from '../../protocol/errors';
import type { Alarms, StorageAreas } from './storage-area';
import { areaFor, Stores, type AreaName } from './stores';
import { ClientPool, type EnvClient } from './env-client';
import type { ScStateStore } from '../../client/secure-channel';
import type { Environment, Settings } from '../../domain/environment';
import type { SessionRecord } from '../../domain/session';
import { RefreshEngine } from './refresh-engine';
import { alarmName, nextRefreshAt } from './schedule';
import { badgeFor, type Badge } from './badge';
import { toView } from '../../domain/session-view';
import type { SessionView } from '../../messaging/popup-rpc';

/** SerialQueue key of settings writes (session keys are 16 hex characters, so it cannot collide). */
const SETTINGS_QUEUE = 'settings:';

export interface EngineDeps {
  areas: StorageAreas;
  alarms: Alarms;
  createClient(env: Environment, ctx: { clientHash: string; store: ScStateStore; now: () => number }): EnvClient;
  now?: () => number;
  workerId?: string;
  isOnline?: () => boolean;
  setBadge?: (b: Badge) => Promise<void> | void;
  version?: string;
  /** Every session record as its write is issued (Stores). Must not throw. */
  onSessionWrite?: (record: SessionRecord) => void;
}

export class EngineCore {
  readonly stores: Stores;
  readonly refresher: RefreshEngine;
  readonly now: () => number;
  private readonly pool: ClientPool;
  private clientHashP: Promise<string> | undefined;
  /** The profile's X-Client-Hash once loaded (clientHash()). */
  hash: string | undefined;

  constructor(readonly d: EngineDeps) {
    this.now = d.now ?? Date.now;
    this.stores = new Stores(d.areas, d.onSessionWrite);
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
  async client(env: Environment, clientHash?: string): Promise<EnvClient> {
    await this.clientHash();
    return this.pool.get(env, clientHash);
  }

  async env(envId: string): Promise<Environment> {
    const env = await this.stores.environment(envId);
    if (!env) throw new KeyholeError('INPUT_INVALID', 'sessions: unknown environment');
    return env;
  }

  async area(): Promise<AreaName> {
    return areaFor(await this.stores.settings());
  }

  /**
   * Runs `fn` on the settings queue: every settings write, and every new session's choice of area and
   * write, so a "Remember sessions" move (remember-move.ts) never races either.
   */
  settingsQueue<T>(fn: () => Promise<T>): Promise<T> {
    return this.refresher.queue.run(SETTINGS_QUEUE, fn);
  }

  view(rec: SessionRecord, envs: Environment[]): SessionView {
    return toView(rec, envs.find((e) => e.id === rec.envId), this.refresher.isRefreshing(rec.key));
  }

  async afterChange(rec: SessionRecord): Promise<void> {
    try {
      await this.schedule(rec, await this.stores.settings());
      await this.updateBadge();
    } catch {
      // Scheduling is recomputed at every wake-up; a failure here must not fail the refresh.
    }
  }

  async schedule(rec: SessionRecord, settings: Settings): Promise<void> {
    const at = nextRefreshAt(rec, settings.refreshMarginSec);
    if (at === undefined) await this.d.alarms.clear(alarmName(rec.key));
    else await this.d.alarms.create(alarmName(rec.key), { when: Math.max(at, this.now() + 1_000) });
  }

  async updateBadge(): Promise<void> {
    if (!this.d.setBadge) return;
    const sessions = await this.stores.sessions();
    await this.d.setBadge(badgeFor(sessions.map((s) => s.record), this.now()));
  }
}
