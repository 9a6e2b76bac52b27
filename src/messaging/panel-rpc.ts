/**
 * DevTools panel ↔ service worker, over one long-lived runtime.Port per inspected tab, named
 * `keyhole-panel:<tabId>`. The worker pushes (PanelPush) the tab's buffered exchanges, then new and
 * re-decrypted ones and keyring changes; the panel makes RPC calls (panelRpc) over the same port.
 * Everything on the port is zod-validated on arrival, both ways.
 */
import * as z from '../protocol/zod';
import { defineRpc, RpcResponse } from './rpc';
import { PortRpcRequest } from './port-transport';
import { CapturedExchange } from '../inspect/exchange';
import { DecryptedExchangeSchema, type DecryptedExchange } from '../inspect/decrypt-exchange';
import { KeyringSnapshot } from '../inspect/keyring';
import { MAX_SESSION_ID_LENGTH } from '../inspect/limits';

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
  z.object({ kind: z.literal('status'), tabId: z.int(), hooked: z.boolean(), bufferLimit: z.int(), dropped: z.optional(z.int().check(z.nonnegative())), skipped: z.optional(z.int().check(z.nonnegative())) }),
  z.object({ kind: z.literal('snapshot'), exchanges: z.array(DecryptedExchangeSchema), done: z.boolean() }),
  z.object({ kind: z.literal('exchange'), exchange: DecryptedExchangeSchema }),
  z.object({ kind: z.literal('keyring'), keyring: KeyringSnapshot }),
  z.object({ kind: z.literal('cleared') }),
  z.object({ kind: z.literal('rpc-response'), id: z.int(), response: RpcResponse }),
]);
export type PanelPush =
  | { kind: 'status'; tabId: number; hooked: boolean; bufferLimit: number; dropped?: number; skipped?: number }
  | { kind: 'snapshot'; exchanges: DecryptedExchange[]; done: boolean }
  | { kind: 'exchange'; exchange: DecryptedExchange }
  | { kind: 'keyring'; keyring: KeyringSnapshot }
  | { kind: 'cleared' }
  | { kind: 'rpc-response'; id: number; response: RpcResponse };

export const PanelPull = PortRpcRequest;
export type PanelPull = PortRpcRequest;

const Ok = z.object({ ok: z.literal(true) });

/** Exchanges per decryptBatch call: callers split longer lists into batches of this size. */
export const DECRYPT_BATCH_MAX = 200;

export const panelRpc = defineRpc('panel', {
  clear: { input: z.object({}), output: Ok },
  getKeyring: { input: z.object({}), output: KeyringSnapshot },
  addManualKey: {
    input: z.object({
        sessionId: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_SESSION_ID_LENGTH)),
        requestKey: z.optional(z.string().check(z.maxLength(200))),
        responseKey: z.optional(z.string().check(z.maxLength(200))),
        label: z.optional(z.string().check(z.maxLength(200))),
      }).check(z.refine((x) => !!x.requestKey || !!x.responseKey, { message: 'one key at least' })),
    output: KeyringSnapshot,
  },
  removeKey: { input: z.object({ index: z.int().check(z.nonnegative()) }), output: KeyringSnapshot },
  setPrivateKey: { input: z.object({ pem: z.nullable(z.string().check(z.maxLength(16_384))) }), output: z.object({ ok: z.literal(true), unwrapped: z.int() }) },
  followSession: { input: z.object({ exchangeId: z.string().check(z.minLength(1), z.maxLength(128)) }), output: z.object({ sessionKey: z.string() }) },
  /** Keyhole's records on a refresh token a resend or compose would present (issue #9); read only. */
  refreshTokenState: {
    input: z.object({ refreshToken: z.string().check(z.minLength(1), z.maxLength(8192)) }),
    output: z.object({
      state: z.enum(['spent', 'current', 'unknown']),
      label: z.optional(z.string()),
      sessionKey: z.optional(z.string()),
      followed: z.optional(z.boolean()),
    }),
  },
  /** Keyhole's own SC sessions to Compose over (issue #9): keys, API base, the client's gateway headers, accounts (access tokens for Bearer). */
  composeTargets: {
    input: z.object({}),
    output: z.object({
      targets: z.array(
        z.object({
          sessionId: z.string(),
          requestKey: z.string(),
          responseKey: z.string(),
          apiBase: z.string(),
          envName: z.string(),
          headers: z.record(z.string(), z.string()),
          accounts: z.array(z.object({ label: z.string(), accessToken: z.string() })),
        }),
      ),
    }),
  },
  decryptBatch: {
    input: z.object({ exchanges: z.array(CapturedExchange).check(z.maxLength(DECRYPT_BATCH_MAX)), keep: z.optional(z.boolean()) }),
    output: z.object({ decrypted: z.array(DecryptedExchangeSchema) }),
  },
});
export type PanelRpc = typeof panelRpc.methods;
