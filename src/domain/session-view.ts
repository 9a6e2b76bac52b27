/** What the popup may see of a session: no refresh token, the access token masked. */
import * as z from '../protocol/zod';
import type { Environment } from './environment';
import { LastRefresh, Revocation, SessionStatus, type SessionRecord } from './session';

export const EnvSummary = z.object({ id: z.string(), name: z.string(), apiBase: z.string() });

export const SessionView = z.object({
  key: z.string(),
  envId: z.string(),
  envName: z.string(),
  apiBase: z.string(),
  label: z.optional(z.string()),
  source: z.enum(['signin', 'adopted', 'followed']),
  sub: z.optional(z.string()),
  sid: z.optional(z.string()),
  hasAccessToken: z.boolean(),
  /** First and last characters only. */
  accessTokenMasked: z.optional(z.string()),
  accessExpiresAt: z.optional(z.number()),
  refreshExpiresAt: z.optional(z.number()),
  status: SessionStatus,
  retryAt: z.optional(z.number()),
  lastRefresh: z.optional(LastRefresh),
  /** Why the session is `revoked` (status). */
  revocation: z.optional(Revocation),
  refreshedAt: z.optional(z.number()),
  createdAt: z.number(),
  refreshing: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;

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
