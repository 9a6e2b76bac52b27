/** Why a side could not be decrypted: the stable code first (what to act on), then the message. */
import { t } from '../../ui/i18n';
import type { DecryptedSide } from '../inspect-types';

/** Message keys of what to do per code. */
const HINT: Record<string, string> = {
  // Adding a key re-decrypts rows already listed (the worker's for live rows, the panel's for imported
  // ones: model/redecrypt.ts). Reloading the page would only key the new session it opens, not this one.
  NO_KEY: 'p_hintNoKey',
  AEAD_AUTH_FAILED: 'p_hintAeadAuthFailed',
  ENVELOPE_BAD_MAGIC: 'p_hintBadMagic',
  ENVELOPE_TRUNCATED: 'p_hintTruncated',
  ENVELOPE_MALFORMED: 'p_hintMalformed',
};

export function DecryptError({ side }: { side: DecryptedSide }) {
  const code = side.error?.code ?? 'NO_KEY';
  return (
    <div class="error-box" data-testid="decrypt-error" data-code={code}>
      <span class="code" translate={false}>{code}</span>
      {side.error?.message && <span class="hint" translate={false}> — {side.error.message}</span>}
      {HINT[code] && <p>{t(HINT[code]!)}</p>}
    </div>
  );
}
