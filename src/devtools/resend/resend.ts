/**
 * One resend (issue #9): seal the edited plaintext under the session's request key with a fresh IV
 * (src/client/sealed-request.ts), send it from the inspected page (send-in-page.ts), and hand the exact
 * bytes of both sides to the worker as an exchange of this tab (decryptBatch keep:true). The worker then
 * treats it like captured traffic: decrypted with the response key, buffered, pushed as a row — and a
 * refresh through it moves a followed session to the new pair in one write (capture hub noteRotation).
 */
import { sealRequest } from '../../client/sealed-request';
import { benchMark } from '../bench-mark';
import { macrotask } from '../model/macrotask';
import { fromBase64, toBase64 } from '../../protocol/bytes';
import type { CapturedExchange, DecryptedExchange } from '../inspect-types';
import { headersToSend, type ResendDraft, type SessionKeys } from './draft';
import type { PageAnswer, PageRequest } from './send-in-page';

export interface ResendDeps {
  tabId: number;
  send: (r: PageRequest) => Promise<PageAnswer>;
  /** Decrypts here with the panel's keyring snapshot: what goes on screen at once. */
  decrypt: (ex: CapturedExchange) => Promise<DecryptedExchange>;
  /** The worker's decryptBatch with keep:true: buffers it, notes a rotation, pushes the row (same id) back. */
  keep: (list: CapturedExchange[]) => Promise<DecryptedExchange[]>;
  now?: () => number;
}

let seq = 0;

export async function performResend(originalId: string | undefined, draft: ResendDraft, keys: SessionKeys, o: { advanced: boolean }, deps: ResendDeps): Promise<{ exchange: DecryptedExchange; ivHex: string }> {
  const sessionId = o.advanced ? (draft.scHeaders.find(([n]) => /^x-sc-session-id$/i.test(n))?.[1] ?? draft.sessionId) : draft.sessionId;
  const sealed = await sealRequest(draft.body, { sessionId, requestKey: fromBase64(keys.requestKey), responseKey: fromBase64(keys.responseKey) }, { form: draft.form, aad: draft.aad });
  const headers = headersToSend(draft, { advanced: o.advanced, requestId: crypto.randomUUID() });
  const url = /^https?:\/\//i.test(draft.path) ? draft.path : `${draft.origin}${draft.path.startsWith('/') ? '' : '/'}${draft.path}`;
  const bodyBase64 = typeof sealed.body === 'string' ? toBase64(new TextEncoder().encode(sealed.body)) : toBase64(sealed.body);
  const now = deps.now ?? Date.now;
  const startedAt = now();
  benchMark('sealed');
  const answer = await deps.send({ url, method: draft.method, headers, body: typeof sealed.body === 'string' ? { text: sealed.body } : { base64: bodyBase64 } });
  const bodySize = typeof sealed.body === 'string' ? new TextEncoder().encode(sealed.body).length : sealed.body.length;
  const ex: CapturedExchange = {
    id: `resend-${startedAt.toString(36)}-${(seq++).toString(36)}`,
    tabId: deps.tabId,
    source: 'resend',
    ...(originalId !== undefined && { resentFrom: originalId }),
    startedAt,
    durationMs: answer.ms,
    method: draft.method,
    url,
    requestHeaders: headers,
    requestBody: { base64: bodyBase64, size: bodySize, truncated: false },
    responseHeaders: Object.fromEntries(answer.headers.map(([n, v]) => [n.toLowerCase(), v])),
    ...(answer.status !== undefined && { status: answer.status }),
    ...(answer.error === undefined && { responseBody: { base64: answer.truncated ? '' : answer.base64, size: answer.size, truncated: answer.truncated } }),
    ...(answer.error !== undefined && { error: answer.error }),
  };
  // On screen first, from the panel's own decryption; the worker's copy replaces it by id when it comes
  // (it may add what only the worker knows: a token-reuse flag). Not awaited: measured, the worker round
  // trip was most of the click-to-answer time (test/bench/resend.bench.ts).
  const exchange = await deps.decrypt(ex);
  benchMark('decrypted');
  // Handed to the worker one macrotask later, after the panel has rendered the answer (a microtask
  // away): its decryption and push back no longer share the two cores with that render.
  void macrotask().then(() => deps.keep([ex]).catch(() => undefined));
  return { exchange, ivHex: sealed.ivHex };
}
