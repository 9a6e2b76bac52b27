/**
 * In-memory SCv2 server for client unit tests: a `fetch` function, built on node:crypto only (a second,
 * independent implementation of the envelope and the key exchange — it shares no code with src/protocol).
 * Every behaviour the tests need to force is a plain field or hook.
 */
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, randomBytes, randomUUID, type KeyObject } from 'node:crypto';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SPKI_B64 = (publicKey as KeyObject).export({ type: 'spki', format: 'der' }).toString('base64');

export const API_BASE = 'http://fake.test/prometheus';
export const KEY_ID = 'rsa-key-test';

export interface Envelope {
  success: boolean;
  code: string;
  message: string;
  data?: unknown;
  version?: string;
  timestamp?: number;
}

export interface Reply {
  status?: number;
  envelope?: unknown;
  /** Raw body (overrides envelope); sent as-is, never encrypted. */
  raw?: Uint8Array | string;
  headers?: Record<string, string>;
  /** Send the envelope in plain JSON even for an encrypted request (pre-decryption errors, §12). */
  plain?: boolean;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  form?: 'binary' | 'json';
  plaintext?: unknown;
  sessionId?: string;
}

interface Session {
  reqKey: Buffer;
  respKey: Buffer;
  expiresAt: number;
}

export function ok(data: unknown, code = '2000'): Envelope {
  return { version: '2.0.0', timestamp: 1711929600000, success: true, code, message: 'SUCCESS', data };
}
export function fail(code: string, message: string, data: unknown = null): Envelope {
  return { success: false, code, message, data };
}

function b64urlJson(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
export function makeJwt(payload: Record<string, unknown>): string {
  return `${b64urlJson({ alg: 'HS256', typ: 'JWT' })}.${b64urlJson(payload)}.sig`;
}

export function sealGcm(key: Buffer, plaintext: Buffer): { iv: Buffer; ct: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv, ct, tag: c.getAuthTag() };
}
export function openGcm(key: Buffer, iv: Buffer, ct: Buffer, tag: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}
export function binaryEnvelope(type: number, key: Buffer, plaintext: Buffer): Buffer {
  const { iv, ct, tag } = sealGcm(key, plaintext);
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, type]), iv, ct, tag]);
}
export function jsonEnvelope(key: Buffer, plaintext: Buffer): string {
  const { iv, ct, tag } = sealGcm(key, plaintext);
  return JSON.stringify({ v: 2, p: Buffer.concat([iv, ct, tag]).toString('base64') });
}

export type Handler = (req: SeenRequest, gw: FakeGateway) => Reply | Promise<Reply>;

