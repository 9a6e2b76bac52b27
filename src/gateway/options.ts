/**
 * Gateway options and their defaults (issue #2, docs/contracts.md "src/gateway/").
 * Every TTL is in seconds, every window in milliseconds, as the CLI flags are.
 */
import type { GatewayStore } from './store';

export type GatewayMode = 'local' | 'test' | 'production';
/** `session` counts SC session creations: `POST …/session` and type-1 envelopes (§8) alike. */
export type RateLimitedRoute = 'session' | 'login.initiate' | 'login.complete' | 'refresh' | 'logout';

/**
 * Memory caps (spec silent; issue #10). Past a cap the oldest entry is evicted and counted
 * (`Gateway.stats.evictions()`): the gateway's memory is bounded whatever clients send.
 */
export interface GatewayCaps {
  /** Live SC sessions. */
  scSessions: number;
  /** Remembered IVs over all SC sessions (replay memory, §12); past it the oldest sessions are dropped. */
  replayIvs: number;
  /** Token families (one per login). */
  families: number;
  /** Refresh tokens remembered per family (current + rotated ones, for reuse detection). */
  tokensPerFamily: number;
}

export interface GatewayOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Prefix of every route, e.g. `/prometheus` ('' or '/' for none). */
  basePath: string;
  /** `local` (and `test`) require the Cloudflare simulation headers (§12); `production` does not. */
  mode: GatewayMode;
  /** Rate-limit window (§12). */
  windowMs: number;
  /** Requests per window and client; `false` disables rate limiting (bench). */
  rateLimits: false | Partial<Record<RateLimitedRoute, number>>;
  /** Access token lifetime, seconds. */
  accessTtl: number;
  /** SC session lifetime, seconds (§12: 24 h). */
  sessionTtl: number;
  /** Refresh token lifetime, seconds (spec silent: 7 days). */
  refreshTtl: number;
  /** Login (MFA) session lifetime, seconds (§11: expiresIn 300). */
  loginTtl: number;
  /** Reuse of a rotated refresh token revokes its family (§12). */
  reuseDetection: boolean;
  /** Content-Type of binary (type 129) responses (§12). */
  binaryContentType: 'json' | 'octet';
  /** When set, `X-PORTAL-ACCESS-CODE` must equal it (§12). */
  portalCode?: string;
  /** PKCS#8 PEM RSA key; created when missing. Without it a key is generated in memory. */
  keyFile?: string;
  /** keyId of the initial key; default `rsa-key-YYYY-MM-DD`. */
  keyId?: string;
  /** keyIds refused at session creation ("Invalid or expired RSA key ID", §5). */
  retiredKeyIds: string[];
  demoEmail: string;
  demoPassword: string;
  demoOtp: string;
  /** Request body limit (§12: 1 MiB). */
  maxBodyBytes: number;
  /** Origins answered by CORS (exact or with `*` wildcards). */
  corsOrigins: string[];
  /** One line per request; `false` = silent. */
  log: false | ((line: string) => void);
  /** Clock (epoch ms), injectable for expiry tests. */
  now: () => number;
  /** Storage backend; default in-memory (with `caps`). */
  store?: GatewayStore;
  /** Memory caps of the in-memory store. */
  caps: GatewayCaps;
}

export const DEFAULT_RATE_LIMITS: Record<RateLimitedRoute, number> = {
  session: 60,
  'login.initiate': 10,
  'login.complete': 5,
  refresh: 10,
  logout: 10,
};

export const DEFAULT_OPTIONS: GatewayOptions = {
  host: '127.0.0.1',
  port: 18020,
  basePath: '/prometheus',
  mode: 'local',
  windowMs: 60_000,
  rateLimits: {},
  accessTtl: 3600,
  sessionTtl: 86_400,
  refreshTtl: 7 * 86_400,
  loginTtl: 300,
  reuseDetection: true,
  binaryContentType: 'json',
  retiredKeyIds: [],
  demoEmail: 'demo@keyhole.test',
  demoPassword: 'keyhole-demo-1',
  demoOtp: '123456',
  maxBodyBytes: 1024 * 1024,
  corsOrigins: ['chrome-extension://*', 'moz-extension://*', 'http://127.0.0.1:*', 'http://localhost:*'],
  log: false,
  now: () => Date.now(),
  caps: { scSessions: 10_000, replayIvs: 250_000, families: 10_000, tokensPerFamily: 1_000 },
};

export function normalizeBasePath(p: string | undefined): string {
  if (!p || p === '/') return '';
  let s = p.trim();
  if (!s.startsWith('/')) s = '/' + s;
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

/** What `createGateway` takes: any option, and any subset of the caps. */
export type GatewayInput = Partial<Omit<GatewayOptions, 'caps'>> & { caps?: Partial<GatewayCaps> };

export function resolveOptions(partial: GatewayInput = {}): GatewayOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: GatewayOptions = { ...DEFAULT_OPTIONS, ...defined } as GatewayOptions;
  o.basePath = normalizeBasePath(o.basePath);
  if (!['local', 'test', 'production'].includes(o.mode)) throw new Error(`gateway: bad mode ${String(o.mode)}`);
  if (!['json', 'octet'].includes(o.binaryContentType)) throw new Error(`gateway: bad binaryContentType ${String(o.binaryContentType)}`);
  for (const k of ['windowMs', 'accessTtl', 'sessionTtl', 'refreshTtl', 'loginTtl', 'maxBodyBytes'] as const) {
    if (!Number.isFinite(o[k]) || o[k] <= 0) throw new Error(`gateway: ${k} must be a positive number`);
  }
  o.caps = { ...DEFAULT_OPTIONS.caps, ...partial.caps };
  for (const [k, v] of Object.entries(o.caps)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`gateway: caps.${k} must be a positive integer`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`gateway: bad port ${o.port}`);
  return o;
}

export function rateLimitFor(o: GatewayOptions, route: string): number | undefined {
  if (o.rateLimits === false) return undefined;
  if (!(route in DEFAULT_RATE_LIMITS)) return undefined;
  const r = route as RateLimitedRoute;
  return o.rateLimits[r] ?? DEFAULT_RATE_LIMITS[r];
}
