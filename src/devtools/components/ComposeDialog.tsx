/**
 * Compose (issue #9): a new request to any path of an API base, over a session Keyhole knows — one of
 * Keyhole's own SC sessions (its access token as `Authorization: Bearer` when asked) or a page session
 * whose keys the keyring holds. The gateway headers are filled in as that client sends them (editable);
 * the SC headers are Keyhole's and read-only unless "advanced" is on. Sealed, sent from the page and
 * shown like a resend.
 */
import { useEffect, useState } from 'preact/hooks';
import type { KeyringSnapshot } from '../inspect-types';
import { checkJson, type ResendDraft } from '../resend/draft';
import { pageTargets, type ComposeTarget } from '../resend/compose-targets';
import { guardTokens, type GuardVerdict } from '../resend/token-guard';
import { codedErrorText } from '../model/key-input';
import type { ResendRunner } from './ResendEditor';
import { AdvancedSwitch, HeaderGrid } from './HeaderGrid';
import { t as tr } from '../../ui/i18n';

export function ComposeButton({ runner, keyring }: { runner: ResendRunner; keyring: KeyringSnapshot | undefined }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button class="tb-btn" data-testid="compose" title={tr('p_rs_composeTitle')} onClick={() => setOpen(true)}>
        {tr('p_rs_compose')}
      </button>
      {open && <ComposeDialog runner={runner} keyring={keyring} onClose={() => setOpen(false)} />}
    </>
  );
}

