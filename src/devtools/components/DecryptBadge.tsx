/** The decrypt verdict as a small badge; a failure shows its error code, the thing to act on. */
import { t } from '../../ui/i18n';
import type { DecryptVerdict } from '../model/row-summary';

const LABEL: Record<DecryptVerdict, string> = { decrypted: 'p_verdictDecrypted', failed: 'p_verdictFailed', plain: 'p_verdictPlain', none: '' };

export function DecryptBadge({ verdict, code }: { verdict: DecryptVerdict; code?: string }) {
  return (
    <span class={`badge b-${verdict}`} title={code}>
      {verdict === 'failed' && code ? code : verdict === 'none' ? '—' : t(LABEL[verdict])}
    </span>
  );
}
