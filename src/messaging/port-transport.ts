/**
 * Request/response RPC over a runtime.Port that also carries pushes (panel-rpc.ts). Requests are
 * numbered; answers come back as `rpc-response` with the same id. A port that disconnects fails
 * every call still waiting with WORKER_UNAVAILABLE, so no caller hangs until its timeout.
 */
import { KeyholeError } from '../protocol/errors';
import type { RpcRequest, RpcResponse, RpcTransport } from './rpc';

/** The slice of runtime.Port we use (chrome's and the polyfill's both fit; tests pass fakes). */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage: { addListener(l: (message: unknown) => void): void; removeListener(l: (message: unknown) => void): void };
  onDisconnect: { addListener(l: () => void): void };
}

export interface PortRpcClient {
  transport: RpcTransport;
  /** Feed every incoming `rpc-response` message here. */
  onResponse(id: number, response: RpcResponse): void;
  /** Fail everything still waiting (the port went away). */
  failAll(): void;
}

export function portRpcClient(getPort: () => PortLike | undefined): PortRpcClient {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  return {
    transport: {
      send(request: RpcRequest, signal: AbortSignal) {
        const port = getPort();
        if (!port) return Promise.reject(new KeyholeError('WORKER_UNAVAILABLE', 'rpc: panel port is not connected'));
        const id = nextId++;
        return new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          signal.addEventListener('abort', () => waiting.delete(id), { once: true });
          try {
            port.postMessage({ kind: 'rpc-request', id, request });
          } catch (e) {
            waiting.delete(id);
            reject(new KeyholeError('WORKER_UNAVAILABLE', `rpc: ${e instanceof Error ? e.message : e}`));
          }
        });
      },
    },
    onResponse(id, response) {
      const w = waiting.get(id);
      if (!w) return;
      waiting.delete(id);
      w.resolve(response);
    },
    failAll() {
      for (const w of waiting.values()) w.reject(new KeyholeError('WORKER_UNAVAILABLE', 'rpc: panel port disconnected'));
      waiting.clear();
    },
  };
}
