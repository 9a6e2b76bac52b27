/**
 * Redaction for exports (architecture.md §2: "exports redact secrets by default"). Tokens, passwords,
 * session keys and their RSA-wrapped forms are replaced by a marker wherever they sit in a JSON tree;
 * so is any string that looks like a JWT, whatever its field name. In request bodies `code` is the
 * one-time MFA code (§11 login complete) and is redacted too; in responses `code` is the status code.
 */
export const REDACTED = '[redacted]';

const SECRET_FIELD = /^(access_?token|refresh_?token|id_?token|token|password|passwd|secret|client_?secret|private_?key|request_?key|response_?key|enc_?req_?key|enc_?resp_?key|otp|mfa_?code|backup_?code|authorization)$/i;
const JWT = /^eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_.+/=-]*$/;
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-client-hash']);

export function redactJson(value: unknown, o: { side?: 'request' | 'response' } = {}): unknown {
  if (typeof value === 'string') return JWT.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, o));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const secret = SECRET_FIELD.test(k) || (o.side === 'request' && k === 'code');
    out[k] = secret && v !== null && v !== undefined ? REDACTED : redactJson(v, o);
  }
  return out;
}

/** JWTs inside free text (e.g. a non-JSON plaintext). */
export function redactText(text: string): string {
  return text.replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_.+/=-]*/g, REDACTED);
}

export function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}
