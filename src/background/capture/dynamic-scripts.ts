/**
 * Capture beyond the manifest's loopback origins: the hook and relay are registered with
 * chrome.scripting.registerContentScripts for every http(s) origin the user granted (configured
 * environments and origins added by hand ask for optional host permissions). Kept in sync with
 * permission grants and revocations; the registration persists across browser sessions.
 */
export const MAIN_SCRIPT_ID = 'keyhole-capture-main';
export const RELAY_SCRIPT_ID = 'keyhole-capture-relay';

/** Granted origins the manifest's content_scripts do not already cover. */
export function extraCaptureOrigins(granted: readonly string[], manifestMatches: readonly string[]): string[] {
  const covered = new Set(manifestMatches);
  return [...new Set(granted.filter((o) => /^https?:\/\//.test(o) && !covered.has(o)))].sort();
}

let chain: Promise<void> = Promise.resolve();

export function syncCaptureScripts(): Promise<void> {
  chain = chain.then(doSync, doSync).catch((e) => console.warn('keyhole: capture registration failed', e));
  return chain;
}

async function doSync(): Promise<void> {
  const { origins = [] } = await chrome.permissions.getAll();
  const manifestMatches = (chrome.runtime.getManifest().content_scripts ?? []).flatMap((c) => c.matches ?? []);
  const matches = extraCaptureOrigins(origins, manifestMatches);
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [MAIN_SCRIPT_ID, RELAY_SCRIPT_ID] });
  if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (matches.length === 0) return;
  await chrome.scripting.registerContentScripts([
    { id: MAIN_SCRIPT_ID, matches, js: ['capture-main.js'], runAt: 'document_start', world: 'MAIN', allFrames: false, persistAcrossSessions: true },
    { id: RELAY_SCRIPT_ID, matches, js: ['capture-relay.js'], runAt: 'document_start', world: 'ISOLATED', allFrames: false, persistAcrossSessions: true },
  ]);
}
