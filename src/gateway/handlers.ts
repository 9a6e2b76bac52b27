/**
 * Endpoint logic (§5–§7 secure channel, §11 auth). Handlers return data or throw GatewayError;
 * the server decides whether the answer goes out plain or encrypted (§12).
 */
import { randomUUID } from 'node:crypto';
import { randomBase64url } from './random';
import type { IncomingMessage } from 'node:http';
import { decodeBase64Any } from './envelope';
import { GatewayError, type HandlerResult } from './http';
import { signJwt, verifyJwt } from './jwt';
import { unwrapAesKey, type KeyRing } from './keys';
import type { GatewayLocale } from './messages';
import type { GatewayOptions } from './options';
import type { GatewayStore, ScSession, TokenFamily } from './store';
import { validateStrict, validationError } from './validate';
import { t } from './messages';

export interface Core {
  opts: GatewayOptions;
  store: GatewayStore;
  keys: KeyRing;
  jwtSecret: Buffer;
  now(): number;
}

export interface RequestCtx {
  req: IncomingMessage;
  method: string;
  path: string;
  route: string;
  portal: string;
  locale: GatewayLocale;
  clientHash: string | undefined;
  clientKey: string;
}

export const MFA = { EMAIL: 10011001, OTP: 10011002, BACKUP_CODE: 10011005 } as const;
export const DEMO_ACCOUNT_ID = '1000000000000000001';

export function scSessionHeader(req: IncomingMessage): string | undefined {
  const v = req.headers['x-secure-channel-session-id'] ?? req.headers['x-sc-session-id'];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.trim() || undefined : undefined;
}

/** A live (not expired) SC session; expired ones are dropped on sight. */
export function liveScSession(core: Core, id: string | undefined): ScSession | undefined {
  if (!id) return undefined;
  const s = core.store.getScSession(id);
  if (!s) return undefined;
  if (s.expiresAt <= core.now()) {
    core.store.deleteScSession(id);
    return undefined;
  }
  return s;
}

function fingerprintRequired(): GatewayError {
  return new GatewayError(403, 'AUTH.FINGERPRINT_MISMATCH', 'HEADER_MISSING', { header: 'X-Client-Hash' });
}

function fingerprintMismatch(): GatewayError {
  return new GatewayError(403, 'AUTH.FINGERPRINT_MISMATCH', 'FINGERPRINT_MISMATCH');
}

export function newScSession(core: Core, keyId: string, requestKey: Buffer, responseKey: Buffer, clientHash: string): ScSession {
  const now = core.now();
  const s: ScSession = {
    id: 'sess_' + randomBase64url(18),
    keyId,
    requestKey,
    responseKey,
    clientHash,
    createdAt: now,
    expiresAt: now + core.opts.sessionTtl * 1000,
  };
  core.store.putScSession(s);
  return s;
}

// ---------------------------------------------------------------- §5 public key

export function publicKey(core: Core): HandlerResult {
  try {
    const k = core.keys.current;
    return {
      data: { keyId: k.keyId, publicKey: k.publicKeyB64, algorithm: 'RSA-OAEP-2048', keySize: 2048, createdAt: k.createdAt, expiresAt: null },
    };
  } catch {
    throw new GatewayError(500, '5000', 'PUBLIC_KEY_FAILED');
  }
}

// ---------------------------------------------------------------- §6 session

/** Unwraps both keys for `keyId`; "4000" errors as §6 documents. Shared by /session and type 1. */
export function unwrapSessionKeys(core: Core, keyId: string, encReq: Buffer, encResp: Buffer): { requestKey: Buffer; responseKey: Buffer } {
  const key = core.keys.active(keyId);
  if (!key) throw new GatewayError(400, '4000', 'SC_KEY_ID_INVALID');
  const requestKey = unwrapAesKey(key, encReq);
  const responseKey = requestKey && unwrapAesKey(key, encResp);
  if (!requestKey || !responseKey) throw new GatewayError(400, '4000', 'SC_KEY_DECRYPT_FAILED');
  return { requestKey, responseKey };
}

