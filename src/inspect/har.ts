/**
 * HAR 1.2 in and out (http://www.softwareishard.com/blog/har-12-spec/).
 *
 * In: a HAR file or one chrome.devtools.network entry → CapturedExchange. How exact the bytes are
 * depends on how DevTools wrote them (architecture.md §3):
 *  - `content.encoding: "base64"` → exact;
 *  - text content → UTF-8 encoded, exact for JSON envelopes and plain JSON, but a binary envelope
 *    served as `application/json` was decoded by DevTools with U+FFFD replacements → `lossy: true`;
 *  - `postData.text` → Chrome writes UTF-8 if the body was valid UTF-8, else Latin-1; we invert that
 *    rule, and flag non-ASCII bodies as lossy because the rule is Chrome's, not the spec's.
 * Decryption still tries lossy bodies: the GCM tag proves them right or wrong.
 *
 * Out: decrypted exchanges → HAR with exact bodies (base64) and a `_keyhole` field holding the
 * plaintext, key source and AAD mode. Redacted by default (tokens, Authorization, keys).
 */
import * as z from '../protocol/zod';
import { decodeStdBase64, fromBase64Any, isValidUtf8, latin1ToBytes, toBase64, utf8Encode } from '../protocol/bytes';
import { KeyholeError } from '../protocol/errors';
import type { DecryptedExchange, DecryptedSide } from './decrypt-exchange';
import { MAX_BODY_BYTES, capturedAsciiBody, capturedBody, slabAlloc, type CapturedBody, type CapturedExchange } from './exchange';
import { queryPairs, redactHeaders, redactJson, redactText, redactUrl, redactWrappedKeys } from './redact';

const HarHeader = z.object({ name: z.string(), value: z.string() });
export const HarEntry = z.looseObject({
  startedDateTime: z.optional(z.string()),
  time: z.optional(z.number()),
  request: z.looseObject({
    method: z.string().check(z.minLength(1), z.maxLength(32)),
    url: z.string().check(z.maxLength(16_384)),
    headers: z._default(z.array(HarHeader), []),
    postData: z.optional(z.looseObject({ mimeType: z.optional(z.string()), text: z.optional(z.string()), encoding: z.optional(z.string()) })),
  }),
  response: z.optional(z.looseObject({
      status: z.int(),
      headers: z._default(z.array(HarHeader), []),
      content: z.optional(z.looseObject({ size: z.optional(z.number()), mimeType: z.optional(z.string()), text: z.optional(z.string()), encoding: z.optional(z.string()) })),
      _error: z.nullish(z.string()),
    })),
});
export type HarEntry = z.infer<typeof HarEntry>;
const HarFile = z.object({ log: z.looseObject({ entries: z.array(z.unknown()) }) });

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Parses a whole HAR file. INPUT_INVALID when not JSON, SCHEMA_INVALID when not a HAR log. */
export function parseHar(text: string, tabId = -1): CapturedExchange[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyholeError('INPUT_INVALID', 'har: not JSON');
  }
  const file = HarFile.safeParse(json);
  if (!file.success) throw new KeyholeError('SCHEMA_INVALID', 'har: not a HAR 1.2 log (log.entries missing)');
  const out: CapturedExchange[] = [];
  let bad = 0;
  for (const e of file.data.log.entries) {
    try {
      out.push(fromHarEntry(e, tabId, 'har'));
    } catch {
      bad++; // one odd entry (a websocket, a data: URL) must not sink the whole file
    }
  }
  if (out.length === 0 && bad > 0) throw new KeyholeError('SCHEMA_INVALID', `har: none of ${bad} entries is a valid HAR entry`);
  return out;
}

/** One HAR entry (a file's, or chrome.devtools.network's with content from getContent()). */
export function fromHarEntry(raw: unknown, tabId = -1, source: 'har' | 'devtools' = 'har'): CapturedExchange {
  // The structural check below accepts a subset of what the zod schema accepts (every HAR writer's
  // ordinary output) at a fraction of its cost; anything else goes through zod, which stays the judge.
  let e: HarEntry;
  if (isPlainHarEntry(raw)) e = raw as HarEntry;
  else {
    const parsed = HarEntry.safeParse(raw);
    if (!parsed.success) throw new KeyholeError('SCHEMA_INVALID', 'har: not a HAR entry');
    e = parsed.data;
  }
  const ex: CapturedExchange = {
    id: nextId(source),
    tabId,
    source,
    startedAt: e.startedDateTime ? Date.parse(e.startedDateTime) || 0 : 0,
    method: e.request.method.toUpperCase(),
    url: e.request.url,
    requestHeaders: headerMap(e.request.headers),
    responseHeaders: headerMap(e.response?.headers),
  };
  if (e.time !== undefined && e.time >= 0) ex.durationMs = e.time;
  const post = e.request.postData;
  if (post?.text !== undefined && post.text.length > 0) ex.requestBody = requestBodyOf(post.text, post.encoding);
  if (e.response && e.response.status > 0) ex.status = e.response.status;
  if (e.response?._error) ex.error = e.response._error.slice(0, 2000);
  const content = e.response?.content;
  if (content?.text !== undefined && content.text.length > 0) ex.responseBody = responseBodyOf(content.text, content.encoding);
  return ex;
}

