import { describe, expect, test } from 'vitest';
import { toRelayCall } from '../../../src/capture/relay-convert';
import { createLimiter, isPriorityMessage } from '../../../src/capture/relay-limit';
import { CAPTURE_CHANNEL } from '../../../src/capture/channel';
import { relayRpc } from '../../../src/messaging/relay-rpc';

const channel = CAPTURE_CHANNEL;
const pageExchange = (over: Record<string, unknown> = {}) => ({
  id: 'p-1',
  source: 'hook-fetch',
  startedAt: 1,
  durationMs: 2,
  method: 'POST',
  url: 'http://127.0.0.1/prometheus/web/v1/secure-channel/session',
  requestHeaders: { 'content-type': 'application/json' },
  requestBody: { data: '{"keyId":"k"}', size: 13, truncated: false },
  status: 200,
  responseHeaders: {},
  responseBody: { data: new Uint8Array([0x53, 0x43, 0x02, 0x81, 0xff]).buffer, size: 5, truncated: false },
  ...over,
});

describe('relay validation', () => {
  test('an exchange becomes base64 bodies that pass the worker-side schema', () => {
    const call = toRelayCall({ channel, kind: 'exchange', exchange: pageExchange() });
    expect(call?.method).toBe('exchange');
    if (call?.method !== 'exchange') return;
    expect(call.input.requestBody).toEqual({ base64: Buffer.from('{"keyId":"k"}').toString('base64'), size: 13, truncated: false });
    expect(call.input.responseBody).toEqual({ base64: 'U0MCgf8=', size: 5, truncated: false });
    expect(relayRpc.methods.exchange.input.safeParse(call.input).success).toBe(true);
  });

  test('text bodies are measured in UTF-8 bytes, as they went on the wire', () => {
    const call = toRelayCall({ channel, kind: 'exchange', exchange: pageExchange({ requestBody: { data: 'é', size: 1, truncated: false } }) });
    expect(call?.method === 'exchange' && call.input.requestBody?.size).toBe(2);
  });

  test('truncated bodies keep their size and no bytes', () => {
    const call = toRelayCall({ channel, kind: 'exchange', exchange: pageExchange({ responseBody: { data: '', size: 9_000_000, truncated: true } }) });
    expect(call?.method === 'exchange' && call.input.responseBody).toEqual({ base64: '', size: 9_000_000, truncated: true });
  });

  test.each([
    ['another channel', { channel: 'x', kind: 'exchange', exchange: pageExchange() }],
    ['an unknown kind', { channel, kind: 'eval', code: '1' }],
    ['a forged source', { channel, kind: 'exchange', exchange: pageExchange({ source: 'har' }) }],
    ['a huge header map', { channel, kind: 'exchange', exchange: pageExchange({ requestHeaders: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`h${i}`, 'v'])) }) }],
    ['a body over the limit', { channel, kind: 'exchange', exchange: pageExchange({ requestBody: { data: new ArrayBuffer(5 * 1024 * 1024 + 1), size: 1, truncated: false } }) }],
    ['a body that is not bytes', { channel, kind: 'exchange', exchange: pageExchange({ requestBody: { data: { length: 3 }, size: 3, truncated: false } }) }],
    ['a long URL', { channel, kind: 'exchange', exchange: pageExchange({ url: 'x'.repeat(20_000) }) }],
    ['a wrap of a 16-byte key', { channel, kind: 'wrap', key: new ArrayBuffer(16), wrapped: new ArrayBuffer(256), at: 1 }],
    ['a wrap that is too big', { channel, kind: 'wrap', key: new ArrayBuffer(32), wrapped: new ArrayBuffer(5000), at: 1 }],
    ['a jwk key of the wrong size', { channel, kind: 'aes-key', op: 'import', key: 'AAAA', at: 1 }],
    ['not an object', 'hello'],
    ['null', null],
  ])('rejects %s', (_name, msg) => expect(toRelayCall(msg)).toBeUndefined());

  test('wraps and AES keys become base64', () => {
    const key = new Uint8Array(32).fill(7);
    const wrap = toRelayCall({ channel, kind: 'wrap', key: key.buffer, wrapped: new Uint8Array(256).fill(1).buffer, at: 5 });
    expect(wrap).toMatchObject({ method: 'wrap', input: { key: Buffer.from(key).toString('base64'), at: 5 } });
    const jwk = toRelayCall({ channel, kind: 'aes-key', op: 'import', key: Buffer.from(key).toString('base64url'), at: 6 });
    expect(jwk).toEqual({ method: 'aesKey', input: { key: Buffer.from(key).toString('base64'), origin: 'aes-import', at: 6 } });
    const exp = toRelayCall({ channel, kind: 'aes-key', op: 'export', key: key.buffer, at: 7 });
    expect(exp).toMatchObject({ method: 'aesKey', input: { origin: 'aes-export' } });
  });
});

describe('flood guard', () => {
  test('drops past the window budget and counts what it dropped', () => {
    let t = 0;
    const l = createLimiter({ messages: 2, bytes: 1000, windowMs: 100, now: () => t });
    expect([l.allow(10), l.allow(10), l.allow(10)]).toEqual([true, true, false]);
    expect(l.allow(10)).toBe(false);
    t = 100;
    expect(l.allow(2000)).toBe(false);
    expect(l.allow(10)).toBe(true);
    expect(l.dropped()).toBe(3);
  });

  test("under a flood, ordinary messages are refused first: the page's refresh gets the reserved share", () => {
    const l = createLimiter({ messages: 10, bytes: 10_000, windowMs: 100, reserve: 3, now: () => 0 });
    const ordinary = Array.from({ length: 10 }, () => l.allow(10, false));
    expect(ordinary.filter(Boolean)).toHaveLength(7);
    expect([l.allow(10, true), l.allow(10, true), l.allow(10, true), l.allow(10, true)]).toEqual([true, true, true, false]);
    const refresh = { channel, kind: 'exchange', exchange: pageExchange({ url: 'http://127.0.0.1/prometheus/web/v1/system/auth/token/refresh?x=1' }) };
    expect(isPriorityMessage(refresh)).toBe(true);
    expect(isPriorityMessage({ channel, kind: 'exchange', exchange: pageExchange() })).toBe(false);
    expect(isPriorityMessage({ channel, kind: 'aes-key', key: 'k' })).toBe(false);
  });
});
