import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendRequest } from '../../../src/client/transport';
import { FakeGateway } from './fake-gateway';
import { HEADERS, rejection, rig } from './helpers';
import { SecureChannel } from '../../../src/client/secure-channel';

afterEach(() => {
  vi.useRealTimers();
});

describe('transport', () => {
  it('turns a rejected fetch into NETWORK_ERROR', async () => {
    const fetch = async (): Promise<Response> => Promise.reject(new TypeError('fetch failed'));
    expect((await rejection(sendRequest(fetch, 'http://x.test/', {}))).code).toBe('NETWORK_ERROR');
  });

  it('gives up with TIMEOUT when no answer comes in time', async () => {
    vi.useFakeTimers();
    const gw = new FakeGateway();
    gw.hang = true;
    const p = rejection(sendRequest(gw.fetch, 'http://x.test/', {}, { timeoutMs: 5000 }));
    await vi.advanceTimersByTimeAsync(5000);
    expect((await p).code).toBe('TIMEOUT');
  });

  it('gives up with TIMEOUT even if fetch ignores the abort signal', async () => {
    vi.useFakeTimers();
    const fetch = (): Promise<Response> => new Promise<Response>(() => undefined);
    const p = rejection(sendRequest(fetch, 'http://x.test/', {}, { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect((await p).code).toBe('TIMEOUT');
  });

  it('stops when the caller aborts', async () => {
    const gw = new FakeGateway();
    gw.hang = true;
    const ac = new AbortController();
    const p = rejection(sendRequest(gw.fetch, 'http://x.test/', {}, { signal: ac.signal }));
    ac.abort();
    expect((await p).code).toBe('TIMEOUT');
  });

  it('refuses to start with an already aborted signal', async () => {
    let called = false;
    const fetch = async (): Promise<Response> => {
      called = true;
      return new Response('{}');
    };
    const e = await rejection(sendRequest(fetch, 'http://x.test/', {}, { signal: AbortSignal.abort() }));
    expect(e.code).toBe('TIMEOUT');
    expect(called).toBe(false);
  });

  it('reads the body as exact bytes', async () => {
    const bytes = new Uint8Array([0x53, 0x43, 0xff, 0x00, 0x80]);
    const fetch = async (): Promise<Response> => new Response(bytes);
    const r = await sendRequest(fetch, 'http://x.test/', {});
    expect(r.body).toEqual(bytes);
  });
});

describe('channel timeouts and network failures', () => {
  it('reports a dead network during the handshake as NETWORK_ERROR', async () => {
    const { gw, channel } = rig();
    gw.networkDown = true;
    expect((await rejection(channel.call('/web/v1/echo', {}))).code).toBe('NETWORK_ERROR');
  });

  it('applies the channel timeout to encrypted calls', async () => {
    const { gw } = rig();
    const ch = new SecureChannel({ apiBase: 'http://fake.test/prometheus', fetch: gw.fetch, headers: () => HEADERS, timeoutMs: 50 });
    await ch.session();
    vi.useFakeTimers();
    gw.hang = true;
    const p = rejection(ch.call('/web/v1/system/auth/token/refresh', { refreshToken: 'r' }));
    await vi.advanceTimersByTimeAsync(50);
    expect((await p).code).toBe('TIMEOUT');
  });
});
