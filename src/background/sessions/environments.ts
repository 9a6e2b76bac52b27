/**
 * Environment profiles: validation shared by the options form (for its messages) and the worker (which
 * never trusts what a page sends), and the host-permission pattern for an API base.
 */
import { KeyholeError } from '../../protocol/errors';
import { Environment } from './schemas';

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
