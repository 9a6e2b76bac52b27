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
import * as z from '../protocol/zod';
import { defaultAead } from '../protocol/aead';
import { toBase64, toHex, utf8Encode, utf8DecodeLenient } from '../protocol/bytes';
import type { BodyForm } from '../protocol/detect';
import { IV_LENGTH, TAG_LENGTH, hasEnvelopeMagic, parseBinaryEnvelope, sealedPart, type BinaryEnvelope } from '../protocol/envelope-binary';
import { jsonEnvelopeOfFields } from '../protocol/envelope-json';
import { KeyholeError, type ErrorCode } from '../protocol/errors';
import type { AadMode, EnvelopeAnatomy } from '../protocol/message';
import { CapturedExchange, bodyAsciiText, bodyBytes, releaseAsciiText, scSessionIdOf, scratchAlloc, type CapturedBody } from './exchange';
import { apiBaseOf, classifyPath, pathOf, type ExchangeKind } from './classify';
import { KeySource, type KeyCandidate, type Keyring } from './keyring';
import { MAX_SESSION_ID_LENGTH } from './limits';

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
  /** Set by the capture hub (not by decryptExchange): this exchange collides with a session Keyhole follows. */
  conflict?: ExchangeConflict;
}

/**
 * `page-reused-spent-token`: a refresh of the page presented a refresh token Keyhole had already spent
 * for the followed session `sessionKey` (§11 single use), and the gateway did not prove it unconsumed —
 * a reuse, so the gateway revokes the whole token family (§12). `message` is the sentence to show.
 */
export interface ExchangeConflict {
  kind: 'page-reused-spent-token';
  sessionKey: string;
  /** The session as the user knows it (environment, account). */
  label: string;
  message: string;
}

/** zod mirror of DecryptedExchange for the port (the panel validates what the worker sends). */
export const DecryptedSideSchema = z.object({
  form: z.enum(['binary', 'json-envelope', 'plain-json', 'empty', 'other', 'none']),
  status: z.enum(['plain', 'decrypted', 'failed', 'none']),
  json: z.optional(z.unknown()),
  text: z.optional(z.string()),
  anatomy: z.optional(z.looseObject({ form: z.enum(['binary', 'json-envelope']), ivHex: z.string(), tagHex: z.string(), ciphertextLength: z.number(), totalLength: z.number() })),
  keySource: z.optional(KeySource),
  aad: z.optional(z.enum(['none', 'session-id'])),
  error: z.optional(z.object({ code: z.string(), message: z.string() })),
});
export const DecryptedExchangeSchema = z.object({
  exchange: CapturedExchange,
  path: z.string(),
  sessionId: z.optional(z.string()),
  request: DecryptedSideSchema,
  response: DecryptedSideSchema,
  responseCode: z.optional(z.string()),
  kind: z.enum(['public-key', 'session', 'session-close', 'login-initiate', 'login-complete', 'refresh', 'logout', 'other']),
  follow: z.optional(z.object({ apiBase: z.string(), kind: z.enum(['login', 'refresh']) })),
  conflict: z.optional(z.object({ kind: z.literal('page-reused-spent-token'), sessionKey: z.string(), label: z.string(), message: z.string() })),
});

/** Trials are bounded: a hostile page can import thousands of keys, and each trial reads the whole body. */
const MAX_TRIALS = 48;
const MAX_TRIALS_LARGE = 8;
const LARGE_BODY = 1024 * 1024;

/**
 * Never throws (issue #10: one exchange that could not be keyed used to fail every later snapshot of its
 * tab): anything unexpected becomes a coded failure on both sides, and an exchange whose session id the
 * keyring cannot hold (over MAX_SESSION_ID_LENGTH) is shown with INPUT_INVALID instead of being keyed.
 */
