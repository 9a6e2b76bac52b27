/** Options: environment profiles, "Capture on these sites", "Remember sessions", the refresh margin, and this profile's X-Client-Hash. */
import { useEffect, useState } from 'preact/hooks';
import type { Environment, Settings } from '../domain/environment';
import { EnvironmentForm, blankDraft } from './EnvironmentForm';
import { CaptureOrigins } from './CaptureOrigins';
import { HostAccess } from '../ui/HostAccess';
import { errorText, t } from '../ui/i18n';
import { rpc } from '../ui/rpc-client';

export function App() {
  const [envs, setEnvs] = useState<Environment[]>([]);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [hash, setHash] = useState('');
  const [editing, setEditing] = useState<Environment | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [margin, setMargin] = useState('');

  const load = () =>
    rpc.call('optionsState', {}).then(
      (s) => {
        setEnvs(s.environments);
        setSettings(s.settings);
        setMargin(String(s.settings.refreshMarginSec));
        setHash(s.clientHash);
      },
      (e: { code?: string; message?: string }) => setError(errorText(e.code, e.message)),
    );
  useEffect(() => void load(), []);

  async function patch(p: { rememberSessions?: boolean; refreshMarginSec?: number }) {
    try {
      setSettings(await rpc.call('saveSettings', p));
      setError(null);
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setError(errorText(x.code, x.message));
    }
  }

  async function remove(id: string) {
    try {
      await rpc.call('deleteEnvironment', { envId: id });
      await load();
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setError(errorText(x.code, x.message));
    }
  }

  return (
    <div class="options">
      <header class="opt-head">
        <h1>Keyhole</h1>
        <span class="muted">{t('optionsTitle')}</span>
      </header>
      {error && <div class="alert" role="alert" data-testid="options-error">{error}</div>}
      <HostAccess apiBases={envs.map((e) => e.apiBase)} />

      <section class="panel">
        <div class="panel-head">
          <h2>{t('environments')}</h2>
          <span class="grow" />
          {editing === null && <button class="btn primary small" data-testid="env-add" onClick={() => setEditing('new')}>{t('addEnvironment')}</button>}
        </div>
        {editing !== null && (
          <EnvironmentForm
            key={editing === 'new' ? 'new' : editing.id}
            initial={editing === 'new' ? blankDraft() : { ...editing, portalCode: editing.portalCode ?? '', cf: editing.cf ?? blankDraft().cf }}
            onSaved={() => {
              setEditing(null);
              void load();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
        <ul class="envs" data-testid="env-list">
          {envs.map((e) => (
            <li key={e.id} data-testid="env-item" data-env-id={e.id}>
              <div class="env-main">
                <strong>{e.name}</strong>
                <span class="mono muted">{e.apiBase}</span>
              </div>
              <span class="pill">{e.portal}</span>
              <span class={`pill ${e.mode === 'production' ? 'danger' : 'ok'}`}>{t(`mode_${e.mode}`)}</span>
              <span class="pill">{e.language}</span>
              {settings?.activeEnvId === e.id ? (
                <span class="pill accent">{t('active')}</span>
              ) : (
                <button class="btn small" onClick={() => rpc.call('setActiveEnvironment', { envId: e.id }).then(load)}>{t('makeActive')}</button>
              )}
              <button class="btn ghost small" onClick={() => setEditing(e)}>{t('edit')}</button>
              <button class="btn ghost small danger" onClick={() => remove(e.id)}>{t('delete')}</button>
            </li>
          ))}
        </ul>
      </section>

      <CaptureOrigins envs={envs} />

      <section class="panel">
        <h2>{t('sessionsSettings')}</h2>
        <label class="check">
          <input type="checkbox" checked={settings?.rememberSessions ?? false} onChange={(e) => patch({ rememberSessions: (e.target as HTMLInputElement).checked })} data-testid="remember-sessions" />
          <span>
            <strong>{t('rememberSessions')}</strong>
            <span class="hint">{t('rememberSessionsHint')}</span>
          </span>
        </label>
        <label class="field inline">
          <span>{t('refreshMargin')}</span>
          <input type="number" min={5} max={3600} value={margin} onInput={(e) => setMargin((e.target as HTMLInputElement).value)}
            onChange={() => {
              const n = Number(margin);
              if (Number.isInteger(n) && n >= 5 && n <= 3600) void patch({ refreshMarginSec: n });
              else setError(t('errMargin'));
            }} data-testid="refresh-margin" />
        </label>
      </section>

      <section class="panel">
        <h2>X-Client-Hash</h2>
        <p class="hint">{t('clientHashHint')}</p>
        <code class="mono hash" data-testid="client-hash">{hash}</code>
      </section>
    </div>
  );
}
