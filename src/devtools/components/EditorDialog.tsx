/**
 * What Edit and resend and Compose share (issue #9): the dialog around them, the body form and AAD
 * choice, the JSON body validated as you type, and the guarded send — the single-use refresh-token guard
 * runs first (blocked, or a sentence and "Send anyway"), then the request goes out, its row is selected
 * and the dialog closes.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { DecryptedExchange } from '../inspect-types';
import type { CheckedJson, ResendDraft } from '../resend/draft';
import { guardTokens, type GuardVerdict } from '../resend/token-guard';
import { codedErrorText } from '../model/key-input';
import type { ResendRunner } from './ResendEditor';
import { t } from '../../ui/i18n';

export function EditorDialog(p: { testId: string; title: string; hint?: string; onClose: () => void; children: ComponentChildren; foot: ComponentChildren }) {
  return (
    <div class="resend-overlay" onKeyDown={(e) => e.key === 'Escape' && p.onClose()}>
      <div class="resend-editor" data-testid={p.testId} role="dialog" aria-label={p.title}>
        <div class="re-head">
          <b class="re-title">{p.title}</b>
          {p.hint && <span class="hint">{p.hint}</span>}
          <span class="spacer" />
          <button class="tb-btn" title={t('p_rs_close')} onClick={p.onClose}>
            ✕
          </button>
        </div>
        <div class="re-body">{p.children}</div>
        <div class="re-foot">{p.foot}</div>
      </div>
    </div>
  );
}

/** Body form and AAD mode selects (ids `<prefix>-form`, `<prefix>-aad`). */
export function FormAndAad({ prefix, form, aad, onChange }: { prefix: string; form: ResendDraft['form']; aad: ResendDraft['aad']; onChange: (patch: Pick<Partial<ResendDraft>, 'form' | 'aad'>) => void }) {
  return (
    <>
      <label>
        {t('p_rs_bodyForm')}{' '}
        <select data-testid={`${prefix}-form`} value={form} onChange={(e) => onChange({ form: (e.target as HTMLSelectElement).value as ResendDraft['form'] })}>
          <option value="binary">{t('p_rs_formBinary')}</option>
          <option value="json">{t('p_rs_formJson')}</option>
        </select>
      </label>
      <label>
        {t('p_rs_aad')}{' '}
        <select data-testid={`${prefix}-aad`} value={aad} onChange={(e) => onChange({ aad: (e.target as HTMLSelectElement).value as ResendDraft['aad'] })}>
          <option value="none">{t('p_rs_aadNone')}</option>
          <option value="session-id">{t('p_rs_aadSession')}</option>
        </select>
      </label>
    </>
  );
}

/** The plaintext body as JSON, with the parse error (line and column) while it is invalid. */
export function BodyField({ prefix, value, json, onInput }: { prefix: string; value: string; json: CheckedJson; onInput: (text: string) => void }) {
  return (
    <>
      <textarea class={`re-json${json.ok ? '' : ' invalid'}`} data-testid={`${prefix}-body`} spellcheck={false} value={value} onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)} aria-label={t('p_rs_body')} />
      {!json.ok && (
        <div class="field-error" data-testid={`${prefix}-json-error`} role="alert">
          {json.message}
        </div>
      )}
    </>
  );
}

/** Guard, send, select the new row, close; `verdict` and `error` say what stopped it. */
export function useGuardedSend(runner: ResendRunner, onClose: () => void) {
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<GuardVerdict>();
  const [error, setError] = useState<string>();
  const reset = () => {
    setVerdict(undefined);
    setError(undefined);
  };
  const send = async (body: unknown, go: () => Promise<DecryptedExchange>) => {
    setBusy(true);
    setError(undefined);
    try {
      if (verdict?.kind !== 'confirm') {
        const v = await guardTokens(body, runner.rows(), runner.records);
        if (v.kind !== 'ok') return setVerdict(v);
      }
      const out = await go();
      runner.show(out.exchange.id);
      onClose(); // the new row is selected: if its SC session was gone, its detail offers a new one
    } catch (e) {
      setError(codedErrorText(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, verdict, error, setError, reset, send };
}

/** The guard's verdict and the send's error, under the body. */
export function SendFeedback({ verdict, error }: { verdict: GuardVerdict | undefined; error: string | undefined }) {
  return (
    <>
      {verdict && verdict.kind !== 'ok' && (
        <div class={`notice${verdict.kind === 'blocked' ? ' conflict' : ''}`} data-testid={verdict.kind === 'blocked' ? 'resend-blocked' : 'resend-confirm'} role="alert">
          {verdict.message}
        </div>
      )}
      {error && (
        <div class="field-error" data-testid="resend-error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}

export function SendButton({ testId, ready, busy, verdict, onClick }: { testId: string; ready: boolean; busy: boolean; verdict: GuardVerdict | undefined; onClick: () => void }) {
  return (
    <button class="primary" data-testid={testId} disabled={!ready || busy || verdict?.kind === 'blocked'} onClick={onClick}>
      {busy ? t('p_rs_sending') : verdict?.kind === 'confirm' ? t('p_rs_sendAnyway') : t('p_rs_sealSend')}
    </button>
  );
}