export async function decryptExchange(ex: CapturedExchange, keyring: Keyring, o: DecryptOptions = {}): Promise<DecryptedExchange> {
  try {
    return await decryptExchangeUnsafe(ex, keyring, o);
  } catch (e) {
    const error = errorOf(e);
    const side = (b: CapturedBody | undefined): DecryptedSide => (b ? { form: 'none', status: 'failed', error } : { form: 'none', status: 'none' });
    let path = '';
    try {
      path = pathOf(ex.url);
    } catch {
      /* keep '' */
    }
    return { exchange: ex, path, kind: 'other', request: side(ex.requestBody), response: side(ex.responseBody) };
  }
}

export interface DecryptOptions {
  /** Loose candidates to try (standard Base64); default every candidate of the keyring (capped). A re-decrypt pass gives only the new ones. */
  loose?: readonly string[];
}

async function decryptExchangeUnsafe(ex: CapturedExchange, keyring: Keyring, o: DecryptOptions): Promise<DecryptedExchange> {
  const path = pathOf(ex.url);
  const kind = classifyPath(path);
  const headerId = scSessionIdOf(ex);
  const sessionId = headerId ?? (kind === 'session' ? sessionIdFromData(plainResponseJson(ex)) : undefined);
  if (sessionId !== undefined && sessionId.length > MAX_SESSION_ID_LENGTH) {
    const error = { code: 'INPUT_INVALID' as const, message: `capture: SC session id of ${sessionId.length} characters is over the ${MAX_SESSION_ID_LENGTH} the keyring holds; not decrypted` };
    const side = (b: CapturedBody | undefined): DecryptedSide => (b ? { form: 'none', status: 'failed', error } : { form: 'none', status: 'none' });
    return { exchange: ex, path, kind, sessionId: sessionId.slice(0, MAX_SESSION_ID_LENGTH), request: side(ex.requestBody), response: side(ex.responseBody) };
  }
  const got: { plaintext?: Uint8Array } = {};
  const response = await openSide(ex.responseBody, 'response', headerId, keyring, o, got);
  const request = await openSide(ex.requestBody, 'request', sessionId, keyring, o);
  const out: DecryptedExchange = { exchange: ex, path, kind, request, response };
  if (sessionId !== undefined) out.sessionId = sessionId;
  // The answer's JSON is read once here (the code column, follow detection) and not kept: a row's
  // plaintexts are decoded and parsed again only when something reads them (lazySide).
  const json = got.plaintext ? parseJsonOrUndefined(plaintextText(got.plaintext)) : response.json;
  const code = isRecord(json) ? json.code : undefined;
  if (typeof code === 'string' || typeof code === 'number') out.responseCode = String(code);
  const follow = followOf(ex, kind, json);
  if (follow) out.follow = follow;
  return out;
}

/** The response body as plain JSON (a /session answer is not encrypted, §6), without decrypting anything. */
function plainResponseJson(ex: CapturedExchange): unknown {
  const b = ex.responseBody;
  if (!b || b.truncated) return undefined;
  const ascii = bodyAsciiText(b);
  let text = ascii;
  if (text === undefined) {
    const bytes = bodyBytes(b);
    if (!bytes || hasEnvelopeMagic(bytes)) return undefined;
    try {
      text = fatalUtf8.decode(bytes);
    } catch {
      return undefined;
    }
  }
  return parseJsonOrUndefined(text);
}

/** A /session response names its session in `data.sessionId` (§6; login initiate's is another kind of id). */
function sessionIdFromData(json: unknown): string | undefined {
  const data = isRecord(json) ? json.data : undefined;
  return isRecord(data) && typeof data.sessionId === 'string' ? data.sessionId : undefined;
}

/** A response carrying a token pair (login complete, refresh) can be adopted by Keyhole. */
function followOf(ex: CapturedExchange, kind: ExchangeKind, responseJson: unknown): DecryptedExchange['follow'] {
  if (kind !== 'login-complete' && kind !== 'refresh') return undefined;
  const data = isRecord(responseJson) ? responseJson.data : undefined;
  if (!isRecord(data) || typeof data.refreshToken !== 'string' || typeof data.accessToken !== 'string') return undefined;
  const apiBase = apiBaseOf(ex.url);
  return apiBase ? { apiBase, kind: kind === 'refresh' ? 'refresh' : 'login' } : undefined;
}

