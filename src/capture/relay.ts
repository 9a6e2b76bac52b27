/**
 * ISOLATED-world relay: injected by the worker into a captured document when that document's first hook
 * message is held (pair.ts → `attach`, relay-handler.ts), never at the page's load (issue #12).
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

// Injected twice (a second attach, an old document_idle registration left over): relay once (this flag lives
// in our isolated world, out of the page's reach). No inbox: pair.ts did not run in this document (the
// extension was installed or updated while it was open), so the hook has nobody to talk to either.
const flags = globalThis as { __keyholeRelay?: boolean };
const box = inbox();
if (box && !flags.__keyholeRelay) {
  flags.__keyholeRelay = true;
  box.onDrop = reportDropsLater;
  box.take = onMessage;
  for (const m of box.held.splice(0)) onMessage(m);
  if (box.dropped() > 0) reportDropsLater();
  // "hooked" was told by pair.ts (its `attach` is what brought us here).
}

/** A message within the flood bound (inbox.ts checked it and its channel tag). */
function onMessage(data: unknown): void {
  // Base64 and serialising a large body cost the page's thread a few ms: do it while the page idles
  // (a page waiting on the network is idle), at the latest after a second.
  later(() => {
    const call = toRelayCall(data);
    if (!call) return;
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
