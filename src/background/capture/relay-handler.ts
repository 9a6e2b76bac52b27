/**
 * Serves the relay boundary (relay-rpc.ts). The tab comes from the message's sender — a content
 * script in a top-level frame — never from the message; messages from anywhere else are refused.
 * `attach` injects the relay into the sending document (`injectRelay`, chrome.scripting in index.ts): the
 * relay is no content script of its own, so a captured page compiles its 29 KB only once it has something
 * to relay, and not at its load (issue #12).
 */
import { createRpcHandler } from '../../messaging/rpc';
import { relayRpc } from '../../messaging/relay-rpc';
import type { CaptureHub } from './hub';

export interface RelaySender {
  tab?: { id?: number };
  frameId?: number;
  id?: string;
  /** The sending document's URL / origin, as the browser reports it (never the message's word). */
  url?: string;
  origin?: string;
  /** The sending document (Chrome 106+); absent in Firefox, where the top frame (frameId 0) is targeted. */
  documentId?: string;
}

/** Where to inject the relay: the sender's document when the browser names it, else its tab's top frame. */
export interface RelayTarget {
  tabId: number;
  documentId?: string;
}

/** Documents the relay was injected into by this worker: a second `attach` from one of them does nothing. */
const ATTACHED_LIMIT = 1000;

function originOf(sender: RelaySender): string | undefined {
  if (sender.origin && sender.origin !== 'null') return sender.origin;
  try {
    const o = sender.url ? new URL(sender.url).origin : undefined;
    return o && o !== 'null' ? o : undefined;
  } catch {
    return undefined;
  }
}

export function createRelayHandler(hub: CaptureHub, extensionId: string, injectRelay: (target: RelayTarget) => Promise<void>) {
  const attached = new Set<string>();
  const handle = createRpcHandler<typeof relayRpc.methods, { tabId: number; pageOrigin?: string; documentId?: string }>(relayRpc, {
    hello: async (_input, { tabId }) => {
      await hub.markHooked(tabId);
      return { ok: true as const };
    },
    attach: async (_input, { tabId, documentId }) => {
      // The relay guards against a second copy itself; this only spares the page compiling it twice.
      if (documentId !== undefined) {
        if (attached.has(documentId)) return { ok: true as const };
        if (attached.size >= ATTACHED_LIMIT) attached.clear();
        attached.add(documentId);
      }
      await Promise.all([hub.markHooked(tabId), injectRelay({ tabId, ...(documentId !== undefined && { documentId }) })]);
      return { ok: true as const };
    },
    exchange: async (input, { tabId, pageOrigin }) => {
      await hub.ingest({ ...input, tabId, ...(pageOrigin && { pageOrigin }) });
      return { ok: true as const };
    },
    wrap: async (input, { tabId }) => {
      await hub.addWrap(input, tabId);
      return { ok: true as const };
    },
    aesKey: async (input, { tabId }) => {
      await hub.addCandidate(input, tabId);
      return { ok: true as const };
    },
    dropped: async ({ count }, { tabId }) => {
      hub.noteDropped(tabId, count);
      return { ok: true as const };
    },
  });
  return (message: unknown, sender: RelaySender) => {
    const tabId = sender.tab?.id;
    if (sender.id !== extensionId || tabId === undefined || tabId < 0 || sender.frameId !== 0) return undefined;
    const pageOrigin = originOf(sender);
    const documentId = typeof sender.documentId === 'string' && sender.documentId.length > 0 && sender.documentId.length <= 256 ? sender.documentId : undefined;
    return handle(message, { tabId, ...(pageOrigin && { pageOrigin }), ...(documentId !== undefined && { documentId }) });
  };
}
