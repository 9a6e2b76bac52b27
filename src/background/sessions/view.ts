/** What the popup may see of a session: no refresh token, the access token masked. */
import type { Environment, SessionRecord } from './schemas';
import type { SessionView } from '../../messaging/popup-rpc';

export function maskToken(t: string): string {
  return t.length <= 12 ? '•'.repeat(8) : `${t.slice(0, 6)}…${t.slice(-4)}`;
}

export function toView(rec: SessionRecord, env: Environment | undefined, refreshing: boolean): SessionView {
  return {
    key: rec.key,
    envId: rec.envId,
    envName: env?.name ?? rec.envId,
    apiBase: env?.apiBase ?? '',
    ...(rec.label ? { label: rec.label } : {}),
    source: rec.source,
    ...(rec.sub ? { sub: rec.sub } : {}),
    ...(rec.sid ? { sid: rec.sid } : {}),
    hasAccessToken: !!rec.accessToken,
    ...(rec.accessToken ? { accessTokenMasked: maskToken(rec.accessToken) } : {}),
    ...(rec.accessExpiresAt !== undefined ? { accessExpiresAt: rec.accessExpiresAt } : {}),
    ...(rec.refreshExpiresAt !== undefined ? { refreshExpiresAt: rec.refreshExpiresAt } : {}),
    status: rec.status,
    ...(rec.retryAt !== undefined ? { retryAt: rec.retryAt } : {}),
    ...(rec.lastRefresh ? { lastRefresh: rec.lastRefresh } : {}),
    ...(rec.revocation ? { revocation: rec.revocation } : {}),
    ...(rec.refreshedAt !== undefined ? { refreshedAt: rec.refreshedAt } : {}),
    createdAt: rec.createdAt,
    refreshing,
  };
}
