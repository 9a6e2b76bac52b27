/**
 * Which scripts get registered for which granted origins: captureMatches (pure) and syncCaptureScripts
 * against fakes of chrome.permissions / chrome.scripting / chrome.storage.local / runtime.getManifest.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import {
  MAIN_SCRIPT_ID,
  PAIR_SCRIPT_ID,
  LEGACY_RELAY_SCRIPT_ID,
  RELAY_FILE,
  affectsCaptureScripts,
  captureMatches,
  envApiBasesOf,
  syncCaptureScripts,
} from '../../../src/background/capture/dynamic-scripts';
import { CAPTURE_ORIGINS_KEY, ENVS_KEY } from '../../../src/domain/capture-origins';

const MANIFEST = ['http://127.0.0.1/*', 'http://localhost/*'];

test('exactly: granted environment API origins + granted capture origins, minus the manifest loopback', () => {
  expect(
    captureMatches({
      envApiBases: ['http://127.0.0.1:18020/prometheus', 'https://api.example.com/prometheus', 'https://api.denied.example/x'],
      captureOrigins: ['https://app.example.com', 'https://app.example.com:8443', 'http://localhost:5173', 'https://other.example'],
      granted: [...MANIFEST, 'https://api.example.com/*', 'https://app.example.com/*', 'https://unrelated.example/*'],
      manifestMatches: MANIFEST,
    }),
  ).toEqual(['https://api.example.com/*', 'https://app.example.com/*']);
  // A granted host nobody asked to capture is not hooked.
  expect(captureMatches({ envApiBases: [], captureOrigins: [], granted: ['https://unrelated.example/*'], manifestMatches: MANIFEST })).toEqual([]);
  // A wildcard grant covers what is listed, and only that.
  expect(captureMatches({ envApiBases: [], captureOrigins: ['https://a.example', 'http://b.example'], granted: ['https://*/*'], manifestMatches: MANIFEST })).toEqual([
    'https://a.example/*',
  ]);
});

test('environment API bases are read with the Environment schema; absent means the loopback default', () => {
  expect(envApiBasesOf(undefined)).toEqual([]);
  expect(
    envApiBasesOf([
      { id: 'a', name: 'A', apiBase: 'https://api.example.com/p', portal: 'system', mode: 'test', language: 'en' },
      { id: 'b', name: 'B', apiBase: 'javascript:alert(1)', portal: 'system', mode: 'test', language: 'en' },
      'junk',
    ]),
  ).toEqual(['https://api.example.com/p']);
});

test('only local changes of the two lists trigger a sync', () => {
  expect(affectsCaptureScripts({ [CAPTURE_ORIGINS_KEY]: {} }, 'local')).toBe(true);
  expect(affectsCaptureScripts({ [ENVS_KEY]: {} }, 'local')).toBe(true);
  expect(affectsCaptureScripts({ [CAPTURE_ORIGINS_KEY]: {} }, 'session')).toBe(false);
  expect(affectsCaptureScripts({ 'kh:settings': {} }, 'local')).toBe(false);
});

// ── syncCaptureScripts with fakes ─────────────────────────────────────────────────────────────────
type Script = { id: string; matches?: string[]; js?: string[]; world?: string; runAt?: string; persistAcrossSessions?: boolean };

function fakeChrome(init: { granted: string[]; stored: Record<string, unknown> }) {
  const registered = new Map<string, Script>();
  const calls: string[] = [];
  const chromeFake = {
    permissions: { getAll: async () => ({ origins: [...init.granted], permissions: [] }) },
    storage: { local: { get: async (keys: string[]) => Object.fromEntries(keys.filter((k) => k in init.stored).map((k) => [k, init.stored[k]])) } },
    runtime: {
      getManifest: () => ({
        content_scripts: [
          { matches: MANIFEST, js: ['capture-main.js'] },
          { matches: MANIFEST, js: ['capture-pair.js'] },
        ],
      }),
    },
    scripting: {
      getRegisteredContentScripts: async ({ ids }: { ids: string[] }) => [...registered.values()].filter((s) => ids.includes(s.id)).map((s) => structuredClone(s)),
      unregisterContentScripts: async ({ ids }: { ids: string[] }) => {
        calls.push(`unregister ${ids.join(',')}`);
        for (const id of ids) registered.delete(id);
      },
      registerContentScripts: async (scripts: Script[]) => {
        calls.push(`register ${scripts.map((s) => s.id).join(',')}`);
        for (const s of scripts) {
          if (registered.has(s.id)) throw new Error(`Duplicate script ID '${s.id}'`);
          registered.set(s.id, structuredClone(s));
        }
      },
    },
  };
  return { chromeFake, registered, calls, init };
}

