/** HTTP plumbing shared by the gateway's handlers: coded errors, envelopes, bounded body reading. */
import type { IncomingMessage } from 'node:http';
import type { MessageKey } from './messages';

export const JSON_CT = 'application/json;charset=UTF-8';

/**
 * A refusal with a stable server `code` (§2, §12). `key` picks the localized message;
 * `data` becomes the envelope's data (validation errors: `{field: [messages]}`).
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly key: MessageKey,
    readonly params?: Record<string, string | number>,
    readonly data: unknown = null,
    readonly headers?: Record<string, string>,
  ) {
    super(`gateway: ${code}`);
  }
}

export interface HandlerResult {
  status?: number;
  code?: string;
  data: unknown;
  headers?: Record<string, string>;
}

/** §2 standard envelope. */
export function standardEnvelope(now: number, success: boolean, code: string, message: string, data: unknown) {
  return { version: '2.0.0', timestamp: now, success, code, message, data: data === undefined ? null : data };
}

/** How much of a refused body is read and thrown away before giving up on the connection. */
export const DRAIN_CAP = 16 * 1024 * 1024;

/**
 * Reads and throws away the rest of a request body (nothing is buffered), resolving once it has all
 * arrived: true, or false when more than `cap` bytes came (or the client went away) — then the caller
 * drops the socket.
 *
 * Why: a server that answers and closes the connection while the client is still sending makes the
 * kernel reset it, and a client that only reads after writing its whole request (many do) then sees
 * EPIPE/ECONNRESET instead of the answer — a 429 or 413 lost. So a refusal is sent at once but the
 * response is only ended (and a `Connection: close` socket closed) once the body is over.
 */
export function discardBody(req: IncomingMessage, cap = DRAIN_CAP): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let n = 0;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      resolve(ok);
    };
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > cap) finish(false);
    });
    req.on('end', () => finish(true));
    req.on('error', () => finish(false));
    req.on('close', () => finish(req.readableEnded));
    req.resume();
  });
}

/** `rest`: the remainder of a too-large body being thrown away (discardBody); end the answer after it. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large'; rest: Promise<boolean> } | { ok: false; reason: 'aborted' };

/** Reads at most `limit` bytes; past it resolves `too-large` at once and throws the rest away as it arrives (never buffers more). */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.off('data', onData);
        resolve({ ok: false, reason: 'too-large', rest: discardBody(req, DRAIN_CAP) });
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    });
    req.on('error', () => {
      if (done) return;
      done = true;
      resolve({ ok: false, reason: 'aborted' });
    });
    req.on('close', () => {
      if (done) return;
      done = true;
      resolve({ ok: false, reason: 'aborted' });
    });
  });
}

/** `*` wildcards in configured CORS origins (e.g. `chrome-extension://*`, `http://127.0.0.1:*`). */
export function originMatcher(patterns: string[]): (origin: string) => boolean {
  const res = patterns.map((p) =>
    p === '*' ? /^.+$/ : new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^\\s]*') + '$'),
  );
  return (origin) => res.some((r) => r.test(origin));
}
