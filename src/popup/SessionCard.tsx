/** One session: who, which environment, a live countdown, the last refresh, and its actions. */
import { useState } from 'preact/hooks';
import type { SessionView } from '../messaging/popup-rpc';
import { clock, dateTime, middle, mmss, urgency } from '../ui/format';
import { errorText, t } from '../ui/i18n';
import { callWithRetry, rpc } from '../ui/rpc-client';
import { sessionProblem } from './session-problem';
import { isDeadStatus } from '../domain/session';

interface Props {
  session: SessionView;
  now: number;
  onUpdate(v: SessionView): void;
  /** A call failed: re-read everything (a pushed view may be ahead of a write that then failed). */
  onFailed(): void;
  onRemoved(key: string): void;
  /** Opens the sign-in form for this session's environment (a dead session's way back). */
  onSignInAgain(envId: string): void;
}

export function SessionCard({ session: s, now, onUpdate, onFailed, onRemoved, onSignInAgain }: Props) {
  const [busy, setBusy] = useState(false);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);

  const left = s.accessExpiresAt !== undefined ? s.accessExpiresAt - now : undefined;
  const u = left !== undefined ? urgency(left) : 'expired';
  const problem = sessionProblem(s, now);
  const dead = isDeadStatus(s.status);
  // A followed session shares its single-use refresh token with the page (§11): say so while it is alive.
  const shared = s.source === 'followed' && !dead;

  async function refresh() {
    setBusy(true);
    setErr(null);
    try {
      onUpdate(await callWithRetry('refreshSession', { key: s.key }));
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setErr(errorText(x.code, x.message));
      onFailed();
    } finally {
      setBusy(false);
    }
  }

  async function token(): Promise<string | null> {
    try {
      return (await rpc.call('revealAccessToken', { key: s.key })).accessToken;
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setErr(errorText(x.code, x.message));
      return null;
    }
  }

  async function copy() {
    const tok = await token();
    if (!tok) return;
    await navigator.clipboard.writeText(tok).then(
      () => flash(t('copied')),
      () => setErr(t('copyFailed')),
    );
  }

  async function reveal() {
    if (revealed) return setRevealed(null);
    setRevealed(await token());
  }

  async function signOut() {
    setBusy(true);
    try {
      await rpc.call('signOut', { key: s.key });
      onRemoved(s.key);
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setErr(errorText(x.code, x.message));
      setBusy(false);
    }
  }

  function flash(text: string) {
    setNote(text);
    setTimeout(() => setNote(null), 1500);
  }

  return (
    <article class={`card ${dead ? 'dead' : ''}`} data-testid="session-card" data-session-key={s.key} data-status={s.status}>
      <header class="card-head">
        <span class="pill accent" title={s.apiBase}>{s.envName}</span>
        {s.source !== 'signin' && <span class="pill">{t(s.source === 'adopted' ? 'sourceAdopted' : 'sourceFollowed')}</span>}
        {s.label && <span class="label muted" title={s.label}>{s.label}</span>}
        <span class="grow" />
        <StatusPill s={s} busy={busy || s.refreshing} />
      </header>

      {shared && (
        <p class="shared-note" data-testid="shared-with-page">
          {t('sharedWithPage')}
        </p>
      )}

      <div class="ids">
        <div><span class="k">{t('fieldSub')}</span><span class="mono" title={s.sub}>{s.sub ? middle(s.sub, 30) : '—'}</span></div>
        <div><span class="k">{t('fieldSid')}</span><span class="mono" title={s.sid}>{s.sid ? middle(s.sid, 30) : '—'}</span></div>
      </div>

      {/* A dead session's access token was ended by the server (or cannot be renewed): no countdown to nothing. */}
      {!dead && (
        <div class={`countdown ${u}`}>
          <div class="countdown-main">
            <span class="k">{t('accessExpiresIn')}</span>
            <span class="time mono" data-testid="access-expiry" data-expires-at={s.accessExpiresAt ?? ''}>
              {left !== undefined ? mmss(left) : '--:--'}
            </span>
          </div>
          <div class="bar"><div style={{ width: `${left !== undefined ? Math.max(0, Math.min(100, (left / 3_600_000) * 100)) : 0}%` }} /></div>
        </div>
      )}

      <dl class="meta">
        <dt>{t('refreshTokenExpiry')}</dt>
        <dd>{s.refreshExpiresAt !== undefined ? dateTime(s.refreshExpiresAt) : <span class="faint">{t('notDisclosed')}</span>}</dd>
        <dt>{t('lastRefresh')}</dt>
        <dd data-testid="last-refresh">
          {s.lastRefresh ? (
            <>
              {clock(s.lastRefresh.at)}{' '}
              <span class={s.lastRefresh.ok ? 'ok-text' : 'bad-text'}>{s.lastRefresh.ok ? '✓ ' + t('resultOk') : '✕ ' + t('resultFailed')}</span>
            </>
          ) : (
            <span class="faint">{t('never')}</span>
          )}
        </dd>
        {!dead && (
          <>
            <dt>{t('accessToken')}</dt>
            <dd class="token">
              <span class="mono" data-testid="access-token">{revealed ?? s.accessTokenMasked ?? '—'}</span>
            </dd>
          </>
        )}
      </dl>

      {problem && (
        <div class={`alert ${problem.tone === 'warn' ? 'warn' : ''}`} data-testid="session-error" role="status">
          {problem.text}
        </div>
      )}
      {err && <div class="alert" data-testid="session-error" role="alert">{err}</div>}

      <footer class="card-actions">
        {dead && (
          <button class="btn primary small" data-testid="signin-again" onClick={() => onSignInAgain(s.envId)}>
            {t('signInAgain')}
          </button>
        )}
        {(!dead || s.status === 'revoked') && (
        <button
          class={`btn ${dead ? '' : 'primary '}small`}
          data-testid="refresh-button"
          onClick={refresh}
          aria-busy={busy || s.refreshing}
          {...(shared ? { title: t('refreshSharedTitle') } : s.status === 'revoked' ? { title: t('refreshRevokedTitle') } : {})}
        >
          <span class="spin" />
          {t('refresh')}
        </button>
        )}
        {!dead && (
          <>
            <button class="btn small" data-testid="copy-token" onClick={copy} disabled={!s.hasAccessToken}>{note ?? t('copy')}</button>
            <button class="btn small" data-testid="reveal-token" onClick={reveal} disabled={!s.hasAccessToken}>{revealed ? t('hide') : t('reveal')}</button>
          </>
        )}
        <span class="grow" />
        <button class="btn ghost small danger" data-testid="signout-button" onClick={signOut}>{t('signOut')}</button>
      </footer>
    </article>
  );
}

function StatusPill({ s, busy }: { s: SessionView; busy: boolean }) {
  if (busy) return <span class="pill accent">{t('statusRefreshing')}</span>;
  if (s.status === 'revoked') return <span class="pill danger" data-testid="status-revoked">{t('statusRevoked')}</span>;
  if (s.status === 'rejected' || s.status === 'interrupted') return <span class="pill danger">{t('statusSignInAgain')}</span>;
  if (s.status === 'waiting') {
    return (
      <span class="pill warn" data-testid="status-waiting" data-retry-at={s.retryAt ?? ''}>
        {s.retryAt !== undefined ? t('statusWaitingUntil', clock(s.retryAt)) : t('statusWaiting')}
      </span>
    );
  }
  return <span class="pill ok">{t('statusActive')}</span>;
}
