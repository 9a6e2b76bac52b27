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
      const where = rec.state === 'spent' ? `Keyhole's session ${rec.label ?? ''} already rotated away from it`.replace('  ', ' ') : 'a later exchange of this page already rotated it';
      return {
        kind: 'blocked',
        message: `Blocked, nothing was sent: this body presents a refresh token that is already spent (${where}). The gateway would take it as a reuse and revoke the whole token family (§12), signing out the page and Keyhole.`,
      };
    }
    if (rec.state === 'current') {
      followed ||= !!rec.followed;
      warnings.push(
        rec.followed
          ? `This spends the current refresh token of the followed session ${rec.label ?? ''}: the page's copy is dead afterwards. Keyhole takes the new pair from the answer.`
          : `This spends the current refresh token of Keyhole's session ${rec.label ?? ''}: Keyhole takes the new pair from the answer, as when the page refreshes it.`,
      );
    } else if (page === 'current') {
      warnings.push("This spends the page's current refresh token: the page will hold a dead token afterwards. Use \"Follow in Keyhole\" on the answer to keep the new pair.");
    }
  }
  return warnings.length ? { kind: 'confirm', message: warnings.join(' '), followed } : { kind: 'ok' };
}
