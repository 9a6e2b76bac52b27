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

/** Discards what is left of a request body without buffering; gives up (destroys) past `cap` bytes. */
export function drain(req: IncomingMessage, cap = 16 * 1024 * 1024): void {
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
    if (n > cap) req.socket.destroy();
  });
  req.resume();
}

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/** Reads at most `limit` bytes; past it resolves `too-large` at once and keeps draining (never buffers more). */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let drained = 0;
    req.on('data', (c: Buffer) => {
      if (done) {
        drained += c.length;
        if (drained > 16 * 1024 * 1024) req.socket.destroy();
        return;
      }
      size += c.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        resolve({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(c);
    });
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