function ComposeDialog({ runner, keyring, onClose }: { runner: ResendRunner; keyring: KeyringSnapshot | undefined; onClose: () => void }) {
  const [targets, setTargets] = useState<ComposeTarget[]>();
  const [pick, setPick] = useState(0);
  const [account, setAccount] = useState(-1);
  const [method, setMethod] = useState('POST');
  const [path, setPath] = useState('/web/v1/');
  const [body, setBody] = useState('{\n  \n}');
  const [form, setForm] = useState<ResendDraft['form']>('binary');
  const [aad, setAad] = useState<ResendDraft['aad']>('none');
  const [advanced, setAdvanced] = useState(false);
  const [hdrs, setHdrs] = useState<Pick<ResendDraft, 'headers' | 'scHeaders'>>({ headers: [], scHeaders: [] });
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<GuardVerdict>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    runner.targets().then(
      (own) => {
        const mine = own.map((t) => ({ ...t, origin: 'keyhole' as const }));
        setTargets([...mine, ...pageTargets(runner.rows(), keyring, new Set(mine.map((t) => t.sessionId)))]);
      },
      (e) => setError(codedErrorText(e)),
    );
  }, []);
  const t = targets?.[pick];
  // A target's headers as its client sends them; picking another target starts from its own.
  useEffect(() => {
    if (t) setHdrs({ headers: Object.entries(t.headers), scHeaders: [['X-SC-Session-Id', t.sessionId], ['X-SC-Version', '2']] });
  }, [t]);
  const json = checkJson(body);
  const reset = () => {
    setVerdict(undefined);
    setError(undefined);
  };

  const send = async () => {
    if (!t || !json.ok) return;
    setBusy(true);
    setError(undefined);
    try {
      if (verdict?.kind !== 'confirm') {
        const v = await guardTokens(json.value, runner.rows(), runner.records);
        if (v.kind !== 'ok') return setVerdict(v);
      }
      const bearer = account >= 0 ? t.accounts[account] : undefined;
      const headers = hdrs.headers.filter(([n]) => !(bearer && /^authorization$/i.test(n.trim())));
      if (bearer) headers.push(['Authorization', `Bearer ${bearer.accessToken}`]);
      const draft: ResendDraft = { method, path, origin: t.apiBase, headers, scHeaders: hdrs.scHeaders, body, form, aad, sessionId: t.sessionId };
      const out = await runner.compose(draft, { sessionId: t.sessionId, requestKey: t.requestKey, responseKey: t.responseKey }, advanced);
      runner.show(out.exchange.id);
      onClose();
    } catch (e) {
      setError(codedErrorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="resend-overlay" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div class="resend-editor" data-testid="compose-dialog" role="dialog" aria-label={tr('p_rs_compose')}>
        <div class="re-head">
          <b class="re-title">{tr('p_rs_compose')}</b>
          <span class="hint">{tr('p_rs_composeHint')}</span>
          <span class="spacer" />
          <button class="tb-btn" title={tr('p_rs_close')} onClick={onClose}>
            ✕
          </button>
        </div>
        <div class="re-body">
          {targets && targets.length === 0 && <div class="notice">{tr('p_rs_noTarget')}</div>}
          <div class="re-line">
            <label>
              {tr('p_rs_session')}{' '}
              <select data-testid="co-session" value={pick} onChange={(e) => (setPick(Number((e.target as HTMLSelectElement).value)), setAccount(-1), reset())}>
                {(targets ?? []).map((x, i) => (
                  <option value={i}>{x.origin === 'keyhole' ? tr('p_rs_keyholeSession', [x.envName, x.sessionId]) : tr('p_rs_pageSession', x.sessionId)}</option>
                ))}
              </select>
            </label>
            {t && t.accounts.length > 0 && (
              <label title={tr('p_rs_bearerTitle')}>
                {tr('p_rs_bearer')}{' '}
                <select data-testid="co-bearer" value={account} onChange={(e) => (setAccount(Number((e.target as HTMLSelectElement).value)), reset())}>
                  <option value={-1}>{tr('p_rs_none')}</option>
                  {t.accounts.map((a, i) => (
                    <option value={i}>{a.label}</option>
                  ))}
                </select>
              </label>
            )}
            <label>
              {tr('p_rs_bodyForm')}{' '}
              <select data-testid="co-form" value={form} onChange={(e) => setForm((e.target as HTMLSelectElement).value as ResendDraft['form'])}>
                <option value="binary">{tr('p_rs_formBinary')}</option>
                <option value="json">{tr('p_rs_formJson')}</option>
              </select>
            </label>
            <label>
              {tr('p_rs_aad')}{' '}
              <select data-testid="co-aad" value={aad} onChange={(e) => setAad((e.target as HTMLSelectElement).value as ResendDraft['aad'])}>
                <option value="none">{tr('p_rs_aadNone')}</option>
                <option value="session-id">{tr('p_rs_aadSession')}</option>
              </select>
            </label>
            <AdvancedSwitch checked={advanced} onChange={setAdvanced} testId="co-advanced" />
          </div>
          <div class="re-line">
            <input class="re-method" data-testid="co-method" value={method} onInput={(e) => setMethod((e.target as HTMLInputElement).value.toUpperCase())} aria-label={tr('p_rs_method')} />
            <span class="hint">{t?.apiBase}</span>
            <input class="re-path" data-testid="co-path" value={path} onInput={(e) => (setPath((e.target as HTMLInputElement).value), reset())} aria-label={tr('p_rs_path')} />
          </div>
          {t && <HeaderGrid draft={hdrs} advanced={advanced} onChange={(p) => (setHdrs((x) => ({ ...x, ...p })), reset())} />}
          <textarea class={`re-json${json.ok ? '' : ' invalid'}`} data-testid="co-body" spellcheck={false} value={body} onInput={(e) => (setBody((e.target as HTMLTextAreaElement).value), reset())} aria-label={tr('p_rs_body')} />
          {!json.ok && (
            <div class="field-error" data-testid="co-json-error" role="alert">
              {json.message}
            </div>
          )}
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
        </div>
        <div class="re-foot">
          <button class="primary" data-testid="co-send" disabled={!t || !json.ok || busy || verdict?.kind === 'blocked'} onClick={send}>
            {busy ? tr('p_rs_sending') : verdict?.kind === 'confirm' ? tr('p_rs_sendAnyway') : tr('p_rs_sealSend')}
          </button>
        </div>
      </div>
    </div>
  );
}