/** normalizeHeaders over HAR's [{name, value}] list, without building the pairs. */
function headerMap(list: ReadonlyArray<{ name: string; value: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!list) return out;
  for (const { name, value } of list) {
    const n = name.toLowerCase();
    out[n] = Object.hasOwn(out, n) ? `${out[n]}, ${value}` : value;
  }
  return out;
}

// ── the cheap entry check (a strict subset of HarEntry) ─────────────────────────────────────────

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';
const optNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

function isHeaderList(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const h of v) if (!isObj(h) || typeof h.name !== 'string' || typeof h.value !== 'string') return false;
  return true;
}

/** True only when the zod HarEntry schema would accept `raw` and read it back unchanged (headers present). */
function isPlainHarEntry(raw: unknown): boolean {
  if (!isObj(raw) || !optString(raw.startedDateTime) || !optNumber(raw.time)) return false;
  const rq = raw.request;
  if (!isObj(rq) || typeof rq.method !== 'string' || rq.method.length < 1 || rq.method.length > 32) return false;
  if (typeof rq.url !== 'string' || rq.url.length > 16_384 || !Array.isArray(rq.headers) || !isHeaderList(rq.headers)) return false;
  const pd = rq.postData;
  if (pd !== undefined && (!isObj(pd) || !optString(pd.mimeType) || !optString(pd.text) || !optString(pd.encoding))) return false;
  const rs = raw.response;
  if (rs === undefined) return true;
  if (!isObj(rs) || typeof rs.status !== 'number' || !Number.isSafeInteger(rs.status)) return false;
  if (!Array.isArray(rs.headers) || !isHeaderList(rs.headers)) return false;
  if (rs._error !== undefined && rs._error !== null && typeof rs._error !== 'string') return false;
  const c = rs.content;
  return c === undefined || (isObj(c) && optNumber(c.size) && optString(c.mimeType) && optString(c.text) && optString(c.encoding));
}

// ── bodies: each decoded (or encoded) once, the bytes handed to the bodyBytes cache ──────────────

const NON_ASCII = /[^\0-\x7f]/;

function requestBodyOf(text: string, encoding?: string): CapturedBody {
  if (encoding === 'base64') return base64Body(text);
  // ASCII (every JSON envelope, every base64 or JSON body): UTF-8, Latin-1 and the text agree, exact.
  if (!NON_ASCII.test(text)) return capturedAsciiBody(text);
  // Chrome's rule, inverted: Latin-1 was used only when the bytes were not valid UTF-8.
  const latin1 = /^[\0-\xff]*$/.test(text) ? latin1ToBytes(text) : undefined;
  const bytes = latin1 && !isValidUtf8(latin1) ? latin1 : utf8Encode(text);
  return encodedBody(bytes, true);
}

function responseBodyOf(text: string, encoding?: string): CapturedBody {
  if (encoding === 'base64') return base64Body(text);
  const lossy = looksMangledBinary(text);
  if (!lossy && !NON_ASCII.test(text)) return capturedAsciiBody(text);
  return encodedBody(utf8Encode(text), lossy);
}

/** Base64 content: kept as it is when already canonical standard Base64 (DevTools writes that), else re-encoded. */
function base64Body(text: string): CapturedBody {
  const d = decodeStdBase64(text, slabAlloc);
  if (d) return capturedBody(d.bytes, d.canonical ? text : toBase64(d.bytes), false);
  return encodedBody(fromBase64Any(text), false);
}

function encodedBody(bytes: Uint8Array, lossy: boolean): CapturedBody {
  return capturedBody(bytes, bytes.length > MAX_BODY_BYTES ? '' : toBase64(bytes), lossy);
}

/** DevTools' text view of a binary body: replacement characters, or the "SC" magic + version byte. */
export function looksMangledBinary(text: string): boolean {
  return text.includes('\uFFFD') || (text.length >= 3 && text.startsWith('SC') && text.charCodeAt(2) < 0x20);
}

// ── export ───────────────────────────────────────────────────────────────────

export interface Har {
  log: { version: '1.2'; creator: { name: string; version: string }; entries: HarOutEntry[] };
}
export interface HarOutEntry {
  startedDateTime: string;
  time: number;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _keyhole: Record<string, unknown>;
}

