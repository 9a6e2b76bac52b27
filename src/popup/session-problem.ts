/** Pure: the words under a session card that is not simply fine. */
import type { SessionView } from '../messaging/popup-rpc';
import { clock, mmss } from '../ui/format';
import { errorText, t } from '../ui/i18n';

/** The line that explains a session that is not simply fine, in words. */
export function sessionProblem(s: SessionView, now: number): { tone: 'danger' | 'warn'; text: string } | null {
  if (s.status === 'revoked') {
    // Coded reason → its own words with the recovery step; an unknown code still says what to do.
    return { tone: 'danger', text: s.revocation?.code === 'PAGE_REUSED_SPENT_TOKEN' ? t('stateRevokedPageReuse') : t('stateRevoked') };
  }
  if (s.status === 'rejected') return { tone: 'danger', text: t('stateRejected') };
  if (s.status === 'interrupted') return { tone: 'danger', text: t('stateInterrupted') };
  if (s.status === 'waiting' && s.retryAt !== undefined) {
    const why = errorText(s.lastRefresh?.code, s.lastRefresh?.message);
    return { tone: 'warn', text: t('stateWaiting', [why, clock(s.retryAt), mmss(s.retryAt - now)]) };
  }
  if (s.lastRefresh && !s.lastRefresh.ok) return { tone: 'warn', text: errorText(s.lastRefresh.code, s.lastRefresh.message) };
  return null;
}
