/**
 * Decrypts both sides of one captured exchange with whatever the keyring knows.
 *
 * Per side: detect the body form (§12 "response form": magic first, then JSON shape); plain bodies
 * are shown as they are; envelopes are opened with the session's own key for that direction, then by
 * trial with every loose candidate (the GCM tag decides, architecture.md §3). AAD: none first, then
 * UTF-8(sessionId) (§12 observer column). A trial success is written back into the keyring so the
 * next message of that session opens at the first try. Failures are coded, never thrown:
 * NO_KEY (nothing to try / nothing belonging to this session), AEAD_AUTH_FAILED (the session's keys
 * did not verify), ENVELOPE_* (malformed envelope), INPUT_INVALID (body over the capture limit).
 */
import { z } from 'zod';
import { toBase64, utf8Encode, utf8DecodeLenient } from '../protocol/bytes';
import { detectBodyForm, type BodyForm } from '../protocol/detect';
import { KeyholeError, type ErrorCode } from '../protocol/errors';
import { describeEnvelope, openMessage, type AadMode, type EnvelopeAnatomy } from '../protocol/message';
import { CapturedExchange, bodyBytes, scSessionIdOf, type CapturedBody } from './exchange';
import { apiBaseOf, classifyPath, pathOf, type ExchangeKind } from './classify';
import { KeySource, type KeyCandidate, type Keyring } from './keyring';

export interface DecryptedSide {
  form: BodyForm | 'none';
  status: 'plain' | 'decrypted' | 'failed' | 'none';
  json?: unknown;
  text?: string;
  anatomy?: EnvelopeAnatomy;
  keySource?: KeySource;
  aad?: AadMode;
  error?: { code: ErrorCode; message: string };
}

export interface DecryptedExchange {
  exchange: CapturedExchange;
  path: string;
  sessionId?: string;
  request: DecryptedSide;
  response: DecryptedSide;
  responseCode?: string;
  kind: ExchangeKind;
  follow?: { apiBase: string; kind: 'login' | 'refresh' };
}

