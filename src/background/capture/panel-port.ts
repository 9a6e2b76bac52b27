/**
 * Serves one DevTools panel port (`keyhole-panel:<tabId>`, panel-rpc.ts): status, the buffered
 * exchanges in batches, the keyring, then live pushes; RPC requests answered on the same port.
 * Only extension pages may connect: a content script can call runtime.connect too, and must never
 * read another tab's traffic or the keyring.
 */
import { createRpcHandler } from '../../messaging/rpc';
import { PanelPull, SNAPSHOT_BATCH, panelRpc, tabIdOfPortName, type PanelPush } from '../../messaging/panel-rpc';
import { importPrivateKeyPem } from '../../protocol/rsa';
import { decodeKey, toBase64 } from '../../protocol/bytes';
import { KeyholeError } from '../../protocol/errors';
import type { CaptureHub } from './hub';

export interface PanelPort {
  name: string;
  sender?: { id?: string; url?: string };
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(l: (message: unknown) => void): void };
  onDisconnect: { addListener(l: () => void): void };
}

export function createPanelHandler(hub: CaptureHub) {
  return createRpcHandler<typeof panelRpc.methods, { tabId: number }>(panelRpc, {
    clear: async (_input, { tabId }) => {
      await hub.clearTab(tabId);
      return { ok: true as const };
    },
    getKeyring: () => hub.keyringSnapshot(),
    addManualKey: async (input) => {
      // Hex or Base64, 32 bytes; stored as Base64 like every other source.
      const norm = (k?: string) => (k && k.trim() ? toBase64(decodeKey(k)) : undefined);
      return hub.addManualKey({ sessionId: input.sessionId, requestKey: norm(input.requestKey), responseKey: norm(input.responseKey), label: input.label });
    },
    removeKey: (input) => hub.removeKey(input.index),
    setPrivateKey: async ({ pem }) => {
      if (pem === null) return { ok: true as const, unwrapped: await hub.setPrivateKey(undefined) };
      try {
        await importPrivateKeyPem(pem);
      } catch (e) {
        throw e instanceof KeyholeError ? e : new KeyholeError('RSA_BAD_KEY', 'rsa: not a PKCS#8 RSA private key');
      }
      return { ok: true as const, unwrapped: await hub.setPrivateKey(pem.trim()) };
    },
    followSession: ({ exchangeId }) => hub.followSession(exchangeId),
    refreshTokenState: ({ refreshToken }) => hub.refreshTokenState(refreshToken),
    composeTargets: async () => ({ targets: await hub.composeTargets() }),
    decryptBatch: async ({ exchanges, keep }, { tabId }) => ({ decrypted: await hub.decryptBatch(tabId, exchanges, keep ?? false) }),
  });
}

export function servePanelPort(hub: CaptureHub, port: PanelPort, extensionOrigin: string, extensionId: string): boolean {
  const tabId = tabIdOfPortName(port.name);
  if (tabId === undefined) return false;
  if (port.sender?.id !== extensionId || !port.sender.url?.startsWith(extensionOrigin)) {
    port.disconnect();
    return true;
  }
  const handle = createPanelHandler(hub);
  let open = true;
  const post = (m: PanelPush) => {
    if (!open) return;
    try {
      port.postMessage(m);
    } catch {
      open = false;
    }
  };
  const status = (): PanelPush => ({ kind: 'status', tabId, hooked: hub.isHooked(tabId), bufferLimit: hub.buffers.limits.perTab, dropped: hub.dropped(tabId), skipped: hub.skipped(tabId) });
  // Pushes that happen while the snapshot is being sent are queued behind it, in order.
  let live = false;
  const pending: PanelPush[] = [];
  const off = hub.on((e) => {
    let m: PanelPush | undefined;
    if (e.kind === 'keyring') m = { kind: 'keyring', keyring: e.keyring };
    else if (e.tabId !== tabId) return;
    else if (e.kind === 'exchange') m = { kind: 'exchange', exchange: e.exchange };
    else if (e.kind === 'cleared') m = { kind: 'cleared' };
    else if (e.kind === 'hooked' || e.kind === 'dropped' || e.kind === 'skipped') m = status();
    if (!m) return;
    if (live) post(m);
    else pending.push(m);
  });
  port.onDisconnect.addListener(() => {
    open = false;
    off();
  });
  port.onMessage.addListener((raw) => {
    const msg = PanelPull.safeParse(raw);
    if (!msg.success) return;
    const answer = handle(msg.data.request, { tabId });
    if (!answer) return post({ kind: 'rpc-response', id: msg.data.id, response: { ok: false, error: { code: 'INPUT_INVALID', message: 'rpc: wrong boundary' } } });
    void answer.then((response) => post({ kind: 'rpc-response', id: msg.data.id, response }));
  });

  void (async () => {
    await hub.ready();
    post(status());
    const all = await hub.decryptedFor(tabId);
    const seen = new Set(all.map((d) => d.exchange.id));
    for (let i = 0; i < all.length || i === 0; i += SNAPSHOT_BATCH) {
      post({ kind: 'snapshot', exchanges: all.slice(i, i + SNAPSHOT_BATCH), done: i + SNAPSHOT_BATCH >= all.length });
    }
    post({ kind: 'keyring', keyring: await hub.keyringSnapshot() });
    live = true;
    for (const m of pending) {
      // An exchange already in the snapshot comes again only if it changed after; harmless upsert.
      if (m.kind === 'exchange' && seen.has(m.exchange.exchange.id) && all.some((d) => d === m.exchange)) continue;
      post(m);
    }
    pending.length = 0;
  })().catch(() => port.disconnect());
  return true;
}
