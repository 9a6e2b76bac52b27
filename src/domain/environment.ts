/**
 * Environment profiles and settings, shared by every context (pure, no chrome.*): the options form
 * validates with these for its messages, the worker because it never trusts what a page sends, and
 * every storage read goes through them (a bad entry costs that entry only, never the worker).
 */
import * as z from '../protocol/zod';
import { KeyholeError } from '../protocol/errors';
import { LOCALES } from '../protocol/locales';
export { LOCALES };
export const PORTALS = ['system', 'tenant', 'consumer', 'partner'] as const;
export const ENV_MODES = ['local', 'test', 'production'] as const;

/** Cloudflare simulation headers sent in local/test mode (§3, §12). */
export const CfSimulation = z.object({
  ip: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  /** Empty: a fresh `<id>-DEV` ray per request (what an edge would do). */
  ray: z.string().check(z.trim(), z.maxLength(64)),
  country: z.string().check(z.trim(), z.regex(/^[A-Za-z]{2}$/, 'two letters')),
});
export type CfSimulation = z.infer<typeof CfSimulation>;

export const DEFAULT_CF: CfSimulation = { ip: '127.0.0.1', ray: '', country: 'US' };

/** An http(s) URL without query, fragment or trailing slash: the API base every path is appended to. */
export const ApiBase = z.pipe(z.string().check(z.trim(), z.maxLength(500), z.refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'bad-url')), z.transform((s) => s.replace(/\/+$/, '')));

export const Environment = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(60)),
  apiBase: ApiBase,
  portal: z.enum(PORTALS),
  portalCode: z.optional(z.string().check(z.maxLength(200))),
  mode: z.enum(ENV_MODES),
  language: z.enum(LOCALES),
  cf: z.optional(CfSimulation),
});
export type Environment = z.infer<typeof Environment>;

export const DEFAULT_ENV_ID = 'local';
export const DEFAULT_ENVIRONMENT: Environment = {
  id: DEFAULT_ENV_ID,
  name: 'Local gateway',
  apiBase: 'http://127.0.0.1:18020/prometheus',
  portal: 'system',
  mode: 'local',
  language: 'en',
  cf: DEFAULT_CF,
};

export const Settings = z.object({
  /** Tokens in storage.local (survive browser restarts) instead of storage.session. */
  rememberSessions: z._default(z.boolean(), false),
  /** Auto-refresh this many seconds before the access token expires. */
  refreshMarginSec: z._default(z.int().check(z.gte(5), z.lte(3600)), 60),
  activeEnvId: z._default(z.string(), DEFAULT_ENV_ID),
});
export type Settings = z.infer<typeof Settings>;

// ── validation ──
/** Field → i18n message key, for the form. */
export type EnvFieldErrors = Partial<Record<'name' | 'apiBase' | 'portal' | 'mode' | 'language' | 'portalCode' | 'cf', string>>;

export function validateEnvironment(input: unknown): { ok: true; env: Environment } | { ok: false; errors: EnvFieldErrors } {
  const p = Environment.safeParse(input);
  if (p.success) return { ok: true, env: p.data };
  const errors: EnvFieldErrors = {};
  for (const issue of p.error.issues) {
    const field = String(issue.path[0] ?? 'name') as keyof EnvFieldErrors;
    if (errors[field]) continue;
    errors[field] =
      field === 'apiBase' ? 'errBadUrl'
      : field === 'language' ? 'errBadLanguage'
      : field === 'name' ? 'errNameRequired'
      : field === 'cf' ? 'errBadCf'
      : 'errBadValue';
  }
  return { ok: false, errors };
}

/** Throws INPUT_INVALID naming the first bad field (the worker side). */
export function parseEnvironment(input: unknown): Environment {
  const r = validateEnvironment(input);
  if (r.ok) return r.env;
  const [field, key] = Object.entries(r.errors)[0] ?? ['env', 'errBadValue'];
  throw new KeyholeError('INPUT_INVALID', `environment: invalid ${field}`, { details: { field, messageKey: key } });
}

/** Origins the manifest grants up front (host_permissions); any other needs a run-time request. */
const GRANTED_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** Match pattern for `chrome.permissions` (ports are not part of match patterns). */
export function originPattern(apiBase: string): string {
  const u = new URL(apiBase);
  return `${u.protocol}//${u.hostname}/*`;
}

export function needsHostPermission(apiBase: string): boolean {
  const u = new URL(apiBase);
  return !(u.protocol === 'http:' && GRANTED_HOSTS.has(u.hostname));
}

/** A new environment id: short, random, storage-key safe. */
export function newEnvId(): string {
  return 'env-' + globalThis.crypto.randomUUID().slice(0, 8);
}

/** Same API base, whatever the trailing slash or letter case of the host. */
export function sameApiBase(a: string, b: string): boolean {
  const n = (s: string) => {
    try {
      const u = new URL(s);
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
    } catch {
      return s.replace(/\/+$/, '');
    }
  };
  return n(a) === n(b);
}
