/**
 * Serves the popup's and options page's port (`keyhole-popup`, messaging/port-transport.ts): each
 * `rpc-request` goes to the popup RPC handler and its answer back with the same id. Only this
 * extension's own pages may connect (sender.ts): a content script can call runtime.connect too.
 */
import { PortRpcRequest } from '../../messaging/port-transport';
import type { RpcResponse } from '../../messaging/rpc';
import { isExtensionPageSender, type RpcSender } from './sender';

export interface PopupPort {
  name: string;
  sender?: RpcSender;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(l: (message: unknown) => void): void };
  onDisconnect: { addListener(l: () => void): void };
}

/** `handle` is the popup RPC handler (undefined for another boundary). */
export function servePopupPort(
  port: PopupPort,
  handle: (raw: unknown) => Promise<RpcResponse> | undefined,
  extensionId: string,
  extensionBaseUrl: string,
): void {
  if (!isExtensionPageSender(port.sender, extensionId, extensionBaseUrl)) {
    port.disconnect();
    return;
  }
  let open = true;
  port.onDisconnect.addListener(() => (open = false));
  const post = (id: number, response: RpcResponse): void => {
    if (!open) return; // the page closed while its call ran: the outcome is stored, nobody is waiting
    try {
      port.postMessage({ kind: 'rpc-response', id, response });
    } catch {
      open = false;
    }
  };
  port.onMessage.addListener((raw) => {
    const msg = PortRpcRequest.safeParse(raw);
    if (!msg.success) return;
    const { id, request } = msg.data;
    const answer = handle(request) ?? Promise.resolve<RpcResponse>({ ok: false, error: { code: 'INPUT_INVALID', message: 'rpc: wrong boundary' } });
    void answer.then((response) => post(id, response));
  });
}
