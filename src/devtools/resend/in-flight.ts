/**
 * The resends this panel sent from the inspected page, as DevTools' Network events will show them
 * (issue #9). The row Keyhole adds for a resend is the only copy (send-in-page.ts); DevTools still
 * reports the request, and the DevTools source (backend/network-source.ts) used to fetch its answer with
 * getContent only to drop it, a grace period later, as a twin of that row. Recognised here first, by the
 * sealed request body: a fresh random IV makes it unique, and the panel knows it byte for byte before it
 * is sent. Nothing is added to the request itself.
 *
 * HAR `postData.text` is Chrome's rendering of the bytes: UTF-8 when they are valid UTF-8, else Latin-1
 * (the rule src/inspect/har.ts inverts), so a binary envelope is compared in that rendering. A bodiless
 * resend (a GET) has nothing unique to compare: it is recognised by method and URL.
 */
import { bytesToLatin1, fromBase64, isValidUtf8, utf8Decode } from '../../protocol/bytes';
import type { PageRequest } from './send-in-page';

/** How long a resend waits to be recognised (DevTools reports it when its answer has come). */
export const IN_FLIGHT_MS = 60_000;
const MAX = 32;

interface Sent {
  method: string;
  url: string;
  body: PageRequest['body'];
  at: number;
  /** The body as HAR postData renders it, computed on the first comparison. */
  text?: string;
}

export interface DevtoolsEntryLike {
  request: { method: string; url: string; postData?: { text?: string } };
}

function harText(body: NonNullable<PageRequest['body']>): string {
  if ('text' in body) return body.text;
  const bytes = fromBase64(body.base64);
  return isValidUtf8(bytes) ? utf8Decode(bytes) : bytesToLatin1(bytes);
}

export class ResendsInFlight {
  private sent: Sent[] = [];
  /** How many DevTools entries were recognised (tests: proof that Chrome's rendering matched). */
  claimed = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Called as a resend leaves the panel. */
  note(r: Pick<PageRequest, 'method' | 'url' | 'body'>): void {
    this.prune();
    this.sent.push({ method: r.method.toUpperCase(), url: r.url, body: r.body, at: this.now() });
    if (this.sent.length > MAX) this.sent.shift();
  }

  /** True, once, when this DevTools entry is a resend this panel sent (its row is already Keyhole's). */
  claim(e: DevtoolsEntryLike): boolean {
    if (this.sent.length === 0) return false; // the usual case: no resend under way
    this.prune();
    const method = e.request.method.toUpperCase();
    const posted = e.request.postData?.text;
    const i = this.sent.findIndex((s) => {
      if (s.method !== method || s.url !== e.request.url) return false;
      if (!s.body) return !posted;
      if (posted === undefined) return false;
      try {
        s.text ??= harText(s.body);
      } catch {
        return false; // never: the body is the panel's own Base64; a DevTools event must not throw here
      }
      return s.text === posted;
    });
    if (i < 0) return false;
    this.sent.splice(i, 1);
    this.claimed++;
    return true;
  }

  get size(): number {
    return this.sent.length;
  }

  private prune(): void {
    const old = this.now() - IN_FLIGHT_MS;
    while (this.sent.length > 0 && this.sent[0]!.at < old) this.sent.shift();
  }
}
