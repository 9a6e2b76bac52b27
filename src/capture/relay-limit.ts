/**
 * The relay's flood bound, applied where the hook's messages arrive (inbox.ts, document_start): no zod
 * and nothing else, so the part of the relay every captured page compiles before its own first script
 * stays small (issue #12).
 */
import { isAuthUrl } from './auth-url';

/**
 * A flood guard: the page decides how often we work, so the relay caps messages and bytes per
 * window and drops the excess (counted, so the loss is visible rather than silent). With priority
 * (issue #10 item 9): the last `reserve` messages (and the same share of bytes) of a window are kept for
 * the page's auth exchanges — a dropped refresh would leave Keyhole holding a token the page spent — so
 * ordinary traffic, keys and wraps are refused first, and an auth exchange only when auth exchanges
 * themselves fill the window.
 */
export function createLimiter(o: { messages: number; bytes: number; windowMs: number; reserve?: number; now?: () => number }) {
  const now = o.now ?? Date.now;
  const reserve = Math.min(o.reserve ?? 0, o.messages);
  const reserveBytes = Math.floor((o.bytes * reserve) / Math.max(1, o.messages));
  let start = now();
  let messages = 0;
  let bytes = 0;
  let dropped = 0;
  return {
    allow(size: number, priority = false): boolean {
      const t = now();
      if (t - start >= o.windowMs) {
        start = t;
        messages = 0;
        bytes = 0;
      }
      const maxMessages = priority ? o.messages : o.messages - reserve;
      const maxBytes = priority ? o.bytes : o.bytes - reserveBytes;
      if (messages + 1 > maxMessages || bytes + size > maxBytes) {
        dropped++;
        return false;
      }
      messages++;
      bytes += size;
      return true;
    },
    dropped: () => dropped,
  };
}

/** An exchange of the page's own sign-in or refresh (the calls that change who holds which token). */
export function isPriorityMessage(raw: unknown): boolean {
  const m = raw as { kind?: unknown; exchange?: { url?: unknown } } | null;
  return m?.kind === 'exchange' && typeof m.exchange?.url === 'string' && isAuthUrl(m.exchange.url);
}

/** Approximate cost of a page message, for the limiter (bodies dominate). */
export function messageSize(raw: unknown): number {
  const m = raw as { exchange?: { requestBody?: { data?: unknown }; responseBody?: { data?: unknown } } };
  const len = (d: unknown) => (typeof d === 'string' ? d.length : d instanceof ArrayBuffer ? d.byteLength : 0);
  return 256 + len(m?.exchange?.requestBody?.data) + len(m?.exchange?.responseBody?.data);
}
