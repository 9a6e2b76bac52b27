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
  // Unknown or expired login session (§11, 404): the user must start the sign-in again.
  'AUTH.SESSION_NOT_FOUND': 'LOGIN_SESSION_EXPIRED',
  // What the reference gateway answered before it used the documented code; servers in the field may still.
  'AUTH.LOGIN_SESSION_INVALID': 'LOGIN_SESSION_EXPIRED',
  'AUTH.TOO_MANY_ATTEMPTS': 'TOO_MANY_ATTEMPTS',
  'AUTH.MFA_SEND_COOLDOWN': 'MFA_SEND_COOLDOWN',
  'AUTH.ACCOUNT_LOCKED': 'ACCOUNT_LOCKED',
  'AUTH.ACCOUNT_SUSPENDED': 'ACCOUNT_SUSPENDED',
  'AUTH.ACCOUNT_REJECTED': 'ACCOUNT_REJECTED',
  'ACCESS.UNAUTHORIZED': 'UNAUTHORIZED',
  'VALIDATION.INVALID_PARAMETER': 'VALIDATION_FAILED',
  'SYSTEM.INTERNAL_ERROR': 'SERVER_ERROR',
  // §11: some deployments use the numeric scheme.
  '4000': 'VALIDATION_FAILED',
  '4010': 'UNAUTHORIZED',
  '5000': 'SERVER_ERROR',
};

/** Every code §11 documents (and the numeric scheme): the client recognises each one (test/unit/protocol). */
export const DOCUMENTED_SERVER_CODES: readonly string[] = Object.keys(EXACT).filter((c) => c !== 'AUTH.LOGIN_SESSION_INVALID');

function codeFor(status: number, serverCode: string | undefined): ErrorCode {
  if (serverCode) {
    const exact = Object.hasOwn(EXACT, serverCode) ? EXACT[serverCode] : undefined;
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

/** `{field: [messages]}` of VALIDATION.INVALID_PARAMETER (§2) as one line; '' for anything else. */
export function fieldErrorsText(data: unknown): string {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>).slice(0, 8)) {
    const msgs = Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : typeof v === 'string' ? [v] : [];
    if (msgs.length) parts.push(`${k.slice(0, 64)}: ${msgs.join(', ')}`);
  }
  return parts.join('; ').slice(0, 300);
}

export function errorFromResponse(status: number, envelope?: ServerErrorEnvelope | null, retryAfterHeader?: string | null): KeyholeError {
  const serverCode = envelope?.code === undefined || envelope.code === null ? undefined : String(envelope.code);
  const code = codeFor(status, serverCode);
  const base = typeof envelope?.message === 'string' && envelope.message ? envelope.message : `server: HTTP ${status}${serverCode ? ` ${serverCode}` : ''}`;
  // The field errors say what to fix ("password: Must be 8 to 128 characters"); the message crosses RPC, details do not.
  const fields = code === 'VALIDATION_FAILED' ? fieldErrorsText(envelope?.data) : '';
  const message = fields ? `${base} (${fields})` : base;
  const retryAfterMs = code === 'RATE_LIMITED' ? parseRetryAfter(retryAfterHeader) : undefined;
  return new KeyholeError(code, message, {
    status,
    serverCode,
    retryAfterMs,
    details: envelope?.data ?? undefined,
  });
}
