/**
 * Turn a raw HTTP response into a validated standard envelope (§2), whatever form it came in.
 *
 * §12 "response form": the gateway mirrors the request form (binary type 129 or JSON `{v:2,p}`), but
 * errors raised before the request could be decrypted (unknown session, bad envelope, rate limit,
 * missing headers) are plain JSON. So the client detects the form from the body itself — magic first,
 * then JSON shape — and never trusts the status code or the Content-Type (binary responses are sent
 * as `application/json` by default).
 */
import * as z from '../protocol/zod';
import { KeyholeError } from '../protocol/errors';
import { detectBodyForm } from '../protocol/detect';
import { openMessage } from '../protocol/message';
import type { Aead } from '../protocol/aead';
import { StandardEnvelope } from '../protocol/schemas';
import { errorFromResponse } from '../protocol/server-errors';
import type { RawResponse } from './transport';

// SCHEMA_INVALID details carry zod's messages to the engineer; zod/mini has none of its own ("Invalid
// input"). A terse one from the issue itself ("invalid_type: expected number") instead of zod's English
// catalogue, which would cost the service worker ~1.6 KB gzipped (issue #12); the CLI loads the catalogue.
z.config({
  localeError: (iss) => {
    const i = iss as { code: string; expected?: unknown; minimum?: unknown; maximum?: unknown; keys?: unknown[] };
    const detail = i.expected !== undefined ? `expected ${String(i.expected)}` : i.minimum !== undefined ? `minimum ${String(i.minimum)}` : i.maximum !== undefined ? `maximum ${String(i.maximum)}` : i.keys ? i.keys.join(', ') : '';
    return detail ? `${i.code}: ${detail}` : i.code;
  },
});

export type ResponseForm = 'binary' | 'json-envelope' | 'plain-json';

export interface DecodedResponse {
  status: number;
  headers: Headers;
  form: ResponseForm;
  envelope: z.infer<typeof StandardEnvelope>;
}

function retryAfter(raw: RawResponse): string | undefined {
  return raw.headers.get('retry-after') ?? undefined;
}

/** A body we cannot read as an envelope: an error status wins (it is the server's "no"), else a schema failure. */
function unreadable(raw: RawResponse, why: string, cause?: unknown): KeyholeError {
  if (raw.status >= 400) return errorFromResponse(raw.status, undefined, retryAfter(raw));
  return new KeyholeError('SCHEMA_INVALID', `client: ${why}`, { status: raw.status, cause });
}

/**
 * Decode (and decrypt, with `responseKey`) a response body and validate it as a standard envelope.
 * Does not judge `success`: see `assertSuccess`.
 */
export async function decodeResponse(raw: RawResponse, responseKey: Uint8Array | undefined, aead?: Aead): Promise<DecodedResponse> {
  const form = detectBodyForm(raw.body);
  let json: unknown;
  if (form === 'binary' || form === 'json-envelope') {
    if (!responseKey) throw new KeyholeError('NO_KEY', 'client: encrypted response but no session key', { status: raw.status });
    // AAD: none (§12, client column). A failed tag surfaces as AEAD_AUTH_FAILED from the protocol core.
    const opened = await openMessage(raw.body, responseKey, aead ? { aead } : {});
    try {
      json = JSON.parse(opened.text);
    } catch (e) {
      throw new KeyholeError('SCHEMA_INVALID', 'client: decrypted response is not JSON', { status: raw.status, cause: e });
    }
  } else if (form === 'plain-json') {
    try {
      json = JSON.parse(new TextDecoder().decode(raw.body));
    } catch (e) {
      throw unreadable(raw, 'response is not JSON', e);
    }
  } else {
    throw unreadable(raw, `response body is ${form === 'empty' ? 'empty' : 'not JSON'}`);
  }
  const parsed = StandardEnvelope.safeParse(json);
  if (!parsed.success) {
    if (raw.status >= 400) throw errorFromResponse(raw.status, undefined, retryAfter(raw));
    throw new KeyholeError('SCHEMA_INVALID', 'client: response is not a standard envelope', { status: raw.status, details: issuesOf(parsed.error) });
  }
  return { status: raw.status, headers: raw.headers, form: form as ResponseForm, envelope: parsed.data };
}

/** §2: `success` is the authority; every "no" becomes a coded error (with Retry-After for rate limits). */
export function assertSuccess(decoded: DecodedResponse): void {
  if (decoded.envelope.success !== true) {
    throw errorFromResponse(decoded.status, decoded.envelope, decoded.headers.get('retry-after') ?? undefined);
  }
}

/** Validate `data` with `schema` → `SCHEMA_INVALID` (paths and messages only: never echo the values). */
export function validateData<S extends z.core.$ZodType>(schema: S, data: unknown, status: number): z.infer<S> {
  const parsed = z.safeParse(schema, data);
  if (!parsed.success) {
    throw new KeyholeError('SCHEMA_INVALID', 'client: response data does not match the expected schema', { status, details: issuesOf(parsed.error) });
  }
  return parsed.data;
}

function issuesOf(error: z.core.$ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