let fake: ReturnType<typeof fakeChrome>;
beforeEach(() => {
  fake = fakeChrome({ granted: [...MANIFEST], stored: {} });
  vi.stubGlobal('chrome', fake.chromeFake);
});
afterEach(() => void vi.unstubAllGlobals());

const env = (apiBase: string) => ({ id: 'e-' + apiBase.length, name: 'E', apiBase, portal: 'system', mode: 'test', language: 'en' });

test('sync registers both scripts for granted listed origins, follows revocation and removal, and never touches loopback', async () => {
  // Nothing listed: nothing registered, no churn.
  await syncCaptureScripts();
  expect(fake.registered.size).toBe(0);
  expect(fake.calls).toEqual([]);

  // A capture origin added but its permission not (yet) granted: still nothing.
  fake.init.stored[CAPTURE_ORIGINS_KEY] = ['https://app.example.com', 'http://localhost:5173'];
  fake.init.stored[ENVS_KEY] = [env('https://api.example.com/prometheus'), env('http://127.0.0.1:18020/prometheus')];
  await syncCaptureScripts();
  expect(fake.registered.size).toBe(0);

  // Granted (permissions.onAdded): the MAIN hook and the ISOLATED pairing at document_start, same matches;
  // the relay is no content script (the worker injects it on a document's first message).
  fake.init.granted.push('https://app.example.com/*', 'https://api.example.com/*');
  await syncCaptureScripts();
  const main = fake.registered.get(MAIN_SCRIPT_ID)!;
  const pair = fake.registered.get(PAIR_SCRIPT_ID)!;
  expect(main).toMatchObject({ js: ['capture-main.js'], world: 'MAIN', runAt: 'document_start', persistAcrossSessions: true });
  expect(pair).toMatchObject({ js: ['capture-pair.js'], world: 'ISOLATED', runAt: 'document_start', persistAcrossSessions: true });
  expect(main.matches).toEqual(['https://api.example.com/*', 'https://app.example.com/*']);
  expect(pair.matches).toEqual(main.matches);
  expect([...fake.registered.values()].flatMap((x) => x.js ?? [])).not.toContain(RELAY_FILE);

  // Same inputs again (e.g. an environment renamed): the registration is left alone.
  fake.calls.length = 0;
  await syncCaptureScripts();
  expect(fake.calls).toEqual([]);

  // Permission revoked for the page origin: only the environment's API origin remains.
  fake.init.granted.splice(fake.init.granted.indexOf('https://app.example.com/*'), 1);
  await syncCaptureScripts();
  expect(fake.registered.get(MAIN_SCRIPT_ID)!.matches).toEqual(['https://api.example.com/*']);

  // The environment removed: nothing left to hook → unregistered.
  fake.init.stored[ENVS_KEY] = [];
  await syncCaptureScripts();
  expect(fake.registered.size).toBe(0);
});

test('concurrent syncs are serialized (no duplicate-id registration)', async () => {
  fake.init.granted.push('https://app.example.com/*');
  fake.init.stored[CAPTURE_ORIGINS_KEY] = ['https://app.example.com'];
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  await Promise.all([syncCaptureScripts(), syncCaptureScripts(), syncCaptureScripts()]);
  expect(warn).not.toHaveBeenCalled();
  expect([...fake.registered.keys()].sort()).toEqual([MAIN_SCRIPT_ID, PAIR_SCRIPT_ID]);
  warn.mockRestore();
});

test('a document_idle relay registration left by an older version is removed, even when the rest is unchanged', async () => {
  fake.init.granted.push('https://app.example.com/*');
  fake.init.stored[CAPTURE_ORIGINS_KEY] = ['https://app.example.com'];
  await syncCaptureScripts();
  const matches = fake.registered.get(MAIN_SCRIPT_ID)!.matches;
  fake.registered.set(LEGACY_RELAY_SCRIPT_ID, { id: LEGACY_RELAY_SCRIPT_ID, matches, js: [RELAY_FILE], world: 'ISOLATED', runAt: 'document_idle', persistAcrossSessions: true });
  fake.calls.length = 0;
  await syncCaptureScripts();
  expect(fake.registered.has(LEGACY_RELAY_SCRIPT_ID)).toBe(false);
  expect([...fake.registered.keys()].sort()).toEqual([MAIN_SCRIPT_ID, PAIR_SCRIPT_ID]);
  expect(fake.registered.get(MAIN_SCRIPT_ID)!.matches).toEqual(matches);
  // Nothing listed any more: the legacy one goes too.
  fake.registered.set(LEGACY_RELAY_SCRIPT_ID, { id: LEGACY_RELAY_SCRIPT_ID, matches, js: [RELAY_FILE] });
  fake.init.stored[CAPTURE_ORIGINS_KEY] = [];
  await syncCaptureScripts();
  expect(fake.registered.size).toBe(0);
});
