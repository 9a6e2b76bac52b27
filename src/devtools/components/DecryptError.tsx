/** Why a side could not be decrypted: the stable code first (what to act on), then the message. */
import type { DecryptedSide } from '../inspect-types';

const HINT: Record<string, string> = {
  // Adding a key re-decrypts rows already listed (the worker's for live rows, the panel's for imported
  // ones: model/redecrypt.ts). Reloading the page would only key the new session it opens, not this one.
  NO_KEY: "No key in the keyring for this session. Add the session's keys, or the test environment's RSA private key, in the Keys tab: the rows Keyhole still holds are decrypted again as soon as the keyring has their keys.",
  AEAD_AUTH_FAILED: 'The GCM tag did not verify with any known key and AAD mode: wrong key, or the bytes were altered.',
  ENVELOPE_BAD_MAGIC: 'The body is not an SCv2 envelope.',
  ENVELOPE_TRUNCATED: 'The envelope is shorter than its header says (a truncated capture?).',
  ENVELOPE_MALFORMED: 'The envelope structure is invalid.',
};

export function DecryptError({ side }: { side: DecryptedSide }) {
  const code = side.error?.code ?? 'NO_KEY';
  return (
    <div class="error-box" data-testid="decrypt-error" data-code={code}>
      <span class="code">{code}</span>
      {side.error?.message && <span class="hint"> — {side.error.message}</span>}
      {HINT[code] && <p>{HINT[code]}</p>}
    </div>
  );
}
