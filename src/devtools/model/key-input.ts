/**
 * Validation of what a user types into the Keys tab, before anything is sent to the service worker
 * (which validates again: zod at every edge). Messages name the field so the form can show them inline,
 * in the browser's language.
 */
import { decodeKey, toBase64 } from '../../protocol/bytes';
import { t } from '../../ui/i18n';
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
function sessionIdError(sid: string): string | undefined {
  if (sid === '') return t('p_key_sidRequired');
  if (sid.length > 200) return t('p_key_sidTooLong');
  if (!/^[\x21-\x7e]+$/.test(sid)) return t('p_key_sidAscii');
  return undefined;
}

function keyField(text: string, messageKey: string): { value?: string; error?: string } {
  if (text.trim() === '') return {};
  try {
    return { value: toBase64(decodeKey(text)) };
  } catch {
    return { error: t(messageKey) };
  }
}

export function validateManualKey(form: ManualKeyForm): { ok: true; value: ManualKey } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const sessionId = form.sessionId.trim();
  const sidError = sessionIdError(sessionId);
  if (sidError) errors.sessionId = sidError;
  const req = keyField(form.requestKey, 'p_key_badRequestKey');
  const resp = keyField(form.responseKey, 'p_key_badResponseKey');
  if (req.error) errors.requestKey = req.error;
  if (resp.error) errors.responseKey = resp.error;
  if (!req.error && !resp.error && !req.value && !resp.value) errors.form = t('p_key_needOne');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { sessionId, requestKey: req.value, responseKey: resp.value } };
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
  const pem = text.trim();
  if (/BEGIN RSA PRIVATE KEY/.test(pem)) return refuse('RSA_BAD_KEY', t('p_key_pkcs1'));
  if (/BEGIN ENCRYPTED PRIVATE KEY/.test(pem)) return refuse('RSA_BAD_KEY', t('p_key_encrypted'));
  const m = PEM_RE.exec(pem);
  if (!m) return refuse('INPUT_INVALID', t('p_key_noPem'));
  try {
    const der = Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    await crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  } catch {
    return refuse('RSA_BAD_KEY', t('p_key_notRsa'));
  }
  return { ok: true, pem: m[0] };
}

/** An error from the worker (a coded KeyholeError over the port) as inline text; uncoded ones as they are. */
export function codedErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && code !== '' ? codedText(code as ErrorCode, message) : message;
}
