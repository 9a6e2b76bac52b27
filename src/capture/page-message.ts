/**
 * zod schemas for what the MAIN-world hook posts (see main.ts). The page can forge any of it: these
 * bound every size and shape before the relay spends a byte of work on it. Buffers arrive as
 * ArrayBuffers (structured clone), text bodies as strings.
 */
import { z } from 'zod';
import { CAPTURE_BODY_LIMIT, CAPTURE_CHANNEL } from './channel';

const isArrayBuffer = (v: unknown): v is ArrayBuffer => v instanceof ArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]';
const Buffer = z.custom<ArrayBuffer>(isArrayBuffer, 'ArrayBuffer');
const Headers = z.record(z.string().max(256), z.string().max(16_384)).refine((h) => Object.keys(h).length <= 200);

export const PageBody = z.object({
  data: z.union([Buffer.refine((b) => b.byteLength <= CAPTURE_BODY_LIMIT), z.string().max(CAPTURE_BODY_LIMIT)]),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  truncated: z.boolean(),
  lossy: z.boolean().optional(),
});
export type PageBody = z.infer<typeof PageBody>;

export const PageExchange = z.object({
  id: z.string().min(1).max(100),
  source: z.enum(['hook-fetch', 'hook-xhr']),
  startedAt: z.number().nonnegative(),
  durationMs: z.number().nonnegative().optional(),
  method: z.string().min(1).max(32),
  url: z.string().max(16_384),
  requestHeaders: Headers,
  requestBody: PageBody.optional(),
  status: z.number().int().min(0).max(999).optional(),
  responseHeaders: Headers,
  responseBody: PageBody.optional(),
  error: z.string().max(2000).optional(),
});
export type PageExchange = z.infer<typeof PageExchange>;

export const PageMessage = z.discriminatedUnion('kind', [
  z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('exchange'), exchange: PageExchange }),
  z.object({ channel: z.literal(CAPTURE_CHANNEL), kind: z.literal('wrap'), key: Buffer, wrapped: Buffer.refine((b) => b.byteLength <= 1024), at: z.number() }),
  z.object({
    channel: z.literal(CAPTURE_CHANNEL),
    kind: z.literal('aes-key'),
    op: z.enum(['import', 'export']),
    key: z.union([Buffer, z.string().max(64)]),
    at: z.number(),
  }),
]);
export type PageMessage = z.infer<typeof PageMessage>;