export async function decryptSide(
  body: CapturedBody | undefined,
  dir: 'request' | 'response',
  sessionId: string | undefined,
  keyring: Keyring,
  o: DecryptOptions = {},
): Promise<DecryptedSide> {
  return openSide(body, dir, sessionId, keyring, o);
}

/** decryptSide; `got.plaintext` gets the plaintext bytes when it opened (read once, keeping no text or tree). */
async function openSide(
  body: CapturedBody | undefined,
  dir: 'request' | 'response',
  sessionId: string | undefined,
  keyring: Keyring,
  o: DecryptOptions,
  got?: { plaintext?: Uint8Array },
): Promise<DecryptedSide> {
  if (!body) return { form: 'none', status: 'none' };
  if (body.truncated) {
    return { form: 'none', status: 'failed', error: { code: 'INPUT_INVALID', message: `capture: body of ${body.size} bytes was over the capture limit` } };
  }
  // One pass over the body: its form (detectBodyForm's rules), and for an envelope its parts and
  // anatomy (describeEnvelope's), so it is decoded and parsed once, not once per key tried. A HAR
  // import's ASCII body (a JSON envelope) is read from its text: no bytes, no UTF-8 decode.
  const ascii = bodyAsciiText(body);
  let read: BodyRead;
  if (ascii !== undefined && !(ascii.length >= 2 && ascii.charCodeAt(0) === 0x53 && ascii.charCodeAt(1) === 0x43)) {
    read = readText(ascii);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = bodyBytes(body)!;
    } catch {
      return { form: 'none', status: 'failed', error: { code: 'INPUT_INVALID', message: 'capture: body is not valid base64' } };
    }
    read = readBody(bytes);
  }
  if (read.kind !== 'envelope') return read.side;
  const { form, env } = read;
  if ('error' in env) return { form, status: 'failed', error: env.error };
  const anatomy = env.anatomy;
  const aads: Array<[AadMode, Uint8Array | undefined]> = [['none', undefined]];
  if (sessionId) aads.push(['session-id', aadOf(sessionId)]);
  // The session's own keys first (normally the first try opens it); loose candidates only if they fail.
  const own = sessionId === undefined ? [] : keyring.ownCandidates(sessionId, dir);
  let trials = 0;
  for (let pass = 0; pass < 2; pass++) {
    let list = own;
    if (pass === 1) {
      const limit = body.size > LARGE_BODY ? MAX_TRIALS_LARGE : MAX_TRIALS;
      list = (o.loose ? keyring.looseCandidates(o.loose) : keyring.candidates(sessionId, dir).filter((c) => c.sessionId === undefined)).slice(0, limit);
    }
    trials += list.length;
    for (const c of list) {
      for (const [mode, aad] of aads) {
        let plaintext: Uint8Array;
        try {
          plaintext = await openParsed(env, c.key, aad);
        } catch (e) {
          if (e instanceof KeyholeError && (e.code === 'AEAD_AUTH_FAILED' || e.code === 'AEAD_BAD_KEY')) continue;
          return { form, status: 'failed', anatomy, error: errorOf(e) };
        }
        if (ascii !== undefined) releaseAsciiText(body); // only needed until it opens: keep the heap small
        const source = record(keyring, c, dir, sessionId);
        if (sessionId) keyring.noteAad(sessionId, mode);
        if (got) got.plaintext = plaintext;
        return decryptedSide(form, anatomy, plaintext, source, mode);
      }
    }
  }
  if (trials === 0) return { form, status: 'failed', anatomy, error: { code: 'NO_KEY', message: `keyring: no key for ${sessionId ?? 'this message'}` } };
  const lossy = body.lossy ? ' (the captured bytes may be lossy)' : '';
  return own.length > 0
    ? { form, status: 'failed', anatomy, error: { code: 'AEAD_AUTH_FAILED', message: `aead: authentication failed${lossy}` } }
    : { form, status: 'failed', anatomy, error: { code: 'NO_KEY', message: `keyring: none of ${trials} candidate keys opened this message${lossy}` } };
}

