/**
 * One hand-made SCv2 request: seal an edited plaintext under a session's request key, and open whatever
 * came back. Shared by the panel's Resend / Edit and resend and by `keyhole send` (issue #9).
 *
 * Unlike SecureChannel.call, nothing here decides for the caller: the body form and the AAD mode are
 * chosen (§12: the gateway accepts binary type 2 and JSON `{v:2,p}`, with or without UTF-8(sessionId) as
 * AAD), the answer is returned whatever its `success`, and a plain (pre-decryption) error answer is
 * returned as it is. Every call draws a fresh random IV (sealMessage): a resend is a new message, never
 * a replay of the captured bytes (§12 REPLAY_DETECTED).
 */
import { KeyholeError, isKeyholeError, type ErrorCode } from '../protocol/errors';
import { utf8DecodeLenient } from '../protocol/bytes';
import { detectBodyForm, type BodyForm } from '../protocol/detect';
import { aadFor, describeEnvelope, openMessage, sealMessage, type AadMode } from '../protocol/message';
import { StandardEnvelope } from '../protocol/schemas';

export interface ScKeys {
  sessionId: string;
  requestKey: Uint8Array;
  responseKey: Uint8Array;
}

export type SealForm = 'binary' | 'json';

export interface SealedRequest {
  /** Binary envelope bytes, or the JSON envelope text. */
  body: Uint8Array | string;
  /** The fresh IV, hex (what the gateway's replay memory records). */
  ivHex: string;
  form: SealForm;
  aad: AadMode;
}

/** Seals `plaintext` (the exact text the user edited) for `keys.sessionId` under a fresh IV. */
export async function sealRequest(plaintext: string, keys: ScKeys, o: { form: SealForm; aad: AadMode }): Promise<SealedRequest> {
  const aad = aadFor(o.aad, keys.sessionId);
  const body = o.form === 'json' ? await sealMessage(plaintext, { key: keys.requestKey, form: 'json', ...(aad && { aad }) }) : await sealMessage(plaintext, { key: keys.requestKey, form: 'binary', type: 2, ...(aad && { aad }) });
  return { body, ivHex: describeEnvelope(body).ivHex, form: o.form, aad: o.aad };
}

export interface OpenedAnswer {
  /** How the body came: an envelope (decrypted or not), plain JSON (a pre-decryption error), or else. */
  form: BodyForm;
  status: 'decrypted' | 'plain' | 'failed' | 'none';
  /** The plaintext (decrypted, or the plain body). */
  text?: string;
  json?: unknown;
  /** The AAD mode that opened it. */
  aad?: AadMode;
  /** The standard envelope's verdict (§2), when the plaintext is one. */
  envelope?: { success: boolean; code: string; message: string };
  error?: { code: ErrorCode; message: string };
}

/**
 * Opens an answer body with the response key: AAD as sent first, then the other mode (§12: the gateway
 * answers the way it was asked, but a real server may not). Never throws.
 */
export async function openAnswer(body: Uint8Array, keys: ScKeys, o: { aad: AadMode }): Promise<OpenedAnswer> {
  const form = detectBodyForm(body);
  if (form === 'empty') return { form, status: 'none' };
  if (form === 'plain-json' || form === 'other') {
    const text = utf8DecodeLenient(body);
    const json = parseJson(text);
    return { form, status: 'plain', text, ...(json !== undefined && { json }), ...envelopeOf(json) };
  }
  let last: unknown;
  for (const mode of o.aad === 'none' ? (['none', 'session-id'] as const) : (['session-id', 'none'] as const)) {
    try {
      const aad = aadFor(mode, keys.sessionId);
      const opened = await openMessage(body, keys.responseKey, aad ? { aad } : {});
      const json = opened.json;
      return { form, status: 'decrypted', text: opened.text, aad: mode, ...(json !== undefined && { json }), ...envelopeOf(json) };
    } catch (e) {
      last = e;
      if (!isKeyholeError(e, 'AEAD_AUTH_FAILED')) break; // a malformed envelope does not get better with another AAD
    }
  }
  const err = isKeyholeError(last) ? last : new KeyholeError('AEAD_AUTH_FAILED', 'aead: authentication failed');
  return { form, status: 'failed', error: { code: err.code, message: err.message } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function envelopeOf(json: unknown): { envelope?: OpenedAnswer['envelope'] } {
  const p = StandardEnvelope.safeParse(json);
  return p.success ? { envelope: { success: p.data.success, code: String(p.data.code), message: p.data.message } } : {};
}
