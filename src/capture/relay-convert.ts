/**
 * Turns one validated page message into a relay→worker call: bodies and keys become standard Base64
 * (chrome.runtime messages are JSON, architecture.md §3); text bodies are UTF-8 encoded, which is how
 * fetch and XHR put strings on the wire.
 */
import { fromBase64Url, toBase64, utf8Encode } from '../protocol/bytes';
import type { CapturedBody } from '../inspect/exchange';
import type { RelayExchange } from '../messaging/relay-rpc';
import { PageMessage, type PageBody } from './page-message';
import { CAPTURE_BODY_LIMIT } from './channel';

export type RelayCall =
  | { method: 'exchange'; input: RelayExchange }
  | { method: 'wrap'; input: { key: string; wrapped: string; at: number } }
  | { method: 'aesKey'; input: { key: string; origin: 'aes-import' | 'aes-export'; at: number } };

/** undefined for anything that is not one of our well-formed messages (the page's own traffic, forgeries). */
export function toRelayCall(raw: unknown): RelayCall | undefined {
  const m = PageMessage.safeParse(raw);
  if (!m.success) return undefined;
  const msg = m.data;
  switch (msg.kind) {
    case 'exchange': {
      const { requestBody, responseBody, ...rest } = msg.exchange;
      const input: RelayExchange = { ...rest };
      const req = requestBody && bodyOf(requestBody);
      const res = responseBody && bodyOf(responseBody);
      if (req) input.requestBody = req;
      if (res) input.responseBody = res;
      return { method: 'exchange', input };
    }
    case 'wrap': {
      if (msg.key.byteLength !== 32) return undefined;
      return { method: 'wrap', input: { key: toBase64(new Uint8Array(msg.key)), wrapped: toBase64(new Uint8Array(msg.wrapped)), at: msg.at } };
    }
    case 'aes-key': {
      let key: Uint8Array;
      try {
        key = typeof msg.key === 'string' ? fromBase64Url(msg.key) : new Uint8Array(msg.key);
      } catch {
        return undefined;
      }
      if (key.length !== 32) return undefined;
      return { method: 'aesKey', input: { key: toBase64(key), origin: msg.op === 'import' ? 'aes-import' : 'aes-export', at: msg.at } };
    }
  }
}

function bodyOf(b: PageBody): CapturedBody {
  const lossy = b.lossy ? { lossy: true } : {};
  if (b.truncated) return { base64: '', size: b.size, truncated: true, ...lossy };
  const bytes = typeof b.data === 'string' ? utf8Encode(b.data) : new Uint8Array(b.data);
  if (bytes.length > CAPTURE_BODY_LIMIT) return { base64: '', size: bytes.length, truncated: true, ...lossy };
  return { base64: toBase64(bytes), size: bytes.length, truncated: false, ...lossy };
}
