/**
 * ISOLATED-world relay (document_start, same documents as the MAIN-world hook).
 *
 * Listens for the hook's window messages, validates them (page-message.ts: the page can forge
 * anything), converts bytes to Base64 and forwards them to the service worker. It never posts
 * anything back into the page. One-shot runtime messages (not a port) because each one wakes a
 * stopped worker by itself.
 */
import { createRpcClient } from '../messaging/rpc';
import { relayRpc } from '../messaging/relay-rpc';
import type { RpcTransport } from '../messaging/rpc';
import { KeyholeError } from '../protocol/errors';
import { CAPTURE_CHANNEL } from './channel';
import { createLimiter, messageSize, toRelayCall } from './relay-convert';

// chrome.runtime directly (no polyfill): this file runs on the page's thread in every hooked tab.
const transport: RpcTransport = {
  async send(request) {
    try {
      return await chrome.runtime.sendMessage(request);
    } catch (e) {
      throw new KeyholeError('WORKER_UNAVAILABLE', `relay: ${e instanceof Error ? e.message : e}`);
    }
  },
};
const rpc = createRpcClient(relayRpc, transport, { timeoutMs: 30_000 });
const limiter = createLimiter({ messages: 300, bytes: 64 * 1024 * 1024, windowMs: 10_000 });
let reportedDrops = 0;
let dropReport: ReturnType<typeof setTimeout> | undefined;

const ignore = () => {}; // the extension was reloaded or the worker is gone: capture is best-effort

// The manifest and a dynamic registration can both match a page: relay once (this flag lives in our
// isolated world, out of the page's reach).
const flags = globalThis as { __keyholeRelay?: boolean };
if (!flags.__keyholeRelay) {
  flags.__keyholeRelay = true;
  window.addEventListener('message', onMessage);
  if (window === window.top) rpc.call('hello', { url: location.href }).catch(ignore);
}

function onMessage(event: MessageEvent): void {
  if (event.source !== window) return;
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || (data as { channel?: unknown }).channel !== CAPTURE_CHANNEL) return;
  if (!limiter.allow(messageSize(data))) return reportDropsLater();
  // Base64 and serialising a large body cost the page's thread a few ms: do it while the page idles
  // (a page waiting on the network is idle), at the latest after a second.
  later(() => {
    const call = toRelayCall(data);
    if (!call) return;
    switch (call.method) {
      case 'exchange':
        return void rpc.call('exchange', call.input).catch(ignore);
      case 'wrap':
        return void rpc.call('wrap', call.input).catch(ignore);
      case 'aesKey':
        return void rpc.call('aesKey', call.input).catch(ignore);
    }
  });
}

/** Tells the worker how many messages the limit refused: one report a second at most, so a flood stays cheap. */
function reportDropsLater(): void {
  if (dropReport !== undefined) return;
  dropReport = setTimeout(() => {
    dropReport = undefined;
    const count = limiter.dropped() - reportedDrops;
    reportedDrops += count;
    if (count > 0) rpc.call('dropped', { count }).catch(ignore);
  }, 1000);
}

function later(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 0);
}
