import { afterEach, describe, expect, it, vi } from 'vitest';
import { applySessionPush, MARKER_DELAY_MS, sessionPushApplier } from '../../../src/popup/session-writes';
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
    const next = applySessionPush(s, sessionWritten(rec({ accessExpiresAt: 9_000, refreshedAt: 8_000 })).view);
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
    expect(applySessionPush(state(), sessionWritten(rec({ inflight: marker })).view).sessions[0]!.refreshing).toBe(true);
    expect(JSON.stringify(sessionWritten(rec({ inflight: marker })))).not.toContain('refresh-token-secret');
  });

  it('leaves the state as it is for an unknown session', () => {
    const s = state();
    expect(applySessionPush(s, sessionWritten(rec({ key: 's9' })).view)).toBe(s);
  });
});

describe('pushes as the popup applies them (sessionPushApplier): a marker one frame late, superseded by a newer push', () => {
  afterEach(() => vi.useRealTimers());
  const marker = { refreshToken: 'refresh-token-secret-0123456789', startedAt: 4_000, worker: 'w1' };

  /** The popup's state and the applier feeding it, like usePopupState's setState. */
  function popup() {
    let current: PopupState | null = state();
    const renders: PopupState[] = [];
    const apply = sessionPushApplier((f) => {
      current = f(current);
      renders.push(current!);
    });
    return { apply, renders, now: () => current! };
  }

  it('applies an outcome at once', () => {
    vi.useFakeTimers();
    const p = popup();
    p.apply(sessionWritten(rec({ accessExpiresAt: 9_000 })));
    expect(p.renders).toHaveLength(1);
    expect(p.now().sessions[0]!.accessExpiresAt).toBe(9_000);
  });

  it('applies a marker only after MARKER_DELAY_MS', () => {
    vi.useFakeTimers();
    const p = popup();
    p.apply(sessionWritten(rec({ inflight: marker })));
    vi.advanceTimersByTime(MARKER_DELAY_MS - 1);
    expect(p.renders).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(p.now().sessions[0]!.refreshing).toBe(true);
  });

  it('drops a waiting marker when its session\'s outcome comes first, and never applies it over the outcome', () => {
    vi.useFakeTimers();
    const p = popup();
    p.apply(sessionWritten(rec({ inflight: marker })));
    p.apply(sessionWritten(rec({ key: 's2', inflight: marker }))); // another session's marker still waits
    vi.advanceTimersByTime(5);
    p.apply(sessionWritten(rec({ accessExpiresAt: 9_000 })));
    vi.advanceTimersByTime(MARKER_DELAY_MS * 4);
    expect(p.now().sessions[0]).toMatchObject({ accessExpiresAt: 9_000, refreshing: false });
    expect(p.now().sessions[1]!.refreshing).toBe(true);
    expect(p.renders).toHaveLength(2);
  });

  it('ignores other messages and malformed pushes without rendering', () => {
    vi.useFakeTimers();
    const p = popup();
    const good = sessionWritten(rec());
    for (const raw of [
      { kind: 'rpc-response', id: 1, response: {} },
      { ...good, kind: 'session-removed' },
      { kind: 'session-written', view: { ...good.view, status: 'nonsense' } },
      { kind: 'session-written' },
      null,
      'session-written',
    ]) p.apply(raw);
    vi.advanceTimersByTime(100);
    expect(p.renders).toHaveLength(0);
  });
});
