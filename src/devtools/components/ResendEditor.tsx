/**
 * Resend / Edit and resend (issue #9). The two buttons sit in the detail head of an exchange whose
 * request Keyhole decrypted; "Edit and resend" opens an editor over the panel: method, path, headers, the
 * plaintext body as formatted JSON (validated as you type), body form and AAD mode (the original's unless
 * changed), and the SC headers read-only unless "advanced" is on. The single-use token guard runs before
 * anything is sent (resend/token-guard.ts). The answer becomes its own row, marked resent.
 */
import { useMemo, useState } from 'preact/hooks';
import type { DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import { checkJson, draftFrom, resendAbility, type ResendDraft, type SessionKeys } from '../resend/draft';
import type { ComposeTarget } from '../resend/compose-targets';
import { guardTokens, type GuardVerdict, type RecordState } from '../resend/token-guard';
import { codedErrorText } from '../model/key-input';
import { t } from '../../ui/i18n';
import { scSessionGone } from '../resend/new-sc-session';
import { AdvancedSwitch, HeaderGrid } from './HeaderGrid';

export interface ResendRunner {
  /** Seals, sends from the page, returns the resent exchange (already decrypted by the worker). */
  run(original: DecryptedExchange, draft: ResendDraft, advanced: boolean, freshScSession?: boolean): Promise<DecryptedExchange>;
  rows(): readonly DecryptedExchange[];
  records(token: string): Promise<RecordState>;
  /** Compose: a new request over a session Keyhole knows (no original). */
  compose(draft: ResendDraft, keys: SessionKeys, advanced: boolean): Promise<DecryptedExchange>;
  /** Keyhole's own SC sessions (the worker's composeTargets). */
  targets(): Promise<ComposeTarget[]>;
  /** Select the new row. */
  show(exchangeId: string): void;
}

const WHY: Record<string, string> = { 'not-decrypted': 'p_rs_whyNotDecrypted', 'no-session': 'p_rs_whyNoSession', 'no-keys': 'p_rs_whyNoKeys' };

export function ResendActions({ d, keyring, runner }: { d: DecryptedExchange; keyring: KeyringSnapshot | undefined; runner: ResendRunner }) {
  const ability = resendAbility(d, keyring);
  const [editing, setEditing] = useState(false);
  const [state, setState] = useState<{ kind: 'idle' | 'busy' } | { kind: 'error'; message: string } | { kind: 'confirm'; message: string }>({ kind: 'idle' });
  const title = ability.ok ? undefined : t(WHY[ability.why]!);

  const quick = async (confirmed: boolean, fresh = false) => {
    if (!ability.ok) return;
    const draft = draftFrom(d);
    setState({ kind: 'busy' });
    try {
      if (!confirmed) {
        const verdict = await guardTokens(checkJsonValue(draft.body), runner.rows(), runner.records);
        if (verdict.kind === 'blocked') return setState({ kind: 'error', message: verdict.message });
        if (verdict.kind === 'confirm') return setState({ kind: 'confirm', message: verdict.message });
      }
      const out = await runner.run(d, draft, false, fresh);
      setState({ kind: 'idle' });
      runner.show(out.exchange.id);
    } catch (e) {
      setState({ kind: 'error', message: codedErrorText(e) });
    }
  };

  return (
    <>
      <button class="tb-btn" data-testid="resend" disabled={!ability.ok || state.kind === 'busy'} title={title ?? t('p_rs_resendTitle')} onClick={() => quick(false)}>
        {state.kind === 'busy' ? t('p_rs_sending') : t('p_rs_resend')}
      </button>
      <button class="tb-btn" data-testid="edit-resend" disabled={!ability.ok} title={title ?? t('p_rs_editTitle')} onClick={() => setEditing(true)}>
        {t('p_rs_edit')}
      </button>
      {state.kind === 'error' && (
        <span class="field-error" data-testid="resend-error" role="alert">
          {state.message}
        </span>
      )}
      {state.kind === 'confirm' && (
        <span class="resend-confirm" data-testid="resend-confirm" role="alert">
          {state.message}{' '}
          <button class="tb-btn on" data-testid="resend-confirm-send" onClick={() => quick(true)}>
            {t('p_rs_sendAnyway')}
          </button>
          <button class="tb-btn" onClick={() => setState({ kind: 'idle' })}>
            {t('p_rs_cancel')}
          </button>
        </span>
      )}
      {/* This row's SC session is gone at the gateway (a resend's answer, or the page's): offer a new one. */}
      {ability.ok && scSessionGone(d) && state.kind !== 'busy' && <ScGoneOffer sessionId={d.sessionId} onSend={() => quick(true, true)} />}
      {editing && ability.ok && <ResendEditor d={d} runner={runner} onClose={() => setEditing(false)} />}
    </>
  );
}

/** The SC session the resend used no longer exists at the gateway: say so, offer a new one (issue #9). */
function ScGoneOffer({ sessionId, onSend }: { sessionId?: string; onSend: () => void }) {
  return (
    <span class="resend-confirm" data-testid="sc-gone" role="alert">
      {t('p_rs_scGone', sessionId ?? '')}{' '}
      <button class="tb-btn on" data-testid="sc-new-session" onClick={onSend} title={t('p_rs_scNewTitle')}>
        {t('p_rs_scNew')}
      </button>
    </span>
  );
}

function checkJsonValue(text: string): unknown {
  const r = checkJson(text);
  return r.ok ? r.value : undefined;
}

export function ResendEditor({ d, runner, onClose }: { d: DecryptedExchange; runner: ResendRunner; onClose: () => void }) {
  const initial = useMemo(() => draftFrom(d), [d]);
  const [draft, setDraft] = useState<ResendDraft>(initial);
  const [advanced, setAdvanced] = useState(false);
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<GuardVerdict>();
  const [error, setError] = useState<string>();
  const json = checkJson(draft.body);
  const set = (patch: Partial<ResendDraft>) => {
    setDraft((x) => ({ ...x, ...patch }));
    setVerdict(undefined);
    setError(undefined);
  };

  const send = async () => {
    if (!json.ok) return;
    setBusy(true);
    setError(undefined);
    try {
      if (verdict?.kind !== 'confirm') {
        const v = await guardTokens(json.value, runner.rows(), runner.records);
        if (v.kind !== 'ok') {
          setVerdict(v);
          return;
        }
      }
      const out = await runner.run(d, draft, advanced);
      runner.show(out.exchange.id);
      onClose(); // the new row is selected: if its SC session was gone, its detail offers a new one
    } catch (e) {
      setError(codedErrorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="resend-overlay" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div class="resend-editor" data-testid="resend-editor" role="dialog" aria-label={t('p_rs_edit')}>
        <div class="re-head">
          <b class="re-title">{t('p_rs_edit')}</b>
          <span class="hint">{t('p_rs_editorHint', draft.sessionId)}</span>
          <span class="spacer" />
          <button class="tb-btn" title={t('p_rs_close')} onClick={onClose}>
            ✕
          </button>
        </div>
        <div class="re-body">
          <div class="re-line">
            <input class="re-method" data-testid="re-method" value={draft.method} onInput={(e) => set({ method: (e.target as HTMLInputElement).value.toUpperCase() })} aria-label={t('p_rs_method')} />
            <input class="re-path" data-testid="re-path" value={draft.path} onInput={(e) => set({ path: (e.target as HTMLInputElement).value })} aria-label={t('p_rs_path')} title={draft.origin} />
          </div>
          <div class="re-line">
            <label>
              {t('p_rs_bodyForm')}{' '}
              <select data-testid="re-form" value={draft.form} onChange={(e) => set({ form: (e.target as HTMLSelectElement).value as ResendDraft['form'] })}>
                <option value="binary">{t('p_rs_formBinary')}</option>
                <option value="json">{t('p_rs_formJson')}</option>
              </select>
            </label>
            <label>
              {t('p_rs_aad')}{' '}
              <select data-testid="re-aad" value={draft.aad} onChange={(e) => set({ aad: (e.target as HTMLSelectElement).value as ResendDraft['aad'] })}>
                <option value="none">{t('p_rs_aadNone')}</option>
                <option value="session-id">{t('p_rs_aadSession')}</option>
              </select>
            </label>
            <AdvancedSwitch checked={advanced} onChange={setAdvanced} testId="re-advanced" />
          </div>
          <HeaderGrid draft={draft} advanced={advanced} onChange={set} />
          <textarea class={`re-json${json.ok ? '' : ' invalid'}`} data-testid="re-body" spellcheck={false} value={draft.body} onInput={(e) => set({ body: (e.target as HTMLTextAreaElement).value })} aria-label={t('p_rs_body')} />
          {!json.ok && (
            <div class="field-error" data-testid="re-json-error" role="alert">
              {json.message}
            </div>
          )}
          {verdict?.kind === 'blocked' && (
            <div class="notice conflict" data-testid="resend-blocked" role="alert">
              {verdict.message}
            </div>
          )}
          {verdict?.kind === 'confirm' && (
            <div class="notice" data-testid="resend-confirm" role="alert">
              {verdict.message}
            </div>
          )}
          {error && (
            <div class="field-error" data-testid="resend-error" role="alert">
              {error}
            </div>
          )}
        </div>
        <div class="re-foot">
          <button class="primary" data-testid="re-send" disabled={!json.ok || busy || verdict?.kind === 'blocked'} onClick={() => send()}>
            {busy ? t('p_rs_sending') : verdict?.kind === 'confirm' ? t('p_rs_sendAnyway') : t('p_rs_sealSend')}
          </button>
          <button class="tb-btn" onClick={() => setDraft(initial)}>
            {t('p_rs_reset')}
          </button>
        </div>
      </div>
    </div>
  );
}
