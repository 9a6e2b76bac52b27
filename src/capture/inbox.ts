/**
 * Where the hook's messages wait for the relay (issue #12). The relay is split in two scripts of one
 * ISOLATED world: pair.ts runs at document_start and does only what must happen before any page script —
 * pairing with the hook (channel.ts) — plus the flood bound; relay.ts (validation with zod, Base64,
 * sending to the worker: ~30 KB) takes this inbox over once the worker has injected it, which pair.ts asks
 * for when the first message is held (`onFirstHeld`). In a new renderer process every script is compiled
 * again, and the relay's 29 KB measured 5–6 ms of the page's main thread: as a document_idle content script
 * it ran at the page's load, on the way to its first SCv2 call settling; now only a page that has
 * something to relay compiles it, when that first message arrives (which the hook hands over when the
 * page idles). The inbox is a global of our isolated world, out of the page's reach.
 */
import { CAPTURE_CHANNEL, MESSAGE_EVENT, announceToHook } from './channel';
import { createLimiter, isPriorityMessage, messageSize } from './relay-limit';

type Limiter = ReturnType<typeof createLimiter>;

export interface Inbox {
  /** Messages within the bound that arrived before the relay took over, oldest first. */
  held: unknown[];
  /** Set by the relay: from then on each message within the bound goes straight to it. */
  take?: (message: unknown) => void;
  /** Set by the relay: told of each message the bound refused. */
  onDrop?: () => void;
  /** How many messages the bound has refused so far. */
  dropped(): number;
}

const INBOX_KEY = '__keyholeInbox';
type WithInbox = { [INBOX_KEY]?: Inbox };

/** This world's inbox, once pair.ts has opened it. */
export function inbox(): Inbox | undefined {
  return (globalThis as WithInbox)[INBOX_KEY];
}

/**
 * Opens the inbox and pairs with the hook, once per document: the manifest and a dynamic registration
 * can both match a page. `limit` is the flood bound (the page decides how often we work): the messages
 * held here until the relay takes over are bounded by it too; built on the first message, so document_start
 * does only the pairing (issue #12; its window starts then). `onFirstHeld` runs once, when the first
 * message within the bound is held (pair.ts asks the worker for the relay then).
 */
export function openInbox(limit?: Limiter, onFirstHeld?: () => void): void {
  const g = globalThis as WithInbox;
  if (g[INBOX_KEY]) return;
  const box: Inbox = { held: [], dropped: () => limit?.dropped() ?? 0 };
  let asked = false;
  g[INBOX_KEY] = box;
  // The hook's messages arrive on the private node (channel.ts), never through window messages the page sees.
  announceToHook((node) =>
    node.addEventListener(MESSAGE_EVENT, (e) => {
      const data = (e as CustomEvent).detail;
      if (typeof data !== 'object' || data === null || (data as { channel?: unknown }).channel !== CAPTURE_CHANNEL) return;
      limit ??= createLimiter({ messages: 300, bytes: 64 * 1024 * 1024, windowMs: 10_000, reserve: 50 });
      if (!limit.allow(messageSize(data), isPriorityMessage(data))) return box.onDrop?.();
      if (box.take) return box.take(data);
      box.held.push(data);
      if (!asked) {
        asked = true;
        onFirstHeld?.();
      }
    }),
  );
}
