/**
 * "Keyhole cannot reach …" with a Grant button, in the popup and on the options page (issue #13): the
 * host access Keyhole needs (domain/host-access.ts) minus what chrome.permissions.getAll() says is
 * granted. Firefox users can revoke install-time host permissions; Chrome users can withhold site
 * access. Nothing shows while everything is granted.
 *
 * The request runs first thing in the click handler: permissions.request needs the user gesture.
 */
import { useEffect, useState } from 'preact/hooks';
import { missingHostPatterns, neededHostPatterns } from '../domain/host-access';
import { t } from './i18n';

// getManifest() copies the whole manifest out of the browser: once per page, not on every render (a
// Refresh click renders the popup several times).
let manifestHosts: string[] | undefined;

export function HostAccess({ apiBases }: { apiBases: readonly string[] }) {
  const [granted, setGranted] = useState<string[] | null>(null);
  const [denied, setDenied] = useState(false);

  useEffect(() => {
    const load = () => void chrome.permissions.getAll().then((p) => setGranted(p.origins ?? []), () => setGranted(null));
    load();
    chrome.permissions.onAdded.addListener(load);
    chrome.permissions.onRemoved.addListener(load);
    return () => {
      chrome.permissions.onAdded.removeListener(load);
      chrome.permissions.onRemoved.removeListener(load);
    };
  }, []);

  if (granted === null) return null;
  const missing = missingHostPatterns(neededHostPatterns((manifestHosts ??= chrome.runtime.getManifest().host_permissions ?? []), apiBases), granted);
  if (missing.length === 0) return null;

  const grant = () => {
    setDenied(false);
    chrome.permissions.request({ origins: missing }).then(
      (ok) => setDenied(!ok),
      () => setDenied(true),
    );
  };
  return (
    <div class="alert warn" role="alert" data-testid="host-access">
      <span>{t('hostAccessMissing', missing.join(', '))}</span>{' '}
      <button class="btn small" data-testid="host-access-grant" onClick={grant}>
        {t('hostAccessGrant')}
      </button>
      {denied && <span data-testid="host-access-denied"> {t('hostAccessDenied')}</span>}
    </div>
  );
}
