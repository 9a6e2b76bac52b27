import { describe, expect, test } from 'vitest';
import { mmss, urgency, middle, clock, dateTime } from '../../../src/ui/format';
import { errorText } from '../../../src/ui/i18n';
import { sessionProblem } from '../../../src/popup/session-problem';
import type { SessionView } from '../../../src/messaging/popup-rpc';

describe('countdown', () => {
  test('mm:ss, minutes unbounded, never negative', () => {
    expect(mmss(3_600_000)).toBe('60:00');
    expect(mmss(61_001)).toBe('01:02');
    expect(mmss(59_000)).toBe('00:59');
    expect(mmss(-5_000)).toBe('00:00');
  });
  test('colour steps: ok, warn under 5 min, danger under 1 min, expired', () => {
    expect(urgency(10 * 60_000)).toBe('ok');
    expect(urgency(4 * 60_000)).toBe('warn');
    expect(urgency(59_999)).toBe('danger');
    expect(urgency(0)).toBe('expired');
  });
  test('clock and date-time read as toLocale*String with the same options, for any instant', () => {
    for (const t of [0, 1_733_300_000_123, Date.UTC(2026, 11, 4, 23, 59, 59, 999)]) {
      expect(clock(t)).toBe(new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }));
      expect(dateTime(t)).toBe(new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
    }
  });
  test('long identifiers keep both ends', () => {
    expect(middle('abcdefghijklmnopqrstuvwxyz0123456789', 12)).toBe('abcde…456789');
  });
});

describe('words for problems (keys outside the browser)', () => {
  const base: SessionView = { key: 'k', envId: 'local', envName: 'Local', apiBase: 'x', source: 'signin', hasAccessToken: true, status: 'active', createdAt: 0, refreshing: false };
  test('rejected, interrupted and waiting sessions each get their own message', () => {
    expect(sessionProblem({ ...base, status: 'rejected' }, 0)?.text).toBe('stateRejected');
    expect(sessionProblem({ ...base, status: 'interrupted' }, 0)?.text).toBe('stateInterrupted');
    expect(sessionProblem({ ...base, status: 'waiting', retryAt: 42_000, lastRefresh: { at: 0, ok: false, code: 'RATE_LIMITED' } }, 0)).toMatchObject({ tone: 'warn', text: 'stateWaiting' });
    expect(sessionProblem(base, 0)).toBeNull();
  });
  test('a revoked session names its coded reason with the recovery step; the danger tone either way', () => {
    const revocation = { at: 1, code: 'PAGE_REUSED_SPENT_TOKEN' as const, message: 'the page reused a refresh token Keyhole had already spent' };
    expect(sessionProblem({ ...base, source: 'followed', status: 'revoked', revocation }, 0)).toEqual({ tone: 'danger', text: 'stateRevokedPageReuse' });
    expect(sessionProblem({ ...base, status: 'revoked' }, 0)).toEqual({ tone: 'danger', text: 'stateRevoked' });
    // The reason outranks a stale failed-refresh line.
    expect(sessionProblem({ ...base, status: 'revoked', revocation, lastRefresh: { at: 0, ok: false, code: 'NETWORK_ERROR' } }, 0)?.text).toBe('stateRevokedPageReuse');
  });
  test('an unknown code falls back to the server message, then to a generic one', () => {
    expect(errorText('NOT_A_CODE', 'server said so')).toBe('server said so');
    expect(errorText(undefined)).toBe('err_UNKNOWN');
  });
});
