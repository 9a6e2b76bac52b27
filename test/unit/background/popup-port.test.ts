import { describe, expect, test, vi } from 'vitest';
import { servePopupPort } from '../../../src/background/sessions/popup-port';
import { onDemandPortTransport, type PortLike } from '../../../src/messaging/port-transport';
import { createRpcClient, createRpcHandler, defineRpc } from '../../../src/messaging/rpc';
import { POPUP_PORT_NAME } from '../../../src/messaging/popup-rpc';
import { KeyholeError } from '../../../src/protocol/errors';
import * as z from '../../../src/protocol/zod';
import { portPair } from '../helpers/port-pair';

const OWN = { id: 'ext', url: 'chrome-extension://ext/popup/index.html' };
const def = defineRpc('popup', {
  add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() },
  slow: { input: z.object({}), output: z.number() },
});

/** A page-side client whose every connect makes a fresh port served by a "worker" (recorded in `ends`). */
function setup(sender = OWN, slow: () => Promise<number> = () => new Promise(() => {})) {
  const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow });
  const ends: Array<ReturnType<typeof portPair>['worker']> = [];
  let connects = 0;
  const transport = onDemandPortTransport(POPUP_PORT_NAME, (name) => {
    connects++;
    const pair = portPair(name, sender);
    ends.push(pair.worker);
    servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/');
    return pair.panel as PortLike;
  });
  return { rpc: createRpcClient(def, transport, { timeoutMs: 2_000 }), ends, connects: () => connects };
}

describe('popup/options RPC over one port', () => {
  test('calls share one port, opened on the first call; answers find their caller by id', async () => {
    const s = setup();
    expect(s.connects()).toBe(0); // nothing opens (or wakes the worker) before a call
    const [x, y] = await Promise.all([s.rpc.call('add', { a: 1, b: 2 }), s.rpc.call('add', { a: 10, b: 20 })]);
    expect([x, y]).toEqual([3, 30]);
    expect(await s.rpc.call('add', { a: 5, b: 5 })).toBe(10);
    expect(s.connects()).toBe(1);
  });

  test('a worker that stops fails the waiting call with WORKER_UNAVAILABLE; the next call opens a new port', async () => {
    const s = setup();
    const waiting = s.rpc.call('slow', {});
    await vi.waitFor(() => expect(s.ends).toHaveLength(1));
    s.ends[0]!.disconnect(); // the worker went away
    await expect(waiting).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
    expect(await s.rpc.call('add', { a: 2, b: 2 })).toBe(4);
    expect(s.connects()).toBe(2);
  });

  test('a sender that is not one of our pages is disconnected before anything is handled', async () => {
    const content = { id: 'ext', url: 'https://evil.example/' };
    const s = setup(content);
    await expect(s.rpc.call('add', { a: 1, b: 1 })).rejects.toSatisfy((e: unknown) => e instanceof KeyholeError && e.code === 'WORKER_UNAVAILABLE');
    expect(s.ends[0]!.isOpen()).toBe(false);
  });

  test('malformed port messages are ignored; another boundary is answered INPUT_INVALID; a page that left gets nothing', async () => {
    const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow: () => Promise.resolve(1) });
    const pair = portPair(POPUP_PORT_NAME, OWN);
    const got: unknown[] = [];
    pair.panel.onMessage.addListener((m) => got.push(m));
    servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/');
    for (const junk of [null, 'x', { kind: 'rpc-request' }, { kind: 'rpc-request', id: 1.5, request: {} }, { kind: 'push', id: 1 }]) pair.panel.postMessage(junk);
    pair.panel.postMessage({ kind: 'rpc-request', id: 7, request: { boundary: 'panel', method: 'add', input: { a: 1, b: 1 } } });
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toEqual({ kind: 'rpc-response', id: 7, response: { ok: false, error: { code: 'INPUT_INVALID', message: 'rpc: wrong boundary' } } });
    // The page closes while a call runs: the answer is dropped without throwing.
    pair.panel.postMessage({ kind: 'rpc-request', id: 8, request: { boundary: 'popup', method: 'slow', input: {} } });
    pair.panel.disconnect();
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toHaveLength(1);
  });
});

test('a connect that throws (extension reloaded under the page) is WORKER_UNAVAILABLE, not a crash', async () => {
  const transport = onDemandPortTransport(POPUP_PORT_NAME, () => {
    throw new Error('Extension context invalidated.');
  });
  const rpc = createRpcClient(def, transport);
  await expect(rpc.call('add', { a: 1, b: 1 })).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
});
