/**
 * SCv2 and auth paths (spec §1, §5–§7, §11). Paths are relative to the API base
 * (e.g. `http://127.0.0.1:18020/prometheus`) unless a function takes `apiBase`.
 *
 * The documented SC root is `/web/v1/secure-channel`; some portals use `/web/v1/{portal}/secure-channel`.
 * We use the plain root for the system portal (and when no portal is given) and the portal root for
 * the others.
 */
export type Portal = 'system' | 'tenant' | 'consumer' | 'partner';
export const PORTALS: readonly Portal[] = ['system', 'tenant', 'consumer', 'partner'];

export const SC_ROOT_PATH = '/web/v1/secure-channel';
/** Relative to the system SC root path, i.e. to apiBase: `/web/v1/secure-channel/public-key`. */
export const PUBLIC_KEY_PATH = `${SC_ROOT_PATH}/public-key`;
export const SESSION_PATH = `${SC_ROOT_PATH}/session`;
export const SESSION_CLOSE_PATH = `${SC_ROOT_PATH}/session/close`;
export const HEALTH_PATH = '/actuator/health';

/** SC root path relative to apiBase for a portal. */
export function scRootPath(portal?: Portal): string {
  return !portal || portal === 'system' ? SC_ROOT_PATH : `/web/v1/${portal}/secure-channel`;
}

/** Absolute SC root URL (`{apiBase}/web/v1/secure-channel`). */
export function scRoot(apiBase: string, portal?: Portal): string {
  return trimBase(apiBase) + scRootPath(portal);
}

/** SC endpoint paths relative to apiBase for a portal. */
export function scPaths(portal?: Portal): { root: string; publicKey: string; session: string; sessionClose: string } {
  const root = scRootPath(portal);
  return { root, publicKey: `${root}/public-key`, session: `${root}/session`, sessionClose: `${root}/session/close` };
}

export interface AuthPaths {
  loginInitiate: string;
  loginComplete: string;
  refresh: string;
  logout: string;
}

/** Auth endpoints relative to apiBase: `/web/v1/{portal}/auth/...` (§1); system refresh is `/auth/token/refresh`. */
export function authPaths(portal: Portal = 'system'): AuthPaths {
  const base = `/web/v1/${portal}/auth`;
  return {
    loginInitiate: `${base}/login/initiate`,
    loginComplete: `${base}/login/complete`,
    refresh: `${base}/token/refresh`,
    logout: `${base}/logout`,
  };
}

/** Join apiBase and a relative path without doubling or losing the slash. */
export function joinUrl(apiBase: string, path: string): string {
  return trimBase(apiBase) + (path.startsWith('/') ? path : `/${path}`);
}

function trimBase(apiBase: string): string {
  return apiBase.replace(/\/+$/, '');
}
