import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SecureChannel, type ScSessionState } from '../../../src/client/secure-channel';
import { API_BASE, MemoryStore, binaryEnvelope, ok } from './fake-gateway';
import { HEADERS, rejection, rig } from './helpers';

describe('SecureChannel handshake', () => {
  it('creates a session with a public key fetch and one /session call', async () => {
    const { gw, channel } = rig();
    const s = await channel.session();
    expect(s.sessionId).toMatch(/^sess_/);
    expect(gw.count('/secure-channel/public-key')).toBe(1);
    expect(gw.handshakeCount).toBe(1);
  });

  it('wraps two independent 32-byte keys that the server can unwrap', async () => {
    const { gw, channel } = rig();
    const s = await channel.session();
    const keys = gw.keysOf(s.sessionId)!;
    expect(Buffer.from(s.requestKey, 'base64')).toEqual(keys.reqKey);
    expect(Buffer.from(s.responseKey, 'base64')).toEqual(keys.respKey);
    expect(keys.reqKey.length).toBe(32);
    expect(keys.reqKey.equals(keys.respKey)).toBe(false);
  });

  it('sends exactly keyId, encReqKey and encRespKey to /session', async () => {
    const { gw, channel } = rig();
    await channel.session();
    const req = gw.requests.find((r) => r.path.endsWith('/session'))!;
    const body = JSON.parse(Buffer.from(req.body!).toString()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['encReqKey', 'encRespKey', 'keyId']);
    expect(Buffer.from(body.encReqKey!, 'base64').length).toBe(256);
  });

  it('shares one in-flight handshake among ten concurrent callers', async () => {
    const { gw, channel } = rig();
    gw.sessionDelayMs = 20;
    const sessions = await Promise.all(Array.from({ length: 10 }, () => channel.session()));
    expect(gw.handshakeCount).toBe(1);
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(1);
  });

  it('shares one handshake among ten concurrent encrypted calls', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', (r) => ({ envelope: ok(r.plaintext) }));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => channel.call('/web/v1/echo', { i })));
    expect(gw.handshakeCount).toBe(1);
    expect(results.map((r) => (r.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('lets one caller stop waiting without cancelling the shared handshake', async () => {
    const { gw, channel } = rig();
    gw.sessionDelayMs = 20;
    const ac = new AbortController();
    const impatient = rejection(channel.session({ signal: ac.signal }));
    const patient = channel.session();
    ac.abort();
    expect((await impatient).code).toBe('TIMEOUT');
    await expect(patient).resolves.toMatchObject({ keyId: 'rsa-key-test' });
    expect(gw.handshakeCount).toBe(1);
  });

  it('accepts an asynchronous header source', async () => {
    const { gw } = rig();
    const ch = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: async () => ({ ...HEADERS, clientHash: 'async-hash' }) });
    await ch.session();
    expect(gw.requests[0]!.headers['x-client-hash']).toBe('async-hash');
  });

  it('lets the next caller retry after a failed handshake', async () => {
    const { gw, channel } = rig();
    gw.networkDown = true;
    expect((await rejection(channel.session())).code).toBe('NETWORK_ERROR');
    gw.networkDown = false;
    await expect(channel.session()).resolves.toMatchObject({ keyId: 'rsa-key-test' });
  });

  it('reports a refused session creation as SC_HANDSHAKE_FAILED', async () => {
    const { gw } = rig();
    const fetch = async (url: string, init: RequestInit): Promise<Response> =>
      url.endsWith('/session')
        ? new Response(JSON.stringify({ success: false, code: '4000', message: 'Invalid or expired RSA key ID' }), { status: 400 })
        : gw.fetch(url, init);
    const ch = new SecureChannel({ apiBase: API_BASE, fetch, headers: () => HEADERS });
    const e = await rejection(ch.session());
    expect(e.code).toBe('SC_HANDSHAKE_FAILED');
    expect(e.serverCode).toBe('4000');
  });

  it('rejects a public key response that does not match the schema', async () => {
    const fetch = async (): Promise<Response> => new Response(JSON.stringify(ok({ keyId: 42 })));
    const ch = new SecureChannel({ apiBase: API_BASE, fetch, headers: () => HEADERS });
    expect((await rejection(ch.session())).code).toBe('SCHEMA_INVALID');
  });
});

describe('SecureChannel session reuse', () => {
  it('reuses the session while it is more than 60 s from expiry', async () => {
    const { gw, channel, clock } = rig();
    const first = await channel.session();
    clock.t = first.expiresAt - 60_001;
    const second = await channel.session();
    expect(second.sessionId).toBe(first.sessionId);
    expect(gw.handshakeCount).toBe(1);
  });

  it('handshakes again once the session is within 60 s of expiry', async () => {
    const { gw, channel, clock } = rig();
    const first = await channel.session();
    clock.t = first.expiresAt - 60_000;
    const second = await channel.session();
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(gw.handshakeCount).toBe(2);
  });
});

describe('SecureChannel state store', () => {
  it('saves the new session state to the store', async () => {
    const { channel, store } = rig();
    const s = await channel.session();
    expect(store.value).toEqual(s);
  });

  it('continues a stored session in a freshly constructed channel without a handshake', async () => {
    const { gw, channel, store, clock } = rig();
    gw.handlers.set('/web/v1/echo', (r) => ({ envelope: ok(r.plaintext) }));
    const s = await channel.session();
    const revived = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, now: () => clock.t, store });
    const r = await revived.call('/web/v1/echo', { hello: 'again' });
    expect(r.data).toEqual({ hello: 'again' });
    expect(r.envelope.success).toBe(true);
    expect(gw.handshakeCount).toBe(1);
    expect(revived.peekState()?.sessionId).toBe(s.sessionId);
  });

  it('ignores a stored session that is about to expire', async () => {
    const { gw, channel, store, clock } = rig();
    const s = await channel.session();
    clock.t = s.expiresAt - 30_000;
    const revived = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, now: () => clock.t, store });
    expect((await revived.session()).sessionId).not.toBe(s.sessionId);
    expect(gw.handshakeCount).toBe(2);
  });

  it('ignores malformed stored state and handshakes', async () => {
    const { gw, clock } = rig();
    const store = new MemoryStore<ScSessionState>({ sessionId: 'x' } as ScSessionState);
    const ch = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, now: () => clock.t, store });
    await ch.session();
    expect(gw.handshakeCount).toBe(1);
    expect(store.value?.keyId).toBe('rsa-key-test');
  });

  it('treats a store that fails to load as empty', async () => {
    const { gw } = rig();
    const store = { load: async (): Promise<never> => Promise.reject(new Error('storage gone')), save: async (): Promise<void> => undefined };
    const ch = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, store });
    await expect(ch.session()).resolves.toMatchObject({ keyId: 'rsa-key-test' });
  });
});

