/**
 * zod schemas for what the MAIN-world hook posts (see main.ts). The page can forge any of it: these
 * bound every size and shape before the relay spends a byte of work on it. Buffers arrive as
 * ArrayBuffers (structured clone), text bodies as strings.
 */
import * as z from '../protocol/zod';
import { CAPTURE_BODY_LIMIT, CAPTURE_CHANNEL } from './channel';
import { MAX_ERROR_LENGTH, MAX_EXCHANGE_ID_LENGTH, MAX_HEADERS, MAX_HEADER_NAME_LENGTH, MAX_HEADER_VALUE_LENGTH, MAX_JWK_K_LENGTH, MAX_URL_LENGTH, MAX_WRAPPED_BYTES } from '../inspect/limits';

const isArrayBuffer = (v: unknown): v is ArrayBuffer => v instanceof ArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]';
const Buffer = z.custom<ArrayBuffer>(isArrayBuffer, 'ArrayBuffer');
const Headers = z.record(z.string().check(z.maxLength(MAX_HEADER_NAME_LENGTH)), z.string().check(z.maxLength(MAX_HEADER_VALUE_LENGTH))).check(z.refine((h) => Object.keys(h).length <= MAX_HEADERS));

export const PageBody = z.object({
  data: z.union([Buffer.check(z.refine((b) => b.byteLength <= CAPTURE_BODY_LIMIT)), z.string().check(z.maxLength(CAPTURE_BODY_LIMIT))]),
  size: z.int().check(z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)),
  truncated: z.boolean(),
  lossy: z.optional(z.boolean()),
});
export type PageBody = z.infer<typeof PageBody>;

export const PageExchange = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(MAX_EXCHANGE_ID_LENGTH)),
  source: z.enum(['hook-fetch', 'hook-xhr']),
  startedAt: z.number().check(z.nonnegative()),
  durationMs: z.optional(z.number().check(z.nonnegative())),
  method: z.string().check(z.minLength(1), z.maxLength(32)),
  url: z.string().check(z.maxLength(MAX_URL_LENGTH)),
  requestHeaders: Headers,
  requestBody: z.optional(PageBody),
  status: z.optional(z.int().check(z.gte(0), z.lte(999))),
  responseHeaders: Headers,
  responseBody: z.optional(PageBody),
  error: z.optional(z.string().check(z.maxLength(MAX_ERROR_LENGTH))),
});
export type PageExchange = z.infer<typeof PageExchange>;

const ExchangeMessage = z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('exchange'), exchange: PageExchange });
const WrapMessage = z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('wrap'), key: Buffer, wrapped: Buffer.check(z.refine((b) => b.byteLength <= MAX_WRAPPED_BYTES)), at: z.number() });
const AesKeyMessage = z.object({
  channel: z.literal(CAPTURE_CHANNEL),
  kind: z.literal('aes-key'),
  op: z.enum(['import', 'export']),
  key: z.union([Buffer, z.string().check(z.maxLength(MAX_JWK_K_LENGTH))]),
  at: z.number(),
});
export type PageMessage = z.infer<typeof ExchangeMessage> | z.infer<typeof WrapMessage> | z.infer<typeof AesKeyMessage>;

/**
 * The three message kinds, picked by `kind` by hand: zod's discriminatedUnion costs the relay about half a
 * KB, and the relay has a 10 KB budget (issue #12).
 */
export const PageMessage = {
  safeParse(raw: unknown): { success: true; data: PageMessage } | { success: false } {
    const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
    const schema = kind === 'exchange' ? ExchangeMessage : kind === 'wrap' ? WrapMessage : kind === 'aes-key' ? AesKeyMessage : undefined;
    const r = schema?.safeParse(raw);
    return r?.success ? { success: true, data: r.data } : { success: false };
  },
};
