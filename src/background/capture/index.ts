/**
 * Capture hub wiring (issue #4): relay messages in, panel ports out, tab lifecycle, dynamic
 * registration of the capture scripts. Listeners are added synchronously (called from main.ts at top
 * level) so the event that woke the worker is not missed; state is restored lazily by the hub.
 */
import { listOwnScSessions, adoptSession, notePageRotation, notePageReuse, refreshTokenState, composeTargets } from '../sessions/index';
import { CaptureHub } from './hub';
import { servePanelPort, type PanelPort } from './panel-port';
import { createRelayHandler } from './relay-handler';
import { RELAY_FILE, affectsCaptureScripts, envApiBasesOf, syncCaptureScripts } from './dynamic-scripts';
import { CAPTURE_ORIGINS_KEY, ENVS_KEY, pageMaySpeakFor, parseCaptureOrigins } from '../../domain/capture-origins';
import { DEFAULT_ENVIRONMENT } from '../../domain/environment';

let hub: CaptureHub | undefined;

/** The worker's hub (exposed for tests that evaluate in the service worker). */
export function captureHub(): CaptureHub {
  hub ??= new CaptureHub({
    area: chrome.storage.session,
    sessions: { listOwnScSessions, adoptSession, notePageRotation, notePageReuse, refreshTokenState, composeTargets },
    apiAllowed: async (pageOrigin, apiBase) => {
      const stored = await chrome.storage.local.get([ENVS_KEY, CAPTURE_ORIGINS_KEY]);
      // No list stored yet: the engine's default environment (stores.ts environments()).
      const envs = stored[ENVS_KEY] === undefined ? [DEFAULT_ENVIRONMENT.apiBase] : envApiBasesOf(stored[ENVS_KEY]);
      return pageMaySpeakFor(pageOrigin, apiBase, envs, parseCaptureOrigins(stored[CAPTURE_ORIGINS_KEY]));
    },
    tabOrigin: async (tabId) => {
      const url = (await chrome.tabs.get(tabId).catch(() => undefined))?.url;
      return url && /^https?:/.test(url) ? new URL(url).origin : undefined;
    },
    liveTabs: async () => (await chrome.tabs.query({})).flatMap((t) => (t.id === undefined ? [] : [t.id])),
    onError: (e) => console.warn('keyhole capture:', e),
  });
  return hub;
}

/**
 * The relay into one captured document, on its first message (relay-handler.ts `attach`). A failure (the
 * tab navigated or closed, the permission was just revoked) loses only what that document held.
 */
async function injectRelay({ tabId, documentId }: { tabId: number; documentId?: string }): Promise<void> {
  const target = documentId !== undefined ? { tabId, documentIds: [documentId] } : { tabId, frameIds: [0] };
  await chrome.scripting.executeScript({ target, files: [RELAY_FILE] }).catch((e: unknown) => console.warn('keyhole: relay injection failed', e));
}

export function installCapture(): void {
  const extensionId = chrome.runtime.id;
  const extensionOrigin = chrome.runtime.getURL('');
  const relay = createRelayHandler(captureHub(), extensionId, injectRelay);

  // chrome.runtime directly: returning true keeps the channel open for the async answer, and any
  // other boundary is left to the other listeners (popup/options RPC).
  chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
    const answer = relay(message, sender);
    if (!answer) return false;
    answer.then(sendResponse, () => sendResponse(undefined));
    return true;
  });

  chrome.runtime.onConnect.addListener((port) => {
    servePanelPort(captureHub(), port as unknown as PanelPort, extensionOrigin, extensionId);
  });

  chrome.tabs.onRemoved.addListener((tabId) => void captureHub().tabClosed(tabId));

  chrome.permissions.onAdded.addListener(() => void syncCaptureScripts());
  chrome.permissions.onRemoved.addListener(() => void syncCaptureScripts());
  chrome.runtime.onInstalled.addListener(() => void syncCaptureScripts());
  chrome.runtime.onStartup.addListener(() => void syncCaptureScripts());
  // The options page writes "Capture on these sites" (and environments) to storage.local itself;
  // registration follows the stored lists (dynamic-scripts.ts, capture-origins.ts). Only local's
  // event: every session write (storage.session unless remembered) would otherwise be copied into this
  // worker while a Refresh click waits on it (~0.7 ms per write, issue #12).
  chrome.storage.local.onChanged.addListener((changes) => {
    if (affectsCaptureScripts(changes, 'local')) void syncCaptureScripts();
  });

  // Expose for e2e tests evaluating in the worker (read-only use; no secrets beyond what the panel gets).
  (globalThis as { __keyholeCapture?: () => CaptureHub }).__keyholeCapture = captureHub;
}
