/**
 * Capture beyond the manifest's loopback origins: the hook (MAIN world) and pair.ts (ISOLATED, both at
 * document_start) are registered with chrome.scripting.registerContentScripts for exactly
 *   - the API origins of configured environments (storage.local `kh:envs`), and
 *   - the page origins of "Capture on these sites" (storage.local `kh:captureOrigins`, capture-origins.ts),
 * each only while its optional host permission is granted, and never for a host the manifest's
 * content_scripts already hook (loopback: registering it again would inject twice — the hook guards
 * against that, but there is no reason to). Granted hosts nobody asked to capture are left alone.
 * Re-synced on install/startup, permission grants and revocations, and changes of either list; the
 * registration persists across browser sessions. The relay proper (capture-relay.js) is no content script:
 * the worker injects it into a document when that document's first message arrives (relay-handler.ts).
 */
import { Environment } from '../../domain/environment';
import { CAPTURE_ORIGINS_KEY, ENVS_KEY, parseCaptureOrigins } from '../../domain/capture-origins';
import { coveredBy, hostPattern } from '../../domain/match-patterns';

export const MAIN_SCRIPT_ID = 'keyhole-capture-main';
export const PAIR_SCRIPT_ID = 'keyhole-capture-pair';
/** Registered at document_idle by versions before the relay was injected on demand: removed on every sync. */
export const LEGACY_RELAY_SCRIPT_ID = 'keyhole-capture-relay';
const SCRIPT_IDS = [MAIN_SCRIPT_ID, PAIR_SCRIPT_ID];
/** The relay, injected by the worker into a captured document on its first message (relay-handler.ts). */
export const RELAY_FILE = 'capture-relay.js';

/** Granted origins the manifest's content_scripts do not already cover. */
export function extraCaptureOrigins(granted: readonly string[], manifestMatches: readonly string[]): string[] {
  const covered = new Set(manifestMatches);
  return [...new Set(granted.filter((o) => /^https?:\/\//.test(o) && !covered.has(o)))].sort();
}

export interface CapturePlanInput {
  /** API bases of the configured environments. */
  envApiBases: readonly string[];
  /** Normalized "Capture on these sites" origins. */
  captureOrigins: readonly string[];
  /** chrome.permissions.getAll().origins (may hold wildcards such as https://*\/*). */
  granted: readonly string[];
  /** The manifest's content_scripts matches (hooked statically). */
  manifestMatches: readonly string[];
}

/** The match patterns the dynamic scripts should be registered for (sorted, deduplicated). */
export function captureMatches(o: CapturePlanInput): string[] {
  const wanted = [...o.envApiBases, ...o.captureOrigins].flatMap((x) => hostPattern(x) ?? []);
  const grantedWanted = wanted.filter((p) => coveredBy(o.granted, p) && !coveredBy(o.manifestMatches, p));
  return extraCaptureOrigins(grantedWanted, o.manifestMatches);
}

/** Environments' API bases as stored; absent → the default loopback gateway, which needs nothing. */
export function envApiBasesOf(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((e) => {
    const p = Environment.safeParse(e);
    return p.success ? [p.data.apiBase] : [];
  });
}

/** A storage change that can alter what should be registered. */
export function affectsCaptureScripts(changes: Record<string, unknown>, areaName: string): boolean {
  return areaName === 'local' && (CAPTURE_ORIGINS_KEY in changes || ENVS_KEY in changes);
}

let chain: Promise<void> = Promise.resolve();

/** Serialized: bursts (a grant plus the list write that follows it) run one after another. */
export function syncCaptureScripts(): Promise<void> {
  chain = chain.then(doSync, doSync).catch((e) => console.warn('keyhole: capture registration failed', e));
  return chain;
}

async function doSync(): Promise<void> {
  const [{ origins = [] }, stored] = await Promise.all([chrome.permissions.getAll(), chrome.storage.local.get([ENVS_KEY, CAPTURE_ORIGINS_KEY])]);
  const manifestMatches = (chrome.runtime.getManifest().content_scripts ?? []).flatMap((c) => c.matches ?? []);
  const matches = captureMatches({
    envApiBases: envApiBasesOf(stored[ENVS_KEY]),
    captureOrigins: parseCaptureOrigins(stored[CAPTURE_ORIGINS_KEY]),
    granted: origins,
    manifestMatches,
  });
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [...SCRIPT_IDS, LEGACY_RELAY_SCRIPT_ID] });
  const same = (a: readonly string[] = [], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === b[i]);
  // Nothing changed (e.g. an environment was renamed): leave the registration alone rather than open
  // a window in which a page loading right now would miss the hook.
  if (existing.length === SCRIPT_IDS.length && existing.every((s) => SCRIPT_IDS.includes(s.id) && same(s.matches, matches))) return;
  if (existing.length === 0 && matches.length === 0) return;
  if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (matches.length === 0) return;
  await chrome.scripting.registerContentScripts([
    { id: MAIN_SCRIPT_ID, matches, js: ['capture-main.js'], runAt: 'document_start', world: 'MAIN', allFrames: false, persistAcrossSessions: true },
    { id: PAIR_SCRIPT_ID, matches, js: ['capture-pair.js'], runAt: 'document_start', world: 'ISOLATED', allFrames: false, persistAcrossSessions: true },
  ]);
}
