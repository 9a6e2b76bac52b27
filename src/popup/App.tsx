/** The popup: a card per session, or the sign-in form when there is none. */
import { useState } from 'preact/hooks';
import { SessionCard } from './SessionCard';
import { SignInForm } from './SignInForm';
import { usePopupState } from './use-popup-state';
import { useNow } from '../ui/use-now';
import { errorText, t } from '../ui/i18n';
import { HostAccess } from '../ui/HostAccess';

export function App() {
  const { state, error, reload, upsert, remove } = usePopupState();
  // false, or the sign-in form open (for an environment when a dead card's "Sign in again" opened it).
  const [adding, setAdding] = useState<false | { envId?: string }>(false);
  const now = useNow();

  const showForm = state && (adding || state.sessions.length === 0);
  return (
    <div class="popup">
      <header class="top">
        <div class="brand">
          <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="9" r="5" fill="none" stroke="currentColor" stroke-width="2.4" /><path d="M10.2 13.5 9 21h6l-1.2-7.5" fill="currentColor" /></svg>
          <strong>Keyhole</strong>
          <span class="faint mono" data-testid="version">{state?.version ?? ''}</span>
        </div>
        <span class="grow" />
        <span class="env" title={state?.activeEnvironment.apiBase} data-testid="active-env">{state?.activeEnvironment.name ?? ''}</span>
        <button class="btn ghost small icon" title={t('addSession')} aria-label={t('addSession')} data-testid="add-session" onClick={() => setAdding({})} disabled={!state || state.sessions.length === 0}>
          <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true"><path d="M8 3v10M3 8h10" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" /></svg>
        </button>
        <button class="btn ghost small icon" title={t('openOptions')} aria-label={t('openOptions')} onClick={() => chrome.runtime.openOptionsPage()}>⚙</button>
      </header>

      {error && <div class="alert" role="alert">{errorText(error.code, error.message)}</div>}
      {state && <HostAccess apiBases={state.environments.map((e) => e.apiBase)} />}

      <main class="list">
        {state && state.sessions.length === 0 && !adding && (
          <p class="empty muted" data-testid="empty-state">{t('emptyState')}</p>
        )}
        {showForm && (
          <SignInForm
            key={(adding && adding.envId) || ''}
            envs={state.environments}
            activeEnvId={(adding && adding.envId && state.environments.some((e) => e.id === adding.envId) ? adding.envId : undefined) ?? state.activeEnvironment.id}
            onSession={(v) => {
              upsert(v);
              setAdding(false);
            }}
            {...(state.sessions.length > 0 ? { onCancel: () => setAdding(false) } : {})}
          />
        )}
        {state?.sessions.map((s) => <SessionCard key={s.key} session={s} now={now} onUpdate={upsert} onFailed={reload} onRemoved={remove} onSignInAgain={(envId) => { setAdding({ envId }); scrollTo({ top: 0 }); }} />)}
      </main>
    </div>
  );
}
