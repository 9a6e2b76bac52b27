import { describe, expect, test } from 'vitest';
import { KEYRING_LIMITS, Keyring } from '../../../src/inspect/keyring';
import { MAX_SESSION_ID_LENGTH, MAX_WRAPPED_BASE64 } from '../../../src/inspect/limits';
import { learnKeys } from '../../../src/inspect/learn-keys';
import { decryptExchange } from '../../../src/inspect/decrypt-exchange';
import { API, aesKey, b64, binaryEnvelope, exchange, handshake, jsonEnvelope, ok, rsaKeys, rsaWrap, type1Envelope } from './fixtures';

const refreshUrl = `${API}/web/v1/system/auth/token/refresh`;

describe('handshake pairing', () => {
  test('the wrapped keys the page encrypted are matched to the /session call and its sessionId', async () => {
    const h = handshake('sess_pair');
    const k = new Keyring();
    k.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
    k.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 2 });
    expect(await learnKeys(h.ex, k)).toBe(1);
    expect(k.snapshot().entries).toEqual([
      expect.objectContaining({ sessionId: 'sess_pair', requestKey: b64(h.requestKey), responseKey: b64(h.responseKey), source: 'page-handshake' }),
    ]);
  });

  test('learning twice from the same handshake adds nothing', async () => {
    const h = handshake();
    const k = new Keyring();
    k.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
    k.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 2 });
    await learnKeys(h.ex, k);
    expect(await learnKeys(h.ex, k)).toBe(0);
    expect(k.snapshot().entries).toHaveLength(1);
  });

  test('a handshake without observed wraps teaches nothing', async () => {
    const k = new Keyring();
    expect(await learnKeys(handshake().ex, k)).toBe(0);
  });

  test('the decrypted call after the handshake names the page-handshake source', async () => {
    const h = handshake('sess_a');
    const k = new Keyring();
    k.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
    k.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 2 });
    await learnKeys(h.ex, k);
    const call = exchange({
      url: refreshUrl,
      reqHeaders: { 'x-sc-session-id': 'sess_a', 'x-sc-version': '2' },
      req: binaryEnvelope(2, h.requestKey, '{"refreshToken":"r1"}'),
      res: binaryEnvelope(0x81, h.responseKey, ok({ accessToken: 'a2', refreshToken: 'r2', expiresIn: 3600 })),
    });
    const d = await decryptExchange(call, k);
    expect(d.request).toMatchObject({ status: 'decrypted', keySource: 'page-handshake', aad: 'none', json: { refreshToken: 'r1' } });
    expect(d.response).toMatchObject({ status: 'decrypted', keySource: 'page-handshake' });
  });
});

describe('type 1 envelopes', () => {
  test('keys wrapped inside the envelope pair with the new id from the X-SC-Session-Id response header', async () => {
    const requestKey = aesKey();
    const responseKey = aesKey();
    const encReqKey = rsaWrap(requestKey);
    const encRespKey = rsaWrap(responseKey);
    const k = new Keyring();
    k.addWrap({ key: b64(requestKey), wrapped: b64(encReqKey), at: 1 });
    k.addWrap({ key: b64(responseKey), wrapped: b64(encRespKey), at: 1 });
    const ex = exchange({
      url: `${API}/web/v1/system/auth/login/initiate`,
      req: type1Envelope(requestKey, 'rsa-key-1', encReqKey, encRespKey, '{"email":"a@b.c","password":"pw"}'),
      res: binaryEnvelope(0x81, responseKey, ok({ sessionId: 'login-1', mfaMethods: [] })),
      resHeaders: { 'x-sc-session-id': 'sess_t1' },
    });
    expect(await learnKeys(ex, k)).toBe(1);
    expect(k.snapshot().entries[0]).toMatchObject({ sessionId: 'sess_t1', source: 'type1' });
    const d = await decryptExchange(ex, k);
    expect(d.sessionId).toBe('sess_t1');
    expect(d.request).toMatchObject({ status: 'decrypted', keySource: 'type1', anatomy: { type: 1, keyId: 'rsa-key-1', encReqKeyLength: 256 } });
    expect(d.response).toMatchObject({ status: 'decrypted', json: { data: { sessionId: 'login-1' } } });
  });
});

