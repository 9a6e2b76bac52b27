/**
 * Edit one environment profile. Validates with the same zod schema as the worker (messages per field),
 * and asks for host access to a new origin at run time (optional host permissions, architecture.md §2):
 * the request must happen inside the click, so it comes before the save round trip.
 */
import { useState } from 'preact/hooks';
import { DEFAULT_CF, LOCALES, PORTALS, ENV_MODES, type Environment } from '../domain/environment';
import { needsHostPermission, originPattern, validateEnvironment, type EnvFieldErrors } from '../domain/environment';
import { errorText, t } from '../ui/i18n';
import { rpc } from '../ui/rpc-client';

type Draft = Omit<Environment, 'id' | 'cf'> & { id?: string; cf: { ip: string; ray: string; country: string } };

export const blankDraft = (): Draft => ({ name: '', apiBase: '', portal: 'system', portalCode: '', mode: 'local', language: 'en', cf: { ...DEFAULT_CF } });

export function EnvironmentForm({ initial, onSaved, onCancel }: { initial: Draft; onSaved(e: Environment): void; onCancel(): void }) {
  const [d, setD] = useState<Draft>(initial);
  const [errors, setErrors] = useState<EnvFieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function save(ev: Event) {
    ev.preventDefault();
    setFailure(null);
    const candidate = { ...d, id: d.id ?? 'new', ...(d.portalCode ? {} : { portalCode: undefined }) };
    const v = validateEnvironment(candidate);
    if (!v.ok) return setErrors(v.errors);
    setErrors({});
    if (needsHostPermission(v.env.apiBase)) {
      const granted = await chrome.permissions.request({ origins: [originPattern(v.env.apiBase)] }).catch(() => false);
      if (!granted) return setFailure(t('errHostDenied', [new URL(v.env.apiBase).host]));
    }
    try {
      const saved = await rpc.call('saveEnvironment', { env: { ...v.env, ...(d.id ? {} : { id: '' }) } });
      onSaved(saved);
    } catch (e) {
      const x = e as { code?: string; message?: string };
      setFailure(errorText(x.code, x.message));
    }
  }

  const err = (k: keyof EnvFieldErrors) => errors[k] && <span class="invalid" data-testid={`error-${k}`}>{t(errors[k]!)}</span>;
  return (
    <form class="env-form" onSubmit={save} novalidate data-testid="env-form">
      <div class="grid2">
        <label class="field"><span>{t('envName')}</span>
          <input value={d.name} onInput={(e) => set('name', (e.target as HTMLInputElement).value)} aria-invalid={!!errors.name} data-testid="env-name" />
          {err('name')}
        </label>
        <label class="field"><span>{t('envApiBase')}</span>
          <input value={d.apiBase} placeholder="https://api.example.com/prometheus" onInput={(e) => set('apiBase', (e.target as HTMLInputElement).value)} aria-invalid={!!errors.apiBase} data-testid="env-apibase" />
          {err('apiBase')}
        </label>
        <label class="field"><span>{t('envPortal')}</span>
          <select value={d.portal} onChange={(e) => set('portal', (e.target as HTMLSelectElement).value as Draft['portal'])} data-testid="env-portal">
            {PORTALS.map((p) => <option value={p} key={p}>{p}</option>)}
          </select>
          <span class="hint mono">/web/v1/{d.portal}/auth/…</span>
        </label>
        <label class="field"><span>{t('envPortalCode')}</span>
          <input value={d.portalCode ?? ''} onInput={(e) => set('portalCode', (e.target as HTMLInputElement).value)} data-testid="env-portalcode" />
          <span class="hint">{t('envPortalCodeHint')}</span>
        </label>
        <label class="field"><span>{t('envMode')}</span>
          <select value={d.mode} onChange={(e) => set('mode', (e.target as HTMLSelectElement).value as Draft['mode'])} data-testid="env-mode">
            {ENV_MODES.map((m) => <option value={m} key={m}>{t(`mode_${m}`)}</option>)}
          </select>
        </label>
        <label class="field"><span>{t('envLanguage')}</span>
          <input list="kh-locales" value={d.language} onInput={(e) => set('language', (e.target as HTMLInputElement).value as Draft['language'])} aria-invalid={!!errors.language} data-testid="env-language" />
          <datalist id="kh-locales">{LOCALES.map((l) => <option value={l} key={l} />)}</datalist>
          {err('language')}
        </label>
      </div>
      {d.mode !== 'production' && (
        <fieldset class="cf">
          <legend>{t('envCfTitle')}</legend>
          <div class="grid3">
            <label class="field"><span>CF-Connecting-IP</span><input class="mono" value={d.cf.ip} onInput={(e) => set('cf', { ...d.cf, ip: (e.target as HTMLInputElement).value })} /></label>
            <label class="field"><span>Cf-Ray</span><input class="mono" value={d.cf.ray} placeholder={t('envCfRayAuto')} onInput={(e) => set('cf', { ...d.cf, ray: (e.target as HTMLInputElement).value })} /></label>
            <label class="field"><span>cf-ipcountry</span><input class="mono" value={d.cf.country} maxLength={2} onInput={(e) => set('cf', { ...d.cf, country: (e.target as HTMLInputElement).value })} /></label>
          </div>
          {err('cf')}
        </fieldset>
      )}
      {failure && <div class="alert" role="alert" data-testid="env-failure">{failure}</div>}
      <div class="row">
        <span class="grow" />
        <button type="button" class="btn ghost" onClick={onCancel}>{t('cancel')}</button>
        <button type="submit" class="btn primary" data-testid="env-save">{t('save')}</button>
      </div>
    </form>
  );
}
