/**
 * Getting a session: sign in (email + password → MFA method + code, §11) or paste a refresh token
 * (and optionally an access token). Every failure is shown in words for its code.
 */
import { useState } from 'preact/hooks';
import type { SessionView } from '../messaging/popup-rpc';
import { errorText, t } from '../ui/i18n';
import { rpc } from '../ui/rpc-client';
import { stepAfterError } from './signin-steps';

interface Props {
  envs: Array<{ id: string; name: string; apiBase: string }>;
  activeEnvId: string;
  onSession(v: SessionView): void;
  onCancel?: () => void;
}

type Mfa = { code: string; value: number; label?: string };

export function SignInForm({ envs, activeEnvId, onSession, onCancel }: Props) {
  const [mode, setMode] = useState<'signin' | 'paste'>('signin');
  const [envId, setEnvId] = useState(activeEnvId);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [login, setLogin] = useState<{ id: string; methods: Mfa[] } | null>(null);
  const [method, setMethod] = useState<number>(10011002);
  const [code, setCode] = useState('');
  const [refreshToken, setRefreshToken] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setError(errorText(x.code, x.message));
      // An expired login session cannot take another code: back to email and password (signin-steps.ts).
      if (mode === 'signin' && login && stepAfterError('code', x.code) === 'credentials') {
        setLogin(null);
        setCode('');
        setPassword('');
      }
    } finally {
      setBusy(false);
    }
  }

  const submit = (ev: Event) => {
    ev.preventDefault();
    if (mode === 'paste') {
      return run(async () => {
        onSession(await rpc.call('adoptSession', { envId, refreshToken: refreshToken.trim(), ...(accessToken.trim() ? { accessToken: accessToken.trim() } : {}) }));
      });
    }
    if (!login) {
      // §11: passwords are 8–128 characters; a gateway refuses others, so say it before anything is sent.
      if (password.length < 8 || password.length > 128) {
        setError(t('errPasswordLength'));
        return;
      }
      return run(async () => {
        const r = await rpc.call('signInStart', { envId, email, password });
        setLogin({ id: r.loginSessionId, methods: r.mfaMethods });
        const otp = r.mfaMethods.find((m) => m.code === 'OTP') ?? r.mfaMethods[0];
        if (otp) setMethod(otp.value);
      });
    }
    if (!/^[A-Za-z0-9-]{6,10}$/.test(code.trim())) {
      setError(t('errCodeFormat'));
      return;
    }
    return run(async () => {
      onSession(await rpc.call('signInComplete', { envId, loginSessionId: login.id, method, code: code.trim() }));
    });
  };

  return (
    <form class="signin" data-testid="signin-form" onSubmit={submit} novalidate>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'signin'} class={mode === 'signin' ? 'on' : ''} onClick={() => { setMode('signin'); setError(null); }}>{t('tabSignIn')}</button>
        <button type="button" role="tab" aria-selected={mode === 'paste'} class={mode === 'paste' ? 'on' : ''} onClick={() => { setMode('paste'); setError(null); }} data-testid="paste-tab">{t('tabPaste')}</button>
      </div>

      <label class="field">
        <span>{t('environment')}</span>
        <select data-testid="signin-env" value={envId} onChange={(e) => { setEnvId((e.target as HTMLSelectElement).value); setLogin(null); }} disabled={!!login}>
          {envs.map((e) => <option value={e.id} key={e.id}>{e.name} — {e.apiBase}</option>)}
        </select>
      </label>

      {mode === 'signin' && !login && (
        <>
          <label class="field"><span>{t('email')}</span>
            <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} data-testid="signin-email" />
          </label>
          <label class="field"><span>{t('password')}</span>
            <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} data-testid="signin-password" />
          </label>
        </>
      )}
      {mode === 'signin' && login && (
        <>
          <label class="field"><span>{t('mfaMethod')}</span>
            <select value={String(method)} onChange={(e) => setMethod(Number((e.target as HTMLSelectElement).value))} data-testid="signin-method">
              {login.methods.map((m) => <option value={String(m.value)} key={m.value}>{m.label ?? m.code} ({m.value})</option>)}
            </select>
          </label>
          <label class="field"><span>{t('mfaCode')}</span>
            <input inputMode="numeric" autocomplete="one-time-code" maxLength={10} value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} data-testid="signin-code" autoFocus />
          </label>
        </>
      )}
      {mode === 'paste' && (
        <>
          <label class="field"><span>{t('refreshToken')}</span>
            <textarea rows={2} spellcheck={false} value={refreshToken} onInput={(e) => setRefreshToken((e.target as HTMLTextAreaElement).value)} data-testid="paste-refresh" />
          </label>
          <label class="field"><span>{t('accessTokenOptional')}</span>
            <textarea rows={2} spellcheck={false} value={accessToken} onInput={(e) => setAccessToken((e.target as HTMLTextAreaElement).value)} data-testid="paste-access" />
            <span class="hint">{t('pasteHint')}</span>
          </label>
        </>
      )}

      {error && <div class="alert" role="alert" data-testid="signin-error">{error}</div>}

      <div class="row">
        {onCancel && <button type="button" class="btn ghost" onClick={onCancel}>{t('cancel')}</button>}
        {login && <button type="button" class="btn ghost" onClick={() => { setLogin(null); setCode(''); }}>{t('back')}</button>}
        <span class="grow" />
        <button type="submit" class="btn primary" data-testid="signin-submit" aria-busy={busy} disabled={busy}>
          <span class="spin" />
          {mode === 'paste' ? t('adopt') : login ? t('verify') : t('continue')}
        </button>
      </div>
    </form>
  );
}
