/**
 * Coded errors shared by every Keyhole module.
 *
 * Every failure carries a stable `code` (callers branch on it, never on the message). Crypto failures
 * use generic messages on purpose (panva/jose style): a message must not tell an attacker *which*
 * check failed beyond what the code already says. Messages are prefixed with the component
 * ("envelope: bad magic") so logs read well without the code.
 */

export type ErrorCode =
  | 'ENVELOPE_BAD_MAGIC'
  | 'ENVELOPE_BAD_VERSION'
  | 'ENVELOPE_BAD_TYPE'
  | 'ENVELOPE_TRUNCATED'
  | 'ENVELOPE_MALFORMED'
  | 'AEAD_AUTH_FAILED'
  | 'AEAD_BAD_KEY'
  | 'AEAD_BAD_IV'
  | 'RSA_BAD_KEY'
  | 'RSA_UNWRAP_FAILED'
  | 'JWT_MALFORMED'
  | 'SCHEMA_INVALID'
  | 'INPUT_INVALID'
  | 'NO_KEY'
  | 'SC_SESSION_NOT_FOUND'
  | 'SC_HANDSHAKE_FAILED'
  | 'SC_INVALID_PAYLOAD'
  | 'SC_REPLAY_DETECTED'
  | 'REFRESH_REJECTED'
  | 'RATE_LIMITED'
  | 'FINGERPRINT_MISMATCH'
  | 'PERMISSION_DENIED'
  | 'TOKEN_MISSING'
  | 'INVALID_CREDENTIALS'
  | 'MFA_CODE_INVALID'
  /** The login session (between login/initiate and login/complete, §11) expired or ran out of attempts: start over. */
  | 'LOGIN_SESSION_EXPIRED'
  /** §11 AUTH.TOO_MANY_ATTEMPTS: the login session took too many codes; start over. */
  | 'TOO_MANY_ATTEMPTS'
  /** §11 AUTH.MFA_SEND_COOLDOWN: wait before asking for another code. */
  | 'MFA_SEND_COOLDOWN'
  | 'ACCOUNT_LOCKED'
  | 'ACCOUNT_SUSPENDED'
  | 'ACCOUNT_REJECTED'
  /** §11 ACCESS.UNAUTHORIZED (or numeric "4010"): the access token is missing its authority or expired. */
  | 'UNAUTHORIZED'
  | 'VALIDATION_FAILED'
  | 'SERVER_ERROR'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'SESSION_DEAD'
  | 'WORKER_UNAVAILABLE'
  /** A hand-made request (resend, compose, `keyhole send`) would present a refresh token known to be spent: blocked before sending (§12 reuse revokes the family). */
  | 'TOKEN_SPENT';

/** Optional context attached to an error; all fields are plain data (safe to structured-clone). */
export interface KeyholeErrorExtra {
  /** HTTP status of the response that caused the error, if any. */
  status?: number;
  /** The server's own `code` (e.g. `AUTH.REFRESH_TOKEN_INVALID`), kept verbatim. */
  serverCode?: string;
  /** From `Retry-After` (§12 rate limits), in milliseconds. */
  retryAfterMs?: number;
  /** Extra structured detail (e.g. validation field errors). Never secrets. */
  details?: unknown;
  /** Underlying error, for debugging; not serialized by `toJSON`. */
  cause?: unknown;
}

export class KeyholeError extends Error {
  readonly code: ErrorCode;
  status?: number;
  serverCode?: string;
  retryAfterMs?: number;
  details?: unknown;

  constructor(code: ErrorCode, message?: string, extra?: KeyholeErrorExtra) {
    super(message ?? code, extra?.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'KeyholeError';
    this.code = code;
    if (extra?.status !== undefined) this.status = extra.status;
    if (extra?.serverCode !== undefined) this.serverCode = extra.serverCode;
    if (extra?.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra?.details !== undefined) this.details = extra.details;
  }

  /** Plain object for crossing context boundaries (chrome.runtime messages are JSON). */
  toJSON(): { name: string; code: ErrorCode; message: string; status?: number; serverCode?: string; retryAfterMs?: number; details?: unknown } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status !== undefined && { status: this.status }),
      ...(this.serverCode !== undefined && { serverCode: this.serverCode }),
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}

/** True when `e` is a KeyholeError (optionally with the given code). Works across realms by duck typing. */
export function isKeyholeError(e: unknown, code?: ErrorCode): e is KeyholeError {
  if (e instanceof KeyholeError) return code === undefined || e.code === code;
  // Errors rebuilt after a structured clone lose their prototype; accept the shape too.
  if (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'KeyholeError' && typeof (e as { code?: unknown }).code === 'string') {
    return code === undefined || (e as { code: string }).code === code;
  }
  return false;
}
