/**
 * Learns session keys from one exchange (architecture.md §3):
 *  - a `/session` handshake (§6): the request's encReqKey/encRespKey are matched against the
 *    RSA-OAEP encryptions the page's WebCrypto hook saw (source 'page-handshake'); the response's
 *    `data.sessionId` names the session;
 *  - a type-1 envelope (§8, §12 "type 1"): encReqKey/encRespKey travel inside the envelope and the
 *    new id comes back in the response header X-SC-Session-Id (source 'type1');
 *  - either of the above, unwrapped with a test environment's RSA private key when one is set
 *    (§12 observer: OAEP SHA-256, then SHA-1; source 'private-key').
 * Idempotent: running it again on the same exchange adds nothing.
 */
import { fromBase64Any, toBase64 } from '../protocol/bytes';
import { hasEnvelopeMagic, parseBinaryEnvelope } from '../protocol/envelope-binary';
import { looksLikeJsonEnvelope, parseJsonEnvelope } from '../protocol/envelope-json';
import { rsaOaepUnwrap } from '../protocol/rsa';
import { bodyBytes, headerValue, type CapturedExchange } from './exchange';
import type { Keyring, KeySource } from './keyring';

export interface WrappedPair {
  encReqKey: Uint8Array;
  encRespKey: Uint8Array;
  sessionId?: string;
  kind: 'handshake' | 'type1';
}

export type Unwrap = (privateKeyPem: string, wrapped: Uint8Array) => Promise<{ key: Uint8Array }>;

/** The RSA-wrapped key pair an exchange carries, if it is a handshake or a type-1 request. */
export function wrappedPairOf(ex: CapturedExchange): WrappedPair | undefined {
  const req = safe(() => bodyBytes(ex.requestBody));
  if (!req || req.length === 0) return undefined;
  if (hasEnvelopeMagic(req)) {
    const env = safe(() => parseBinaryEnvelope(req));
    if (env?.type !== 1) return undefined;
    return { encReqKey: env.encReqKey, encRespKey: env.encRespKey, sessionId: headerValue(ex.responseHeaders, 'x-sc-session-id'), kind: 'type1' };
  }
  const text = safe(() => new TextDecoder('utf-8', { fatal: true }).decode(req));
  if (text === undefined) return undefined;
  if (looksLikeJsonEnvelope(text)) {
    const inner = safe(() => parseJsonEnvelope(text))?.inner;
    if (inner?.type !== 1) return undefined;
    return { encReqKey: inner.encReqKey, encRespKey: inner.encRespKey, sessionId: headerValue(ex.responseHeaders, 'x-sc-session-id'), kind: 'type1' };
  }
  const body = safe(() => JSON.parse(text) as unknown);
  if (!isRecord(body) || typeof body.encReqKey !== 'string' || typeof body.encRespKey !== 'string') return undefined;
  const encReqKey = safe(() => fromBase64Any(body.encReqKey as string));
  const encRespKey = safe(() => fromBase64Any(body.encRespKey as string));
  if (!encReqKey || !encRespKey) return undefined;
  return { encReqKey, encRespKey, sessionId: handshakeSessionId(ex), kind: 'handshake' };
}

/** `data.sessionId` of a plain /session response (§6). */
function handshakeSessionId(ex: CapturedExchange): string | undefined {
  const res = safe(() => bodyBytes(ex.responseBody));
  if (!res) return undefined;
  const json = safe(() => JSON.parse(new TextDecoder().decode(res)) as unknown);
  const data = isRecord(json) ? json.data : undefined;
  return isRecord(data) && typeof data.sessionId === 'string' ? data.sessionId : undefined;
}

// RSA private decryption costs ~1 ms; the hub re-runs learning whenever new keys arrive.
const unwrapCache = new Map<string, Promise<Uint8Array | undefined>>();

function unwrapCached(unwrap: Unwrap, pem: string, wrapped: Uint8Array): Promise<Uint8Array | undefined> {
  const id = `${pem.length}:${pem.slice(-64)}:${toBase64(wrapped)}`;
  let p = unwrapCache.get(id);
  if (!p) {
    p = unwrap(pem, wrapped).then(
      (r) => r.key,
      () => undefined,
    );
    unwrapCache.set(id, p);
    if (unwrapCache.size > 256) unwrapCache.delete(unwrapCache.keys().next().value as string);
  }
  return p;
}

export interface LearnOptions {
  unwrap?: Unwrap;
}

/**
 * Adds what the exchange reveals to the keyring; returns the number of entries added or filled. Never
 * throws: a session id or key the keyring cannot hold teaches nothing (the exchange is shown with a
 * coded error by decryptExchange), and an unwrap failure is "no key".
 */
export async function learnKeys(ex: CapturedExchange, keyring: Keyring, o: LearnOptions = {}): Promise<number> {
  try {
    return await learnKeysUnsafe(ex, keyring, o);
  } catch {
    return 0;
  }
}

async function learnKeysUnsafe(ex: CapturedExchange, keyring: Keyring, o: LearnOptions): Promise<number> {
  const pair = wrappedPairOf(ex);
  if (!pair) return 0;
  let added = 0;
  const seenReq = keyring.findWrapped(pair.encReqKey);
  const seenResp = keyring.findWrapped(pair.encRespKey);
  const pageSource: KeySource = pair.kind === 'type1' ? 'type1' : 'page-handshake';
  if (seenReq || seenResp) {
    if (keyring.add({ sessionId: pair.sessionId, requestKey: b64(seenReq), responseKey: b64(seenResp), source: pageSource })) added++;
  }
  const pem = keyring.privateKey();
  if (pem && (!seenReq || !seenResp)) {
    const unwrap = o.unwrap ?? rsaOaepUnwrap;
    const [req, resp] = await Promise.all([unwrapCached(unwrap, pem, pair.encReqKey), unwrapCached(unwrap, pem, pair.encRespKey)]);
    if (keyring.add({ sessionId: pair.sessionId, requestKey: b64(req), responseKey: b64(resp), source: 'private-key' })) added++;
  }
  return added;
}

const b64 = (k: Uint8Array | undefined) => (k && k.length === 32 ? toBase64(k) : undefined);

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