describe('SecureChannel calls', () => {
  it('sends binary type 2 by default and decrypts the binary type 129 answer', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', (r) => ({ envelope: ok(r.plaintext) }));
    const r = await channel.call('/web/v1/echo', { a: 1 });
    expect(gw.requests.at(-1)!.form).toBe('binary');
    expect(r.form).toBe('binary');
    expect(r.data).toEqual({ a: 1 });
  });

  it('sends and decrypts the JSON form when asked to', async () => {
    const { gw, channel } = rig({ form: 'json' });
    gw.handlers.set('/web/v1/echo', (r) => ({ envelope: ok(r.plaintext) }));
    const r = await channel.call('/web/v1/echo', { a: 2 });
    expect(gw.requests.at(-1)!.form).toBe('json');
    expect(r.form).toBe('json-envelope');
    expect(r.data).toEqual({ a: 2 });
  });

  it('sends the session id, version and gateway headers on an encrypted call', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: ok(null) }));
    const s = await channel.session();
    await channel.call('/web/v1/echo', {}, { accessToken: 'tok' });
    const h = gw.requests.at(-1)!.headers;
    expect(h['x-sc-session-id']).toBe(s.sessionId);
    expect(h['x-sc-version']).toBe('2');
    expect(h['x-client-hash']).toBe('client-hash-1');
    expect(h['authorization']).toBe('Bearer tok');
    expect(h['content-type']).toMatch(/^application\/json/i);
    expect(h['cf-connecting-ip']).toBe('127.0.0.1');
  });

  it('reads a plain JSON error envelope answered to an encrypted call', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ status: 400, plain: true, envelope: { success: false, code: 'SECURE_CHANNEL.INVALID_PAYLOAD', message: 'bad' } }));
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('SC_INVALID_PAYLOAD');
  });

  it('validates the data with the given schema', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: ok({ n: 'not a number' }) }));
    const e = await rejection(channel.call('/web/v1/echo', {}, { schema: z.object({ n: z.number() }) }));
    expect(e.code).toBe('SCHEMA_INVALID');
  });

  it('rejects a success response that is not a standard envelope', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: { hello: 'world' } }));
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('SCHEMA_INVALID');
  });

  it('rejects a 200 response whose body is not JSON', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ raw: '<html>' }));
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('SCHEMA_INVALID');
  });

  it('maps a 502 with an HTML body to SERVER_ERROR', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ status: 502, raw: '<html>bad gateway</html>' }));
    const e = await rejection(channel.call('/web/v1/echo', {}));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.status).toBe(502);
  });

  it('refuses a response encrypted under the wrong key', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ raw: new Uint8Array(binaryEnvelope(0x81, Buffer.alloc(32, 7), Buffer.from(JSON.stringify(ok(1))))) }));
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('AEAD_AUTH_FAILED');
  });
});

