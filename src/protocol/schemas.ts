/**
 * zod 4 schemas for every documented SCv2 body (spec §2 envelope, §5 public key, §6 session,
 * §9 JSON envelope, §11 auth). Requests the gateway validates strictly are `.strict()` (unknown
 * fields → 400, §11 refresh); response data schemas are liberal (extra fields pass through), because
 * the extension also reads real servers that may add fields.
 */
import * as z from './zod';
import { KeyholeError } from './errors';

const nonEmpty = z.string().check(z.minLength(1));
/** Standard Base64 (the encoding §6 documents for wrapped keys). */
const base64 = z.string().check(z.regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected standard base64'), z.minLength(4));

/**
 * §2. `version`, `timestamp` and `data` may be absent (documented error examples omit them).
 * `code` is a string; a numeric code from a sloppy server is accepted and turned into its string.
 */
export const StandardEnvelope = z.looseObject({
  version: z.optional(z.string()),
  timestamp: z.optional(z.number()),
  success: z.boolean(),
  code: z.union([z.string(), z.pipe(z.number(), z.transform(String))]),
  message: z.string(),
  data: z.nullable(z.optional(z.unknown())),
});
export type StandardEnvelope = z.infer<typeof StandardEnvelope>;

/** A standard envelope whose `data` has a known shape (for successful responses). */
export function standardEnvelopeOf<T extends z.ZodMiniType>(data: T) {
  return z.extend(StandardEnvelope, { data });
}

/** §9 SDK JSON envelope text, once parsed. */
export const JsonEnvelopeBody = z.object({ v: z.literal(2), p: z.string() });
export type JsonEnvelopeBody = z.infer<typeof JsonEnvelopeBody>;

/** §5 */
export const PublicKeyData = z.looseObject({
  keyId: nonEmpty,
  publicKey: base64,
  algorithm: z.string(),
  keySize: z.int().check(z.positive()),
  createdAt: z.optional(z.string()),
  expiresAt: z.optional(z.nullable(z.union([z.string(), z.number()]))),
});
export type PublicKeyData = z.infer<typeof PublicKeyData>;

/** §6, strictly validated by the gateway. */
export const SessionCreateRequest = z.strictObject({
  keyId: nonEmpty,
  encReqKey: base64,
  encRespKey: base64,
});
export type SessionCreateRequest = z.infer<typeof SessionCreateRequest>;

/** §6 response data; keys are never echoed. */
export const SessionCreateData = z.looseObject({
  sessionId: nonEmpty,
  expiresAt: z.number(),
});
export type SessionCreateData = z.infer<typeof SessionCreateData>;

/** §11 MFA method codes. */
export const MFA_METHOD = { EMAIL: 10011001, OTP: 10011002, BACKUP_CODE: 10011005 } as const;
export type MfaMethodCode = (typeof MFA_METHOD)[keyof typeof MFA_METHOD];

/** §11 login initiate (encrypted). */
export const LoginInitiateRequest = z.strictObject({
  email: nonEmpty,
  password: nonEmpty,
});
export type LoginInitiateRequest = z.infer<typeof LoginInitiateRequest>;

export const MfaMethod = z.looseObject({ code: z.string(), value: z.int(), label: z.string() });
export type MfaMethod = z.infer<typeof MfaMethod>;

export const LoginInitiateData = z.looseObject({
  sessionId: nonEmpty,
  mfaMethods: z.array(MfaMethod),
  expiresIn: z.number(),
  accountStatus: z.optional(z.nullable(z.unknown())),
});
export type LoginInitiateData = z.infer<typeof LoginInitiateData>;

/** §11 login complete: `code` is 6–10 characters. */
export const LoginCompleteRequest = z.strictObject({
  sessionId: nonEmpty,
  method: z.int(),
  code: z.string().check(z.minLength(6), z.maxLength(10)),
});
export type LoginCompleteRequest = z.infer<typeof LoginCompleteRequest>;

/** §11 login complete response data (also the shape a refresh may return). */
export const TokenPairData = z.looseObject({
  accessToken: nonEmpty,
  refreshToken: nonEmpty,
  expiresIn: z.number(),
  tokenType: z.optional(z.string()),
  accountStatus: z.optional(z.nullable(z.unknown())),
});
export type TokenPairData = z.infer<typeof TokenPairData>;

/** §11 refresh: exactly `{"refreshToken": "…"}`; any other field is a 400. */
export const RefreshRequest = z.strictObject({ refreshToken: nonEmpty });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const RefreshData = z.looseObject({
  accessToken: nonEmpty,
  refreshToken: nonEmpty,
  expiresIn: z.number(),
});
export type RefreshData = z.infer<typeof RefreshData>;

/** §11 logout response data. */
export const LogoutData = z.looseObject({
  success: z.boolean(),
  terminatedSessions: z.int().check(z.nonnegative()),
});
export type LogoutData = z.infer<typeof LogoutData>;

/** §1 health. */
export const HealthData = z.looseObject({ status: z.string() });
export type HealthData = z.infer<typeof HealthData>;

/** Validation field errors as the gateway reports them (§2: `data` = {field: [messages]}). */
export function fieldErrors(error: z.core.$ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.length ? issue.path.join('.') : '_'];
    for (const k of keys) (out[k] ??= []).push(issue.message);
  }
  return out;
}

/** Parse or throw SCHEMA_INVALID (details = field errors) — for callers that want a KeyholeError. */
export function parseSchema<T extends z.core.$ZodType>(schema: T, value: unknown, what = 'body'): z.output<T> {
  const r = z.safeParse(schema, value);
  if (!r.success) throw new KeyholeError('SCHEMA_INVALID', `schema: invalid ${what}`, { details: fieldErrors(r.error) });
  return r.data;
}
