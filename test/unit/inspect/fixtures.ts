/**
 * SCv2 fixtures built with node:crypto — a second implementation, independent of src/protocol, so
 * the inspection model is tested against bytes it did not produce itself.
 */
import { createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes, constants, type KeyObject } from 'node:crypto';
import type { CapturedExchange, CapturedBody } from '../../../src/inspect/exchange';

export const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64');

export function seal(key: Uint8Array, plaintext: string, o: { aad?: string; iv?: Buffer } = {}) {
  const iv = o.iv ?? randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (o.aad !== undefined) c.setAAD(Buffer.from(o.aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { iv, ct, tag: c.getAuthTag() };
}

/** §8 type 2 (request) or 0x81 (response). */
export function binaryEnvelope(type: 2 | 0x81, key: Uint8Array, plaintext: string, aad?: string): Buffer {
  const { iv, ct, tag } = seal(key, plaintext, { aad });
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, type]), iv, ct, tag]);
}

/** §9 / §12: {"v":2,"p":"<b64 IV‖ct‖tag>"} */
export function jsonEnvelope(key: Uint8Array, plaintext: string, aad?: string): string {
  const { iv, ct, tag } = seal(key, plaintext, { aad });
  return JSON.stringify({ v: 2, p: b64(Buffer.concat([iv, ct, tag])) });
}

/** §8 type 1: inline key exchange. */
export function type1Envelope(key: Uint8Array, keyId: string, encReqKey: Buffer, encRespKey: Buffer, plaintext: string): Buffer {
  const { iv, ct, tag } = seal(key, plaintext);
  const kid = Buffer.from(keyId, 'utf8');
  const len = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x01, kid.length]), kid, len(encReqKey.length), encReqKey, len(encRespKey.length), encRespKey, iv, ct, tag]);
}

let rsa: { publicKey: KeyObject; privateKey: KeyObject; pem: string } | undefined;
export function rsaKeys() {
  if (!rsa) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsa = { publicKey, privateKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
  return rsa;
}

export function rsaWrap(key: Uint8Array, hash: 'sha256' | 'sha1' = 'sha256'): Buffer {
  return publicEncrypt({ key: rsaKeys().publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, key);
}

export const aesKey = () => new Uint8Array(randomBytes(32));

export function body(b: Uint8Array | string, extra: Partial<CapturedBody> = {}): CapturedBody {
  const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
  return { base64: bytes.toString('base64'), size: bytes.length, truncated: false, ...extra };
}

let n = 0;
export function exchange(o: {
  url?: string;
  method?: string;
  req?: Uint8Array | string;
  res?: Uint8Array | string;
  reqHeaders?: Record<string, string>;
  resHeaders?: Record<string, string>;
  status?: number;
  tabId?: number;
  /** The page that made the call, as the relay's sender says; default the API's own origin. null: none (HAR). */
  pageOrigin?: string | null;
}): CapturedExchange {
  return {
    id: `x${n++}`,
    tabId: o.tabId ?? 1,
    source: 'hook-fetch',
    startedAt: 1_700_000_000_000,
    method: o.method ?? 'POST',
    url: o.url ?? 'http://127.0.0.1:18020/prometheus/web/v1/system/some/call',
    requestHeaders: { 'content-type': 'application/json;charset=UTF-8', ...o.reqHeaders },
    ...(o.req !== undefined && { requestBody: body(o.req) }),
    status: o.status ?? 200,
    responseHeaders: { 'content-type': 'application/json;charset=UTF-8', ...o.resHeaders },
    ...(o.res !== undefined && { responseBody: body(o.res) }),
    ...(o.pageOrigin !== null && { pageOrigin: o.pageOrigin ?? 'http://127.0.0.1:18020' }),
  };
}

export const API = 'http://127.0.0.1:18020/prometheus';
export const ok = (data: unknown) => JSON.stringify({ version: '2.0.0', timestamp: 1, success: true, code: '2000', message: 'SUCCESS', data });

/** A full page handshake: keys, their RSA wraps, and the plain /session exchange. */
export function handshake(sessionId = 'sess_abc') {
  const requestKey = aesKey();
  const responseKey = aesKey();
  const encReqKey = rsaWrap(requestKey);
  const encRespKey = rsaWrap(responseKey);
  const ex = exchange({
    url: `${API}/web/v1/secure-channel/session`,
    req: JSON.stringify({ keyId: 'rsa-key-1', encReqKey: b64(encReqKey), encRespKey: b64(encRespKey) }),
    res: ok({ sessionId, expiresAt: 1_800_000_000_000 }),
  });
  return { requestKey, responseKey, encReqKey, encRespKey, ex, sessionId };
}
