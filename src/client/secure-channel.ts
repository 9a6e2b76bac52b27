/**
 * SCv2 client session: handshake, reuse, encrypted calls, close (§5–§8, §10, §12).
 *
 * Runtime-agnostic: `fetch`, the clock and the state store are injected, so the same class runs in the
 * extension's service worker, in Node and in tests. The service worker may be stopped at any moment,
 * so everything needed to continue a session (`ScSessionState`) goes to the optional store as soon as
 * it exists, and a fresh `SecureChannel` picks it up from there.
 *
 * Never logs: the state holds the raw AES keys.
 */
import * as z from '../protocol/zod';
import { KeyholeError, isKeyholeError } from '../protocol/errors';
import { fromBase64, toBase64 } from '../protocol/bytes';
import { sealMessage } from '../protocol/message';
import type { Aead } from '../protocol/aead';
import { generateAesKey, wrapSessionKeys } from '../protocol/rsa';
import { PublicKeyData, SessionCreateData } from '../protocol/schemas';
import { buildGatewayHeaders, type GatewayHeaderOptions } from '../protocol/headers';
import { scRoot, type Portal } from '../protocol/paths';
import { raceSignal, sendRequest, type FetchLike, type RequestControl } from './transport';
import { assertSuccess, decodeResponse, validateData, type ResponseForm } from './read-response';

/** What a session needs to survive a service-worker restart. Keys are standard Base64 of 32 bytes. */
export interface ScSessionState {
  keyId: string;
  sessionId: string;
  /** Epoch ms, from the server (§6). */
  expiresAt: number;
  requestKey: string;
  responseKey: string;
}

/** Shape check for stored state: storage can hold anything (older versions, manual edits). */
export const ScSessionStateSchema = z.object({
  keyId: z.string().check(z.minLength(1)),
  sessionId: z.string().check(z.minLength(1)),
  expiresAt: z.number(),
  requestKey: z.string().check(z.minLength(1)),
  responseKey: z.string().check(z.minLength(1)),
});

export interface ScStateStore {
  load(): Promise<ScSessionState | undefined>;
  /** `undefined` clears the stored state. */
  save(state: ScSessionState | undefined): Promise<void>;
}

/** Gateway header options the caller controls; the channel adds session id, token and request id. */
export type ChannelHeaderOptions = Omit<GatewayHeaderOptions, 'sessionId' | 'accessToken' | 'requestId'>;

export interface SecureChannelOptions {
  /** e.g. `http://127.0.0.1:18020/prometheus` (§1). */
  apiBase: string;
  portal?: Portal;
  fetch: FetchLike;
  /** Called for every request, so a changed locale or fingerprint applies at once. */
  headers: () => ChannelHeaderOptions | Promise<ChannelHeaderOptions>;
  /** Clock in epoch ms (default `Date.now`). */
  now?: () => number;
  aead?: Aead;
  /** Request body form (§12: the extension sends binary type 2). */
  form?: 'binary' | 'json';
  store?: ScStateStore;
  /** Default per-request timeout in ms (each HTTP exchange, handshake steps included). */
  timeoutMs?: number;
}

export interface CallOptions<S extends z.core.$ZodType = z.core.$ZodType> extends RequestControl {
  accessToken?: string;
  /** Validates `envelope.data` → `SCHEMA_INVALID` on mismatch. */
  schema?: S;
  /**
   * The request leaves only once this has resolved; if it rejects, nothing is sent and the call rejects
   * with its reason. The body is sealed meanwhile, so a write the request must wait for (the refresh's
   * in-flight marker) and the sealing overlap instead of following each other (issue #12).
   */
  gate?: Promise<unknown>;
}

export interface CallResult<T> {
  status: number;
  form: ResponseForm;
  envelope: { success: boolean; code: string; message: string; data?: unknown; version?: string; timestamp?: number };
  data: T;
}

/** §12: the client treats a session as expired 60 s before `expiresAt`, so it never sends on a dying one. */
export const SESSION_EXPIRY_MARGIN_MS = 60_000;

export class SecureChannel {
  readonly apiBase: string;
  readonly portal: Portal | undefined;
  readonly form: 'binary' | 'json';
  private readonly opts: SecureChannelOptions;
  private readonly now: () => number;
  private state: ScSessionState | undefined;
  private loaded = false;
  private inflight: Promise<ScSessionState> | undefined;
  private handshakes = 0;

  constructor(options: SecureChannelOptions) {
    this.opts = options;
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.portal = options.portal;
    this.form = options.form ?? 'binary';
    this.now = options.now ?? Date.now;
  }

