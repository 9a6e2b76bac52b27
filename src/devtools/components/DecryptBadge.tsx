/** The decrypt verdict as a small badge; a failure shows its error code, the thing to act on. */
import type { DecryptVerdict } from '../model/row-summary';

const LABEL: Record<DecryptVerdict, string> = { decrypted: 'decrypted', failed: 'failed', plain: 'plain', none: '—' };

export function DecryptBadge({ verdict, code }: { verdict: DecryptVerdict; code?: string }) {
  return (
    <span class={`badge b-${verdict}`} title={code}>
      {verdict === 'failed' && code ? code : LABEL[verdict]}
    </span>
  );
}
