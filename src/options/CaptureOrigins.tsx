/**
 * "Capture on these sites": page origins whose pages get the capture hook although they are not an
 * environment's API origin (a portal on app.example.com calling api.example.com).
 *
 * The list lives in storage.local (`kh:captureOrigins`) and this page writes it directly — it is an
 * extension page — so no RPC is involved; the worker re-registers the content scripts on
 * storage.onChanged and on permission changes (background/capture/dynamic-scripts.ts).
 *
 * Adding asks for the host permission inside the click (chrome.permissions.request needs the user
 * gesture, so nothing is awaited before it); refused → not added. Removing drops the entry, then also
 * gives the host permission back unless an environment's API base or another listed origin still needs
 * that host, or the manifest grants it anyway (loopback).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Environment } from '../domain/environment';
import {
  CAPTURE_ORIGINS_KEY,
  readCaptureOrigins,
  updateCaptureOrigins,
  validateNewCaptureOrigin,
  type CaptureOriginErrorCode,
} from '../domain/capture-origins';
import { coveredBy, hostPattern } from '../domain/match-patterns';
import { t } from '../ui/i18n';

type Failure = { code: CaptureOriginErrorCode | 'STORAGE'; origin?: string };

const manifestHosts = (): string[] => chrome.runtime.getManifest().host_permissions ?? [];

export function CaptureOrigins({ envs }: { envs: readonly Environment[] }) {
  const [list, setList] = useState<string[]>([]);
  const [granted, setGranted] = useState<string[]>([]);
  const [input, setInput] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const loadList = () => void readCaptureOrigins(chrome.storage.local).then(setList, () => setFailure({ code: 'STORAGE' }));
    const loadGrants = () => void chrome.permissions.getAll().then((p) => setGranted(p.origins ?? []));
    const onStorage = (changes: Record<string, unknown>, area: string) => {
      if (area === 'local' && CAPTURE_ORIGINS_KEY in changes) loadList(); // another options tab
    };
    loadList();
    loadGrants();
    chrome.storage.onChanged.addListener(onStorage);
    chrome.permissions.onAdded.addListener(loadGrants);
    chrome.permissions.onRemoved.addListener(loadGrants);
    return () => {
      chrome.storage.onChanged.removeListener(onStorage);
      chrome.permissions.onAdded.removeListener(loadGrants);
      chrome.permissions.onRemoved.removeListener(loadGrants);
    };
  }, []);

  async function add(ev: Event) {
    ev.preventDefault();
    if (busy) return; // a permission prompt is open (Enter submits even with the button disabled)
    setFailure(null);
    const v = validateNewCaptureOrigin(input, list);
    if (!v.ok) return setFailure({ code: v.code, origin: input.trim() });
    const pattern = hostPattern(v.origin)!;
    setBusy(true);
    try {
      if (!coveredBy(manifestHosts(), pattern)) {
        // First await of the handler: still inside the user gesture.
        const ok = await chrome.permissions.request({ origins: [pattern] }).catch(() => false);
        if (!ok) return setFailure({ code: 'DENIED', origin: v.origin });
      }
      const next = await updateCaptureOrigins(chrome.storage.local, (l) => (l.includes(v.origin) ? l : [...l, v.origin]));
      setList(next);
      setInput('');
    } catch {
      setFailure({ code: 'STORAGE' });
    } finally {
      setBusy(false);
    }
  }

  async function grant(origin: string) {
    setFailure(null);
    const ok = await chrome.permissions.request({ origins: [hostPattern(origin)!] }).catch(() => false);
    if (!ok) setFailure({ code: 'DENIED', origin });
  }

  async function remove(origin: string) {
    setFailure(null);
    try {
      const next = await updateCaptureOrigins(chrome.storage.local, (l) => l.filter((o) => o !== origin));
      setList(next);
      const pattern = hostPattern(origin)!;
      const stillNeeded =
        coveredBy(manifestHosts(), pattern) ||
        next.some((o) => hostPattern(o) === pattern) ||
        envs.some((e) => hostPattern(e.apiBase) === pattern);
      if (!stillNeeded) await chrome.permissions.remove({ origins: [pattern] }).catch(() => false);
    } catch {
      setFailure({ code: 'STORAGE' });
    }
  }

  const status = (origin: string) => {
    const p = hostPattern(origin)!;
    if (coveredBy(manifestHosts(), p)) return <span class="pill">{t('captureOriginBuiltIn')}</span>;
    if (coveredBy(granted, p)) return <span class="pill ok">{t('captureOriginGranted')}</span>;
    return (
      <>
        <span class="pill danger">{t('captureOriginNoAccess')}</span>
        <button class="btn small" onClick={() => void grant(origin)}>{t('captureOriginGrant')}</button>
      </>
    );
  };

  return (
    <section class="panel" data-testid="capture-origins">
      <h2>{t('captureSitesTitle')}</h2>
      <p class="hint">{t('captureSitesHint')}</p>
      <form class="row capture-add" onSubmit={add} novalidate>
        <label class="field grow">
          <span>{t('captureOriginLabel')}</span>
          <input
            class="mono"
            value={input}
            placeholder="https://app.example.com"
            onInput={(e) => setInput((e.target as HTMLInputElement).value)}
            aria-invalid={!!failure && failure.code !== 'DENIED'}
            data-testid="capture-origin-input"
          />
          {failure && (
            <span class="invalid" role="alert" data-testid="capture-origin-error" data-code={failure.code}>
              {t(`errCaptureOrigin_${failure.code}`, [failure.origin ?? ''])} <span class="mono">[{failure.code}]</span>
            </span>
          )}
        </label>
        <button type="submit" class="btn primary" disabled={busy} data-testid="capture-origin-add">{t('captureOriginAdd')}</button>
      </form>
      <ul class="envs" data-testid="capture-origin-list">
        {list.length === 0 && <li class="muted">{t('captureOriginNone')}</li>}
        {list.map((o) => (
          <li key={o} data-testid="capture-origin-row" data-origin={o}>
            <span class="env-main mono">{o}</span>
            {status(o)}
            <button class="btn ghost small danger" onClick={() => void remove(o)} data-testid="capture-origin-remove">{t('captureOriginRemove')}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
