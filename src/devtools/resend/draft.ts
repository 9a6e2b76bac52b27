/**
 * What the Resend / Edit and resend editor starts from and what it sends (issue #9). Pure.
 *
 * A resend is a *new* SCv2 message over the same SC session: the edited plaintext is sealed with that
 * session's request key under a fresh IV, in the original's body form and AAD mode unless the user picks
 * another (§12). Headers are the original's minus those a browser sets itself; the SC headers
 * (X-SC-Session-Id, X-SC-Version) are Keyhole's to manage and read-only unless "advanced" is on, and
 * X-Request-Id is fresh (the client sends one per request, §3).
 */
import type { AadMode, DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import { jsonErrorAt } from './json-error-at';
import { t } from '../../ui/i18n';

export type DraftForm = 'binary' | 'json';

export interface ResendDraft {
  method: string;
  /** Path (and query) relative to the original's origin, or an absolute URL. */
  path: string;
  origin: string;
  /** Editable headers (name as shown → value); SC headers are in `scHeaders`. */
  headers: Array<[string, string]>;
  scHeaders: Array<[string, string]>;
  /** The plaintext body as formatted JSON. */
  body: string;
  form: DraftForm;
  aad: AadMode;
  sessionId: string;
}

/** Set by the browser (fetch refuses or overrides them), or describing the old body: never copied. */
const BROWSER_HEADERS = /^(content-length|host|origin|referer|user-agent|cookie|connection|accept-encoding|keep-alive|te|trailer|transfer-encoding|upgrade|via|expect|date|dnt|priority|sec-.*|proxy-.*)$/i;
export const SC_HEADERS = /^(x-sc-session-id|x-sc-version|x-secure-channel-session-id)$/i;

export interface SessionKeys {
  sessionId: string;
  requestKey: string;
  responseKey: string;
}

/** The SC session's two keys (base64) from the keyring, when both are known. */
export function keysFor(keyring: KeyringSnapshot | undefined, sessionId: string | undefined): SessionKeys | undefined {
  if (!keyring || !sessionId) return undefined;
  let requestKey: string | undefined;
  let responseKey: string | undefined;
  for (const e of keyring.entries) {
    if (e.sessionId !== sessionId) continue;
    requestKey ??= e.requestKey;
    responseKey ??= e.responseKey;
  }
  return requestKey && responseKey ? { sessionId, requestKey, responseKey } : undefined;
}

export type ResendAbility = { ok: true; keys: SessionKeys } | { ok: false; why: 'not-decrypted' | 'no-session' | 'no-keys' };

/** Resend needs a request Keyhole decrypted, its SC session, and both of that session's keys. */
export function resendAbility(d: DecryptedExchange, keyring: KeyringSnapshot | undefined): ResendAbility {
  if (d.request.status !== 'decrypted') return { ok: false, why: 'not-decrypted' };
  if (!d.sessionId) return { ok: false, why: 'no-session' };
  const keys = keysFor(keyring, d.sessionId);
  return keys ? { ok: true, keys } : { ok: false, why: 'no-keys' };
}

export function draftFrom(d: DecryptedExchange): ResendDraft {
  const ex = d.exchange;
  const url = new URL(ex.url);
  const headers: Array<[string, string]> = [];
  const scHeaders: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(ex.requestHeaders)) {
    if (BROWSER_HEADERS.test(name)) continue;
    if (SC_HEADERS.test(name)) scHeaders.push([name, value]);
    else headers.push([name, value]);
  }
  return {
    method: ex.method.toUpperCase(),
    path: url.pathname + url.search,
    origin: url.origin,
    headers,
    scHeaders,
    body: formatBody(d),
    form: d.request.form === 'json-envelope' ? 'json' : 'binary',
    aad: d.request.aad ?? 'none',
    sessionId: d.sessionId!,
  };
}

function formatBody(d: DecryptedExchange): string {
  if (d.request.json !== undefined) return JSON.stringify(d.request.json, null, 2);
  return d.request.text ?? '{}';
}

export type CheckedJson = { ok: true; value: unknown } | { ok: false; message: string };

/** The body as typed, checked as JSON; the error names where it broke, as the user sees it. */
export function checkJson(text: string): CheckedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const pos = Math.max(0, jsonErrorAt(text));
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    const what = pos >= text.length ? t('p_rs_jsonEnds') : t('p_rs_jsonUnexpected', JSON.stringify(text[pos]));
    return { ok: false, message: t('p_rs_jsonAt', [String(line), String(col), what]) };
  }
}

/** Request headers as sent: the edited ones, the SC headers (the session's own unless advanced), a fresh request id. */
export function headersToSend(draft: ResendDraft, o: { advanced: boolean; requestId: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, v] of draft.headers) {
    const name = n.trim();
    if (!name || BROWSER_HEADERS.test(name) || (!o.advanced && SC_HEADERS.test(name))) continue;
    out[name.toLowerCase()] = v;
  }
  if (o.advanced) {
    for (const [n, v] of draft.scHeaders) if (n.trim()) out[n.trim().toLowerCase()] = v;
  } else {
    out['x-sc-session-id'] = draft.sessionId;
    out['x-sc-version'] = '2';
  }
  if ('x-request-id' in out) out['x-request-id'] = o.requestId;
  return out;
}
