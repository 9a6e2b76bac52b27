/**
 * DevTools panel ↔ service worker, over one long-lived runtime.Port per inspected tab, named
 * `keyhole-panel:<tabId>`. The worker pushes (PanelPush) the tab's buffered exchanges, then new and
 * re-decrypted ones and keyring changes; the panel makes RPC calls (panelRpc) over the same port.
 * Everything on the port is zod-validated on arrival, both ways.
 */
import { z } from 'zod';
import { defineRpc, RpcRequest, RpcResponse } from './rpc';
import { CapturedExchange } from '../inspect/exchange';
import { DecryptedExchangeSchema, type DecryptedExchange } from '../inspect/decrypt-exchange';
import { KeyringSnapshot } from '../inspect/keyring';

export const PANEL_PORT_PREFIX = 'keyhole-panel:';
export const panelPortName = (tabId: number) => `${PANEL_PORT_PREFIX}${tabId}`;
export function tabIdOfPortName(name: string): number | undefined {
  if (!name.startsWith(PANEL_PORT_PREFIX)) return undefined;
  const n = Number(name.slice(PANEL_PORT_PREFIX.length));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Buffered exchanges go out in batches of this many (a port message is one JSON string). */
export const SNAPSHOT_BATCH = 50;

export const PanelPush = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('status'), tabId: z.number().int(), hooked: z.boolean(), bufferLimit: z.number().int(), dropped: z.number().int().nonnegative().optional() }),
  z.object({ kind: z.literal('snapshot'), exchanges: z.array(DecryptedExchangeSchema), done: z.boolean() }),
  z.object({ kind: z.literal('exchange'), exchange: DecryptedExchangeSchema }),
  z.object({ kind: z.literal('keyring'), keyring: KeyringSnapshot }),
  z.object({ kind: z.literal('cleared') }),
  z.object({ kind: z.literal('rpc-response'), id: z.number().int(), response: RpcResponse }),
]);
export type PanelPush =
  | { kind: 'status'; tabId: number; hooked: boolean; bufferLimit: number; dropped?: number }
  | { kind: 'snapshot'; exchanges: DecryptedExchange[]; done: boolean }
  | { kind: 'exchange'; exchange: DecryptedExchange }
  | { kind: 'keyring'; keyring: KeyringSnapshot }
  | { kind: 'cleared' }
  | { kind: 'rpc-response'; id: number; response: RpcResponse };

export const PanelPull = z.object({ kind: z.literal('rpc-request'), id: z.number().int(), request: RpcRequest });
export type PanelPull = z.infer<typeof PanelPull>;

const Ok = z.object({ ok: z.literal(true) });

/** Exchanges per decryptBatch call: callers split longer lists into batches of this size. */
export const DECRYPT_BATCH_MAX = 200;

export const panelRpc = defineRpc('panel', {
  clear: { input: z.object({}), output: Ok },
  getKeyring: { input: z.object({}), output: KeyringSnapshot },
  addManualKey: {
    input: z
      .object({
        sessionId: z.string().trim().min(1).max(512),
        requestKey: z.string().max(200).optional(),
        responseKey: z.string().max(200).optional(),
        label: z.string().max(200).optional(),
      })
      .refine((x) => !!x.requestKey || !!x.responseKey, { message: 'one key at least' }),
    output: KeyringSnapshot,
  },
  removeKey: { input: z.object({ index: z.number().int().nonnegative() }), output: KeyringSnapshot },
  setPrivateKey: { input: z.object({ pem: z.string().max(16_384).nullable() }), output: z.object({ ok: z.literal(true), unwrapped: z.number().int() }) },
  followSession: { input: z.object({ exchangeId: z.string().min(1).max(128) }), output: z.object({ sessionKey: z.string() }) },
  decryptBatch: {
    input: z.object({ exchanges: z.array(CapturedExchange).max(DECRYPT_BATCH_MAX), keep: z.boolean().optional() }),
    output: z.object({ decrypted: z.array(DecryptedExchangeSchema) }),
  },
});
export type PanelRpc = typeof panelRpc.methods;
