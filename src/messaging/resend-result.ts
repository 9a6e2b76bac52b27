/**
 * Content-script context → panel: the answer to a request the panel's Resend sent from the inspected page
 * (issue #9), over the port Keyhole's content-script world of that page opened to the panel
 * (devtools/resend/send-in-page.ts). Only ciphertext travels: the sealed request went in, the sealed
 * answer comes out. Validated on arrival like every boundary; the panel accepted the port only from its
 * own tab's top frame, under the name it chose.
 */
import * as z from '../protocol/zod';

export const RESEND_RESULT_KIND = 'keyhole-resend-result';
/** Name of the port Keyhole's content script opens to the panel for resends: prefix + tabId + ':' + nonce. */
export const RESEND_PORT_PREFIX = 'keyhole-resend:';
/** The answer's bytes, Base64: bounded like a captured body (5 MiB of bytes). */
const MAX_BASE64 = Math.ceil((5 * 1024 * 1024) / 3) * 4;

export const ResendResult = z.object({
  kind: z.literal(RESEND_RESULT_KIND),
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The page's world took the request (sent at once on receipt, before the fetch; `ms` 0). */
  ack: z.optional(z.literal(true)),
  status: z.optional(z.int().check(z.gte(0), z.lte(999))),
  headers: z.optional(z.array(z.tuple([z.string().check(z.maxLength(256)), z.string().check(z.maxLength(16_384))])).check(z.maxLength(200))),
  base64: z.optional(z.string().check(z.maxLength(MAX_BASE64))),
  truncated: z.optional(z.boolean()),
  size: z.optional(z.int().check(z.nonnegative())),
  error: z.optional(z.string().check(z.maxLength(2000))),
  ms: z.number().check(z.nonnegative()),
  /** When the fetch began and the answer was sent, on the shared clock (timeOrigin + now): the bench's breakdown. */
  at: z.optional(z.tuple([z.number(), z.number()])),
});
export type ResendResult = z.infer<typeof ResendResult>;