describe('private key', () => {
  test('a test environment private key unwraps an observed handshake (OAEP SHA-256)', async () => {
    const h = handshake('sess_pk');
    const k = new Keyring();
    k.setPrivateKey(rsaKeys().pem);
    expect(await learnKeys(h.ex, k)).toBe(1);
    expect(k.snapshot().entries[0]).toMatchObject({ sessionId: 'sess_pk', requestKey: b64(h.requestKey), responseKey: b64(h.responseKey), source: 'private-key' });
    expect(k.snapshot().hasPrivateKey).toBe(true);
  });

  test('falls back to OAEP SHA-1 (§12 observer)', async () => {
    const requestKey = aesKey();
    const responseKey = aesKey();
    const ex = exchange({
      url: `${API}/web/v1/secure-channel/session`,
      req: JSON.stringify({ keyId: 'k', encReqKey: b64(rsaWrap(requestKey, 'sha1')), encRespKey: b64(rsaWrap(responseKey, 'sha1')) }),
      res: ok({ sessionId: 'sess_sha1', expiresAt: 1 }),
    });
    const k = new Keyring();
    k.setPrivateKey(rsaKeys().pem);
    await learnKeys(ex, k);
    expect(k.snapshot().entries[0]).toMatchObject({ sessionId: 'sess_sha1', requestKey: b64(requestKey) });
  });
});

describe('trial decryption', () => {
  test('of several candidate keys the GCM tag picks the right one, and the keyring remembers it for the session', async () => {
    const right = aesKey();
    const k = new Keyring();
    k.addCandidate({ key: b64(aesKey()), origin: 'aes-import', at: 1 });
    k.addCandidate({ key: b64(right), origin: 'aes-import', at: 2 });
    k.addCandidate({ key: b64(aesKey()), origin: 'aes-export', at: 3 });
    const ex = exchange({ reqHeaders: { 'x-sc-session-id': 'sess_trial' }, req: jsonEnvelope(right, '{"x":1}') });
    const d = await decryptExchange(ex, k);
    expect(d.request).toMatchObject({ status: 'decrypted', keySource: 'trial', json: { x: 1 } });
    expect(k.snapshot().entries).toEqual([expect.objectContaining({ sessionId: 'sess_trial', requestKey: b64(right), source: 'trial' })]);
    expect(k.candidates('sess_trial', 'request')[0]).toMatchObject({ sessionId: 'sess_trial', dir: 'request' });
  });
});

describe('AAD', () => {
  test('no AAD is tried first', async () => {
    const key = aesKey();
    const k = new Keyring();
    k.add({ sessionId: 's1', requestKey: b64(key), source: 'manual' });
    const d = await decryptExchange(exchange({ reqHeaders: { 'x-sc-session-id': 's1' }, req: binaryEnvelope(2, key, '{}') }), k);
    expect(d.request).toMatchObject({ status: 'decrypted', aad: 'none' });
  });

  test('then UTF-8 of the session id, and the keyring records that mode', async () => {
    const key = aesKey();
    const k = new Keyring();
    k.add({ sessionId: 's2', requestKey: b64(key), source: 'manual' });
    const d = await decryptExchange(exchange({ reqHeaders: { 'x-sc-session-id': 's2' }, req: binaryEnvelope(2, key, '{}', 's2') }), k);
    expect(d.request).toMatchObject({ status: 'decrypted', aad: 'session-id', keySource: 'manual' });
    expect(k.snapshot().entries[0].aad).toBe('session-id');
  });
});

