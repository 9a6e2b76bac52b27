/** The panel's ResendRunner: the editor's seam to the store, the worker and the inspected page. */
import type { PanelBackend } from '../backend/backend';
import type { TrafficStore } from '../model/traffic-store';
import type { ResendRunner } from '../components/ResendEditor';
import { keysFor } from './draft';
import { performResend } from './resend';
import { sendFromPage } from './send-in-page';
import { KeyholeError } from '../../protocol/errors';
import { createScSession } from './new-sc-session';

export function createResendRunner(o: { backend: PanelBackend; tabId: number; store: TrafficStore; select: (seq: number) => void }): ResendRunner {
  return {
    rows: () => o.store.rows.map((r) => r.data),
    records: (token) => o.backend.refreshTokenState(token),
    async run(original, draft, advanced, fresh = false) {
      const send = (r: Parameters<typeof sendFromPage>[0]) => sendFromPage(r, { tabId: o.tabId });
      let keys = fresh ? undefined : keysFor(await o.backend.getKeyring(), draft.sessionId);
      if (fresh) {
        keys = await createScSession(original, { send, addKeys: (k) => o.backend.addManualKey(k) });
        draft = { ...draft, sessionId: keys.sessionId };
        advanced = false;
      }
      if (!keys) throw new KeyholeError('NO_KEY', "resend: Keyhole no longer holds this SC session's keys");
      const { exchange } = await performResend(original.exchange.id, draft, keys, { advanced }, {
        tabId: o.tabId,
        send,
        keep: (list) => o.backend.decryptBatch(list, true),
      });
      // The worker pushes it too; upserting now puts it on screen without waiting for the push.
      o.store.upsert([exchange]);
      return exchange;
    },
    async compose(draft, keys) {
      const { exchange } = await performResend(undefined, draft, keys, { advanced: false }, { tabId: o.tabId, send: (r) => sendFromPage(r, { tabId: o.tabId }), keep: (list) => o.backend.decryptBatch(list, true) });
      o.store.upsert([exchange]);
      return exchange;
    },
    targets: () => o.backend.composeTargets(),
    show(exchangeId) {
      const row = o.store.byExchangeId(exchangeId);
      if (row) o.select(row.seq);
    },
  };
}
