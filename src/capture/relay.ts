/**
 * ISOLATED-world relay (document_start, same documents as the MAIN-world hook).
 *
 * Receives the hook's messages over the private channel (channel.ts), validates them (page-message.ts:
 * the worker trusts nothing from the page's process), converts bytes to Base64 and forwards them to the service worker. It never posts
 * anything back into the page. One-shot runtime messages (not a port) because each one wakes a
 * stopped worker by itself.
 */
import type { RpcInput } from '../messaging/rpc';
import type { relayRpc } from '../messaging/relay-rpc';
import { RELAY_BOUNDARY } from '../messaging/relay-boundary';
import { CAPTURE_CHANNEL, MESSAGE_EVENT, pairWithCounterpart } from './channel';
import { createLimiter, isPriorityMessage, messageSize, toRelayCall } from './relay-convert';

type RelayMethods = (typeof relayRpc)['methods'];

/**
 * One relay→worker call, fire and forget. Not the RPC client: what the relay sends it built itself from
 * a message page-message.ts just validated, the worker validates every input again (relay-rpc.ts) and
 * the relay uses no answer, so checking either side here would only bundle the RPC schemas into every
 * captured page and spend its thread (issue #12). chrome.runtime directly (no polyfill) for the same reason.
 */
function send<K extends keyof RelayMethods & string>(method: K, input: RpcInput<RelayMethods, K>): void {
  try {
    chrome.runtime.sendMessage({ boundary: RELAY_BOUNDARY, method, input }).catch(ignore);
  } catch {
    // the extension was reloaded: this document's relay is orphaned
  }
}
const limiter = createLimiter({ messages: 300, bytes: 64 * 1024 * 1024, windowMs: 10_000, reserve: 50 });
let reportedDrops = 0;
let dropReport: ReturnType<typeof setTimeout> | undefined;

const ignore = () => {}; // the extension was reloaded or the worker is gone: capture is best-effort

// The manifest and a dynamic registration can both match a page: relay once (this flag lives in our
// isolated world, out of the page's reach).
const flags = globalThis as { __keyholeRelay?: boolean };
if (!flags.__keyholeRelay) {
  flags.__keyholeRelay = true;
  // The hook's messages arrive on the private node (channel.ts), never through window messages the page sees.
  pairWithCounterpart((node) => node.addEventListener(MESSAGE_EVENT, (e) => onMessage((e as CustomEvent).detail)));
  // Nothing else at document_start (issue #12: a captured page pays nothing it can feel): "hooked" is
  // told after the page's load, or with its first captured message, whichever comes first, so neither the
  // extension bindings nor a woken worker compete with the page while it loads.
  // (greet() itself skips frames.)
  if (document.readyState === 'complete') later(greet);
  else addEventListener('load', () => later(greet), { once: true });
}

let greeted = false;
function greet(): void {
  if (greeted || window !== window.top) return;
  greeted = true;
  send('hello', { url: location.href });
}

function onMessage(data: unknown): void {
  if (typeof data !== 'object' || data === null || (data as { channel?: unknown }).channel !== CAPTURE_CHANNEL) return;
  if (!limiter.allow(messageSize(data), isPriorityMessage(data))) return reportDropsLater();
  // Base64 and serialising a large body cost the page's thread a few ms: do it while the page idles
  // (a page waiting on the network is idle), at the latest after a second.
  later(() => {
    const call = toRelayCall(data);
    if (!call) return;
    greet();
    switch (call.method) {
      case 'exchange':
        return send('exchange', call.input);
      case 'wrap':
        return send('wrap', call.input);
      case 'aesKey':
        return send('aesKey', call.input);
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
    if (count > 0) send('dropped', { count });
  }, 1000);
}

function later(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 0);
}
