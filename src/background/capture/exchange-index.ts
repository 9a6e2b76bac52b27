/**
 * What the buffered exchanges can be matched by, so learning a wrap or a key costs O(what it can match)
 * (issue #10 item 2): handshakes and type-1 requests by their RSA-wrapped keys (standard Base64, as the
 * relay sends wraps), and every exchange by its SC session id. Kept in step with the tab buffers by the
 * hub (add on buffering, remove on eviction and clearing).
 */
import { toBase64 } from '../../protocol/bytes';
import { scSessionIdOf, type CapturedExchange } from '../../inspect/exchange';
import { wrappedPairOf } from '../../inspect/learn-keys';

interface Entry {
  tabId: number;
  wrapped: string[];
  sessionId?: string;
}

export class ExchangeIndex {
  private entries = new Map<string, Entry>();
  private byWrapped = new Map<string, Set<string>>();
  private bySession = new Map<string, Set<string>>();

  add(ex: CapturedExchange): void {
    this.remove(ex.id);
    const pair = wrappedPairOf(ex);
    const wrapped = pair ? [toBase64(pair.encReqKey), toBase64(pair.encRespKey)] : [];
    const sessionId = scSessionIdOf(ex) ?? pair?.sessionId;
    const e: Entry = { tabId: ex.tabId, wrapped, ...(sessionId !== undefined && { sessionId }) };
    this.entries.set(ex.id, e);
    for (const w of wrapped) put(this.byWrapped, w, ex.id);
    if (sessionId !== undefined) put(this.bySession, sessionId, ex.id);
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    for (const w of e.wrapped) take(this.byWrapped, w, id);
    if (e.sessionId !== undefined) take(this.bySession, e.sessionId, id);
  }

  /** Ids of handshakes/type-1 requests that carry this wrapped key. */
  withWrapped(wrapped: string): string[] {
    return [...(this.byWrapped.get(wrapped) ?? [])];
  }

  /** Ids of the exchanges of one SC session, with their tabs. */
  ofSession(sessionId: string): Array<{ id: string; tabId: number }> {
    return [...(this.bySession.get(sessionId) ?? [])].map((id) => ({ id, tabId: this.entries.get(id)!.tabId }));
  }

  /** Every buffered handshake / type-1 request (a private key was set: each may unwrap now). */
  handshakes(): Array<{ id: string; tabId: number }> {
    const out: Array<{ id: string; tabId: number }> = [];
    for (const [id, e] of this.entries) if (e.wrapped.length) out.push({ id, tabId: e.tabId });
    return out;
  }
}

function put(m: Map<string, Set<string>>, k: string, id: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(id);
}

function take(m: Map<string, Set<string>>, k: string, id: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) m.delete(k);
}