describe('SecureChannel SESSION_NOT_FOUND recovery', () => {
  it('re-handshakes once and retries once when the session is unknown', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', (r) => ({ envelope: ok(r.plaintext) }));
    const first = await channel.session();
    gw.sessions.clear();
    const r = await channel.call('/web/v1/echo', { x: 1 });
    expect(r.data).toEqual({ x: 1 });
    expect(gw.handshakeCount).toBe(2);
    expect(gw.count('/web/v1/echo')).toBe(2);
    expect(channel.peekState()?.sessionId).not.toBe(first.sessionId);
  });

  it('gives up with SC_SESSION_NOT_FOUND after one retry', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: ok(null) }));
    gw.forceSessionNotFound = 5;
    const e = await rejection(channel.call('/web/v1/echo', {}));
    expect(e.code).toBe('SC_SESSION_NOT_FOUND');
    expect(e.status).toBe(401);
    expect(gw.count('/web/v1/echo')).toBe(2);
    expect(gw.handshakeCount).toBe(2);
  });

  it('clears the stored state when the session is unknown and cannot be replaced', async () => {
    const { gw, channel, store } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: ok(null) }));
    gw.forceSessionNotFound = 2;
    await rejection(channel.call('/web/v1/echo', {}));
    expect(store.value).toBeUndefined();
    expect(channel.peekState()).toBeUndefined();
  });

  it('does not retry any other error', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ status: 500, envelope: { success: false, code: 'SYSTEM.INTERNAL_ERROR', message: 'boom' } }));
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('SERVER_ERROR');
    expect(gw.count('/web/v1/echo')).toBe(1);
  });

  it('re-handshakes only once when concurrent calls all hit an unknown session', async () => {
    const { gw, channel } = rig();
    gw.handlers.set('/web/v1/echo', () => ({ envelope: ok(null) }));
    await channel.session();
    gw.sessions.clear();
    await Promise.all(Array.from({ length: 5 }, () => channel.call('/web/v1/echo', {})));
    expect(gw.handshakeCount).toBe(2);
  });
});

describe('SecureChannel close', () => {
  it('posts /session/close with X-Secure-Channel-Session-Id and forgets the session', async () => {
    const { gw, channel, store } = rig();
    const s = await channel.session();
    await channel.close();
    const req = gw.requests.at(-1)!;
    expect(req.path).toBe('/web/v1/secure-channel/session/close');
    expect(req.headers['x-secure-channel-session-id']).toBe(s.sessionId);
    expect(req.body).toBeUndefined();
    expect(gw.sessions.has(s.sessionId)).toBe(false);
    expect(store.value).toBeUndefined();
    expect(channel.peekState()).toBeUndefined();
  });

  it('does nothing without a session', async () => {
    const { gw, channel } = rig();
    await channel.close();
    expect(gw.requests).toHaveLength(0);
  });

  it('closes a session that only exists in the store', async () => {
    const { gw, channel, store, clock } = rig();
    const s = await channel.session();
    const revived = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, now: () => clock.t, store });
    await revived.close();
    expect(gw.requests.at(-1)!.headers['x-secure-channel-session-id']).toBe(s.sessionId);
  });
});
