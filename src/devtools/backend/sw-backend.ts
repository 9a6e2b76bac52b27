/**
 * The live PanelBackend: the panel port to the service worker (src/messaging/panel-connection.ts), which
 * validates every push with zod. The snapshot a (re)connect delivers is passed on as upserts, so a worker
 * restart refreshes rows instead of duplicating them.
 */
import { connectPanel, type PanelConnection } from '../../messaging/panel-connection';
import type { DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import type { LiveHandlers, PanelBackend } from './backend';

export function createSwBackend(tabId: number): PanelBackend {
  let conn: PanelConnection | undefined;
  const rpc = () => {
    if (!conn) throw new Error('panel: not connected');
    return conn.rpc;
  };
  return {
    connect(h: LiveHandlers) {
      h.connection('connecting');
      conn = connectPanel(tabId, {
        onConnection: (up) => h.connection(up ? 'connected' : 'reconnecting'),
        onPush: (push) => {
          switch (push.kind) {
            case 'snapshot':
              h.exchanges(push.exchanges as DecryptedExchange[]);
              break;
            case 'exchange':
              h.exchanges([push.exchange as DecryptedExchange]);
              break;
            case 'keyring':
              h.keyring(push.keyring);
              break;
            case 'status':
              h.status?.({ hooked: push.hooked, bufferLimit: push.bufferLimit, ...(push.dropped ? { dropped: push.dropped } : {}), ...(push.skipped ? { skipped: push.skipped } : {}) });
              break;
            case 'cleared':
              h.cleared?.();
              break;
          }
        },
      });
      return () => conn?.close();
    },
    async clear() {
      await rpc().call('clear', {});
    },
    getKeyring: () => rpc().call('getKeyring', {}) as Promise<KeyringSnapshot>,
    addManualKey: (k) => rpc().call('addManualKey', k) as Promise<KeyringSnapshot>,
    removeKey: (index) => rpc().call('removeKey', { index }) as Promise<KeyringSnapshot>,
    async setPrivateKey(pem) {
      const r = await rpc().call('setPrivateKey', { pem });
      return { unwrapped: r.unwrapped };
    },
    followSession: (exchangeId) => rpc().call('followSession', { exchangeId }),
    refreshTokenState: (refreshToken) => rpc().call('refreshTokenState', { refreshToken }),
    composeTargets: async () => (await rpc().call('composeTargets', {})).targets,
    async decryptBatch(list, keep) {
      const r = await rpc().call('decryptBatch', { exchanges: list, ...(keep !== undefined && { keep }) });
      return r.decrypted as DecryptedExchange[];
    },
  };
}
