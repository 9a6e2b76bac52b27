/**
 * ISOLATED-world relay (document_idle, same documents as the MAIN-world hook).
 *
 * Takes the hook's messages from the inbox pair.ts opened at document_start (inbox.ts: the private
 * channel, the flood bound), validates them (page-message.ts: the worker trusts nothing from the page's
 * process), converts bytes to Base64 and forwards them to the service worker. It never posts anything
 * back into the page. One-shot runtime messages (not a port) because each one wakes a stopped worker by
 * itself.
 */
import type { RpcInput } from '../messaging/rpc';
import type { relayRpc } from '../messaging/relay-rpc';
import { RELAY_BOUNDARY } from '../messaging/relay-boundary';
import { toRelayCall } from './relay-convert';
import { inbox } from './inbox';

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
let reportedDrops = 0;
let dropReport: ReturnType<typeof setTimeout> | undefined;

const ignore = () => {}; // the extension was reloaded or the worker is gone: capture is best-effort

// The manifest and a dynamic registration can both match a page: relay once (this flag lives in our
// isolated world, out of the page's reach). No inbox: pair.ts did not run in this document (the extension
// was installed or updated while it was open), so the hook has nobody to talk to either.
const flags = globalThis as { __keyholeRelay?: boolean };
const box = inbox();
if (box && !flags.__keyholeRelay) {
  flags.__keyholeRelay = true;
  box.onDrop = reportDropsLater;
  box.take = onMessage;
  for (const m of box.held.splice(0)) onMessage(m);
  if (box.dropped() > 0) reportDropsLater();
  // "hooked" is told after the page's load, or with its first captured message, whichever comes first,
  // so neither the extension bindings nor a woken worker compete with the page while it loads.
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

/** A message within the flood bound (inbox.ts checked it and its channel tag). */
function onMessage(data: unknown): void {
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
    const count = (box?.dropped() ?? 0) - reportedDrops;
    reportedDrops += count;
    if (count > 0) send('dropped', { count });
  }, 1000);
}

function later(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 0);
}
