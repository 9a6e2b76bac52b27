/**
 * Serves the popup's and options page's calls: over their runtime port (`keyhole-popup`) and over the
 * direct MessagePort they send beside it where this worker is a service worker (messaging/port-transport.ts).
 * Each `rpc-request` goes to the popup RPC handler and its answer back with the same id. Only this
 * extension's own pages may call: a content script can call runtime.connect too (sender.ts), but it
 * cannot reach this worker's registration, which only pages of our own origin can.
 */
import * as z from '../../protocol/zod';
import { PortRpcRequest } from '../../messaging/port-transport';
import { POPUP_PORT_NAME, type SessionWritten } from '../../messaging/popup-rpc';
import type { SessionRecord } from '../../domain/session';
import { toView } from '../../domain/session-view';
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
type Handle = (raw: unknown) => Promise<RpcResponse> | undefined;

/** How many direct channels get pushes: the newest (a channel says nothing when its page goes). */
export const MAX_PUSH_CHANNELS = 8;

/**
 * Pushes to the open popup and options pages (issue #12, the Refresh click): each session record's view
 * as its write is issued (`SessionWritten`), so a card shows a refresh's outcome one message after the
 * worker has it, not once the browser has applied the write and handed it out in `storage.onChanged`
 * (~1 ms later here). It only shows sooner: the call's own answer still waits for the write and carries
 * its error. Over the pages' direct channels where they have them (Chrome's service worker), else over
 * their runtime ports (Firefox's event page), so a page never gets one twice.
 */
export class PopupPushes {
  private readonly targets = new Set<(message: unknown) => void>();

  constructor(readonly viaChannels: boolean) {}

  /** Adds a page's way in; returns its removal. Channels beyond MAX_PUSH_CHANNELS drop the oldest. */
  add(post: (message: unknown) => void): () => void {
    this.targets.add(post);
    if (this.viaChannels && this.targets.size > MAX_PUSH_CHANNELS) this.targets.delete(this.targets.values().next().value!);
    return () => void this.targets.delete(post);
  }

  send(message: unknown): void {
    for (const post of this.targets) {
      try {
        post(message);
      } catch {
        this.targets.delete(post); // its page has gone
      }
    }
  }
}

/** The push for a record being written: its view, no token in it (the marker means a refresh is out). */
export function sessionWritten(rec: SessionRecord): SessionWritten {
  return { kind: 'session-written', view: toView(rec, undefined, rec.inflight !== undefined) };
}

export function servePopupPort(port: PopupPort, handle: Handle, extensionId: string, extensionBaseUrl: string, pushes?: PopupPushes): void {
  if (!isExtensionPageSender(port.sender, extensionId, extensionBaseUrl)) {
    port.disconnect();
    return;
  }
  let open = true;
  const unpush = pushes && !pushes.viaChannels ? pushes.add((m) => port.postMessage(m)) : undefined;
  port.onDisconnect.addListener(() => {
    open = false;
    unpush?.();
  });
  port.onMessage.addListener((raw) =>
    answer(raw, handle, (message) => {
      if (!open) return; // the page closed while its call ran: the outcome is stored, nobody is waiting
      try {
        port.postMessage(message);
      } catch {
        open = false;
      }
    }),
  );
}

/** The first message on a page's direct channel, sent to this worker with the channel's port (port-transport.ts). */
const RpcChannelHello = z.object({ kind: z.literal('rpc-channel'), name: z.string().check(z.maxLength(64)) });

/** The slice of a `message` event (ExtendableMessageEvent) and of its MessagePort that the channel uses. */
export interface ChannelEvent {
  origin: string;
  data: unknown;
  ports: ReadonlyArray<{ postMessage(message: unknown): void; addEventListener(type: 'message', l: (e: { data: unknown }) => void): void; start(): void }>;
}

/** A page's direct channel: `ownOrigin` is this worker's (`self.location.origin`). */
export function servePopupChannel(event: ChannelEvent, handle: Handle, ownOrigin: string, pushes?: PopupPushes): void {
  // Our pages are not web-accessible, so a client of our own origin is one of our own pages.
  if (event.origin !== ownOrigin) return;
  const hello = RpcChannelHello.safeParse(event.data);
  const port = event.ports[0];
  if (!hello.success || hello.data.name !== POPUP_PORT_NAME || !port) return;
  // Posting on a MessagePort whose page has gone is a silent no-op.
  port.addEventListener('message', (e) => answer(e.data, handle, (message) => port.postMessage(message)));
  port.start();
  if (pushes?.viaChannels) pushes.add((m) => port.postMessage(m));
}

function answer(raw: unknown, handle: Handle, post: (message: unknown) => void): void {
  const msg = PortRpcRequest.safeParse(raw);
  if (!msg.success) return;
  const { id, request } = msg.data;
  const response = handle(request) ?? Promise.resolve<RpcResponse>({ ok: false, error: { code: 'INPUT_INVALID', message: 'rpc: wrong boundary' } });
  void response.then((r) => post({ kind: 'rpc-response', id, response: r }));
}
