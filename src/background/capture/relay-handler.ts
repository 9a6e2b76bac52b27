/**
 * Serves the relay boundary (relay-rpc.ts). The tab comes from the message's sender — a content
 * script in a top-level frame — never from the message; messages from anywhere else are refused.
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
}

function originOf(sender: RelaySender): string | undefined {
  if (sender.origin && sender.origin !== 'null') return sender.origin;
  try {
    const o = sender.url ? new URL(sender.url).origin : undefined;
    return o && o !== 'null' ? o : undefined;
  } catch {
    return undefined;
  }
}

export function createRelayHandler(hub: CaptureHub, extensionId: string) {
  const handle = createRpcHandler<typeof relayRpc.methods, { tabId: number; pageOrigin?: string }>(relayRpc, {
    hello: async (_input, { tabId }) => {
      await hub.markHooked(tabId);
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
    return handle(message, { tabId, ...(pageOrigin && { pageOrigin }) });
  };
}
