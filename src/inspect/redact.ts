/**
 * Redaction for exports (architecture.md §2: "exports redact secrets by default"). What counts as a
 * secret, wherever it sits — JSON bodies and plaintexts, form bodies, URL queries and fragments, free
 * text, headers:
 * - a value under a secret-sounding name (token, password, keys, MFA codes, short forms such as `rt`);
 * - any value that looks like a token whatever its name: a JWT, a `Bearer …` credential, or a long
 *   random-looking string (≥ 32 Base64/Base64url characters with lower and upper case letters — the shape
 *   of an opaque refresh token; hex ids, UUIDs and hashes do not match);
 * - the RSA-wrapped session keys of a type-1 envelope (§8): they are zero-filled in the exported body,
 *   binary or inside a JSON envelope's `p` (the rest of the envelope is kept, so it still parses).
 * In request bodies `code` is the one-time MFA code (§11 login complete) and is redacted too; in
 * responses `code` is the status code. Over-redaction is the safe side: a redacted export is shared.
 */
import { fromBase64, fromBase64Any, toBase64 } from '../protocol/bytes';
import { buildBinaryEnvelope, ENVELOPE_MAGIC, ENVELOPE_TYPE, ENVELOPE_VERSION, HEADER_LENGTH, parseBinaryEnvelope } from '../protocol/envelope-binary';

export const REDACTED = '[redacted]';

const SECRET_NAME =
  /^(access_?token|refresh_?token|id_?token|token|rt|jwt|bearer|password|passwd|pwd|secret|client_?secret|private_?key|request_?key|response_?key|enc_?req_?key|enc_?resp_?key|otp|mfa_?code|backup_?code|authorization|api_?key|session_?key|credentials?)$/i;
/** Longer names that carry a secret word anywhere (x-refresh-token, csrfToken, userPassword, X-Api-Key). */
const SECRET_WORD = /token|secret|passw|api[_-]?key|private[_-]?key|credential/i;
/** Names with a secret word that describe, not hold, a secret. */
const NOT_SECRET_NAME = /^(token_?type|public_?key)$/i;

export function isSecretName(name: string): boolean {
  return !NOT_SECRET_NAME.test(name) && (SECRET_NAME.test(name) || SECRET_WORD.test(name));
}

const JWT_SRC = 'eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_.+/=-]*';
const JWT = new RegExp(`^${JWT_SRC}$`);
const JWT_IN_TEXT = new RegExp(JWT_SRC, 'g');
const OPAQUE = /^[A-Za-z0-9_+/-]{32,}={0,2}$/;
const OPAQUE_IN_TEXT = /(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/-]{32,}={0,2}(?![A-Za-z0-9_+/=-])/g;
const BEARER = /^\s*(bearer|basic|token)\s+\S+/i;

/**
 * A long string drawn from Base64 with both lower and upper case letters: random, so a token (43 random
 * Base64url characters miss one of the two cases with odds below 1e-9). Hex ids, UUIDs and hashes are
 * one case only and stay.
 */
function opaqueLooking(s: string): boolean {
  return /[a-z]/.test(s) && /[A-Z]/.test(s);
}

/** True when the value alone says it is a token (whatever field it sits in). */
export function isTokenValue(s: string): boolean {
  return JWT.test(s) || BEARER.test(s) || (OPAQUE.test(s) && opaqueLooking(s));
}

/** Tokens inside a string: the whole string when it is one, else every JWT or opaque token in it. */
function redactString(s: string): string {
  if (isTokenValue(s)) return REDACTED;
  return s.replace(JWT_IN_TEXT, REDACTED).replace(OPAQUE_IN_TEXT, (m) => (opaqueLooking(m) ? REDACTED : m));
}

export function redactJson(value: unknown, o: { side?: 'request' | 'response' } = {}): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, o));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const secret = isSecretName(k) || (o.side === 'request' && k === 'code');
    out[k] = secret && v !== null && v !== undefined ? REDACTED : redactJson(v, o);
  }
  return out;
}

const FORM = /^[^=&\s]+=[^&\s]*(?:&[^=&\s]*(?:=[^&\s]*)?)*$/;

function decodeFormPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * `a=1&b=2` pairs (a form body, a query string, a fragment) with secret values replaced; every other
 * pair is kept byte for byte. `side: 'request'`: `code` is the MFA code.
 */
export function redactPairs(text: string, o: { side?: 'request' | 'response' } = {}): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return isTokenValue(decodeFormPart(pair)) ? REDACTED : pair;
      const name = decodeFormPart(pair.slice(0, eq));
      const value = decodeFormPart(pair.slice(eq + 1));
      if (value === '') return pair;
      const secret = isSecretName(name) || (o.side === 'request' && name === 'code') || isTokenValue(value);
      if (secret) return `${pair.slice(0, eq)}=${REDACTED}`;
      const inner = redactString(value);
      return inner === value ? pair : `${pair.slice(0, eq)}=${inner}`;
    })
    .join('&');
}

