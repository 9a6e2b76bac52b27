import { describe, expect, it } from 'vitest';
import { applySessionWrites, type StorageChanges } from '../../../src/popup/session-writes';
import type { PopupState } from '../../../src/messaging/popup-rpc';
import type { SessionRecord } from '../../../src/domain/session';
import { KEYS } from '../../../src/domain/storage-keys';

const env = { id: 'local', name: 'Local gateway', apiBase: 'http://127.0.0.1:1' };

function rec(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: 's1',
    envId: 'local',
    source: 'signin',
    createdAt: 1_000,
    accessToken: 'access-token-abcdefghijklmnop',
    accessExpiresAt: 5_000,
    refreshToken: 'refresh-token-secret-0123456789',
    status: 'active',
    failures: 0,
    spentRefreshTokens: [],
    ...over,
  } as SessionRecord;
}

function state(): PopupState {
  return {
    version: '1',
    activeEnvironment: env,
    environments: [env],
    now: 0,
    sessions: [
      { key: 's1', envId: 'local', envName: env.name, apiBase: env.apiBase, source: 'signin', hasAccessToken: true, accessExpiresAt: 5_000, status: 'active', createdAt: 1_000, refreshing: false },
      { key: 's2', envId: 'local', envName: env.name, apiBase: env.apiBase, source: 'adopted', hasAccessToken: false, status: 'active', createdAt: 2_000, refreshing: false },
    ],
  };
}

describe('applySessionWrites (a written record shows on its card before the re-read)', () => {
  it('replaces the written session with its view, keeping the environment name and URL', () => {
    const s = state();
    const next = applySessionWrites(s, { [KEYS.sessionPrefix + 's1']: { newValue: rec({ accessExpiresAt: 9_000, refreshedAt: 8_000 }) } });
    expect(next).not.toBe(s);
    expect(next.sessions[0]).toMatchObject({ key: 's1', accessExpiresAt: 9_000, refreshedAt: 8_000, envName: 'Local gateway', apiBase: env.apiBase, refreshing: false });
    expect(next.sessions[1]).toBe(s.sessions[1]);
  });

  it('never puts a token into the popup state: the refresh token is dropped, the access token masked', () => {
    const next = applySessionWrites(state(), { [KEYS.sessionPrefix + 's1']: { newValue: rec() } });
    const json = JSON.stringify(next);
    expect(json).not.toContain('refresh-token-secret');
    expect(json).not.toContain('access-token-abcdefghijklmnop');
    expect(next.sessions[0]!.accessTokenMasked).toBe('access…mnop');
  });

  it('shows a session as refreshing while its in-flight marker is stored', () => {
    const marker = { refreshToken: 'refresh-token-secret-0123456789', startedAt: 7_000, worker: 'w' };
    expect(applySessionWrites(state(), { [KEYS.sessionPrefix + 's1']: { newValue: rec({ inflight: marker }) } }).sessions[0]!.refreshing).toBe(true);
  });

  it('leaves the state as it is for removals, unknown sessions, other keys, bad records and a key that does not match', () => {
    const s = state();
    for (const changes of <StorageChanges[]>[
      { [KEYS.sessionPrefix + 's1']: { oldValue: rec() } },
      { [KEYS.sessionPrefix + 's9']: { newValue: rec({ key: 's9' }) } },
      { [KEYS.envs]: { newValue: [] } },
      { [KEYS.sessionPrefix + 's1']: { newValue: { key: 's1', status: 'nonsense' } } },
      { [KEYS.sessionPrefix + 's1']: { newValue: rec({ key: 's2' }) } },
      { [KEYS.sessionPrefix + 's1']: undefined },
    ]) {
      expect(applySessionWrites(s, changes)).toBe(s);
    }
  });
});
