import { afterEach, describe, expect, test, vi } from 'vitest';
import { MAX_PUSH_CHANNELS, PopupPushes, servePopupChannel, servePopupPort } from '../../../src/background/sessions/popup-port';
import { onDemandPortTransport, type ChannelLike, type PortLike } from '../../../src/messaging/port-transport';
import { createRpcClient, createRpcHandler, defineRpc } from '../../../src/messaging/rpc';
import { POPUP_PORT_NAME } from '../../../src/messaging/popup-rpc';
import { KeyholeError } from '../../../src/protocol/errors';
import * as z from '../../../src/protocol/zod';
import { portPair } from '../helpers/port-pair';

const OWN = { id: 'ext', url: 'chrome-extension://ext/popup/index.html' };
const ORIGIN = 'chrome-extension://ext';
const noChannel = () => Promise.resolve(undefined);
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
  }, noChannel);
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
  }, noChannel);
  const rpc = createRpcClient(def, transport);
  await expect(rpc.call('add', { a: 1, b: 1 })).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
});

describe('the direct channel beside the port (Chrome: a MessagePort straight to the service worker)', () => {
  const opened: MessageChannel[] = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.port1.close();
  });

  /** Like setup(), plus a real MessageChannel per connect whose worker end servePopupChannel serves. */
  function setupWithChannel(slow: () => Promise<number> = () => new Promise(() => {})) {
    const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow });
    const ends: Array<ReturnType<typeof portPair>['worker']> = [];
    const portCalls: unknown[] = [];
    const channelCalls: unknown[] = [];
    const transport = onDemandPortTransport(
      POPUP_PORT_NAME,
      (name) => {
        const pair = portPair(name, OWN);
        ends.push(pair.worker);
        pair.worker.onMessage.addListener((m) => portCalls.push(m));
        servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/');
        return pair.panel as PortLike;
      },
      async (name) => {
        const mc = new MessageChannel();
        opened.push(mc);
        mc.port2.addEventListener('message', (e) => channelCalls.push(e.data));
        servePopupChannel({ origin: ORIGIN, data: { kind: 'rpc-channel', name }, ports: [mc.port2] }, (raw) => handle(raw, undefined), ORIGIN);
        return mc.port1 as unknown as ChannelLike;
      },
    );
    return { rpc: createRpcClient(def, transport, { timeoutMs: 2_000 }), ends, portCalls, channelCalls };
  }

  test('calls go over the channel once it is there; the first call (before it is) over the port', async () => {
    const s = setupWithChannel();
    expect(await s.rpc.call('add', { a: 1, b: 2 })).toBe(3);
    expect(s.portCalls).toHaveLength(1);
    expect(await s.rpc.call('add', { a: 3, b: 4 })).toBe(7);
    expect(await s.rpc.call('add', { a: 5, b: 6 })).toBe(11);
    expect(s.portCalls).toHaveLength(1);
    expect(s.channelCalls).toHaveLength(2);
  });

  test('the worker stopping (its port disconnects) fails a call waiting on the channel and drops the channel', async () => {
    const s = setupWithChannel();
    await s.rpc.call('add', { a: 1, b: 1 });
    const waiting = s.rpc.call('slow', {});
    await vi.waitFor(() => expect(s.channelCalls).toHaveLength(1));
    s.ends[0]!.disconnect();
    await expect(waiting).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
    // The next call opens a new port (and goes over it: the new channel is not there yet).
    expect(await s.rpc.call('add', { a: 2, b: 2 })).toBe(4);
    expect(s.ends).toHaveLength(2);
    expect(s.portCalls).toHaveLength(2);
  });

  test('a channel that arrives after its port dropped is closed and never used', async () => {
    let release!: (c: ChannelLike) => void;
    const late = { postMessage: vi.fn(), close: vi.fn(), onmessage: null } satisfies ChannelLike;
    const ends: Array<ReturnType<typeof portPair>['worker']> = [];
    const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow: () => new Promise(() => {}) });
    const transport = onDemandPortTransport(
      POPUP_PORT_NAME,
      (name) => {
        const pair = portPair(name, OWN);
        ends.push(pair.worker);
        servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/');
        return pair.panel as PortLike;
      },
      () => new Promise((r) => (release = r)),
    );
    const rpc = createRpcClient(def, transport, { timeoutMs: 2_000 });
    expect(await rpc.call('add', { a: 1, b: 1 })).toBe(2);
    ends[0]!.disconnect();
    release(late);
    await new Promise((r) => setTimeout(r, 0));
    expect(late.close).toHaveBeenCalled();
    expect(await rpc.call('add', { a: 2, b: 3 })).toBe(5);
    expect(late.postMessage).not.toHaveBeenCalled();
  });

  test('no channel to be had (Firefox event page, or it throws): everything goes over the port', async () => {
    for (const direct of [noChannel, () => Promise.reject(new Error('SecurityError'))]) {
      const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow: () => new Promise(() => {}) });
      const transport = onDemandPortTransport(
        POPUP_PORT_NAME,
        (name) => {
          const pair = portPair(name, OWN);
          servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/');
          return pair.panel as PortLike;
        },
        direct,
      );
      const rpc = createRpcClient(def, transport, { timeoutMs: 2_000 });
      expect(await rpc.call('add', { a: 1, b: 1 })).toBe(2);
      expect(await rpc.call('add', { a: 2, b: 2 })).toBe(4);
    }
  });

  test('the worker serves a channel only from its own origin with the right hello; junk on it is ignored', async () => {
    const handle = vi.fn(createRpcHandler(def, { add: ({ a, b }) => a + b, slow: () => Promise.resolve(1) }));
    const request = { kind: 'rpc-request', id: 1, request: { boundary: 'popup', method: 'add', input: { a: 1, b: 1 } } };
    const refused = [
      { origin: 'https://evil.example', data: { kind: 'rpc-channel', name: POPUP_PORT_NAME } },
      { origin: ORIGIN, data: { kind: 'rpc-channel', name: 'keyhole-panel' } },
      { origin: ORIGIN, data: { kind: 'hello' } },
      { origin: ORIGIN, data: null },
    ];
    for (const ev of refused) {
      const mc = new MessageChannel();
      opened.push(mc);
      servePopupChannel({ ...ev, ports: [mc.port2] }, (raw) => handle(raw, undefined), ORIGIN);
      mc.port1.postMessage(request);
    }
    servePopupChannel({ origin: ORIGIN, data: { kind: 'rpc-channel', name: POPUP_PORT_NAME }, ports: [] }, (raw) => handle(raw, undefined), ORIGIN);
    await new Promise((r) => setTimeout(r, 20));
    expect(handle).not.toHaveBeenCalled();

    const mc = new MessageChannel();
    opened.push(mc);
    const got: unknown[] = [];
    mc.port1.onmessage = (e) => got.push(e.data);
    servePopupChannel({ origin: ORIGIN, data: { kind: 'rpc-channel', name: POPUP_PORT_NAME }, ports: [mc.port2] }, (raw) => handle(raw, undefined), ORIGIN);
    for (const junk of [null, 'x', { kind: 'rpc-request' }, { kind: 'rpc-request', id: 1.5, request: {} }]) mc.port1.postMessage(junk);
    mc.port1.postMessage(request);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toEqual({ kind: 'rpc-response', id: 1, response: { ok: true, value: 2 } });
    expect(handle).toHaveBeenCalledTimes(1);
  });
});

