/**
 * Request/response RPC over a runtime.Port (the panel's, which also carries pushes, panel-rpc.ts; the
 * popup's and options page's, `onDemandPortTransport`). Requests are numbered; answers come back as
 * `rpc-response` with the same id. A port that disconnects fails every call still waiting with
 * WORKER_UNAVAILABLE, so no caller hangs until its timeout.
 */
import * as z from '../protocol/zod';
import { KeyholeError } from '../protocol/errors';
import { RpcRequest, type RpcTransport } from './rpc';

/** A call on a port (validated by the worker before its handler validates the request again). */
export const PortRpcRequest = z.object({ kind: z.literal('rpc-request'), id: z.int(), request: RpcRequest });
export type PortRpcRequest = z.infer<typeof PortRpcRequest>;
/** Its answer; `response` is checked by the RPC client (rpc.ts) like any transport's answer. */
const PortRpcAnswer = z.object({ kind: z.literal('rpc-response'), id: z.int(), response: z.unknown() });

/** The slice of runtime.Port we use (chrome's and the polyfill's both fit; tests pass fakes). */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage: { addListener(l: (message: unknown) => void): void; removeListener(l: (message: unknown) => void): void };
  onDisconnect: { addListener(l: () => void): void };
}

export interface PortRpcClient {
  transport: RpcTransport;
  /** Feed every incoming `rpc-response` message here. */
  onResponse(id: number, response: unknown): void;
  /** Fail everything still waiting (the port went away). */
  failAll(): void;
}

export function portRpcClient(getPort: () => Pick<PortLike, 'postMessage'> | undefined): PortRpcClient {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  return {
    transport: {
      send(request: RpcRequest, signal: AbortSignal) {
        let port: Pick<PortLike, 'postMessage'> | undefined;
        try {
          port = getPort();
        } catch (e) {
          // runtime.connect throws once the extension was reloaded under this page ("context invalidated").
          return Promise.reject(new KeyholeError('WORKER_UNAVAILABLE', `rpc: ${e instanceof Error ? e.message : e}`));
        }
        if (!port) return Promise.reject(new KeyholeError('WORKER_UNAVAILABLE', 'rpc: port is not connected'));
        const id = nextId++;
        const forget = () => waiting.delete(id);
        signal.addEventListener('abort', forget); // an abort event comes once
        // Settled, the call leaves its signal: a timeout signal keeps its listeners until it fires (60 s on
        // the panel's port), and with them this scope's request (a decryptBatch's 200 bodies).
        return new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          try {
            port.postMessage({ kind: 'rpc-request', id, request });
          } catch (e) {
            waiting.delete(id);
            reject(new KeyholeError('WORKER_UNAVAILABLE', `rpc: ${e instanceof Error ? e.message : e}`));
          }
        }).finally(() => signal.removeEventListener('abort', forget));
      },
    },
    onResponse(id, response) {
      waiting.get(id)?.resolve(response);
      waiting.delete(id);
    },
    failAll() {
      for (const w of waiting.values()) w.reject(new KeyholeError('WORKER_UNAVAILABLE', 'rpc: port disconnected'));
      waiting.clear();
    },
  };
}

/** The slice of a MessagePort the page side uses (tests pass fakes). */
export interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/**
 * The popup's and options page's transport: one port, opened on the first call and again on the first
 * call after it dropped (the worker stopped; the caller's retry reconnects, see ui/rpc-client.ts).
 * Nothing reconnects on its own, so an open page never wakes a stopped worker. Why a port and not one
 * `runtime.sendMessage` per call: each sendMessage opens a new channel to the worker, which measured
 * ~1.5 ms more per round trip here (issue #12, the Refresh click).
 *
 * Where the worker is a service worker (Chrome), calls then go over a MessagePort straight to it
 * (`direct`): the page and the worker share the extension's process, so a message crosses a thread, not
 * the browser process (an empty echo's round trip measured 0.2–0.4 ms against 0.8–1.6 ms over the
 * runtime port here; the popup's `popupState` 1.3 against 1.7–2.0 ms).
 * The runtime port stays open beside it, because a MessagePort says nothing when the worker stops: the
 * port's disconnect fails every waiting call (whichever way it went) and drops the channel with it.
 * Until the channel is there (its set-up is asynchronous) and where there is none (Firefox's event
 * page), calls go over the runtime port. Whatever else arrives on either (the worker's pushes,
 * popup-rpc.ts `SessionWritten`) goes to `onPush`, unparsed.
 */
export function onDemandPortTransport(
  name: string,
  connect: (name: string) => PortLike = runtimeConnect,
  direct: (name: string) => Promise<ChannelLike | undefined> = workerChannel,
  onPush: (raw: unknown) => void = () => undefined,
): RpcTransport {
  let port: PortLike | undefined;
  let channel: ChannelLike | undefined;
  const client = portRpcClient(() => {
    port ??= open();
    return channel ?? port;
  });
  const onAnswer = (raw: unknown): void => {
    const m = PortRpcAnswer.safeParse(raw);
    if (m.success) client.onResponse(m.data.id, m.data.response);
    else onPush(raw);
  };
  function open(): PortLike {
    const p = connect(name);
    p.onMessage.addListener(onAnswer);
    p.onDisconnect.addListener(() => {
      if (port === p) {
        port = undefined;
        channel?.close();
        channel = undefined;
      }
      client.failAll();
    });
    direct(name).then(
      (c) => {
        if (!c) return;
        if (port !== p) return c.close(); // that worker is gone already
        c.onmessage = (e) => onAnswer(e.data);
        channel = c;
      },
      () => undefined, // no channel: the runtime port carries the calls
    );
    return p;
  }
  return client.transport;
}

function runtimeConnect(name: string): PortLike {
  // Firefox's `browser` where it exists (its `chrome` alias behaves the same for ports).
  const runtime = ((globalThis as { browser?: typeof chrome }).browser ?? chrome).runtime;
  return runtime.connect({ name }) as unknown as PortLike;
}

/** A MessageChannel to this extension's active service worker, or undefined where it has none. */
async function workerChannel(name: string): Promise<ChannelLike | undefined> {
  const worker = (await globalThis.navigator?.serviceWorker?.getRegistration())?.active;
  if (!worker) return undefined;
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ kind: 'rpc-channel', name }, [port2]); // RpcChannelHello (background/sessions/popup-port.ts)
  return port1 as ChannelLike;
}
