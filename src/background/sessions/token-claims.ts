/** What the popup shows about an access token: `sub` and `sid` (§11), read without verifying. */
import { decodeJwt } from '../../protocol/jwt';

export function accessClaims(accessToken: string | undefined): { sub?: string; sid?: string } {
  if (!accessToken) return {};
  try {
    const { payload } = decodeJwt(accessToken);
    const p = payload as Record<string, unknown>;
    return {
      ...(typeof p.sub === 'string' || typeof p.sub === 'number' ? { sub: String(p.sub).slice(0, 200) } : {}),
      ...(typeof p.sid === 'string' ? { sid: p.sid.slice(0, 200) } : {}),
    };
  } catch {
    return {}; // opaque access token: nothing to show
  }
}