  /** How many handshakes this instance has started (diagnostics and tests). */
  get handshakeCount(): number {
    return this.handshakes;
  }

  /** The current session state if one is known and still usable, without any I/O. */
  peekState(): ScSessionState | undefined {
    return this.state && this.isFresh(this.state) ? this.state : undefined;
  }

  /** The fetch and header source, shared with AuthClient for its plain (non-SC) calls. */
  get fetchFn(): FetchLike {
    return this.opts.fetch;
  }
  async headerOptions(): Promise<ChannelHeaderOptions> {
    return this.opts.headers();
  }
  get defaultTimeoutMs(): number | undefined {
    return this.opts.timeoutMs;
  }

  private isFresh(s: ScSessionState): boolean {
    return s.expiresAt - SESSION_EXPIRY_MARGIN_MS > this.now();
  }

  /**
   * A usable session: the one in memory or in the store while it is more than 60 s from expiry,
   * otherwise a new handshake. Concurrent callers share one in-flight handshake (§10). An aborted
   * `signal` stops this caller from waiting; the shared handshake itself runs on.
   */
  session(control: RequestControl = {}): Promise<ScSessionState> {
    if (this.state && this.isFresh(this.state)) return Promise.resolve(this.state);
    if (!this.inflight) {
      const p = this.obtain();
      this.inflight = p;
      const clear = (): void => {
        if (this.inflight === p) this.inflight = undefined;
      };
      p.then(clear, clear);
    }
    return raceSignal(this.inflight, control.signal);
  }

  private async obtain(): Promise<ScSessionState> {
    if (!this.loaded) {
      this.loaded = true;
      const stored = await this.loadStored();
      if (stored && this.isFresh(stored)) {
        this.state = stored;
        return stored;
      }
    }
    if (this.state && this.isFresh(this.state)) return this.state;
    const next = await this.handshake();
    this.state = next;
    await this.opts.store?.save(next);
    return next;
  }

  private async loadStored(): Promise<ScSessionState | undefined> {
    if (!this.opts.store) return undefined;
    let raw: unknown;
    try {
      raw = await this.opts.store.load();
    } catch {
      return undefined; // an unreadable store only costs a handshake
    }
    const parsed = ScSessionStateSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  private url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.apiBase}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  private scUrl(suffix: string): string {
    return `${scRoot(this.apiBase, this.portal)}${suffix}`;
  }

  private async baseHeaders(extra: Partial<GatewayHeaderOptions> = {}): Promise<Record<string, string>> {
    const h = await this.opts.headers();
    return buildGatewayHeaders({ ...h, ...extra, requestId: globalThis.crypto.randomUUID() } as GatewayHeaderOptions);
  }

  /** §10: public key → two fresh AES keys → RSA-OAEP both → POST /session. */
  private async handshake(): Promise<ScSessionState> {
    this.handshakes++;
    const control: RequestControl = { timeoutMs: this.opts.timeoutMs };
    const pkRaw = await sendRequest(this.opts.fetch, this.scUrl('/public-key'), { method: 'GET', headers: await this.baseHeaders() }, control);
    const pk = await this.plainStep(pkRaw, PublicKeyData);
    const requestKey = await generateAesKey();
    const responseKey = await generateAesKey();
    const wrapped = await wrapSessionKeys(pk.publicKey, requestKey, responseKey);
    const body = JSON.stringify({ keyId: pk.keyId, encReqKey: wrapped.encReqKey, encRespKey: wrapped.encRespKey });
    const sessRaw = await sendRequest(this.opts.fetch, this.scUrl('/session'), { method: 'POST', headers: await this.baseHeaders(), body }, control);
    const sess = await this.plainStep(sessRaw, SessionCreateData);
    return { keyId: pk.keyId, sessionId: sess.sessionId, expiresAt: sess.expiresAt, requestKey: toBase64(requestKey), responseKey: toBase64(responseKey) };
  }

  /** A handshake step's response: plain JSON. A generic server "no" becomes SC_HANDSHAKE_FAILED (§5, §6). */
  private async plainStep<S extends z.core.$ZodType>(raw: Awaited<ReturnType<typeof sendRequest>>, schema: S): Promise<z.infer<S>> {
    const decoded = await decodeResponse(raw, undefined, this.opts.aead);
    try {
      assertSuccess(decoded);
    } catch (e) {
      if (isKeyholeError(e, 'SERVER_ERROR') || isKeyholeError(e, 'VALIDATION_FAILED')) {
        throw new KeyholeError('SC_HANDSHAKE_FAILED', `client: handshake refused: ${e.message}`, {
          status: e.status,
          serverCode: e.serverCode,
          cause: e,
        });
      }
      throw e;
    }
    return validateData(schema, decoded.envelope.data, decoded.status);
  }