/** zod mirror of DecryptedExchange for the port (the panel validates what the worker sends). */
export const DecryptedSideSchema = z.object({
  form: z.enum(['binary', 'json-envelope', 'plain-json', 'empty', 'other', 'none']),
  status: z.enum(['plain', 'decrypted', 'failed', 'none']),
  json: z.unknown().optional(),
  text: z.string().optional(),
  anatomy: z.looseObject({ form: z.enum(['binary', 'json-envelope']), ivHex: z.string(), tagHex: z.string(), ciphertextLength: z.number(), totalLength: z.number() }).optional(),
  keySource: KeySource.optional(),
  aad: z.enum(['none', 'session-id']).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export const DecryptedExchangeSchema = z.object({
  exchange: CapturedExchange,
  path: z.string(),
  sessionId: z.string().optional(),
  request: DecryptedSideSchema,
  response: DecryptedSideSchema,
  responseCode: z.string().optional(),
  kind: z.enum(['public-key', 'session', 'session-close', 'login-initiate', 'login-complete', 'refresh', 'logout', 'other']),
  follow: z.object({ apiBase: z.string(), kind: z.enum(['login', 'refresh']) }).optional(),
});

/** Trials are bounded: a hostile page can import thousands of keys, and each trial reads the whole body. */
const MAX_TRIALS = 48;
const MAX_TRIALS_LARGE = 8;
const LARGE_BODY = 1024 * 1024;

export async function decryptExchange(ex: CapturedExchange, keyring: Keyring): Promise<DecryptedExchange> {
  const path = pathOf(ex.url);
  const kind = classifyPath(path);
  const response = await decryptSide(ex.responseBody, 'response', scSessionIdOf(ex), keyring);
  const sessionId = scSessionIdOf(ex) ?? (kind === 'session' ? sessionIdFromData(response.json) : undefined);
  const request = await decryptSide(ex.requestBody, 'request', sessionId, keyring);
  const out: DecryptedExchange = { exchange: ex, path, kind, request, response };
  if (sessionId !== undefined) out.sessionId = sessionId;
  const code = isRecord(response.json) ? response.json.code : undefined;
  if (typeof code === 'string' || typeof code === 'number') out.responseCode = String(code);
  const follow = followOf(ex, kind, response);
  if (follow) out.follow = follow;
  return out;
}

/** A /session response names its session in `data.sessionId` (§6; login initiate's is another kind of id). */
function sessionIdFromData(json: unknown): string | undefined {
  const data = isRecord(json) ? json.data : undefined;
  return isRecord(data) && typeof data.sessionId === 'string' ? data.sessionId : undefined;
}

/** A response carrying a token pair (login complete, refresh) can be adopted by Keyhole. */
function followOf(ex: CapturedExchange, kind: ExchangeKind, response: DecryptedSide): DecryptedExchange['follow'] {
  if (kind !== 'login-complete' && kind !== 'refresh') return undefined;
  const data = isRecord(response.json) ? response.json.data : undefined;
  if (!isRecord(data) || typeof data.refreshToken !== 'string' || typeof data.accessToken !== 'string') return undefined;
  const apiBase = apiBaseOf(ex.url);
  return apiBase ? { apiBase, kind: kind === 'refresh' ? 'refresh' : 'login' } : undefined;
}

export async function decryptSide(
  body: CapturedBody | undefined,
  dir: 'request' | 'response',
  sessionId: string | undefined,
  keyring: Keyring,
): Promise<DecryptedSide> {
  if (!body) return { form: 'none', status: 'none' };
  if (body.truncated) {
    return { form: 'none', status: 'failed', error: { code: 'INPUT_INVALID', message: `capture: body of ${body.size} bytes was over the capture limit` } };
  }
  let bytes: Uint8Array;
  try {
    bytes = bodyBytes(body)!;
  } catch {
    return { form: 'none', status: 'failed', error: { code: 'INPUT_INVALID', message: 'capture: body is not valid base64' } };
  }
  const form = detectBodyForm(bytes);
  if (form === 'empty') return { form, status: 'none' };
  if (form === 'plain-json') {
    const text = utf8DecodeLenient(bytes);
    return { form, status: 'plain', text, json: JSON.parse(text) as unknown };
  }
  if (form === 'other') {
    const text = validUtf8(bytes);
    return text === undefined ? { form, status: 'plain' } : { form, status: 'plain', text };
  }
  let anatomy: EnvelopeAnatomy;
  try {
    anatomy = describeEnvelope(bytes);
  } catch (e) {
    return { form, status: 'failed', error: errorOf(e) };
  }
  const all = keyring.candidates(sessionId, dir);
  const limit = bytes.length > LARGE_BODY ? MAX_TRIALS_LARGE : MAX_TRIALS;
  const own = all.filter((c) => c.sessionId !== undefined);
  const tried = [...own, ...all.filter((c) => c.sessionId === undefined).slice(0, limit)];
  if (tried.length === 0) return { form, status: 'failed', anatomy, error: { code: 'NO_KEY', message: `keyring: no key for ${sessionId ?? 'this message'}` } };
  const aads: Array<[AadMode, Uint8Array | undefined]> = [['none', undefined]];
  if (sessionId) aads.push(['session-id', utf8Encode(sessionId)]);
  for (const c of tried) {
    for (const [mode, aad] of aads) {
      let opened;
      try {
        opened = await openMessage(bytes, c.key, { aad });
      } catch (e) {
        if (e instanceof KeyholeError && (e.code === 'AEAD_AUTH_FAILED' || e.code === 'AEAD_BAD_KEY')) continue;
        return { form, status: 'failed', anatomy, error: errorOf(e) };
      }
      const source = record(keyring, c, dir, sessionId);
      if (sessionId) keyring.noteAad(sessionId, mode);
      const side: DecryptedSide = { form, status: 'decrypted', anatomy, text: opened.text, keySource: source, aad: mode };
      if (opened.json !== undefined) side.json = opened.json;
      return side;
    }
  }
  const lossy = body.lossy ? ' (the captured bytes may be lossy)' : '';
  return own.length > 0
    ? { form, status: 'failed', anatomy, error: { code: 'AEAD_AUTH_FAILED', message: `aead: authentication failed${lossy}` } }
    : { form, status: 'failed', anatomy, error: { code: 'NO_KEY', message: `keyring: none of ${tried.length} candidate keys opened this message${lossy}` } };
}

/** A key found by trial now belongs to the session: record it so the next message opens first time. */
function record(keyring: Keyring, c: KeyCandidate, dir: 'request' | 'response', sessionId: string | undefined): KeySource {
  if (c.sessionId !== undefined || sessionId === undefined) return c.source;
  const key = toBase64(c.key);
  const source: KeySource = c.source === 'trial' ? 'trial' : c.source;
  keyring.add({ sessionId, ...(dir === 'request' ? { requestKey: key } : { responseKey: key }), source });
  return source;
}

function errorOf(e: unknown): { code: ErrorCode; message: string } {
  if (e instanceof KeyholeError) return { code: e.code, message: e.message };
  return { code: 'ENVELOPE_MALFORMED', message: e instanceof Error ? e.message : String(e) };
}

function validUtf8(b: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