export function createSession(core: Core, ctx: RequestCtx, body: unknown): HandlerResult {
  if (!ctx.clientHash) throw fingerprintRequired();
  const b = validateStrict<{ keyId: string; encReqKey: string; encRespKey: string }>(
    body,
    { keyId: { type: 'string', max: 255 }, encReqKey: { type: 'string', max: 2048 }, encRespKey: { type: 'string', max: 2048 } },
    ctx.locale,
  );
  if (!core.keys.active(b.keyId)) throw new GatewayError(400, '4000', 'SC_KEY_ID_INVALID');
  const req = decodeBase64Any(b.encReqKey);
  const resp = decodeBase64Any(b.encRespKey);
  if (!req || !resp) throw new GatewayError(400, '4000', 'SC_KEY_DECRYPT_FAILED');
  const { requestKey, responseKey } = unwrapSessionKeys(core, b.keyId, req.bytes, resp.bytes);
  const s = newScSession(core, b.keyId, requestKey, responseKey, ctx.clientHash);
  return { data: { sessionId: s.id, expiresAt: s.expiresAt } };
}

// ---------------------------------------------------------------- §7 session close

export function closeSession(core: Core, ctx: RequestCtx): HandlerResult {
  const id = scSessionHeader(ctx.req);
  if (!id) throw new GatewayError(400, '4000', 'SC_SESSION_HEADER_REQUIRED');
  const s = liveScSession(core, id);
  // Idempotent (§7); but a live session can only be closed by the client it is bound to (§12).
  if (s && s.clientHash !== ctx.clientHash) throw fingerprintMismatch();
  core.store.deleteScSession(id);
  return { data: null };
}

// ---------------------------------------------------------------- §11 auth

function issuePair(core: Core, family: TokenFamily): { accessToken: string; refreshToken: string } {
  const nowMs = core.now();
  const iat = Math.floor(nowMs / 1000);
  const accessToken = signJwt(
    { sub: family.accountId, sid: family.id, iat, exp: iat + core.opts.accessTtl, jti: randomBase64url(9) },
    core.jwtSecret,
  );
  const refreshToken = randomBase64url(32);
  core.store.putRefreshToken(refreshToken, { familyId: family.id, state: 'current', expiresAt: nowMs + core.opts.refreshTtl * 1000 });
  return { accessToken, refreshToken };
}

/** Starts a token family and returns its first pair (also used by Gateway.issueTokens for tests). */
export function startFamily(core: Core, clientHash: string, portal: string, accountId = DEMO_ACCOUNT_ID) {
  const family: TokenFamily = { id: randomUUID(), accountId, clientHash, portal, createdAt: core.now(), revoked: false, generation: 0 };
  core.store.putFamily(family);
  return { family, ...issuePair(core, family) };
}

export function loginInitiate(core: Core, ctx: RequestCtx, body: unknown): HandlerResult {
  const b = validateStrict<{ email: string; password: string }>(
    body,
    { email: { type: 'string', max: 320 }, password: { type: 'string', min: 8, max: 128 } },
    ctx.locale,
  );
  if (!ctx.clientHash) throw fingerprintRequired();
  if (b.email.trim().toLowerCase() !== core.opts.demoEmail.toLowerCase() || b.password !== core.opts.demoPassword) {
    throw new GatewayError(401, 'AUTH.INVALID_CREDENTIALS', 'INVALID_CREDENTIALS');
  }
  const id = randomUUID();
  core.store.putLoginSession({
    id,
    accountId: DEMO_ACCOUNT_ID,
    clientHash: ctx.clientHash,
    portal: ctx.portal,
    expiresAt: core.now() + core.opts.loginTtl * 1000,
  });
  return {
    data: {
      sessionId: id,
      mfaMethods: [{ code: 'OTP', value: MFA.OTP, label: 'OTP' }],
      expiresIn: core.opts.loginTtl,
      accountStatus: null,
    },
  };
}

