/**
 * Sessions Compose can speak over (issue #9): Keyhole's own SC sessions (from the worker, with the
 * gateway headers its client sends and the accounts whose access token may go as Bearer), and SC sessions
 * the page opened whose two keys the keyring holds (API base and headers from the page's latest request
 * over it, as the page's client sent them). Pure.
 */
import { apiBaseOf } from '../../inspect/classify';
import type { DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import { keysFor, SC_HEADERS } from './draft';

export interface ComposeTarget {
  sessionId: string;
  requestKey: string;
  responseKey: string;
  apiBase: string;
  /** How the session is named in the picker. */
  envName: string;
  /** Gateway headers as the client sends them (no SC session headers, no request id). */
  headers: Record<string, string>;
  accounts: Array<{ label: string; accessToken: string }>;
  origin?: 'keyhole' | 'page';
}

const NOT_GATEWAY = /^(content-length|host|origin|referer|user-agent|cookie|connection|accept-encoding|authorization|x-request-id|sec-.*|priority)$/i;

export function pageTargets(rows: readonly DecryptedExchange[], keyring: KeyringSnapshot | undefined, skip: ReadonlySet<string>): ComposeTarget[] {
  const latest = new Map<string, DecryptedExchange>();
  for (const d of rows) if (d.sessionId && !skip.has(d.sessionId) && d.exchange.source !== 'har' && apiBaseOf(d.exchange.url) && Object.keys(d.exchange.requestHeaders).some((h) => SC_HEADERS.test(h))) latest.set(d.sessionId, d);
  const out: ComposeTarget[] = [];
  for (const [sessionId, d] of latest) {
    const keys = keysFor(keyring, sessionId);
    if (!keys) continue;
    const headers: Record<string, string> = {};
    for (const [n, v] of Object.entries(d.exchange.requestHeaders)) if (!NOT_GATEWAY.test(n) && !SC_HEADERS.test(n)) headers[n] = v;
    out.push({ ...keys, apiBase: apiBaseOf(d.exchange.url)!, envName: `page session ${sessionId}`, headers, accounts: [], origin: 'page' });
  }
  return out;
}
