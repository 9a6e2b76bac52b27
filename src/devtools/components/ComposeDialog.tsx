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
import { codedErrorText } from '../model/key-input';
import type { ResendRunner } from './ResendEditor';
import { AdvancedSwitch, HeaderGrid } from './HeaderGrid';
import { BodyField, EditorDialog, FormAndAad, SendButton, SendFeedback, useGuardedSend } from './EditorDialog';
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
  const [wire, setWire] = useState<Pick<ResendDraft, 'form' | 'aad'>>({ form: 'binary', aad: 'none' });
  const [advanced, setAdvanced] = useState(false);
  const [hdrs, setHdrs] = useState<Pick<ResendDraft, 'headers' | 'scHeaders'>>({ headers: [], scHeaders: [] });
  const s = useGuardedSend(runner, onClose);
  useEffect(() => {
    runner.targets().then(
      (own) => {
        const mine = own.map((t) => ({ ...t, origin: 'keyhole' as const }));
        setTargets([...mine, ...pageTargets(runner.rows(), keyring, new Set(mine.map((t) => t.sessionId)))]);
      },
      (e) => s.setError(codedErrorText(e)),
    );
  }, []);
  const t = targets?.[pick];
  // A target's headers as its client sends them; picking another target starts from its own.
  useEffect(() => {
    if (t) setHdrs({ headers: Object.entries(t.headers), scHeaders: [['X-SC-Session-Id', t.sessionId], ['X-SC-Version', '2']] });
  }, [t]);
  const json = checkJson(body);

  const send = () => {
    if (!t || !json.ok) return;
    const bearer = account >= 0 ? t.accounts[account] : undefined;
    const headers = hdrs.headers.filter(([n]) => !(bearer && /^authorization$/i.test(n.trim())));
    if (bearer) headers.push(['Authorization', `Bearer ${bearer.accessToken}`]);
    const draft: ResendDraft = { method, path, origin: t.apiBase, headers, scHeaders: hdrs.scHeaders, body, ...wire, sessionId: t.sessionId };
    return s.send(json.value, () => runner.compose(draft, { sessionId: t.sessionId, requestKey: t.requestKey, responseKey: t.responseKey }, advanced));
  };

  return (
    <EditorDialog
      testId="compose-dialog"
      title={tr('p_rs_compose')}
      hint={tr('p_rs_composeHint')}
      onClose={onClose}
      foot={<SendButton testId="co-send" ready={!!t && json.ok} busy={s.busy} verdict={s.verdict} onClick={send} />}
    >
      {targets && targets.length === 0 && <div class="notice">{tr('p_rs_noTarget')}</div>}
      <div class="re-line">
        <label>
          {tr('p_rs_session')}{' '}
          <select data-testid="co-session" value={pick} onChange={(e) => (setPick(Number((e.target as HTMLSelectElement).value)), setAccount(-1), s.reset())}>
            {(targets ?? []).map((x, i) => (
              <option value={i}>{x.origin === 'keyhole' ? tr('p_rs_keyholeSession', [x.envName, x.sessionId]) : tr('p_rs_pageSession', x.sessionId)}</option>
            ))}
          </select>
        </label>
        {t && t.accounts.length > 0 && (
          <label title={tr('p_rs_bearerTitle')}>
            {tr('p_rs_bearer')}{' '}
            <select data-testid="co-bearer" value={account} onChange={(e) => (setAccount(Number((e.target as HTMLSelectElement).value)), s.reset())}>
              <option value={-1}>{tr('p_rs_none')}</option>
              {t.accounts.map((a, i) => (
                <option value={i}>{a.label}</option>
              ))}
            </select>
          </label>
        )}
        <FormAndAad prefix="co" form={wire.form} aad={wire.aad} onChange={(p) => setWire((x) => ({ ...x, ...p }))} />
        <AdvancedSwitch checked={advanced} onChange={setAdvanced} testId="co-advanced" />
      </div>
      <div class="re-line">
        <input class="re-method" data-testid="co-method" value={method} onInput={(e) => setMethod((e.target as HTMLInputElement).value.toUpperCase())} aria-label={tr('p_rs_method')} />
        <span class="hint">{t?.apiBase}</span>
        <input class="re-path" data-testid="co-path" value={path} onInput={(e) => (setPath((e.target as HTMLInputElement).value), s.reset())} aria-label={tr('p_rs_path')} />
      </div>
      {t && <HeaderGrid draft={hdrs} advanced={advanced} onChange={(p) => (setHdrs((x) => ({ ...x, ...p })), s.reset())} />}
      <BodyField prefix="co" value={body} json={json} onInput={(text) => (setBody(text), s.reset())} />
      <SendFeedback verdict={s.verdict} error={s.error} />
    </EditorDialog>
  );
}
