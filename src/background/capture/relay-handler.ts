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
}

export function createRelayHandler(hub: CaptureHub, extensionId: string) {
  const handle = createRpcHandler<typeof relayRpc.methods, { tabId: number }>(relayRpc, {
    hello: async (_input, { tabId }) => {
      await hub.markHooked(tabId);
      return { ok: true as const };
    },
    exchange: async (input, { tabId }) => {
      await hub.ingest({ ...input, tabId });
      return { ok: true as const };
    },
    wrap: async (input) => {
      await hub.addWrap(input);
      return { ok: true as const };
    },
    aesKey: async (input) => {
      await hub.addCandidate(input);
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
    return handle(message, { tabId });
  };
}
