/**
 * JWT *viewer* (RFC 7519 compact form) — decodes header and payload, never verifies (spec §11, §12
 * "access token": decode without verifying). The signature is kept as the raw text because the
 * documented example token ends in `.new-token`, which is not base64url of anything meaningful.
 * Header and payload must be base64url JSON objects, else JWT_MALFORMED.
 */
import { KeyholeError } from './errors';
import { fromBase64Url, utf8Decode } from './bytes';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** The third segment as text, unverified and possibly not base64url. */
  signature: string;
}

function segment(s: string, what: 'header' | 'payload'): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(utf8Decode(fromBase64Url(s)));
  } catch {
    throw new KeyholeError('JWT_MALFORMED', `jwt: ${what} is not base64url JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new KeyholeError('JWT_MALFORMED', `jwt: ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string') throw new KeyholeError('JWT_MALFORMED', 'jwt: not a string');
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new KeyholeError('JWT_MALFORMED', 'jwt: expected three dot-separated parts');
  return { header: segment(parts[0], 'header'), payload: segment(parts[1], 'payload'), signature: parts[2] };
}

/**
 * When the access token expires, in epoch ms: its `exp` claim if it has a numeric one, else
 * receipt time + `expiresIn` seconds (§11 documents no `exp`; §12 the client rule). A token that
 * cannot be decoded is treated like one without `exp` — refresh tokens are opaque by design.
 */
export function accessTokenExpiry(token: string, expiresIn: number, receivedAtMs: number): number {
  try {
    const exp = decodeJwt(token).payload.exp;
    if (typeof exp === 'number' && Number.isFinite(exp)) return exp * 1000;
  } catch {
    // opaque or malformed: fall back to expiresIn
  }
  return receivedAtMs + expiresIn * 1000;
}
