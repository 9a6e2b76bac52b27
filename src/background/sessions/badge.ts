/**
 * Toolbar badge: minutes left on the soonest-expiring access token among sessions that are alive
 * (active or waiting); red under one minute. Pure, so tests pin the clock.
 */
import { isDeadStatus, type SessionRecord } from '../../domain/session';

export interface Badge {
  text: string;
  color: string;
}

export const BADGE_RED = '#d93025';
export const BADGE_CALM = '#3a5bd9';

export function badgeFor(records: SessionRecord[], now: number): Badge {
  const expiries = records
    // Rejected, interrupted and revoked sessions are never refreshed again (refresh-engine.ts): their expiry
    // would pin a red "0" on the badge forever. Only sessions Keyhole keeps alive count.
    .filter((r) => !isDeadStatus(r.status) && r.accessExpiresAt !== undefined)
    .map((r) => r.accessExpiresAt as number);
  if (expiries.length === 0) return { text: '', color: BADGE_CALM };
  const left = Math.min(...expiries) - now;
  if (left <= 0) return { text: '0', color: BADGE_RED };
  const minutes = Math.floor(left / 60_000);
  if (minutes < 1) return { text: '<1m', color: BADGE_RED };
  return { text: minutes > 999 ? '999+' : `${minutes}m`, color: BADGE_CALM };
}
