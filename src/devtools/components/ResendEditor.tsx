/**
 * Resend / Edit and resend (issue #9). The two buttons sit in the detail head of an exchange whose
 * request Keyhole decrypted; "Edit and resend" opens an editor over the panel: method, path, headers, the
 * plaintext body as formatted JSON (validated as you type), body form and AAD mode (the original's unless
 * changed), and the SC headers read-only unless "advanced" is on. The single-use token guard runs before
 * anything is sent (resend/token-guard.ts). The answer becomes its own row, marked resent.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DecryptedExchange, KeyringSnapshot } from '../inspect-types';
import { checkJson, draftFrom, resendAbility, type ResendDraft, type SessionKeys } from '../resend/draft';
import type { ComposeTarget } from '../resend/compose-targets';
import { guardTokens, type RecordState } from '../resend/token-guard';
import { codedErrorText } from '../model/key-input';
import { t } from '../../ui/i18n';
import { scSessionGone } from '../resend/new-sc-session';
import { AdvancedSwitch, HeaderGrid } from './HeaderGrid';
import { BodyField, EditorDialog, FormAndAad, SendButton, SendFeedback, useGuardedSend } from './EditorDialog';

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
  /** Open the way to the inspected page before the first send (a resendable row is on screen). */
  warm(): void;
}

const WHY: Record<string, string> = { 'not-decrypted': 'p_rs_whyNotDecrypted', 'no-session': 'p_rs_whyNoSession', 'no-keys': 'p_rs_whyNoKeys' };

export function ResendActions({ d, keyring, runner }: { d: DecryptedExchange; keyring: KeyringSnapshot | undefined; runner: ResendRunner }) {
  const ability = resendAbility(d, keyring);
  const [editing, setEditing] = useState(false);
  const [state, setState] = useState<{ kind: 'idle' | 'busy' } | { kind: 'error'; message: string } | { kind: 'confirm'; message: string }>({ kind: 'idle' });
  const title = ability.ok ? undefined : t(WHY[ability.why]!);
  useEffect(() => {
    if (ability.ok) runner.warm();
  }, [ability.ok, runner]);

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
  const s = useGuardedSend(runner, onClose);
  const json = checkJson(draft.body);
  const set = (patch: Partial<ResendDraft>) => {
    setDraft((x) => ({ ...x, ...patch }));
    s.reset();
  };
  const send = () => json.ok && s.send(json.value, () => runner.run(d, draft, advanced));

  return (
    <EditorDialog
      testId="resend-editor"
      title={t('p_rs_edit')}
      hint={t('p_rs_editorHint', draft.sessionId)}
      onClose={onClose}
      foot={
        <>
          <SendButton testId="re-send" ready={json.ok} busy={s.busy} verdict={s.verdict} onClick={send} />
          <button class="tb-btn" onClick={() => setDraft(initial)}>
            {t('p_rs_reset')}
          </button>
        </>
      }
    >
      <div class="re-line">
        <input class="re-method" data-testid="re-method" value={draft.method} onInput={(e) => set({ method: (e.target as HTMLInputElement).value.toUpperCase() })} aria-label={t('p_rs_method')} />
        <input class="re-path" data-testid="re-path" value={draft.path} onInput={(e) => set({ path: (e.target as HTMLInputElement).value })} aria-label={t('p_rs_path')} title={draft.origin} />
      </div>
      <div class="re-line">
        <FormAndAad prefix="re" form={draft.form} aad={draft.aad} onChange={set} />
        <AdvancedSwitch checked={advanced} onChange={setAdvanced} testId="re-advanced" />
      </div>
      <HeaderGrid draft={draft} advanced={advanced} onChange={set} />
      <BodyField prefix="re" value={draft.body} json={json} onInput={(body) => set({ body })} />
      <SendFeedback verdict={s.verdict} error={s.error} />
    </EditorDialog>
  );
}
