/** HS256 JWTs for access tokens (§12: claims sub, sid, iat, exp). */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AccessClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  jti?: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function signJwt(claims: AccessClaims, secret: Buffer): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Verifies signature and shape; undefined when either fails. Expiry is checked by the caller. */
export function verifyJwt(token: string, secret: Buffer): AccessClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (h !== HEADER) return undefined;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
  try {
    const c = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as AccessClaims;
    if (typeof c.sub !== 'string' || typeof c.sid !== 'string' || typeof c.exp !== 'number') return undefined;
    return c;
  } catch {
    return undefined;
  }
}
