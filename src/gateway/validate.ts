/**
 * Strict request validation (§2: VALIDATION.INVALID_PARAMETER, HTTP 400, data `{field: [messages]}`).
 * Unknown fields are errors (§11 refresh: "Unknown or unexpected body fields → HTTP 400").
 */
import { GatewayError } from './http';
import { t, type GatewayLocale, type MessageKey } from './messages';

export type FieldSpec =
  | { type: 'string'; min?: number; max?: number }
  | { type: 'integer' };

export function validationError(errors: Record<string, string[]>): GatewayError {
  return new GatewayError(400, 'VALIDATION.INVALID_PARAMETER', 'VALIDATION_FAILED', undefined, errors);
}

export function validateStrict<T extends Record<string, unknown>>(
  body: unknown,
  spec: Record<keyof T & string, FieldSpec>,
  locale: GatewayLocale,
): T {
  const msg = (k: MessageKey, p?: Record<string, number>) => t(k, locale, p);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw validationError({ body: [msg('V_OBJECT')] });
  const errors: Record<string, string[]> = {};
  const add = (f: string, m: string) => (errors[f] ??= []).push(m);
  const obj = body as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (!Object.prototype.hasOwnProperty.call(spec, k)) add(k, msg('V_UNKNOWN_FIELD'));
  for (const [k, s] of Object.entries(spec) as [string, FieldSpec][]) {
    const v = obj[k];
    if (v === undefined || v === null) {
      add(k, msg('V_REQUIRED'));
    } else if (s.type === 'string') {
      if (typeof v !== 'string') add(k, msg('V_STRING'));
      else if (v.length === 0) add(k, msg('V_NONEMPTY'));
      else if ((s.min !== undefined && v.length < s.min) || (s.max !== undefined && v.length > s.max)) {
        add(k, msg('V_LENGTH', { min: s.min ?? 1, max: s.max ?? 10_000 }));
      }
    } else if (s.type === 'integer') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) add(k, msg('V_INTEGER'));
    }
  }
  if (Object.keys(errors).length) throw validationError(errors);
  return obj as T;
}