// UTF-8(sessionId) per session, not per message (TextEncoder allocates a new buffer each call).
const aadCache = new Map<string, Uint8Array>();
function aadOf(sessionId: string): Uint8Array {
  let a = aadCache.get(sessionId);
  if (!a) {
    if (aadCache.size >= 256) aadCache.clear();
    a = utf8Encode(sessionId);
    aadCache.set(sessionId, a);
  }
  return a;
}

// ── one read of a body ───────────────────────────────────────────────────────────────────────────

interface ParsedEnvelope {
  iv: Uint8Array;
  sealed: Uint8Array;
  anatomy: EnvelopeAnatomy;
  /** JSON `p` that looked like an inner envelope: the IV‖ct‖tag reading to try if the tag fails (message.ts). */
  alternative?: { iv: Uint8Array; sealed: Uint8Array };
}

type BodyRead =
  | { kind: 'done'; side: DecryptedSide }
  | { kind: 'envelope'; form: 'binary' | 'json-envelope'; env: ParsedEnvelope | { error: { code: ErrorCode; message: string } } };

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * detectBodyForm + describeEnvelope in one pass (same rules: magic first, then a `{"v","p"}` object,
 * then any JSON; `describeEnvelope` reads a JSON envelope from the UTF-8 text, `totalLength` in chars).
 */
export function readBody(bytes: Uint8Array): BodyRead {
  if (hasEnvelopeMagic(bytes)) {
    let env: ParsedEnvelope | { error: { code: ErrorCode; message: string } };
    try {
      const b = parseBinaryEnvelope(bytes);
      env = { iv: b.iv, sealed: sealedPart(b), anatomy: binaryAnatomy(b, bytes.length) };
    } catch (e) {
      env = { error: errorOf(e) };
    }
    return { kind: 'envelope', form: 'binary', env };
  }
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    return { kind: 'done', side: { form: 'other', status: 'plain' } };
  }
  return readText(text);
}

/** readBody for a body that is valid UTF-8 and does not start with the "SC" magic, given as its text. */
function readText(text: string): BodyRead {
  const t = text.trim();
  if (t.length === 0) return { kind: 'done', side: { form: 'empty', status: 'none' } };
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return { kind: 'done', side: { form: 'other', status: 'plain', text } };
  }
  // looksLikeJsonEnvelope: an object written as {…} with `v` and a string `p`.
  if (isRecord(value) && 'v' in value && typeof value.p === 'string' && t.charCodeAt(0) === 0x7b && t.charCodeAt(t.length - 1) === 0x7d) {
    let env: ParsedEnvelope | { error: { code: ErrorCode; message: string } };
    try {
      env = jsonEnvelopeOf(value.v, value.p, text.length);
    } catch (e) {
      env = { error: errorOf(e) };
    }
    return { kind: 'envelope', form: 'json-envelope', env };
  }
  return { kind: 'done', side: { form: 'plain-json', status: 'plain', text, json: value } };
}

/** The core's JSON envelope reading (envelope-json.ts) plus what the panel shows of it. */
function jsonEnvelopeOf(v: unknown, p: string, totalLength: number): ParsedEnvelope {
  // Slab memory: the bytes only live until the message is opened.
  const env = jsonEnvelopeOfFields(v, p, scratchAlloc);
  const { inner, raw } = env;
  if (inner) {
    const anatomy: EnvelopeAnatomy = { form: 'json-envelope', pEncoding: 'binary-envelope', ivHex: toHex(inner.iv), tagHex: toHex(inner.tag), ciphertextLength: inner.ciphertext.length, totalLength, type: inner.type };
    if (inner.type === 1) {
      anatomy.keyId = inner.keyId;
      anatomy.encReqKeyLength = inner.encReqKey.length;
      anatomy.encRespKeyLength = inner.encRespKey.length;
    }
    const parsed: ParsedEnvelope = { iv: inner.iv, sealed: sealedPart(inner), anatomy };
    // An IV that happens to look like a header: the IV‖ct‖tag reading, tried if the tag fails (message.ts).
    if (raw.length >= IV_LENGTH + TAG_LENGTH) parsed.alternative = { iv: raw.subarray(0, IV_LENGTH), sealed: raw.subarray(IV_LENGTH) };
    return parsed;
  }
  return {
    iv: env.iv,
    sealed: raw.subarray(IV_LENGTH),
    anatomy: { form: 'json-envelope', pEncoding: env.pEncoding, ivHex: toHex(env.iv), tagHex: toHex(env.tag), ciphertextLength: env.ciphertext.length, totalLength },
  };
}