  /** Forget `sessionId` (only if it is still the current one: a concurrent caller may already have replaced it). */
  async discard(sessionId: string): Promise<void> {
    if (this.state?.sessionId !== sessionId) return;
    this.state = undefined;
    await this.opts.store?.save(undefined);
  }

  /**
   * Encrypt `body` (JSON) under the request key, POST it to `path` (relative to apiBase, or absolute),
   * decrypt the answer and return its envelope and validated `data`. `success:false` → thrown KeyholeError.
   *
   * Retry policy — exactly one case is retried: `SECURE_CHANNEL.SESSION_NOT_FOUND`. The gateway answers it
   * from the session-id header alone, *before* it could decrypt the body (§12 "encrypted vs plain errors":
   * it is a plain error, and without the session it has no key to decrypt with). So the request's content
   * — e.g. a single-use refresh token — was never seen and sending it again on a new session cannot use
   * it twice. Every other failure (network error, timeout, any other server answer) is thrown without a
   * retry, because the server may have acted on the request: a refresh is sent at most once per token.
   */
  async call<T = unknown, S extends z.core.$ZodType = z.core.$ZodType>(path: string, body: unknown, options: CallOptions<S> = {}): Promise<CallResult<T>> {
    options.gate?.catch(() => undefined); // it may reject while the body is sealed: its reason is thrown where it is awaited
    const first = await this.session(options);
    try {
      return await this.callOnce<T>(first, path, body, options);
    } catch (e) {
      if (!isKeyholeError(e, 'SC_SESSION_NOT_FOUND')) throw e;
      await this.discard(first.sessionId);
      const second = await this.session(options);
      try {
        return await this.callOnce<T>(second, path, body, options);
      } catch (e2) {
        if (isKeyholeError(e2, 'SC_SESSION_NOT_FOUND')) await this.discard(second.sessionId);
        throw e2;
      }
    }
  }

  private async callOnce<T>(s: ScSessionState, path: string, body: unknown, options: CallOptions): Promise<CallResult<T>> {
    const requestKey = fromBase64(s.requestKey);
    const responseKey = fromBase64(s.responseKey);
    const plaintext = JSON.stringify(body ?? {});
    const sealed = await sealMessage(plaintext, {
      key: requestKey,
      form: this.form,
      ...(this.form === 'binary' ? { type: 2 as const } : {}),
      ...(this.opts.aead ? { aead: this.opts.aead } : {}),
    });
    const headers = await this.baseHeaders({ sessionId: s.sessionId, ...(options.accessToken ? { accessToken: options.accessToken } : {}) });
    await options.gate;
    const raw = await sendRequest(
      this.opts.fetch,
      this.url(path),
      { method: 'POST', headers, body: sealed as BodyInit },
      { signal: options.signal, timeoutMs: options.timeoutMs ?? this.opts.timeoutMs },
    );
    const decoded = await decodeResponse(raw, responseKey, this.opts.aead);
    assertSuccess(decoded);
    const data = options.schema ? validateData(options.schema, decoded.envelope.data, decoded.status) : decoded.envelope.data;
    return { status: decoded.status, form: decoded.form, envelope: decoded.envelope, data: data as T };
  }

  /**
   * End the session (§7, §10): forget it locally first (it must not be reused whatever happens next),
   * then POST /session/close with `X-Secure-Channel-Session-Id`. Idempotent; no-op without a session.
   */
  async close(control: RequestControl = {}): Promise<void> {
    if (this.inflight) await this.inflight.catch(() => undefined);
    if (!this.loaded) {
      this.loaded = true;
      this.state = await this.loadStored();
    }
    const s = this.state;
    this.state = undefined;
    await this.opts.store?.save(undefined);
    if (!s) return;
    const headers = await this.baseHeaders({ sessionId: s.sessionId });
    headers['X-Secure-Channel-Session-Id'] = s.sessionId;
    const raw = await sendRequest(this.opts.fetch, this.scUrl('/session/close'), { method: 'POST', headers }, {
      signal: control.signal,
      timeoutMs: control.timeoutMs ?? this.opts.timeoutMs,
    });
    const decoded = await decodeResponse(raw, undefined, this.opts.aead);
    assertSuccess(decoded);
  }
}
