/** The pages' RPC client to the service worker, with one retry when the worker was stopped mid-call. */
import { createRpcClient } from '../messaging/rpc';
import { onDemandPortTransport } from '../messaging/port-transport';
import { POPUP_PORT_NAME, popupRpc } from '../messaging/popup-rpc';
import { isKeyholeError } from '../protocol/errors';

let pushListener: ((raw: unknown) => void) | undefined;
export const rpc = createRpcClient(popupRpc, onDemandPortTransport(POPUP_PORT_NAME, undefined, undefined, (raw) => pushListener?.(raw)), { timeoutMs: 30_000 });

/** Where what the worker sends unasked on this page's port or channel goes (unparsed: the listener checks it); one listener per page. */
export function onPush(listener: ((raw: unknown) => void) | undefined): void {
  pushListener = listener;
}

/**
 * A worker stopped while serving a call drops the answer (the port disconnects): the call is sent
 * again once, on a new port, which starts a fresh worker. Safe for refresh because the engine never re-sends a token
 * that may have left (refresh-engine.ts): a retry either runs a refresh that never started or reports
 * the interrupted state.
 */
export async function callWithRetry<K extends Parameters<typeof rpc.call>[0]>(
  method: K,
  input: Parameters<typeof rpc.call<K>>[1],
): ReturnType<typeof rpc.call<K>> {
  try {
    return await rpc.call(method, input);
  } catch (e) {
    if (!isKeyholeError(e, 'WORKER_UNAVAILABLE')) throw e;
    await new Promise((r) => setTimeout(r, 250));
    return rpc.call(method, input);
  }
}