function binaryAnatomy(env: BinaryEnvelope, totalLength: number): EnvelopeAnatomy {
  const a: EnvelopeAnatomy = { form: 'binary', type: env.type, ivHex: toHex(env.iv), tagHex: toHex(env.tag), ciphertextLength: env.ciphertext.length, totalLength };
  if (env.type === 1) {
    a.keyId = env.keyId;
    a.encReqKeyLength = env.encReqKey.length;
    a.encRespKeyLength = env.encRespKey.length;
  }
  return a;
}

/**
 * openMessage's AEAD step on an already-parsed envelope (with its inner-envelope fallback). Not an
 * async function: the usual envelope has no alternative, and its open() promise is handed on as it is
 * (one promise and one await fewer per side; 20,000 sides in a HAR import). open() is async, so it
 * rejects and never throws, as before.
 */
function openParsed(env: ParsedEnvelope, key: Uint8Array, aad: Uint8Array | undefined): Promise<Uint8Array> {
  const first = defaultAead.open(key, env.iv, env.sealed, aad);
  const alt = env.alternative;
  if (!alt) return first;
  return first.catch((e: unknown) => {
    if (!(e instanceof KeyholeError) || e.code !== 'AEAD_AUTH_FAILED') throw e;
    return defaultAead.open(key, alt.iv, alt.sealed, aad);
  });
}

// ── a decrypted side: plaintext bytes kept, text and JSON made when first read ──────────────────

/**
 * A decrypted side whose `text` (lenient UTF-8 of the plaintext) and `json` (its parse, or undefined)
 * are made on first read and then kept. Why: a HAR import of 10,000 exchanges decoded and parsed
 * 20,000 plaintexts that no list column needs (only the answer's `code`, read once from the bytes) and
 * kept every string and tree on the JS heap, which the GC then copied and marked on every collection
 * (the panel bench, issue #12). Both are own enumerable accessors, so spreading, JSON, structured
 * clone and zod see plain values, and each can be assigned. Neither throws (lenient decode, parse
 * guarded), as the eager values did not.
 */
function decryptedSide(form: 'binary' | 'json-envelope', anatomy: EnvelopeAnatomy, plaintext: Uint8Array, keySource: KeySource, aad: AadMode): DecryptedSide {
  let bytes: Uint8Array | undefined = plaintext;
  let text: string | undefined;
  let json: unknown;
  let parsed = false;
  const side: DecryptedSide = {
    form,
    status: 'decrypted',
    anatomy,
    get text(): string {
      if (text === undefined) {
        text = plaintextText(bytes!);
        bytes = undefined;
      }
      return text;
    },
    set text(v: string | undefined) {
      text = v ?? '';
      bytes = undefined;
    },
    get json(): unknown {
      if (!parsed) {
        parsed = true;
        json = parseJsonOrUndefined(side.text!);
      }
      return json;
    },
    set json(v: unknown) {
      parsed = true;
      json = v;
    },
    keySource,
    aad,
  };
  return side;
}

/**
 * utf8DecodeLenient, with a fast path for small pure-ASCII plaintexts (every JSON body): in Chrome each
 * TextDecoder.decode call pays a fixed binding cost that, for 1 KiB messages, outweighed the decode
 * itself (the panel bench's profile). Same result: ASCII has no BOM and no invalid sequences.
 */
function plaintextText(b: Uint8Array): string {
  const n = b.length;
  if (n > 8192) return utf8DecodeLenient(b);
  let or = 0;
  for (let i = 0; i < n; i++) or |= b[i];
  return or < 0x80 ? String.fromCharCode.apply(null, b as unknown as number[]) : utf8DecodeLenient(b);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
