/**
 * Keyhole reference gateway: a strict SCv2 server (spec §5–§12) for testing the extension and
 * the client against something that refuses what the protocol refuses.
 *
 *   const gw = await createGateway({ port: 0 });
 *   gw.url  // http://127.0.0.1:PORT/prometheus
 *   await gw.close();
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFamily, type Core } from './handlers';
import { generateKey, KeyRing, loadOrCreateKey } from './keys';
import { resolveOptions, type GatewayInput, type GatewayOptions } from './options';
import { createPipeline, type RequestEvent } from './server';
import { MemoryStore, NO_EVICTIONS, type Evictions, type GatewayStore } from './store';

export type { GatewayOptions, GatewayInput, GatewayCaps, GatewayMode, RateLimitedRoute } from './options';
export type { GatewayStore, ScSession, TokenFamily, LoginSession, RefreshTokenRecord, Evictions } from './store';
export type { RequestEvent } from './server';
export { MemoryStore } from './store';
export { DEFAULT_OPTIONS } from './options';

export interface GatewayStats {
  /** Requests routed to `route` (e.g. 'refresh', 'login.initiate', 'session', 'public-key'); all when omitted. */
  count(route?: string): number;
  byRoute(): Record<string, number>;
  /** Entries the memory caps evicted since start (GatewayOptions.caps); not cleared by reset(). */
  evictions(): Evictions;
  reset(): void;
}

export interface Gateway {
  /** `http://host:port/basePath` (no trailing slash). */
  readonly url: string;
  /** `http://host:port`. */
  readonly origin: string;
  readonly port: number;
  readonly host: string;
  readonly basePath: string;
  readonly options: Readonly<GatewayOptions>;
  /** Current RSA keyId (§5). */
  readonly keyId: string;
  readonly stats: GatewayStats;
  /** Emits 'request' with a RequestEvent after every response; 'error' is never emitted. */
  readonly events: EventEmitter;
  readonly store: GatewayStore;
  close(): Promise<void>;
  /** Drops every SC session (clients then get SECURE_CHANNEL.SESSION_NOT_FOUND); returns how many. */
  closeAllScSessions(): number;
  /** Makes one SC session expired now; false when unknown. */
  expireScSession(id: string): boolean;
  /** New RSA key; the previous keyId is retired (refused at session creation). Returns the new keyId. */
  rotateKey(keyId?: string): string;
  /** Marks a keyId as retired. */
  retireKey(keyId: string): void;
  /** Test helper: a token pair without the login dance, bound to `clientHash` (and portal). */
  issueTokens(clientHash: string, portal?: string): { accessToken: string; refreshToken: string; familyId: string };
}

function formatLine(e: RequestEvent): string {
  return `${new Date().toISOString()} ${e.method} ${e.path} ${e.status} ${e.code} ${e.ms.toFixed(1)}ms`;
}

export async function createGateway(options: GatewayInput = {}): Promise<Gateway> {
  const opts = resolveOptions(options);
  const now = opts.now;
  const key = opts.keyFile ? loadOrCreateKey(opts.keyFile, opts.keyId, now()) : generateKey(opts.keyId, now());
  const keys = new KeyRing(key, opts.retiredKeyIds);
  const store = opts.store ?? new MemoryStore(opts.caps);
  // HS256 secret, random per start (§12): tokens never survive a restart.
  const core: Core = { opts, store, keys, jwtSecret: randomBytes(32), now };

  const counts = new Map<string, number>();
  const events = new EventEmitter();
  const log = opts.log;
  const pipeline = createPipeline(core, {
    count(route) {
      counts.set(route, (counts.get(route) ?? 0) + 1);
    },
    finished(ev) {
      if (log) {
        try {
          log(formatLine(ev));
        } catch {
          /* a broken logger must not break requests */
        }
      }
      if (events.listenerCount('request')) events.emit('request', ev);
    },
    internalError(err) {
      if (log) log(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    },
  });

  const server: Server = createServer({ keepAliveTimeout: 5000, requestTimeout: 30_000, headersTimeout: 20_000 }, pipeline);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const origin = `http://${hostForUrl}:${port}`;
  const sweeper = setInterval(() => store.sweep(now()), 30_000);
  sweeper.unref();

  let closed: Promise<void> | undefined;
  return {
    url: origin + opts.basePath,
    origin,
    port,
    host: opts.host,
    basePath: opts.basePath,
    options: opts,
    get keyId() {
      return keys.current.keyId;
    },
    stats: {
      count: (route) => (route === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(route) ?? 0),
      byRoute: () => Object.fromEntries(counts),
      evictions: () => store.evictions?.() ?? { ...NO_EVICTIONS },
      reset: () => counts.clear(),
    },
    events,
    store,
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 200).unref();
      });
      return closed;
    },
    closeAllScSessions: () => store.clearScSessions(),
    expireScSession(id) {
      const s = store.getScSession(id);
      if (!s) return false;
      s.expiresAt = now() - 1;
      store.putScSession(s);
      return true;
    },
    rotateKey: (keyId) => keys.rotate(now(), keyId).keyId,
    retireKey: (keyId) => keys.retire(keyId),
    issueTokens(clientHash, portal = 'system') {
      const r = startFamily(core, clientHash, portal);
      return { accessToken: r.accessToken, refreshToken: r.refreshToken, familyId: r.family.id };
    },
  };
}