/** `name: value` / `name=value` with a secret name inside free text. */
const NAMED_IN_TEXT = /([A-Za-z_][\w.-]*)(\s*[=:]\s*)("?)([^\s&"',;]+)\3/g;

/** Free text (a non-JSON plaintext or plain body): a form body pair by pair, else tokens and named secrets anywhere. */
export function redactText(text: string, o: { side?: 'request' | 'response' } = {}): string {
  if (FORM.test(text.trim())) return redactPairs(text, o);
  return redactString(text).replace(NAMED_IN_TEXT, (m, name: string, sep: string, q: string, value: string) =>
    isSecretName(name) && value !== REDACTED ? `${name}${sep}${q}${REDACTED}${q}` : m,
  );
}

/** A URL with its query and fragment redacted pair by pair, tokens in its path and a userinfo password replaced. */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? undefined : url.slice(hashAt + 1);
  const qAt = beforeHash.indexOf('?');
  let base = qAt < 0 ? beforeHash : beforeHash.slice(0, qAt);
  const query = qAt < 0 ? undefined : beforeHash.slice(qAt + 1);
  base = base.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, `$1:${REDACTED}@`);
  base = base
    .split('/')
    .map((seg) => redactString(decodeFormPart(seg)) === decodeFormPart(seg) ? seg : REDACTED)
    .join('/');
  return base + (query === undefined ? '' : `?${redactPairs(query)}`) + (fragment === undefined ? '' : `#${redactPairs(fragment)}`);
}

/** HAR `queryString`: the URL's query as decoded name/value pairs (of the URL as exported). */
export function queryPairs(url: string): Array<{ name: string; value: string }> {
  const q = url.split('#')[0].split('?').slice(1).join('?');
  if (!q) return [];
  return q.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? { name: decodeFormPart(pair), value: '' } : { name: decodeFormPart(pair.slice(0, eq)), value: decodeFormPart(pair.slice(eq + 1)) };
  });
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-client-hash']);
/** Headers that hold identifiers the protocol needs to make sense of an export, never credentials. */
const ID_HEADERS = new Set(['x-sc-session-id', 'x-secure-channel-session-id', 'x-request-id', 'cf-ray']);

export function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    out[k] = SECRET_HEADERS.has(name) || isSecretName(name) ? REDACTED : ID_HEADERS.has(name) ? v : redactString(v);
  }
  return out;
}

// ── type-1 envelopes: RSA-wrapped session keys ───────────────────────────────────────────────────

const TYPE1_HEADER = [ENVELOPE_MAGIC[0], ENVELOPE_MAGIC[1], ENVELOPE_VERSION, ENVELOPE_TYPE.KEY_EXCHANGE];

function isType1(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_LENGTH && TYPE1_HEADER.every((b, i) => bytes[i] === b);
}

/**
 * A type-1 envelope with both wrapped keys zero-filled (lengths, key id, IV, ciphertext and tag kept).
 * One that does not parse keeps only its 4-byte header: whatever follows may hold key bytes.
 */
function zeroWrappedKeys(bytes: Uint8Array): Uint8Array {
  try {
    const env = parseBinaryEnvelope(bytes);
    if (env.type !== 1) return bytes;
    return buildBinaryEnvelope({ ...env, encReqKey: new Uint8Array(env.encReqKey.length), encRespKey: new Uint8Array(env.encRespKey.length) });
  } catch {
    const out = new Uint8Array(bytes.length);
    out.set(bytes.subarray(0, HEADER_LENGTH));
    return out;
  }
}

/**
 * An exported body (exact Base64) that is a type-1 envelope — binary, or a JSON `{"v":2,"p":…}` whose
 * `p` holds one — with its wrapped keys replaced; undefined when the body holds none.
 */
export function redactWrappedKeys(base64: string): { text: string; encoding?: 'base64' } | undefined {
  // "U0MCAQ" is the Base64 of the type-1 header 53 43 02 01: no decoding for any other body.
  if (base64.startsWith('U0MCAQ')) {
    const bytes = fromBase64(base64);
    if (isType1(bytes)) return { text: toBase64(zeroWrappedKeys(bytes)), encoding: 'base64' };
  }
  // A JSON envelope's `p` (Base64 or Base64url) starts with the same six characters when it holds one.
  let obj: unknown;
  try {
    const head = fromBase64(base64.length <= 64 ? base64 : base64.slice(0, 64)); // whole quads: valid on its own
    if (!/^\s*\{/.test(String.fromCharCode(...head))) return undefined;
    const text = new TextDecoder().decode(fromBase64(base64));
    if (!text.includes('U0MCAQ')) return undefined;
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const p = (obj as Record<string, unknown>).p;
  if (typeof p !== 'string' || !p.startsWith('U0MCAQ')) return undefined;
  let raw: Uint8Array;
  try {
    raw = fromBase64Any(p);
  } catch {
    return undefined;
  }
  if (!isType1(raw)) return undefined;
  return { text: JSON.stringify({ ...(obj as Record<string, unknown>), p: toBase64(zeroWrappedKeys(raw)) }) };
}
