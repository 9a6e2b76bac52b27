/**
 * Strict request validation (§2: VALIDATION.INVALID_PARAMETER, HTTP 400, data `{field: [messages]}`).
 * Unknown fields are errors (§11 refresh: "Unknown or unexpected body fields → HTTP 400").
 */
import { GatewayError } from './http';
import { t, type GatewayLocale } from './messages';

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
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw validationError({ body: [t('V_OBJECT', locale)] });
  // Collected only when something is wrong: a valid body (every request that gets through) builds nothing.
  let errors: Record<string, string[]> | undefined;
  const obj = body as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!Object.prototype.hasOwnProperty.call(spec, k)) errors = withError(errors, k, t('V_UNKNOWN_FIELD', locale));
  }
  for (const k in spec) {
    const s = spec[k] as FieldSpec;
    const v = obj[k];
    if (v === undefined || v === null) {
      errors = withError(errors, k, t('V_REQUIRED', locale));
    } else if (s.type === 'string') {
      if (typeof v !== 'string') errors = withError(errors, k, t('V_STRING', locale));
      else if (v.length === 0) errors = withError(errors, k, t('V_NONEMPTY', locale));
      else if ((s.min !== undefined && v.length < s.min) || (s.max !== undefined && v.length > s.max)) {
        errors = withError(errors, k, t('V_LENGTH', locale, { min: s.min ?? 1, max: s.max ?? 10_000 }));
      }
    } else if (s.type === 'integer') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) errors = withError(errors, k, t('V_INTEGER', locale));
    }
  }
  if (errors) throw validationError(errors);
  return obj as T;
}

function withError(errors: Record<string, string[]> | undefined, field: string, message: string): Record<string, string[]> {
  const e = errors ?? {};
  (e[field] ??= []).push(message);
  return e;
}
