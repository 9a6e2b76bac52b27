/**
 * SCv2 authentication calls (§11): login initiate/complete, refresh, logout.
 *
 * Sends exactly the documented fields (the gateway rejects unknown ones, §11), validates every response
 * with the protocol's zod schemas and turns every server "no" into a coded KeyholeError. Tokens are
 * returned, never logged.
 *
 * Refresh tokens are single-use (§11, §12): `refresh()` sends a token at most once. The only resend is
 * SecureChannel's SESSION_NOT_FOUND retry, which is safe because the server refused before decrypting
 * (see `SecureChannel.call`). Serialising refreshes and persisting the new pair is the caller's job
 * (the extension's session store), because only it knows where the pair lives.
 */
import type * as z from '../protocol/zod';
import { accessTokenExpiry } from '../protocol/jwt';
import { authPaths, type Portal } from '../protocol/paths';
import { buildGatewayHeaders, type GatewayHeaderOptions } from '../protocol/headers';
import { LoginInitiateData, LogoutData, RefreshData, TokenPairData } from '../protocol/schemas';
import type { SecureChannel, ChannelHeaderOptions } from './secure-channel';
import { sendRequest, type FetchLike, type RequestControl } from './transport';
import { assertSuccess, decodeResponse, validateData } from './read-response';
import { fromBase64 } from '../protocol/bytes';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds, as the server sent it. */
  expiresIn: number;
  /** Epoch ms when the client received the pair (injected clock). */
  receivedAt: number;
  /** Epoch ms: the JWT's `exp`, else `receivedAt + expiresIn` (§12 "access token"). */
  accessExpiresAt: number;
  tokenType?: string;
}

export type LoginInitiateResult = z.infer<typeof LoginInitiateData>;
export type LogoutResult = z.infer<typeof LogoutData>;

/** MFA method codes (§11), re-exported for callers of `loginComplete`. */
export { MFA_METHOD } from '../protocol/schemas';

export interface AuthClientOptions {
  channel: SecureChannel;
  /** Default `system`. */
  portal?: Portal;
  /** For the plain (non-SC) logout call; default: the channel's. */
  fetch?: FetchLike;
  /** Default: the channel's header source. */
  headers?: () => ChannelHeaderOptions | Promise<ChannelHeaderOptions>;
  /** Default: `Date.now`. Stamps `receivedAt`. */
  now?: () => number;
}

export class AuthClient {
  private readonly channel: SecureChannel;
  private readonly portal: Portal;
  private readonly fetchFn: FetchLike;
  private readonly headers: () => ChannelHeaderOptions | Promise<ChannelHeaderOptions>;
  private readonly now: () => number;

  constructor(options: AuthClientOptions) {
    this.channel = options.channel;
    this.portal = options.portal ?? options.channel.portal ?? 'system';
    this.fetchFn = options.fetch ?? options.channel.fetchFn;
    this.headers = options.headers ?? (() => options.channel.headerOptions());
    this.now = options.now ?? Date.now;
  }

  private get paths(): ReturnType<typeof authPaths> {
    return authPaths(this.portal);
  }

  /** §11: `{email, password}` → login session id and MFA methods. */
  async loginInitiate(email: string, password: string, control: RequestControl = {}): Promise<LoginInitiateResult> {
    const r = await this.channel.call<LoginInitiateResult>(this.paths.loginInitiate, { email, password }, { ...control, schema: LoginInitiateData });
    return r.data;
  }

  /** §11: `{sessionId, method, code}` → token pair. */
  async loginComplete(loginSessionId: string, method: number, code: string, control: RequestControl = {}): Promise<TokenPair> {
    const r = await this.channel.call<z.infer<typeof TokenPairData>>(
      this.paths.loginComplete,
      { sessionId: loginSessionId, method, code },
      { ...control, schema: TokenPairData },
    );
    return this.toPair(r.data);
  }

  /**
   * §11: sends exactly `{"refreshToken": …}` and returns the rotated pair. Never retried after the
   * server may have seen it: on NETWORK_ERROR/TIMEOUT the token's fate is unknown and the caller must
   * treat it as possibly spent.
   */
  async refresh(refreshToken: string, control: RequestControl & { gate?: Promise<unknown> } = {}): Promise<TokenPair> {
    const r = await this.channel.call<z.infer<typeof RefreshData>>(this.paths.refresh, { refreshToken }, { ...control, schema: RefreshData });
    return this.toPair(r.data);
  }

  /**
   * §11: JWT-authenticated, not encrypted, no body. The response is normally plain JSON; if a server
   * answers encrypted anyway, the channel's current response key is tried.
   */
  async logout(accessToken: string, control: RequestControl = {}): Promise<LogoutResult> {
    const h = await this.headers();
    const headers = buildGatewayHeaders({ ...h, accessToken, requestId: globalThis.crypto.randomUUID() } as GatewayHeaderOptions);
    const raw = await sendRequest(this.fetchFn, `${this.channel.apiBase}${this.paths.logout}`, { method: 'POST', headers }, {
      signal: control.signal,
      timeoutMs: control.timeoutMs ?? this.channel.defaultTimeoutMs,
    });
    const s = this.channel.peekState();
    const decoded = await decodeResponse(raw, s ? fromBase64(s.responseKey) : undefined);
    assertSuccess(decoded);
    return validateData(LogoutData, decoded.envelope.data, decoded.status);
  }

  private toPair(d: { accessToken: string; refreshToken: string; expiresIn: number; tokenType?: string | null }): TokenPair {
    const receivedAt = this.now();
    let accessExpiresAt: number;
    try {
      accessExpiresAt = accessTokenExpiry(d.accessToken, d.expiresIn, receivedAt);
    } catch {
      // Opaque or malformed access token: fall back to the documented lifetime (§11).
      accessExpiresAt = receivedAt + d.expiresIn * 1000;
    }
    return {
      accessToken: d.accessToken,
      refreshToken: d.refreshToken,
      expiresIn: d.expiresIn,
      receivedAt,
      accessExpiresAt,
      ...(typeof d.tokenType === 'string' ? { tokenType: d.tokenType } : {}),
    };
  }
}
