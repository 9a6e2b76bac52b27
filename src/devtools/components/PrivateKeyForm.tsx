/**
 * A test environment's RSA private key (PKCS#8 PEM): with it the SW unwraps the session keys of every
 * observed /session handshake or type-1 envelope. Test environments only — the hint says so, because a
 * production server key must never be pasted into a browser.
 */
import { t } from '../../ui/i18n';
import { useState } from 'preact/hooks';
import { codedErrorText, validatePrivateKeyPem } from '../model/key-input';

export function PrivateKeyForm({ hasKey, set }: { hasKey: boolean; set: (pem: string | null) => Promise<{ unwrapped: number }> }) {
  const [text, setText] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string; code?: string }>();
  const failed = (err: unknown) => setMessage({ ok: false, text: codedErrorText(err), code: (err as { code?: string } | null)?.code });
  return (
    <form
      data-testid="private-key-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const v = await validatePrivateKeyPem(text);
        // Refused here, inline: nothing reaches the worker.
        if (!v.ok) return setMessage({ ok: false, text: v.error, code: v.code });
        try {
          const r = await set(v.pem);
          setText('');
          setMessage({ ok: true, text: r.unwrapped === 1 ? t('p_privateKeyDoneOne') : t('p_privateKeyDone', String(r.unwrapped)) });
        } catch (err) {
          failed(err);
        }
      }}
    >
      <div class="form-grid">
        <label for="k-pem">{t('p_keysPrivate')}</label>
        <div>
          <textarea
            id="k-pem"
            rows={4}
            data-testid="private-key-pem"
            placeholder={'-----BEGIN PRIVATE KEY-----\n…\n-----END PRIVATE KEY-----'}
            value={text}
            spellcheck={false}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          <div class="hint">{t('p_privateKeyHint')}</div>
        </div>
        <span />
        <div>
          <button class="primary" type="submit" data-testid="private-key-submit">
            {t('p_usePrivateKey')}
          </button>
          {hasKey && (
            <button class="tb-btn" type="button" data-testid="private-key-forget" onClick={() => set(null).then(() => setMessage({ ok: true, text: t('p_privateKeyForgotten') }), failed)}>
              {t('p_forgetKey')}
            </button>
          )}
          {message && (
            <span class={message.ok ? 'ok-msg' : 'field-error'} data-testid="private-key-message" data-code={message.code}>
              {message.text}
            </span>
          )}
        </div>
      </div>
    </form>
  );
}
