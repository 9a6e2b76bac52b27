/**
 * Gateway request headers (spec §3, §12 "Cloudflare simulation", "portal code", "locale precedence").
 *
 * Never sets User-Agent: browsers forbid it and the extension leaves it to the browser (§3). The CF-*
 * and X-Forwarded-Proto headers simulate the Cloudflare edge and are sent only in `local`/`test`
 * modes; in production the real edge adds them.
 */
import { KeyholeError } from './errors';
import { DEFAULT_LOCALE, type Locale } from './locales';

export type EnvMode = 'local' | 'test' | 'production';

export interface CfSimulation {
  ip: string;
  ray: string;
  country: string;
}

export interface GatewayHeaderOptions {
  mode: EnvMode;
  /** X-Client-Hash: a device fingerprint, stable per browser profile (§3, §12). */
  clientHash: string;
  locale?: Locale;
  portalCode?: string;
  /** Overrides for the simulated Cloudflare headers; missing fields take the defaults. */
  cf?: Partial<CfSimulation>;
  sessionId?: string;
  accessToken?: string;
  /** Defaults to a fresh UUID v4. */
  requestId?: string;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
export const SC_VERSION = '2';

/** A Cloudflare-looking ray id: 16 hex chars plus the documented `-DEV` suffix (§3). */
export function devRayId(): string {
  return `${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}-DEV`;
}

export const CF_DEFAULTS: Readonly<Omit<CfSimulation, 'ray'>> = Object.freeze({ ip: '127.0.0.1', country: 'US' });

/** Header values must not smuggle a CR/LF (header injection) — reject rather than strip. */
function clean(name: string, v: string): string {
  if (/[\r\n\0]/.test(v)) throw new KeyholeError('INPUT_INVALID', `headers: invalid value for ${name}`);
  return v;
}

export function buildGatewayHeaders(o: GatewayHeaderOptions): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': JSON_CONTENT_TYPE, // also for binary envelopes (§3)
    Accept: 'application/json',
  };
  const set = (name: string, v: string | undefined) => {
    if (v !== undefined && v !== '') h[name] = clean(name, v);
  };
  set('X-Client-Hash', o.clientHash);
  if (o.sessionId) {
    set('X-SC-Session-Id', o.sessionId);
    h['X-SC-Version'] = SC_VERSION;
  }
  const locale = o.locale ?? DEFAULT_LOCALE;
  set('Accept-Language', locale);
  set('X-LOCALE', locale); // §12: both sent; the gateway prefers X-LOCALE
  set('X-Request-Id', o.requestId ?? globalThis.crypto.randomUUID());
  set('X-PORTAL-ACCESS-CODE', o.portalCode);
  if (o.accessToken) set('Authorization', `Bearer ${o.accessToken}`);
  if (o.mode === 'local' || o.mode === 'test') {
    set('CF-Connecting-IP', o.cf?.ip ?? CF_DEFAULTS.ip);
    set('Cf-Ray', o.cf?.ray ?? devRayId());
    set('cf-ipcountry', o.cf?.country ?? CF_DEFAULTS.country);
    h['X-Forwarded-Proto'] = 'https';
  }
  return h;
}
