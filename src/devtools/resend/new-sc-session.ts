/**
 * "The SC session is gone — send over a new one" (issue #9). When a resend is answered with
 * SECURE_CHANNEL.SESSION_NOT_FOUND (plain, before decryption: the body was never read, §12), the panel
 * creates an SC session itself, from the same page as the resend (send-in-page.ts): GET public-key, two
 * fresh AES keys wrapped with RSA-OAEP (§5, §6), POST session with the original request's gateway headers
 * — its X-Client-Hash above all, since the page's token family is bound to it (§12). The new keys go into
 * the worker's keyring (as a manual key labelled for Keyhole) so the resent row decrypts like any other.
 */
import { generateAesKey, wrapSessionKeys } from '../../protocol/rsa';
import { toBase64 } from '../../protocol/bytes';
import { KeyholeError } from '../../protocol/errors';
import { PublicKeyData, SessionCreateData } from '../../protocol/schemas';
import { apiBaseOf } from '../../inspect/classify';
import type { DecryptedExchange } from '../inspect-types';
import { SC_HEADERS, type SessionKeys } from './draft';
import type { PageAnswer, PageRequest } from './send-in-page';

/** A plain SECURE_CHANNEL.SESSION_NOT_FOUND answer: the SC session the resend used is gone. */
export function scSessionGone(d: DecryptedExchange): boolean {
  return d.responseCode === 'SECURE_CHANNEL.SESSION_NOT_FOUND';
}

const HANDSHAKE_DROP = /^(content-length|host|origin|referer|user-agent|cookie|connection|accept-encoding|authorization|x-request-id|sec-.*)$/i;

export async function createScSession(
  original: DecryptedExchange,
  deps: { send: (r: PageRequest) => Promise<PageAnswer>; addKeys: (k: SessionKeys & { label: string }) => Promise<unknown> },
): Promise<SessionKeys> {
  const apiBase = apiBaseOf(original.exchange.url);
  if (!apiBase) throw new KeyholeError('INPUT_INVALID', 'resend: this exchange is not under an SCv2 API base (/web/v1/)');
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(original.exchange.requestHeaders)) if (!HANDSHAKE_DROP.test(n) && !SC_HEADERS.test(n)) headers[n] = v;
  headers['x-request-id'] = crypto.randomUUID();
  const root = `${apiBase}/web/v1/secure-channel`;
  const plain = async (r: PageRequest, step: string): Promise<unknown> => {
    const a = await deps.send(r);
    if (a.error !== undefined) throw new KeyholeError('NETWORK_ERROR', `resend: ${step} failed: ${a.error}`);
    let env: { success?: unknown; code?: unknown; message?: unknown; data?: unknown };
    try {
      env = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(a.base64), (c) => c.charCodeAt(0))));
    } catch {
      throw new KeyholeError('SC_HANDSHAKE_FAILED', `resend: ${step} answered HTTP ${a.status} without a JSON envelope`);
    }
    if (env.success !== true) throw new KeyholeError('SC_HANDSHAKE_FAILED', `resend: ${step} refused: ${String(env.code)} ${String(env.message ?? '')}`.trim(), { status: a.status, serverCode: String(env.code) });
    return env.data;
  };
  const pkData = PublicKeyData.safeParse(await plain({ url: `${root}/public-key`, method: 'GET', headers: { ...headers }, body: undefined }, 'public-key'));
  if (!pkData.success) throw new KeyholeError('SC_HANDSHAKE_FAILED', 'resend: the public key answer is not §5 data');
  const requestKey = await generateAesKey();
  const responseKey = await generateAesKey();
  const wrapped = await wrapSessionKeys(pkData.data.publicKey, requestKey, responseKey);
  const body = JSON.stringify({ keyId: pkData.data.keyId, encReqKey: wrapped.encReqKey, encRespKey: wrapped.encRespKey });
  const sess = SessionCreateData.safeParse(await plain({ url: `${root}/session`, method: 'POST', headers: { ...headers, 'x-request-id': crypto.randomUUID() }, body: { text: body } }, 'session'));
  if (!sess.success) throw new KeyholeError('SC_HANDSHAKE_FAILED', 'resend: the session answer is not §6 data');
  const keys: SessionKeys = { sessionId: sess.data.sessionId, requestKey: toBase64(requestKey), responseKey: toBase64(responseKey) };
  await deps.addKeys({ ...keys, label: 'Keyhole resend' });
  return keys;
}
