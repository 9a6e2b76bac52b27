/**
 * One list row's columns, derived once per exchange (the list renders thousands of rows; deriving on
 * every paint would allocate per frame).
 */
import type { DecryptedExchange, DecryptedSide } from '../inspect-types';

/** The row's overall decrypt verdict: the worst side wins, because one failed side is what the user must see. */
export type DecryptVerdict = 'decrypted' | 'failed' | 'plain' | 'none';

export interface RowSummary {
  startedAt: number;
  method: string;
  path: string;
  /** The path after `/web/v1` (spec §1), what distinguishes SCv2 calls; the full path otherwise. */
  shortPath: string;
  status?: number;
  responseCode?: string;
  /** The encrypted form of the exchange ("binary", "json-envelope") or the plain one. */
  form: string;
  sessionId?: string;
  requestSize: number;
  responseSize: number;
  durationMs?: number;
  /** The call got no answer (fetch/XHR error). */
  networkError: boolean;
  verdict: DecryptVerdict;
  /** Coded reason of the first failed side, e.g. AEAD_AUTH_FAILED. */
  errorCode?: string;
}

export function sideVerdictRank(s: DecryptedSide['status']): number {
  return s === 'failed' ? 3 : s === 'decrypted' ? 2 : s === 'plain' ? 1 : 0;
}

export function rowVerdict(d: Pick<DecryptedExchange, 'request' | 'response'>): DecryptVerdict {
  const worst = sideVerdictRank(d.request.status) >= sideVerdictRank(d.response.status) ? d.request.status : d.response.status;
  return worst;
}

/** Encrypted forms outrank plain ones: a plain-JSON error answer to a binary request is still a "binary" exchange. */
function rowForm(d: DecryptedExchange): string {
  const forms = [d.request.form, d.response.form];
  if (forms.includes('binary')) return 'binary';
  if (forms.includes('json-envelope')) return 'json-envelope';
  if (forms.includes('plain-json')) return 'plain-json';
  if (forms.includes('other')) return 'other';
  return forms.includes('empty') ? 'empty' : 'none';
}

export function summarize(d: DecryptedExchange): RowSummary {
  const ex = d.exchange;
  const failed = d.request.status === 'failed' ? d.request : d.response.status === 'failed' ? d.response : undefined;
  return {
    startedAt: ex.startedAt,
    method: ex.method.toUpperCase(),
    path: d.path,
    shortPath: shortPath(d.path),
    status: ex.status,
    responseCode: d.responseCode,
    form: rowForm(d),
    sessionId: d.sessionId,
    requestSize: ex.requestBody?.size ?? 0,
    responseSize: ex.responseBody?.size ?? 0,
    ...(ex.durationMs !== undefined ? { durationMs: ex.durationMs } : {}),
    networkError: ex.error !== undefined,
    verdict: rowVerdict(d),
    errorCode: failed?.error?.code ?? (failed ? 'NO_KEY' : undefined),
  };
}

/** Message keys (public/_locales) of the body forms. */
export const FORM_LABEL: Record<string, string> = {
  binary: 'p_formBinary',
  'json-envelope': 'p_formJsonEnvelope',
  'plain-json': 'p_formPlain',
  other: 'p_formOther',
  empty: 'p_dash',
  none: 'p_dash',
};

export function shortPath(path: string): string {
  const i = path.indexOf('/web/v1/');
  return i < 0 ? path : path.slice(i + '/web/v1'.length);
}
