/**
 * Single-use refresh tokens are never burnt by accident (issue #9). Before a resend or compose leaves,
 * every refresh token its plaintext carries is checked against what the panel saw and what Keyhole's
 * session records say (the worker's refreshTokenState):
 *  - spent (a later exchange rotated it, Keyhole refreshed it, or a followed session moved on) → blocked,
 *    because presenting it makes the gateway revoke the whole token family (§12 reuse detection);
 *  - the current token of the page's session or of a followed session → a warning the user must confirm:
 *    sending spends it, and whoever else holds it holds a dead token afterwards.
 * Pure apart from the injected worker query.
 */
import { refreshTokensIn } from '../../client/refresh-tokens-in';
import type { DecryptedExchange } from '../inspect-types';
import { t } from '../../ui/i18n';

export type RecordState = { state: 'spent' | 'current' | 'unknown'; label?: string; followed?: boolean };

export type GuardVerdict =
  | { kind: 'ok' }
  | { kind: 'blocked'; message: string }
  | { kind: 'confirm'; message: string; followed: boolean };

function succeeded(d: DecryptedExchange): boolean {
  return (d.response.json as { success?: unknown } | undefined)?.success === true;
}

/** What the listed traffic says about `token`: presented in a successful refresh → spent; issued and not yet presented → current. */
export function pageTokenState(rows: readonly DecryptedExchange[], token: string): 'spent' | 'current' | 'unknown' {
  let issued = false;
  for (const d of rows) {
    if (d.kind === 'refresh' && succeeded(d) && refreshTokensIn(d.request.json).includes(token)) return 'spent';
    if (!issued && succeeded(d) && refreshTokensIn((d.response.json as { data?: unknown } | undefined)?.data).includes(token)) issued = true;
  }
  return issued ? 'current' : 'unknown';
}

export async function guardTokens(body: unknown, rows: readonly DecryptedExchange[], records: (token: string) => Promise<RecordState>): Promise<GuardVerdict> {
  const tokens = refreshTokensIn(body);
  const warnings: string[] = [];
  let followed = false;
  for (const token of tokens) {
    const page = pageTokenState(rows, token);
    const rec = await records(token).catch((): RecordState => ({ state: 'unknown' }));
    if (rec.state === 'spent' || page === 'spent') {
      const where = rec.state === 'spent' ? t('p_rs_guardWhereKeyhole', rec.label ?? '') : t('p_rs_guardWherePage');
      return { kind: 'blocked', message: t('p_rs_guardBlocked', where) };
    }
    if (rec.state === 'current') {
      followed ||= !!rec.followed;
      warnings.push(t(rec.followed ? 'p_rs_guardFollowed' : 'p_rs_guardOwn', rec.label ?? ''));
    } else if (page === 'current') {
      warnings.push(t('p_rs_guardPage'));
    }
  }
  return warnings.length ? { kind: 'confirm', message: warnings.join(' '), followed } : { kind: 'ok' };
}
