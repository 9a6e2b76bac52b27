/**
 * The network side of one environment: a SecureChannel (its state — the SC keys — in storage.session
 * via the injected store) and an AuthClient over it. The engine only sees the `EnvClient` interface,
 * so unit tests replace the whole network with a fake.
 */
import { SecureChannel, type ScStateStore } from '../../client/secure-channel';
import { AuthClient, type TokenPair, type LoginInitiateResult } from '../../client/auth-client';
import { sendRequest, type FetchLike } from '../../client/transport';
import type { Environment } from '../../domain/environment';
import { DEFAULT_CF, type CfSimulation } from '../../domain/environment';

export type { TokenPair, LoginInitiateResult };

export interface EnvClient {
  /** A usable SC session (handshake if needed). Spends no refresh token, so it can be retried freely. */
  ensureChannel(): Promise<void>;
  /** Sends the token only once `gate` (the in-flight marker's write) has resolved; nothing if it rejects. */
  refresh(refreshToken: string, gate?: Promise<unknown>): Promise<TokenPair>;
  loginInitiate(email: string, password: string): Promise<LoginInitiateResult>;
  loginComplete(loginSessionId: string, method: number, code: string): Promise<TokenPair>;
  logout(accessToken: string): Promise<void>;
  /** session/close (§7); forgets the keys first. */
  closeChannel(): Promise<void>;
  /** Resolves when the gateway answers anything at all (GET /actuator/health, §1); NETWORK_ERROR otherwise. */
  probe(): Promise<void>;
}

export interface EnvClientDeps {
  fetch: FetchLike;
  clientHash: string;
  store: ScStateStore;
  now?: () => number;
  timeoutMs?: number;
}

export function createEnvClient(env: Environment, deps: EnvClientDeps): EnvClient {
  const channel = new SecureChannel({
    apiBase: env.apiBase,
    portal: env.portal,
    fetch: deps.fetch,
    store: deps.store,
    now: deps.now,
    timeoutMs: deps.timeoutMs ?? 15_000,
    // Only local/test send the Cloudflare simulation (§3); buildGatewayHeaders drops it in production.
    headers: () => ({
      mode: env.mode,
      clientHash: deps.clientHash,
      locale: env.language,
      ...(env.portalCode ? { portalCode: env.portalCode } : {}),
      ...(env.mode !== 'production' ? { cf: cfHeaders(env.cf ?? DEFAULT_CF) } : {}),
    }),
  });
  const auth = new AuthClient({ channel, portal: env.portal, now: deps.now });
  return {
    async ensureChannel() {
      await channel.session();
    },
    refresh: (t, gate) => auth.refresh(t, gate ? { gate } : {}),
    loginInitiate: (e, p) => auth.loginInitiate(e, p),
    loginComplete: (id, m, c) => auth.loginComplete(id, m, c),
    async logout(accessToken) {
      await auth.logout(accessToken);
    },
    closeChannel: () => channel.close(),
    async probe() {
      // Any HTTP answer proves the host reachable; only a failed exchange throws (NETWORK_ERROR/TIMEOUT).
      await sendRequest(deps.fetch, `${channel.apiBase}/actuator/health`, { method: 'GET' }, { timeoutMs: 5_000 });
    },
  };
}

function cfHeaders(cf: CfSimulation): { ip: string; country: string; ray?: string } {
  return { ip: cf.ip, country: cf.country, ...(cf.ray ? { ray: cf.ray } : {}) };
}

/**
 * One client per environment (and per X-Client-Hash: followed sessions may carry the page's) per worker:
 * concurrent callers then share the channel's single in-flight handshake (§10). A changed environment
 * (URL, mode, language…) gets a fresh client. `clientHash` undefined: the profile's own hash.
 */
export class ClientPool {
  private readonly clients = new Map<string, { fingerprint: string; client: EnvClient }>();
  constructor(private readonly factory: (env: Environment, clientHash?: string) => EnvClient) {}

  get(env: Environment, clientHash?: string): EnvClient {
    const fingerprint = JSON.stringify(env);
    const id = clientHash === undefined ? env.id : `${env.id}#${clientHash}`;
    const hit = this.clients.get(id);
    if (hit && hit.fingerprint === fingerprint) return hit.client;
    const client = this.factory(env, clientHash);
    this.clients.set(id, { fingerprint, client });
    return client;
  }
}
