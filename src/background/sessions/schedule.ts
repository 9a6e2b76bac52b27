/**
 * When a session's next automatic refresh is due (pure). One chrome.alarms alarm per session carries
 * it; because alarms do not fire while the browser or the machine sleeps, the worker also checks
 * every session at start-up and runs what is overdue (scheduler.ts).
 */
import { MAX_AUTO_RETRIES } from './backoff';
import { isDeadStatus, type SessionRecord } from '../../domain/session';

export const ALARM_PREFIX = 'kh:refresh:';
export const BADGE_ALARM = 'kh:badge';

export const alarmName = (key: string): string => ALARM_PREFIX + key;
export const keyOfAlarm = (name: string): string | undefined => (name.startsWith(ALARM_PREFIX) ? name.slice(ALARM_PREFIX.length) : undefined);

/** Epoch ms of the next automatic attempt, or undefined when none should happen on its own. */
export function nextRefreshAt(rec: SessionRecord, marginSec: number): number | undefined {
  if (isDeadStatus(rec.status)) return undefined;
  if (rec.status === 'waiting') return rec.retryAt;
  if (rec.failures >= MAX_AUTO_RETRIES) return undefined;
  // Without a known access-token expiry (adopted from a refresh token alone) the pair is refreshed at once.
  if (rec.accessExpiresAt === undefined) return 0;
  return rec.accessExpiresAt - marginSec * 1000;
}

export function isDue(rec: SessionRecord, marginSec: number, now: number): boolean {
  const at = nextRefreshAt(rec, marginSec);
  return at !== undefined && at <= now;
}
