/**
 * zod schemas for what the MAIN-world hook posts (see main.ts). The page can forge any of it: these
 * bound every size and shape before the relay spends a byte of work on it. Buffers arrive as
 * ArrayBuffers (structured clone), text bodies as strings.
 */
import * as z from '../protocol/zod';
import { CAPTURE_BODY_LIMIT, CAPTURE_CHANNEL } from './channel';
import { MAX_ERROR_LENGTH, MAX_EXCHANGE_ID_LENGTH, MAX_HEADERS, MAX_HEADER_NAME_LENGTH, MAX_HEADER_VALUE_LENGTH, MAX_JWK_K_LENGTH, MAX_URL_LENGTH, MAX_WRAPPED_BYTES } from '../inspect/limits';

const isArrayBuffer = (v: unknown): v is ArrayBuffer => v instanceof ArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]';

/**
 * Built on the first message, not at load: the relay runs at document_start in every captured page, and
 * constructing these schemas then was part of what the page paid before its own first script (issue #12).
 */
function build() {
  const Buffer = z.custom<ArrayBuffer>(isArrayBuffer, 'ArrayBuffer');
  const Headers = z.record(z.string().check(z.maxLength(MAX_HEADER_NAME_LENGTH)), z.string().check(z.maxLength(MAX_HEADER_VALUE_LENGTH))).check(z.refine((h) => Object.keys(h).length <= MAX_HEADERS));
  const PageBody = z.object({
    data: z.union([Buffer.check(z.refine((b) => b.byteLength <= CAPTURE_BODY_LIMIT)), z.string().check(z.maxLength(CAPTURE_BODY_LIMIT))]),
    size: z.int().check(z.nonnegative(), z.lte(Number.MAX_SAFE_INTEGER)),
    truncated: z.boolean(),
    lossy: z.optional(z.boolean()),
  });
  const PageExchange = z.object({
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
  return {
    PageBody,
    exchange: z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('exchange'), exchange: PageExchange }),
    wrap: z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('wrap'), key: Buffer, wrapped: Buffer.check(z.refine((b) => b.byteLength <= MAX_WRAPPED_BYTES)), at: z.number() }),
    'aes-key': z.object({
      channel: z.literal(CAPTURE_CHANNEL),
      kind: z.literal('aes-key'),
      op: z.enum(['import', 'export']),
      key: z.union([Buffer, z.string().check(z.maxLength(MAX_JWK_K_LENGTH))]),
      at: z.number(),
    }),
  };
}
type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;

export type PageBody = z.infer<Schemas['PageBody']>;
export type PageMessage = z.infer<Schemas['exchange']> | z.infer<Schemas['wrap']> | z.infer<Schemas['aes-key']>;

/**
 * The three message kinds, picked by `kind` by hand: zod's discriminatedUnion costs the relay about half a
 * KB, and the relay has a 10 KB budget (issue #12).
 */
export const PageMessage = {
  safeParse(raw: unknown): { success: true; data: PageMessage } | { success: false } {
    const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
    if (kind !== 'exchange' && kind !== 'wrap' && kind !== 'aes-key') return { success: false };
    const schema = (built ??= build())[kind];
    const r = schema.safeParse(raw);
    return r.success ? { success: true, data: r.data } : { success: false };
  },
};