export interface BuildHarOptions {
  /** Default true: tokens, Authorization, keys and MFA codes become "[redacted]". */
  redact?: boolean;
  /** Session keys to embed when not redacting (sessionId → keys). */
  keys?: (sessionId: string) => { requestKey?: string; responseKey?: string } | undefined;
  version?: string;
}

export function buildHar(decrypted: readonly DecryptedExchange[], o: BuildHarOptions = {}): Har {
  const redact = o.redact ?? true;
  return {
    log: {
      version: '1.2',
      creator: { name: 'Keyhole', version: o.version ?? '0' },
      entries: decrypted.map((d) => harEntry(d, redact, o)),
    },
  };
}

function harEntry(d: DecryptedExchange, redact: boolean, o: BuildHarOptions): HarOutEntry {
  const ex = d.exchange;
  const hdrs = (h: Record<string, string>) => Object.entries(redact ? redactHeaders(h) : h).map(([name, value]) => ({ name, value }));
  const req = harBody(ex.requestBody, d.request, redact, 'request');
  const res = harBody(ex.responseBody, d.response, redact, 'response');
  const keyhole: Record<string, unknown> = {
    source: ex.source,
    kind: d.kind,
    sessionId: d.sessionId,
    responseCode: d.responseCode,
    request: sideInfo(d.request, redact, 'request'),
    response: sideInfo(d.response, redact, 'response'),
    redacted: redact,
    // A panel resend (issue #9) says which exchange it was made from.
    ...(ex.resentFrom !== undefined && { resentFrom: ex.resentFrom }),
  };
  if (!redact && d.sessionId && o.keys) keyhole.keys = o.keys(d.sessionId);
  // Why this page refresh burnt a token family (the panel's "token reuse" badge); Keyhole's internal key stays out.
  if (d.conflict) keyhole.conflict = { kind: d.conflict.kind, message: d.conflict.message };
  const time = ex.durationMs ?? 0;
  const url = redact ? redactUrl(ex.url) : ex.url;
  return {
    startedDateTime: new Date(ex.startedAt).toISOString(),
    time,
    request: {
      method: ex.method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: hdrs(ex.requestHeaders),
      queryString: queryPairs(url),
      headersSize: -1,
      bodySize: ex.requestBody?.size ?? 0,
      ...(req && { postData: { mimeType: ex.requestHeaders['content-type'] ?? '', ...req } }),
    },
    response: {
      status: ex.status ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: hdrs(ex.responseHeaders),
      content: { size: ex.responseBody?.size ?? 0, mimeType: ex.responseHeaders['content-type'] ?? '', ...(res ?? {}) },
      redirectURL: '',
      headersSize: -1,
      bodySize: ex.responseBody?.size ?? 0,
      ...(ex.error && { _error: ex.error }),
    },
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
    _keyhole: keyhole,
  };
}

/**
 * The body as exact base64 — except, when redacting, a plain (unencrypted) body holding secrets (re-serialised
 * with the secrets replaced) and a type-1 envelope (wrapped keys zero-filled): no longer byte-exact, by design.
 */
function harBody(body: CapturedBody | undefined, side: DecryptedSide, redact: boolean, dir: 'request' | 'response'): { text: string; encoding?: 'base64' } | undefined {
  if (!body) return undefined;
  if (body.truncated) return { text: '' };
  if (redact) {
    // A type-1 envelope carries RSA-wrapped session keys whoever can read it (decrypted or not).
    const wrapped = redactWrappedKeys(body.base64);
    if (wrapped) return wrapped;
  }
  if (redact && side.status === 'plain') {
    if (side.json !== undefined) {
      const r = redactJson(side.json, { side: dir });
      if (JSON.stringify(r) !== JSON.stringify(side.json)) return { text: JSON.stringify(r) };
    } else if (side.text !== undefined) {
      // Form bodies (a=1&refresh_token=…) pair by pair, other text token by token.
      const r = redactText(side.text, { side: dir });
      if (r !== side.text) return { text: r };
    }
  }
  return { text: body.base64, encoding: 'base64' };
}

function sideInfo(s: DecryptedSide, redact: boolean, dir: 'request' | 'response'): Record<string, unknown> {
  const info: Record<string, unknown> = { status: s.status, form: s.form };
  if (s.keySource) info.keySource = s.keySource;
  if (s.aad) info.aad = s.aad;
  if (s.error) info.error = s.error;
  if (s.anatomy) info.anatomy = s.anatomy;
  if (s.status === 'decrypted') {
    if (s.json !== undefined) info.plaintext = redact ? redactJson(s.json, { side: dir }) : s.json;
    else if (s.text !== undefined) info.plaintextText = redact ? redactText(s.text, { side: dir }) : s.text;
  }
  return info;
}

