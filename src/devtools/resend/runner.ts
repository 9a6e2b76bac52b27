/** The panel's ResendRunner: the editor's seam to the store, the worker and the inspected page. */
import type { PanelBackend } from '../backend/backend';
import type { TrafficStore } from '../model/traffic-store';
import type { ResendRunner } from '../components/ResendEditor';
import { keysFor } from './draft';
import { benchMark } from '../bench-mark';
import { performResend } from './resend';
import { createPageLink, type PageAnswer, type PageLink, type PageRequest } from './send-in-page';
import type { ResendsInFlight } from './in-flight';
import { KeyholeError } from '../../protocol/errors';
import { createScSession } from './new-sc-session';
import { decryptExchange } from '../../inspect';
import { keyringFromSnapshot } from '../import/local-decryptor';
import type { CapturedExchange, DecryptedExchange, KeyringSnapshot } from '../inspect-types';

/**
 * One per panel (App creates it once, not per keyring change: each runner opens its own link to the
 * page, and one made per keyring push left a port open in the page and the worker each time).
 */
export function createResendRunner(o: { backend: PanelBackend; tabId: number; store: TrafficStore; select: (seq: number) => void; keyring: () => KeyringSnapshot | undefined; inFlight?: ResendsInFlight; link?: PageLink }): ResendRunner & { close(): void } {
  const snapshot = async () => o.keyring() ?? (await o.backend.getKeyring());
  // One link to the inspected page's content-script world per panel (send-in-page.ts).
  const link = o.link ?? createPageLink({ tabId: o.tabId });
  // Noted as it leaves, so the DevTools Network source knows the request when DevTools reports it.
  const sendOnLink = (r: PageRequest) => {
    o.inFlight?.note(r);
    return link.send(r);
  };
  const deps = (send: (r: PageRequest) => Promise<PageAnswer>) => ({
    tabId: o.tabId,
    send,
    decrypt: async (ex: CapturedExchange) => decryptExchange(ex, keyringFromSnapshot(await snapshot())),
    keep: (list: CapturedExchange[]) => o.backend.decryptBatch(list, true).then((x) => (benchMark('worker kept it'), x)),
  });
  // The worker pushes it too; upserting now puts it on screen without waiting for the push. Listed and
  // selected in one render, at once rather than at the next frame (use-store.ts): the user is waiting.
  const put = (exchange: DecryptedExchange) => {
    o.store.upsert([exchange], { now: true });
    const row = o.store.byExchangeId(exchange.exchange.id);
    if (row) o.select(row.seq);
  };
  return {
    rows: () => o.store.rows.map((r) => r.data),
    records: (token) => o.backend.refreshTokenState(token),
    async run(original, draft, advanced, fresh = false) {
      const send = sendOnLink;
      let keys = fresh ? undefined : (keysFor(o.keyring(), draft.sessionId) ?? keysFor(await o.backend.getKeyring(), draft.sessionId));
      if (fresh) {
        keys = await createScSession(original, { send, addKeys: (k) => o.backend.addManualKey(k) });
        draft = { ...draft, sessionId: keys.sessionId };
        advanced = false;
      }
      if (!keys) throw new KeyholeError('NO_KEY', "resend: Keyhole no longer holds this SC session's keys");
      // A new session's keys are not in the snapshot yet: decrypt with the worker's keyring then.
      const d = deps(send);
      if (fresh) d.decrypt = async (ex) => decryptExchange(ex, keyringFromSnapshot(await o.backend.getKeyring()));
      const { exchange } = await performResend(original.exchange.id, draft, keys, { advanced }, d);
      put(exchange);
      return exchange;
    },
    async compose(draft, keys, advanced) {
      const d = deps(sendOnLink);
      // Keyhole's own session keys reach the panel's keyring only through the worker: add them for this decryption.
      d.decrypt = async (ex) => {
        const ring = keyringFromSnapshot(await snapshot());
        ring.add({ sessionId: keys.sessionId, requestKey: keys.requestKey, responseKey: keys.responseKey, source: 'keyhole-session' });
        return decryptExchange(ex, ring);
      };
      const { exchange } = await performResend(undefined, draft, keys, { advanced }, d);
      put(exchange);
      return exchange;
    },
    targets: () => o.backend.composeTargets(),
    warm: () => link.warm(),
    close: () => link.close(),
    show(exchangeId) {
      const row = o.store.byExchangeId(exchangeId);
      if (row) o.select(row.seq);
    },
  };
}
