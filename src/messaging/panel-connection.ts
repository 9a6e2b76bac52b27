/**
 * The panel's side of the port (see panel-rpc.ts). Connects to the worker, validates every push,
 * and reconnects after the worker stops (MV3 stops idle workers; the port then disconnects). After a
 * reconnect the worker sends the snapshot again, so handlers must upsert exchanges by id.
 */
import { createRpcClient, type RpcClient } from './rpc';
import { PanelPush, panelPortName, panelRpc, type PanelRpc } from './panel-rpc';
import { portRpcClient, type PortLike } from './port-transport';

export interface PanelHandlers {
  onPush(push: Exclude<PanelPush, { kind: 'rpc-response' }>): void;
  /** Connection state, for a "reconnecting…" hint. */
  onConnection?(connected: boolean): void;
}

export interface PanelConnection {
  rpc: RpcClient<PanelRpc>;
  close(): void;
}

export function connectPanel(
  tabId: number,
  handlers: PanelHandlers,
  o: { connect?: (name: string) => PortLike & { disconnect(): void }; reconnectDelayMs?: number } = {},
): PanelConnection {
  const connect = o.connect ?? ((name: string) => chrome.runtime.connect({ name }) as unknown as PortLike & { disconnect(): void });
  let port: (PortLike & { disconnect(): void }) | undefined;
  let closed = false;
  const client = portRpcClient(() => port);

  const open = () => {
    if (closed) return;
    const p = connect(panelPortName(tabId));
    port = p;
    handlers.onConnection?.(true);
    p.onMessage.addListener((raw) => {
      const msg = PanelPush.safeParse(raw);
      if (!msg.success) return;
      if (msg.data.kind === 'rpc-response') client.onResponse(msg.data.id, msg.data.response);
      else handlers.onPush(msg.data as Exclude<PanelPush, { kind: 'rpc-response' }>);
    });
    p.onDisconnect.addListener(() => {
      if (port === p) port = undefined;
      client.failAll();
      handlers.onConnection?.(false);
      if (!closed) setTimeout(open, o.reconnectDelayMs ?? 250);
    });
  };
  open();

  return {
    rpc: createRpcClient(panelRpc, client.transport, { timeoutMs: 60_000 }),
    close() {
      closed = true;
      port?.disconnect();
      port = undefined;
    },
  };
}
