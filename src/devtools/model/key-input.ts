/**
 * Validation of what a user types into the Keys tab, before anything is sent to the service worker
 * (which validates again: zod at every edge). Messages name the field so the form can show them inline.
 */
import * as z from '../../protocol/zod';
import { decodeKey, toBase64 } from '../../protocol/bytes';
import type { ErrorCode } from '../inspect-types';

export interface ManualKeyForm {
  sessionId: string;
  requestKey: string;
  responseKey: string;
}

/** What the panel sends: keys normalised to standard base64 whatever the user typed (hex or base64). */
export interface ManualKey {
  sessionId: string;
  requestKey?: string;
  responseKey?: string;
}

export type FieldErrors = Partial<Record<keyof ManualKeyForm | 'form', string>>;

/** Session ids are opaque server strings (spec §6 "sess_…"); only bound their size and charset. */
const SessionId = z.string().check(z.trim(), z.minLength(1, 'Session id is required'), z.maxLength(200, 'Session id is too long'), z.regex(/^[\x21-\x7e]+$/, 'Session id must be printable ASCII without spaces'));

function keyField(text: string, label: string): { value?: string; error?: string } {
  if (text.trim() === '') return {};
  try {
    return { value: toBase64(decodeKey(text)) };
  } catch {
    return { error: `${label} must be 32 bytes: 64 hex characters or base64` };
  }
}

export function validateManualKey(form: ManualKeyForm): { ok: true; value: ManualKey } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const sid = SessionId.safeParse(form.sessionId);
  if (!sid.success) errors.sessionId = sid.error.issues[0]?.message ?? 'Invalid session id';
  const req = keyField(form.requestKey, 'Request key');
  const resp = keyField(form.responseKey, 'Response key');
  if (req.error) errors.requestKey = req.error;
  if (resp.error) errors.responseKey = resp.error;
  if (!req.error && !resp.error && !req.value && !resp.value) errors.form = 'Enter a request key, a response key or both';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { sessionId: sid.data!, requestKey: req.value, responseKey: resp.value } };
}

const PEM_RE = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/;

export type PemCheck = { ok: true; pem: string } | { ok: false; code: ErrorCode; error: string };

/** Coded like every other Keyhole error ("CODE: message"), so the inline text says what to act on. */
export function codedText(code: ErrorCode, message: string): string {
  return `${code}: ${message}`;
}

const refuse = (code: ErrorCode, message: string): PemCheck => ({ ok: false, code, error: codedText(code, message) });

/**
 * A PKCS#8 PEM RSA private key (test environments only). Checked by importing it with WebCrypto, so
 * "wrong format" and "not RSA" are refused here, inline and before anything reaches the worker, instead
 * of as a failed unwrap later. INPUT_INVALID: no PKCS#8 PEM block at all; RSA_BAD_KEY: a key, but not
 * one Keyhole can use (PKCS#1, passphrase-protected, not RSA, damaged).
 */
export async function validatePrivateKeyPem(text: string): Promise<PemCheck> {
  const t = text.trim();
  if (/BEGIN RSA PRIVATE KEY/.test(t)) return refuse('RSA_BAD_KEY', 'This is a PKCS#1 key; convert it with: openssl pkcs8 -topk8 -nocrypt');
  if (/BEGIN ENCRYPTED PRIVATE KEY/.test(t)) return refuse('RSA_BAD_KEY', 'Encrypted keys are not supported; export it without a passphrase');
  const m = PEM_RE.exec(t);
  if (!m) return refuse('INPUT_INVALID', 'Paste a PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----)');
  try {
    const der = Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    await crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  } catch {
    return refuse('RSA_BAD_KEY', 'Not an RSA private key WebCrypto can import');
  }
  return { ok: true, pem: m[0] };
}

/** An error from the worker (a coded KeyholeError over the port) as inline text; uncoded ones as they are. */
export function codedErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && code !== '' ? codedText(code as ErrorCode, message) : message;
}
