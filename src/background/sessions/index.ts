/**
 * Session engine (issue #3): one SCv2 session per environment, token pairs, single-flight refresh,
 * auto-refresh through chrome.alarms, badge, and the popup/options RPC.
 *
 * Storage layout (every value validated with zod on read — schemas.ts):
 *   storage.local
 *     kh:settings        {rememberSessions, refreshMarginSec, activeEnvId}
 *     kh:envs            Environment[]  (absent → the default "Local gateway")
 *     kh:clientHash      stable X-Client-Hash of this browser profile
 *     kh:sess:<key>      SessionRecord — only while "Remember sessions" is on
 *   storage.session (memory only; survives worker restarts, not browser restarts)
 *     kh:sess:<key>      SessionRecord — while "Remember sessions" is off
 *     kh:sc:<envId>      SC session state {keyId, sessionId, expiresAt, requestKey, responseKey} — keys never
 *                        leave storage.session
 *     kh:sc:<envId>#<h>  the same for followed sessions that present the page's X-Client-Hash <h>
 *   alarms               kh:refresh:<key> (next refresh or retry), kh:badge (every minute)
 *
 * A SessionRecord holds the pair, the status, and the in-flight marker; see refresh-engine.ts for why
 * the marker and the new pair live in the same record. A kh:sess:<key> in both areas (a "Remember
 * sessions" move stopped half way) is resolved by the setting: the copy in the area it names is the
 * session, the other is left over (remember-move.ts).
 */
import { SessionEngine } from './engine';
import { chromeAlarms, chromeAreas, setChromeBadge } from './chrome-adapters';
import { createEnvClient } from './env-client';
import { popupHandler } from './rpc-handlers';
import { PopupPushes, servePopupChannel, servePopupPort, sessionWritten } from './popup-port';
import { POPUP_PORT_NAME } from '../../messaging/popup-rpc';
import { withShortAlarms } from './short-alarms';

let engine: SessionEngine | undefined;
// Pages open a direct channel to a service worker (Chrome: no document); Firefox's event page gets none.
const pushes = new PopupPushes(typeof document === 'undefined');

function getEngine(): SessionEngine {
  engine ??= new SessionEngine({
    areas: chromeAreas(),
    // Packed Chrome clamps alarms to 30 s; short back-off delays also get a worker timer (short-alarms.ts).
    alarms: withShortAlarms(chromeAlarms(), (name) => void engine?.onAlarm(name)),
    createClient: (env, ctx) => createEnvClient(env, { fetch: (url, init) => fetch(url, init), ...ctx }),
    isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
    setBadge: setChromeBadge,
    version: chrome.runtime.getManifest().version,
    onSessionWrite: (rec) => pushes.send(sessionWritten(rec)),
  });
  return engine;
}

/** Registers every listener synchronously (a wake-up event must find them), then checks overdue work. */
export function installSessionEngine(): void {
  const e = getEngine();
  const handle = popupHandler(e);
  const extensionId = chrome.runtime.id;
  const extensionBaseUrl = chrome.runtime.getURL('');
  // The popup and the options page call over a port and, beside it, a direct channel (popup-port.ts
  // checks who calls: only our own pages).
  chrome.runtime.onConnect.addListener((port) => {
    if (port.name === POPUP_PORT_NAME) servePopupPort(port, (raw) => handle(raw, undefined), extensionId, extensionBaseUrl, pushes);
  });
  self.addEventListener('message', (event) => servePopupChannel(event, (raw) => handle(raw, undefined), self.location.origin, pushes));
  chrome.alarms.onAlarm.addListener((alarm) => void e.onAlarm(alarm.name));
  chrome.runtime.onStartup.addListener(() => void e.wake());
  void e.wake().catch(() => undefined);
}

export function listOwnScSessions(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; envId: string }>> {
  return getEngine().listOwnScSessions();
}

export function adoptSession(input: { apiBase: string; accessToken?: string; refreshToken: string; expiresIn?: number; label?: string; clientHash?: string }): Promise<{ sessionKey: string }> {
  return getEngine().adoptFromPage(input);
}

export function notePageRotation(input: { apiBase: string; oldRefreshToken: string; accessToken: string; refreshToken: string; expiresIn: number }): Promise<boolean> {
  return getEngine().notePageRotation(input);
}

/** What Keyhole's records say about a refresh token a resend or compose would present (issue #9). Read only. */
export function refreshTokenState(refreshToken: string): Promise<{ state: 'spent' | 'current' | 'unknown'; label?: string; sessionKey?: string; followed?: boolean }> {
  return getEngine().refreshTokenState(refreshToken);
}

/** Keyhole's own SC sessions as the panel's Compose targets (issue #9). Read only. */
export function composeTargets(): Promise<Array<{ sessionId: string; requestKey: string; responseKey: string; apiBase: string; envName: string; headers: Record<string, string>; accounts: Array<{ label: string; accessToken: string }> }>> {
  return getEngine().composeTargets();
}

export function notePageReuse(input: { apiBase: string; refreshToken: string; answeredAt: number; exchangeId?: string }): Promise<{ sessionKey: string; label: string } | undefined> {
  return getEngine().notePageReuse(input);
}
