/**
 * Refresh with single flight — the heart of Keyhole (§11, §12 "refresh semantics", architecture.md §2).
 *
 * Guarantees:
 * 1. One refresh at a time per session, whoever asks (popup in any window, alarm, start-up check): the
 *    first caller starts a flight, every caller that arrives while it runs gets the same promise, and a
 *    manual caller arriving within COALESCE_MS after a successful refresh gets that result (a burst of
 *    clicks is one refresh).
 * 2. The new pair is persisted in one storage write, issued in the same task as the answer is handed
 *    back (no `await` in between), before anything else (alarms, badge, RPC answer) happens.
 * 3. Single flight survives the worker being stopped: right before the request carrying the refresh
 *    token leaves, an in-flight marker {refreshToken, startedAt, worker} is written into the session's
 *    record (awaited: it is durable before the token is on the wire). The outcome write clears it.
 *    Only one service worker of the extension runs at a time and this worker's flights are all in
 *    `flights`, so a marker found by a worker that holds no flight for the session was left by a worker
 *    that died between sending the token and storing the answer. Its outcome is unknown, so the session
 *    is marked `interrupted` ("sign in again") and the token is never sent again.
 *    Everything before the marker — reading storage, the SC handshake, a reachability probe — spends
 *    nothing: a worker stopped there leaves no marker and the next request (e.g. the popup retrying a
 *    call whose worker died) simply runs the refresh.
 * 4. No path re-sends a token that might have been consumed (see refresh-outcome.ts for which server
 *    answers prove it was not: only then does a later retry send it again).
 */
import type { Stores } from './stores';
import { isDeadStatus, type SessionRecord } from '../../domain/session';
import { type Environment } from '../../domain/environment';
import type { EnvClient } from './env-client';
import { SerialQueue } from './serial';
import { afterSend, interrupted, notSpent, rotated } from './refresh-outcome';
import { isDue } from './schedule';
import { KeyholeError } from '../../protocol/errors';

export type RefreshTrigger = 'manual' | 'alarm' | 'startup';

/** A manual refresh this soon after a successful one shares its result instead of spending again. */
export const COALESCE_MS = 1_500;
/** Without contact with the gateway for this long, probe it before spending a token (see `reachable`). */
export const PROBE_AFTER_MS = 30_000;

export interface RefreshEngineDeps {
  stores: Stores;
  /** `clientHash`: the session's own X-Client-Hash when it has one (followed sessions), else the profile's. */
  clientFor(env: Environment, clientHash?: string): EnvClient;
  now(): number;
  /** Random per worker instance; recorded in the marker for diagnostics. */
  workerId: string;
  isOnline(): boolean;
  /** Called after every stored outcome (scheduling, badge). Must not throw. */
  onChanged(rec: SessionRecord): void;
}

export class RefreshEngine {
  private readonly flights = new Map<string, Promise<SessionRecord>>();
  /** Last time each environment answered anything (memory only: a new worker probes once). */
  private readonly lastContact = new Map<string, number>();

  constructor(
    private readonly d: RefreshEngineDeps,
    readonly queue: SerialQueue = new SerialQueue(),
  ) {}

  isRefreshing(key: string): boolean {
    return this.flights.has(key);
  }

  noteContact(envId: string): void {
    this.lastContact.set(envId, this.d.now());
  }

  /** Refresh `key` (or join the running refresh). Resolves with the stored record after the outcome. */
  refresh(key: string, trigger: RefreshTrigger): Promise<SessionRecord> {
    const running = this.flights.get(key);
    if (running) return running;
    const flight = this.queue.run(key, () => this.attempt(key, trigger));
    this.flights.set(key, flight);
    const clear = (): void => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then(clear, clear);
    return flight;
  }

  private async attempt(key: string, trigger: RefreshTrigger): Promise<SessionRecord> {
    // Record and environments in parallel: every sequential storage round trip shows on the Refresh click.
    const [found, envs] = await Promise.all([this.d.stores.session(key), this.d.stores.environments()]);
    if (!found) throw new KeyholeError('SESSION_DEAD', 'sessions: no such session');
    const { area } = found;
    let rec = found.record;
    const store = (r: SessionRecord): Promise<SessionRecord> =>
      this.d.stores.putSession(r, area).then(() => {
        this.d.onChanged(r);
        return r;
      });

    if (rec.inflight) return store(interrupted(rec, this.d.now()));
    // Dead sessions are never refreshed — except a click on a revoked one: its current token was never
    // presented (the page burnt the one before), so trying costs nothing, and the gateway's answer settles
    // whether the family really is gone (rejected) or survived (reuse detection off: active again).
    if (isDeadStatus(rec.status) && !(trigger === 'manual' && rec.status === 'revoked')) return rec;

    const now = this.d.now();
    if (trigger === 'manual') {
      if (rec.lastRefresh?.ok && rec.refreshedAt !== undefined && now - rec.refreshedAt < COALESCE_MS) return rec;
      // During a server-imposed wait nobody hits the server, clicks included (§12: back off until Retry-After).
      if (rec.status === 'waiting' && rec.lastRefresh?.code === 'RATE_LIMITED' && rec.retryAt !== undefined && now < rec.retryAt) return rec;
    } else {
      const { refreshMarginSec } = await this.d.stores.settings();
      if (!isDue(rec, refreshMarginSec, now)) return rec;
    }

    if (!this.d.isOnline()) return store(notSpent(rec, new KeyholeError('NETWORK_ERROR', 'sessions: offline'), now));
    const env = envs.find((e) => e.id === rec.envId);
    if (!env) return store(notSpent(rec, new KeyholeError('INPUT_INVALID', 'sessions: environment was removed'), now));
    const client = this.d.clientFor(env, rec.clientHash);

    // Everything that can fail without spending the token happens before the marker.
    try {
      await this.reachable(env, client);
      await client.ensureChannel();
    } catch (e) {
      return store(notSpent(rec, e, this.d.now()));
    }

    rec = { ...rec, inflight: { refreshToken: rec.refreshToken, startedAt: this.d.now(), worker: this.d.workerId } };
    // The client seals the request while the marker is written and sends it only once the write resolved.
    const marker = this.d.stores.putSession(rec, area);

    let pair;
    try {
      pair = await client.refresh(rec.refreshToken, marker);
    } catch (e) {
      await marker; // a failed marker write is thrown as it is: the token never left
      this.noteContactIfAnswered(env.id, e);
      return store(afterSend(rec, e, this.d.now()));
    }
    // No await between the answer and the write (guarantee 2).
    const next = rotated(rec, pair, this.d.now());
    const written = store(next);
    this.noteContact(env.id);
    return written;
  }

  /**
   * A connection refused or a DNS failure on the refresh request itself would leave the token's fate
   * unknown, so when the gateway has not been heard from lately, a cheap GET (the SC handshake, or
   * /actuator/health when the SC session is warm) proves it reachable first. Failing here spends nothing.
   */
  private async reachable(env: Environment, client: EnvClient): Promise<void> {
    const last = this.lastContact.get(env.id);
    if (last !== undefined && this.d.now() - last < PROBE_AFTER_MS) return;
    await client.probe();
    this.noteContact(env.id);
  }

  private noteContactIfAnswered(envId: string, e: unknown): void {
    const status = (e as { status?: number } | undefined)?.status;
    if (typeof status === 'number') this.noteContact(envId);
  }
}
