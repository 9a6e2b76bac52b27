import { describe, expect, it } from 'vitest';
import { applySessionPush } from '../../../src/popup/session-writes';
import { sessionWritten } from '../../../src/background/sessions/popup-port';
import type { PopupState } from '../../../src/messaging/popup-rpc';
import type { SessionRecord } from '../../../src/domain/session';

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

describe('the worker pushes a written session (sessionWritten) and its card shows it before the re-read (applySessionPush)', () => {
  it('replaces the written session with its view, keeping the environment name and URL', () => {
    const s = state();
    const next = applySessionPush(s, sessionWritten(rec({ accessExpiresAt: 9_000, refreshedAt: 8_000 })));
    expect(next).not.toBe(s);
    expect(next.sessions[0]).toMatchObject({ key: 's1', accessExpiresAt: 9_000, refreshedAt: 8_000, envName: 'Local gateway', apiBase: env.apiBase, refreshing: false });
    expect(next.sessions[1]).toBe(s.sessions[1]);
  });

  it('never pushes a token: the refresh token is dropped, the access token masked', () => {
    const push = sessionWritten(rec());
    const json = JSON.stringify(push);
    expect(json).not.toContain('refresh-token-secret');
    expect(json).not.toContain('access-token-abcdefghijklmnop');
    expect(push.view.accessTokenMasked).toBe('access…mnop');
  });

  it('shows a session as refreshing while its in-flight marker is being written', () => {
    const marker = { refreshToken: 'refresh-token-secret-0123456789', startedAt: 7_000, worker: 'w' };
    expect(applySessionPush(state(), sessionWritten(rec({ inflight: marker }))).sessions[0]!.refreshing).toBe(true);
    expect(JSON.stringify(sessionWritten(rec({ inflight: marker })))).not.toContain('refresh-token-secret');
  });

  it('leaves the state as it is for unknown sessions, other messages and malformed pushes', () => {
    const s = state();
    const good = sessionWritten(rec());
    for (const raw of [
      sessionWritten(rec({ key: 's9' })),
      { kind: 'rpc-response', id: 1, response: {} },
      { ...good, kind: 'session-removed' },
      { kind: 'session-written', view: { ...good.view, status: 'nonsense' } },
      { kind: 'session-written' },
      null,
      'session-written',
    ]) {
      expect(applySessionPush(s, raw)).toBe(s);
    }
  });
});
