/**
 * A full handshake + login + refresh written with node:crypto and Buffer ALONE — no import from
 * src/protocol, src/client or the test helpers — so the core and the gateway cannot share one
 * mistake (§4, §6, §8, §9, §11 read straight from the spec).
 */
import * as crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';

let gw: Gateway;
beforeAll(async () => {
  gw = await createGateway({ port: 0 });
});
afterAll(() => gw.close());

const HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  Accept: 'application/json',
  'X-Client-Hash': 'independent-client-1',
  'CF-Connecting-IP': '127.0.0.1',
  'Cf-Ray': '0123456789abcdef-DEV',
  'cf-ipcountry': 'US',
  'X-Forwarded-Proto': 'https',
  'Accept-Language': 'en',
};

it('handshake, login (binary), refresh (JSON {v,p}) and reuse detection, by hand', async () => {
  // §5 public key
  const pkRes = await fetch(`${gw.url}/web/v1/secure-channel/public-key`, { headers: HEADERS });
  const pk = (await pkRes.json()) as { data: { keyId: string; publicKey: string } };
  const publicKey = crypto.createPublicKey({ key: Buffer.from(pk.data.publicKey, 'base64'), format: 'der', type: 'spki' });
  expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

  // §6 session: two random AES-256 keys wrapped with RSA-OAEP SHA-256 / MGF1-SHA-256, empty label
  const reqKey = crypto.randomBytes(32);
  const respKey = crypto.randomBytes(32);
  const wrap = (k: Buffer) => crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, k);
  const encReqKey = wrap(reqKey);
  expect(encReqKey.length).toBe(256);
  const sRes = await fetch(`${gw.url}/web/v1/secure-channel/session`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ keyId: pk.data.keyId, encReqKey: encReqKey.toString('base64'), encRespKey: wrap(respKey).toString('base64') }),
  });
  const session = (await sRes.json()) as { data: { sessionId: string; expiresAt: number } };
  const sid = session.data.sessionId;

  // §8 type 2 request: 'S' 'C' 0x02 0x02 IV(12) ciphertext tag(16)
  const sealBinary = (obj: unknown) => {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', reqKey, iv);
    const ct = Buffer.concat([c.update(JSON.stringify(obj), 'utf8'), c.final()]);
    return Buffer.concat([Buffer.from('SC', 'latin1'), Buffer.from([2, 2]), iv, ct, c.getAuthTag()]);
  };
  // §9/§12 JSON envelope: p = standard Base64 of IV‖ciphertext‖tag
  const sealJson = (obj: unknown) => {
    const b = sealBinary(obj);
    return JSON.stringify({ v: 2, p: b.subarray(4).toString('base64') });
  };
  const openSealed = (sealed: Buffer) => {
    const d = crypto.createDecipheriv('aes-256-gcm', respKey, sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return JSON.parse(Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString('utf8'));
  };
  const post = async (path: string, body: Buffer | string) => {
    const res = await fetch(gw.url + path, { method: 'POST', headers: { ...HEADERS, 'X-SC-Session-Id': sid, 'X-SC-Version': '2' }, body: body as BodyInit });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const openBinary = (bytes: Buffer) => {
    expect([...bytes.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x81]);
    return openSealed(bytes.subarray(4));
  };
  const openJson = (bytes: Buffer) => {
    const outer = JSON.parse(bytes.toString('utf8'));
    expect(outer.v).toBe(2);
    return openSealed(Buffer.from(outer.p, 'base64'));
  };

  // §11 login
  const init = await post('/web/v1/system/auth/login/initiate', sealBinary({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' }));
  expect(init.status).toBe(200);
  const initEnv = openBinary(init.bytes);
  expect(initEnv).toMatchObject({ version: '2.0.0', success: true, code: '2000', data: { expiresIn: 300 } });
  const complete = await post('/web/v1/system/auth/login/complete', sealBinary({ sessionId: initEnv.data.sessionId, method: 10011002, code: '123456' }));
  const tokens = openBinary(complete.bytes).data;
  expect(tokens.tokenType).toBe('Bearer');

  // Verify the HS256 structure without the secret: header, claims.
  const [h, p, s] = tokens.accessToken.split('.');
  expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  expect(Object.keys(claims)).toEqual(expect.arrayContaining(['sub', 'sid', 'iat', 'exp']));
  expect(Buffer.from(s, 'base64url').length).toBe(32);

  // §11 refresh in the SDK's JSON form
  const r1 = await post('/web/v1/system/auth/token/refresh', sealJson({ refreshToken: tokens.refreshToken }));
  expect(r1.status).toBe(200);
  const e1 = openJson(r1.bytes);
  expect(e1.success).toBe(true);
  expect(e1.data.refreshToken).not.toBe(tokens.refreshToken);

  // Reuse of the rotated token: 401, encrypted, family revoked.
  const r2 = await post('/web/v1/system/auth/token/refresh', sealJson({ refreshToken: tokens.refreshToken }));
  expect(r2.status).toBe(401);
  expect(openJson(r2.bytes).code).toBe('AUTH.REFRESH_TOKEN_INVALID');
  const r3 = await post('/web/v1/system/auth/token/refresh', sealBinary({ refreshToken: e1.data.refreshToken }));
  expect(openBinary(r3.bytes).code).toBe('AUTH.REFRESH_TOKEN_INVALID');

  // §7 close, then the id is refused before decryption (plain JSON).
  const close = await fetch(`${gw.url}/web/v1/secure-channel/session/close`, { method: 'POST', headers: { ...HEADERS, 'X-Secure-Channel-Session-Id': sid } });
  expect(close.status).toBe(200);
  const after = await post('/web/v1/system/auth/token/refresh', sealBinary({ refreshToken: 'x' }));
  expect(after.status).toBe(401);
  expect(JSON.parse(after.bytes.toString()).code).toBe('SECURE_CHANNEL.SESSION_NOT_FOUND');
});