describe('keyring bookkeeping', () => {
  test("a session's own candidates are one list per direction until the entries change", () => {
    const k = new Keyring();
    const [a, b, c] = [b64(aesKey()), b64(aesKey()), b64(aesKey())];
    const keys = (dir: 'request' | 'response') => k.ownCandidates('s', dir).map((x) => b64(x.key));
    k.add({ sessionId: 's', requestKey: a, source: 'manual' });
    const first = k.ownCandidates('s', 'request');
    expect(k.ownCandidates('s', 'request')).toBe(first);
    expect(keys('request')).toEqual([a]);
    expect(keys('response')).toEqual([]);
    k.add({ sessionId: 's', responseKey: b, source: 'manual' }); // fills the missing side of the same entry
    expect(keys('response')).toEqual([b]);
    k.replaceSource('keyhole-session', [{ sessionId: 's', requestKey: c }]);
    expect(keys('request')).toEqual([a, c]);
    k.removeEntry(0);
    expect(keys('request')).toEqual([c]);
    expect(keys('response')).toEqual([]);
    k.clear();
    expect(keys('request')).toEqual([]);
  });

  test('a second source fills a missing side instead of adding an entry', () => {
    const k = new Keyring();
    const a = b64(aesKey());
    const b = b64(aesKey());
    expect(k.add({ sessionId: 's', requestKey: a, source: 'trial' })).toBe(true);
    expect(k.add({ sessionId: 's', responseKey: b, source: 'trial' })).toBe(true);
    expect(k.snapshot().entries).toEqual([expect.objectContaining({ requestKey: a, responseKey: b })]);
  });

  test('state round-trips through storage and the private key never reaches the snapshot', () => {
    const k = new Keyring();
    k.add({ sessionId: 's', requestKey: b64(aesKey()), source: 'manual' });
    k.setPrivateKey('private-key-marker!'); // '-' and '!' cannot occur in the Base64 keys
    const back = Keyring.fromState(JSON.parse(JSON.stringify(k.toState())));
    expect(back.snapshot()).toEqual(k.snapshot());
    expect(JSON.stringify(k.snapshot())).not.toContain('private-key-marker!');
  });

  test('keys must be 32-byte base64, session ids fit MAX_SESSION_ID_LENGTH; anything else is refused without a throw', () => {
    const k = new Keyring();
    const key = b64(new Uint8Array(32).fill(1));
    expect(k.add({ sessionId: 's', requestKey: 'short', source: 'manual' })).toBe(false);
    expect(k.add({ sessionId: 'x'.repeat(MAX_SESSION_ID_LENGTH + 1), requestKey: key, source: 'trial' })).toBe(false);
    expect(k.addCandidate({ key: 'short', origin: 'aes-import', at: 1 })).toBe(false);
    expect(k.addWrap({ key, wrapped: 'A'.repeat(MAX_WRAPPED_BASE64 + 4), at: 1 })).toBe(false);
    expect(k.add({ sessionId: 'x'.repeat(MAX_SESSION_ID_LENGTH), requestKey: key, source: 'trial' })).toBe(true);
    expect(k.snapshot().entries).toHaveLength(1);
  });

  test('keys the user typed or derived from the private key are never evicted by observed ones', () => {
    const k = new Keyring();
    const key = (i: number) => b64(new Uint8Array(32).fill(i % 251).map((v, j) => (j === 0 ? i >> 8 : j === 1 ? i & 0xff : v)));
    expect(k.add({ sessionId: 'typed', requestKey: key(1), source: 'manual' })).toBe(true);
    expect(k.add({ sessionId: 'unwrapped', requestKey: key(2), source: 'private-key' })).toBe(true);
    for (let i = 0; i < KEYRING_LIMITS.observed + 50; i++) k.add({ sessionId: `flood_${i}`, requestKey: key(1000 + i), source: 'page-handshake' });
    const ids = k.snapshot().entries.map((e) => e.sessionId);
    expect(ids).toContain('typed');
    expect(ids).toContain('unwrapped');
    expect(ids.filter((s) => s?.startsWith('flood_'))).toHaveLength(KEYRING_LIMITS.observed);
    expect(ids).not.toContain('flood_0'); // the observed pool evicts its own oldest
    expect(ids).toContain(`flood_${KEYRING_LIMITS.observed + 49}`);
    // Typed keys are refused past their own limit, never evicted.
    for (let i = 1; i < KEYRING_LIMITS.manual; i++) expect(k.add({ sessionId: `typed_${i}`, requestKey: key(5000 + i), source: 'manual' })).toBe(true);
    expect(k.manualFull()).toBe(true);
    expect(k.add({ sessionId: 'one_more', requestKey: key(9000), source: 'manual' })).toBe(false);
    expect(k.snapshot().entries.map((e) => e.sessionId)).toContain('typed');
  });

  test('a wrap is found by its ciphertext in O(1), and an evicted wrap is forgotten', () => {
    const k = new Keyring();
    const wrapped = (i: number) => new Uint8Array(256).fill(i % 256).map((v, j) => (j < 2 ? (i >> (8 * j)) & 0xff : v));
    const key = (i: number) => new Uint8Array(32).fill(7).map((v, j) => (j < 2 ? (i >> (8 * j)) & 0xff : v));
    for (let i = 0; i < KEYRING_LIMITS.wraps + 1; i++) k.addWrap({ key: b64(key(i)), wrapped: b64(wrapped(i)), at: i });
    expect(k.findWrapped(wrapped(0))).toBeUndefined();
    expect(k.findWrapped(wrapped(KEYRING_LIMITS.wraps))).toEqual(key(KEYRING_LIMITS.wraps));
  });

  test('listeners hear every change', () => {
    const k = new Keyring();
    let n = 0;
    k.onChange(() => n++);
    k.addCandidate({ key: b64(aesKey()), origin: 'aes-import', at: 1 });
    k.add({ sessionId: 's', requestKey: b64(aesKey()), source: 'manual' });
    expect(n).toBe(2);
  });
});