export function loginComplete(core: Core, ctx: RequestCtx, body: unknown): HandlerResult {
  const b = validateStrict<{ sessionId: string; method: number; code: string }>(
    body,
    { sessionId: { type: 'string', max: 128 }, method: { type: 'integer' }, code: { type: 'string', min: 6, max: 10 } },
    ctx.locale,
  );
  const known: number[] = [MFA.EMAIL, MFA.OTP, MFA.BACKUP_CODE];
  if (!known.includes(b.method)) throw validationError({ method: [t('V_MFA_METHOD', ctx.locale)] });
  const ls = core.store.getLoginSession(b.sessionId);
  if (!ls || ls.expiresAt <= core.now() || ls.portal !== ctx.portal) {
    if (ls) core.store.deleteLoginSession(ls.id);
    throw new GatewayError(404, 'AUTH.SESSION_NOT_FOUND', 'LOGIN_SESSION_INVALID');
  }
  if (ls.clientHash !== ctx.clientHash) throw fingerprintMismatch();
  // The demo account offers OTP only; other documented methods are valid codes but not offered here.
  if (b.method !== MFA.OTP) throw validationError({ method: [t('V_MFA_METHOD', ctx.locale)] });
  if (b.code !== core.opts.demoOtp) throw new GatewayError(400, 'AUTH.MFA_CODE_INVALID', 'MFA_CODE_INVALID');
  core.store.deleteLoginSession(ls.id);
  const pair = startFamily(core, ls.clientHash, ctx.portal, ls.accountId);
  return {
    data: { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: core.opts.accessTtl, accountStatus: null, tokenType: 'Bearer' },
  };
}

const REFRESH_BODY = { refreshToken: { type: 'string', max: 4096 } } as const;

function refreshTokenInvalid(): GatewayError {
  return new GatewayError(401, 'AUTH.REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_INVALID');
}

export function refresh(core: Core, ctx: RequestCtx, body: unknown): HandlerResult {
  const b = validateStrict<{ refreshToken: string }>(body, REFRESH_BODY, ctx.locale);
  const invalid = refreshTokenInvalid;
  const rec = core.store.getRefreshToken(b.refreshToken);
  if (!rec || rec.expiresAt <= core.now()) throw invalid();
  const family = core.store.getFamily(rec.familyId);
  if (!family || family.revoked || family.portal !== ctx.portal) throw invalid();
  // Fingerprint before reuse: a stranger replaying an old token must not be able to kill the family.
  if (family.clientHash !== ctx.clientHash) throw fingerprintMismatch();
  if (rec.state === 'rotated') {
    if (core.opts.reuseDetection) {
      family.revoked = true;
      family.revokedReason = 'reuse';
      core.store.putFamily(family);
    }
    throw invalid();
  }
  rec.state = 'rotated';
  core.store.putRefreshToken(b.refreshToken, rec);
  family.generation++;
  core.store.putFamily(family);
  const pair = issuePair(core, family);
  return { data: { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: core.opts.accessTtl } };
}

export function logout(core: Core, ctx: RequestCtx): HandlerResult {
  const auth = ctx.req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!m) throw new GatewayError(401, 'ACCESS.TOKEN_MISSING', 'TOKEN_MISSING');
  const claims = verifyJwt(m[1]!, core.jwtSecret);
  if (!claims || claims.exp * 1000 <= core.now()) throw new GatewayError(401, 'ACCESS.UNAUTHORIZED', 'TOKEN_INVALID');
  const family = core.store.getFamily(claims.sid);
  if (!family || family.portal !== ctx.portal) throw new GatewayError(401, 'ACCESS.UNAUTHORIZED', 'TOKEN_INVALID');
  if (family.clientHash !== ctx.clientHash) throw fingerprintMismatch();
  let terminated = 0;
  if (!family.revoked) {
    family.revoked = true;
    family.revokedReason = 'logout';
    core.store.putFamily(family);
    terminated = 1;
  }
  return { data: { success: true, terminatedSessions: terminated } };
}
