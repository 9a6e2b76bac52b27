/**
 * In-memory stand-ins for chrome.storage areas, chrome.alarms and the network client, so the session
 * engine runs in plain Node with a fake clock. Storage copies values through JSON like Chrome does.
 */
import { KeyholeError } from '../../../src/protocol/errors';
import type { Alarms, AlarmInfo, KvArea, StorageAreas } from '../../../src/background/sessions/storage-area';
import type { EnvClient, TokenPair } from '../../../src/background/sessions/env-client';

export class FakeArea implements KvArea {
  data = new Map<string, unknown>();
  writes: Array<Record<string, unknown>> = [];
  /** Make the next `set` fail (storage quota, shutdown). */
  failNextSet = false;
  /** Hold the next `set` until the returned release is called (a slow write); it is applied then. */
  holdNextSet(): () => void {
    let release!: () => void;
    this.held = new Promise((r) => (release = r));
    return () => release();
  }
  private held: Promise<void> | undefined;
  async get(keys: string[] | null): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.data) if (keys === null || keys.includes(k)) out[k] = JSON.parse(JSON.stringify(v));
    return out;
  }
  async set(items: Record<string, unknown>): Promise<void> {
    if (this.failNextSet) {
      this.failNextSet = false;
      throw new Error('storage: write failed');
    }
    const held = this.held;
    this.held = undefined;
    await held;
    const copy = JSON.parse(JSON.stringify(items)) as Record<string, unknown>;
    this.writes.push(copy);
    for (const [k, v] of Object.entries(copy)) this.data.set(k, v);
  }
  async remove(keys: string[]): Promise<void> {
    for (const k of keys) this.data.delete(k);
  }
}

export function fakeAreas(): StorageAreas & { local: FakeArea; session: FakeArea } {
  return { local: new FakeArea(), session: new FakeArea() };
}

export class FakeAlarms implements Alarms {
  alarms = new Map<string, AlarmInfo & { periodInMinutes?: number }>();
  async create(name: string, info: { when: number; periodInMinutes?: number }): Promise<void> {
    this.alarms.set(name, { name, scheduledTime: info.when, ...(info.periodInMinutes ? { periodInMinutes: info.periodInMinutes } : {}) });
  }
  async clear(name: string): Promise<boolean> {
    return this.alarms.delete(name);
  }
  async getAll(): Promise<AlarmInfo[]> {
    return [...this.alarms.values()];
  }
  when(name: string): number | undefined {
    return this.alarms.get(name)?.scheduledTime;
  }
}

/** A JWT-looking access token with the given claims (unsigned: the engine never verifies). */
export function jwt(claims: Record<string, unknown>): string {
  const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u(claims)}.sig`;
}

type RefreshBehaviour = (token: string) => Promise<TokenPair>;

/**
 * Scriptable network: counts calls, rotates tokens like the gateway (single use), and lets a test hold
 * a refresh open (`hold`) or make any step fail.
 */
export class FakeClient implements EnvClient {
  refreshCalls: string[] = [];
  handshakes = 0;
  probes = 0;
  logouts: string[] = [];
  closes = 0;
  valid = new Set<string>(['rt-0']);
  private n = 0;
  onRefresh: RefreshBehaviour | undefined;
  handshakeError: unknown;
  probeError: unknown;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly now: () => number) {}

  hold(): void {
    this.gate = new Promise((r) => (this.release = r));
  }
  letGo(): void {
    this.release?.();
    this.gate = undefined;
  }

  pair(): TokenPair {
    this.n++;
    const receivedAt = this.now();
    const token = `rt-${this.n}`;
    this.valid.add(token);
    return {
      accessToken: jwt({ sub: 'acct-1', sid: `sid-${this.n}`, iat: Math.floor(receivedAt / 1000), exp: Math.floor(receivedAt / 1000) + 3600 }),
      refreshToken: token,
      expiresIn: 3600,
      receivedAt,
      accessExpiresAt: (Math.floor(receivedAt / 1000) + 3600) * 1000,
    };
  }

  async ensureChannel(): Promise<void> {
    if (this.handshakeError) throw this.handshakeError;
    this.handshakes++;
  }
  async probe(): Promise<void> {
    this.probes++;
    if (this.probeError) throw this.probeError;
  }
  /** Like the real client: the token leaves (`refreshCalls`) only once `gate` resolved. */
  async refresh(token: string, gate?: Promise<unknown>): Promise<TokenPair> {
    await gate;
    this.refreshCalls.push(token);
    if (this.gate) await this.gate;
    if (this.onRefresh) return this.onRefresh(token);
    if (!this.valid.delete(token)) throw new KeyholeError('REFRESH_REJECTED', 'Invalid or expired refresh token', { status: 401, serverCode: 'AUTH.REFRESH_TOKEN_INVALID' });
    return this.pair();
  }
  async loginInitiate(email: string, password: string) {
    if (password !== 'pw') throw new KeyholeError('INVALID_CREDENTIALS', 'bad credentials', { status: 401 });
    return { sessionId: 'login-1', mfaMethods: [{ code: 'OTP', value: 10011002, label: 'OTP' }], expiresIn: 300, email };
  }
  async loginComplete(_id: string, _method: number, code: string): Promise<TokenPair> {
    if (code !== '123456') throw new KeyholeError('MFA_CODE_INVALID', 'wrong code', { status: 400 });
    const p = this.pair();
    this.valid.add(p.refreshToken);
    return p;
  }
  async logout(accessToken: string): Promise<void> {
    this.logouts.push(accessToken);
  }
  async closeChannel(): Promise<void> {
    this.closes++;
  }
}

/**
 * The same two areas, seen by a worker that is stopped after `limit` storage operations: operations
 * 1..limit reach the areas, every later one never happens and never settles (the worker is gone).
 * `ops` logs what ran, for a failing case's message.
 */
export function dyingAreas(areas: { local: FakeArea; session: FakeArea }, limit: number): StorageAreas & { ops: string[] } {
  const ops: string[] = [];
  const gate = <T>(what: string, run: () => Promise<T>): Promise<T> => {
    if (ops.length >= limit) return new Promise<T>(() => {});
    ops.push(what);
    return run();
  };
  const wrap = (name: string, a: FakeArea): KvArea => ({
    get: (keys) => gate(`${name}.get`, () => a.get(keys)),
    set: (items) => gate(`${name}.set ${Object.keys(items).join(',')}`, () => a.set(items)),
    remove: (keys) => gate(`${name}.remove ${keys.join(',')}`, () => a.remove(keys)),
  });
  return { local: wrap('local', areas.local), session: wrap('session', areas.session), ops };
}
