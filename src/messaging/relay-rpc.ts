/**
 * ISOLATED relay → service worker: what the capture hook saw in a tab. The tab id is never taken from
 * the message — the worker uses `sender.tab.id` — and every input is re-validated there, because a
 * compromised renderer could send anything.
 */
import * as z from '../protocol/zod';
import { defineRpc } from './rpc';
import { CapturedExchange } from '../inspect/exchange';
import { CandidateKey, WrapObservation } from '../inspect/keyring';

export const RelayExchange = z.extend(z.omit(CapturedExchange, { tabId: true, pageOrigin: true, resentFrom: true }), { source: z.enum(['hook-fetch', 'hook-xhr']) });
export type RelayExchange = z.infer<typeof RelayExchange>;

const Ok = z.object({ ok: z.literal(true) });

import { RELAY_BOUNDARY } from './relay-boundary';

export { RELAY_BOUNDARY };

export const relayRpc = /* @__PURE__ */ defineRpc(RELAY_BOUNDARY, {
  /** The hook is installed in this tab (sent once per document, after its load, by pair.ts). */
  hello: { input: z.object({ url: z.string().check(z.maxLength(16_384)) }), output: Ok },
  /**
   * The hook sent its first message in this document (pair.ts, once per document): mark the tab hooked and
   * inject capture-relay.js into the sending document, which takes the held messages over (issue #12).
   */
  attach: { input: z.object({}), output: Ok },
  exchange: { input: RelayExchange, output: Ok },
  /** The page RSA-OAEP-encrypted a 32-byte key. */
  wrap: { input: WrapObservation, output: Ok },
  /** The page imported or exported a raw AES key. */
  aesKey: { input: CandidateKey, output: Ok },
  /** The relay's flood limit refused this many hook messages since its last report (they are lost). */
  dropped: { input: z.object({ count: z.int().check(z.positive(), z.lte(1_000_000)) }), output: Ok },
});