describe('pushes to the open pages (PopupPushes: a written session shows before storage hands it out)', () => {
  const opened: MessageChannel[] = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.port1.close();
  });
  const handle = createRpcHandler(def, { add: ({ a, b }) => a + b, slow: () => new Promise(() => {}) });
  const push = { kind: 'session-written', view: { key: 's1' } };

  test('service worker: over each page direct channel, never its port too; the page transport hands them to onPush', async () => {
    const pushes = new PopupPushes(true);
    const got: unknown[] = [];
    const transport = onDemandPortTransport(
      POPUP_PORT_NAME,
      (name) => {
        const pair = portPair(name, OWN);
        servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/', pushes);
        return pair.panel as PortLike;
      },
      async (name) => {
        const mc = new MessageChannel();
        opened.push(mc);
        servePopupChannel({ origin: ORIGIN, data: { kind: 'rpc-channel', name }, ports: [mc.port2] }, (raw) => handle(raw, undefined), ORIGIN, pushes);
        return mc.port1 as unknown as ChannelLike;
      },
      (raw) => got.push(raw),
    );
    const rpc = createRpcClient(def, transport, { timeoutMs: 2_000 });
    expect(await rpc.call('add', { a: 1, b: 1 })).toBe(2); // opens the port, then the channel
    await new Promise((r) => setTimeout(r, 0));
    pushes.send(push);
    await vi.waitFor(() => expect(got).toEqual([push]));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
    expect(await rpc.call('add', { a: 2, b: 2 })).toBe(4); // answers are not pushes
    expect(got).toHaveLength(1);
  });

  test('event page (no channels): over each port, and no longer once it disconnected', async () => {
    const pushes = new PopupPushes(false);
    const pair = portPair(POPUP_PORT_NAME, OWN);
    const got: unknown[] = [];
    pair.panel.onMessage.addListener((m) => got.push(m));
    servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/', pushes);
    pushes.send(push);
    await vi.waitFor(() => expect(got).toEqual([push]));
    const spy = vi.spyOn(pair.worker, 'postMessage');
    pair.panel.disconnect(); // the page went
    pushes.send(push);
    expect(spy).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(1);
  });

  test('a stranger port gets none; only the newest channels are kept, and one that throws is dropped', () => {
    const stranger = new PopupPushes(false);
    const pair = portPair(POPUP_PORT_NAME, { id: 'other', url: 'chrome-extension://other/x.html' });
    const spy = vi.spyOn(pair.worker, 'postMessage');
    servePopupPort(pair.worker, (raw) => handle(raw, undefined), 'ext', 'chrome-extension://ext/', stranger);
    stranger.send(push);
    expect(spy).not.toHaveBeenCalled();

    const pushes = new PopupPushes(true);
    const posts = Array.from({ length: MAX_PUSH_CHANNELS + 2 }, () => vi.fn());
    for (const p of posts) pushes.add(p);
    pushes.send(push);
    expect(posts.map((p) => p.mock.calls.length)).toEqual([0, 0, ...Array(MAX_PUSH_CHANNELS).fill(1)]);
    const broken = vi.fn(() => {
      throw new Error('gone');
    });
    pushes.add(broken);
    pushes.send(push);
    pushes.send(push);
    expect(broken).toHaveBeenCalledTimes(1);
  });
});
