/**
 * Map a server error response to a KeyholeError (spec §2 codes, §11 documented codes, §12 statuses).
 *
 * `success:false` is the authority (§2); the HTTP status is used only when there is no envelope or the
 * code is unknown (e.g. a bare 429). The server's `code` and `message` are kept on the error
 * (`serverCode`, `message`) so the UI can show the localized text.
 */
import { KeyholeError, type ErrorCode } from './errors';

export interface ServerErrorEnvelope {
  code?: string | number;
  message?: string;
  data?: unknown;
  success?: boolean;
}

const EXACT: Record<string, ErrorCode> = {
  'SECURE_CHANNEL.SESSION_NOT_FOUND': 'SC_SESSION_NOT_FOUND',
  'SECURE_CHANNEL.INVALID_PAYLOAD': 'SC_INVALID_PAYLOAD',
  'SECURE_CHANNEL.REPLAY_DETECTED': 'SC_REPLAY_DETECTED',
  'AUTH.REFRESH_TOKEN_INVALID': 'REFRESH_REJECTED',
  'RATE_LIMIT.EXCEEDED': 'RATE_LIMITED',
  'AUTH.FINGERPRINT_MISMATCH': 'FINGERPRINT_MISMATCH',
  'ACCESS.TOKEN_MISSING': 'TOKEN_MISSING',
  'ACCESS.PERMISSION_DENIED': 'PERMISSION_DENIED',
  'AUTH.INVALID_CREDENTIALS': 'INVALID_CREDENTIALS',
  'AUTH.MFA_CODE_INVALID': 'MFA_CODE_INVALID',
  // Unknown, expired or exhausted login session (401): the user must start the sign-in again.
  'AUTH.LOGIN_SESSION_INVALID': 'LOGIN_SESSION_EXPIRED',
};

function codeFor(status: number, serverCode: string | undefined): ErrorCode {
  if (serverCode) {
    const exact = EXACT[serverCode];
    if (exact) return exact;
    if (serverCode.startsWith('ACCESS.')) return 'PERMISSION_DENIED';
    if (serverCode.startsWith('VALIDATION.')) return 'VALIDATION_FAILED';
  }
  if (status === 429) return 'RATE_LIMITED';
  return 'SERVER_ERROR';
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined if absent
 * or unparseable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function errorFromResponse(status: number, envelope?: ServerErrorEnvelope | null, retryAfterHeader?: string | null): KeyholeError {
  const serverCode = envelope?.code === undefined || envelope.code === null ? undefined : String(envelope.code);
  const code = codeFor(status, serverCode);
  const message = typeof envelope?.message === 'string' && envelope.message ? envelope.message : `server: HTTP ${status}${serverCode ? ` ${serverCode}` : ''}`;
  const retryAfterMs = code === 'RATE_LIMITED' ? parseRetryAfter(retryAfterHeader) : undefined;
  return new KeyholeError(code, message, {
    status,
    serverCode,
    retryAfterMs,
    details: envelope?.data ?? undefined,
  });
}