export class FakeGateway {
  now: () => number;
  sessionTtlMs = 24 * 3600_000;
  sessions = new Map<string, Session>();
  requests: SeenRequest[] = [];
  /** Delay (ms, real or fake timers) before /session answers: lets concurrent callers pile up. */
  sessionDelayMs = 0;
  /** Answer the next N encrypted calls with SESSION_NOT_FOUND regardless of the session. */
  forceSessionNotFound = 0;
  /** Make fetch reject (network down). */
  networkDown = false;
  /** Never answer (for timeout tests). */
  hang = false;
  handlers = new Map<string, Handler>();
  private lastRefresh = 'refresh-0';
  private refreshCounter = 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.handlers.set('/web/v1/system/auth/login/initiate', (r) => {
      const b = r.plaintext as { email?: string; password?: string };
      if (b.email === 'demo@keyhole.test' && b.password === 'keyhole-demo-1') {
        return { envelope: ok({ sessionId: randomUUID(), mfaMethods: [{ code: 'OTP', value: 10011002, label: 'OTP' }], expiresIn: 300, accountStatus: null }) };
      }
      return { status: 401, envelope: fail('AUTH.INVALID_CREDENTIALS', 'Invalid email or password') };
    });
    this.handlers.set('/web/v1/system/auth/login/complete', () => ({ envelope: ok(this.issuePair()) }));
    this.handlers.set('/web/v1/system/auth/token/refresh', (r) => {
      const b = r.plaintext as { refreshToken?: string };
      if (b.refreshToken !== this.lastRefresh) return { status: 401, envelope: fail('AUTH.REFRESH_TOKEN_INVALID', 'Invalid or expired refresh token') };
      return { envelope: ok(this.issuePair()) };
    });
    this.handlers.set('/web/v1/system/auth/logout', (r) =>
      r.headers['authorization']?.startsWith('Bearer ')
        ? { envelope: ok({ success: true, terminatedSessions: 1 }) }
        : { status: 401, envelope: fail('ACCESS.TOKEN_MISSING', 'Token missing') },
    );
  }

  get publicKeyB64(): string {
    return SPKI_B64;
  }

  issuePair(): { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string; accountStatus: null } {
    this.refreshCounter++;
    this.lastRefresh = `refresh-${this.refreshCounter}`;
    const iat = Math.floor(this.now() / 1000);
    return { accessToken: makeJwt({ sub: 'acct-1', sid: 's1', iat, exp: iat + 3600 }), refreshToken: this.lastRefresh, expiresIn: 3600, tokenType: 'Bearer', accountStatus: null };
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path.endsWith(path)).length;
  }
  get handshakeCount(): number {
    return this.count('/secure-channel/session');
  }

  keysOf(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    if (this.networkDown) throw new TypeError('fetch failed');
    if (this.hang) {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    const u = new URL(url);
    const path = u.pathname.replace(/^\/prometheus/, '');
    const headers: Record<string, string> = {};
    new Headers(init.headers as HeadersInit).forEach((v, k) => (headers[k] = v));
    let body: Uint8Array | undefined;
    if (typeof init.body === 'string') body = Buffer.from(init.body);
    else if (init.body instanceof Uint8Array) body = init.body;
    const req: SeenRequest = { method: init.method ?? 'GET', path, headers, ...(body ? { body } : {}) };
    this.requests.push(req);
    const reply = await this.route(req);
    return this.toResponse(req, reply);
  };

  private async route(req: SeenRequest): Promise<Reply> {
    if (req.path === '/web/v1/secure-channel/public-key') {
      return { envelope: ok({ keyId: KEY_ID, publicKey: SPKI_B64, algorithm: 'RSA-OAEP-2048', keySize: 2048, createdAt: '2026-03-21T00:00:00Z', expiresAt: null }) };
    }
    if (req.path === '/web/v1/secure-channel/session') {
      if (this.sessionDelayMs) await new Promise((r) => setTimeout(r, this.sessionDelayMs));
      const b = JSON.parse(Buffer.from(req.body ?? []).toString()) as { keyId: string; encReqKey: string; encRespKey: string };
      if (b.keyId !== KEY_ID) return { status: 400, envelope: fail('4000', 'Invalid or expired RSA key ID') };
      const unwrap = (s: string): Buffer => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(s, 'base64'));
      const id = `sess_${randomUUID()}`;
      const expiresAt = this.now() + this.sessionTtlMs;
      this.sessions.set(id, { reqKey: unwrap(b.encReqKey), respKey: unwrap(b.encRespKey), expiresAt });
      return { envelope: ok({ sessionId: id, expiresAt }) };
    }
    if (req.path === '/web/v1/secure-channel/session/close') {
      const id = req.headers['x-secure-channel-session-id'] ?? req.headers['x-sc-session-id'];
      if (!id) return { status: 400, envelope: fail('4000', 'Session ID header is required') };
      this.sessions.delete(id);
      return { envelope: ok(null) };
    }
    const handler = this.handlers.get(req.path);
    if (!handler) return { status: 404, envelope: fail('SYSTEM.NOT_FOUND', 'Not found') };
    if (req.path.endsWith('/logout')) return handler(req, this);
    // Encrypted endpoint.
    const sid = req.headers['x-sc-session-id'];
    req.sessionId = sid;
    const sess = sid ? this.sessions.get(sid) : undefined;
    if (this.forceSessionNotFound > 0 || !sess) {
      if (this.forceSessionNotFound > 0) this.forceSessionNotFound--;
      return { status: 401, plain: true, envelope: fail('SECURE_CHANNEL.SESSION_NOT_FOUND', 'Secure channel session not found') };
    }
    const raw = Buffer.from(req.body ?? []);
    try {
      if (raw[0] === 0x53 && raw[1] === 0x43) {
        req.form = 'binary';
        if (raw[2] !== 2 || raw[3] !== 2) throw new Error('type');
        req.plaintext = JSON.parse(openGcm(sess.reqKey, raw.subarray(4, 16), raw.subarray(16, raw.length - 16), raw.subarray(raw.length - 16)).toString());
      } else {
        req.form = 'json';
        const p = Buffer.from((JSON.parse(raw.toString()) as { p: string }).p, 'base64');
        req.plaintext = JSON.parse(openGcm(sess.reqKey, p.subarray(0, 12), p.subarray(12, p.length - 16), p.subarray(p.length - 16)).toString());
      }
    } catch {
      return { status: 400, plain: true, envelope: fail('SECURE_CHANNEL.INVALID_PAYLOAD', 'Invalid payload') };
    }
    return handler(req, this);
  }

  private toResponse(req: SeenRequest, reply: Reply): Response {
    const status = reply.status ?? 200;
    const headers = { 'content-type': 'application/json;charset=UTF-8', ...(reply.headers ?? {}) };
    if (reply.raw !== undefined) return new Response(reply.raw as BodyInit, { status, headers });
    const text = JSON.stringify(reply.envelope);
    const sess = req.sessionId ? this.sessions.get(req.sessionId) : undefined;
    if (reply.plain || !req.form || !sess) return new Response(text, { status, headers });
    if (req.form === 'binary') return new Response(new Uint8Array(binaryEnvelope(0x81, sess.respKey, Buffer.from(text))), { status, headers });
    return new Response(jsonEnvelope(sess.respKey, Buffer.from(text)), { status, headers });
  }
}

/** Memory store shaped like the extension's chrome.storage.session wrapper. */
export class MemoryStore<T> {
  value: T | undefined;
  saves = 0;
  constructor(initial?: T) {
    this.value = initial;
  }
  async load(): Promise<T | undefined> {
    return this.value === undefined ? undefined : structuredClone(this.value);
  }
  async save(v: T | undefined): Promise<void> {
    this.saves++;
    this.value = v === undefined ? undefined : structuredClone(v);
  }
}
