/**
 * What counts as an SCv2-looking exchange — decided in the page, synchronously, before anything is
 * copied, so everything else passes through the hook untouched. Dependency-free on purpose: it is
 * inlined into the MAIN-world script (no zod, no protocol core there).
 *
 * Signals, any one suffices:
 *  - SC headers on the request (§3 X-SC-Session-Id / X-SC-Version, §7 X-Secure-Channel-Session-Id);
 *  - SC paths: the secure-channel root and the SCv2 auth calls (§1, §5–§7, §11), any portal;
 *  - a body that is a binary envelope (§8: "SC", version 2, type 1/2/0x81) or a `{"v":…,"p":…}`
 *    JSON envelope (§9). Only the first bytes are looked at: the check must cost O(1) on 1 MiB bodies.
 */

const SC_PATH = /\/secure-channel(?:\/|$)|\/web\/v1\/(?:[a-z]+\/)?auth\/(?:login\/(?:initiate|complete)|token\/refresh|logout)\/?$/i;
const SC_HEADERS = ['x-sc-session-id', 'x-sc-version', 'x-secure-channel-session-id'];
/** `{"v":2,"p":"` or `{"p":"…","v":2` with any whitespace. */
const JSON_ENVELOPE_START = /^\s*\{\s*"(?:v"\s*:\s*\d+\s*,\s*"p"|p"\s*:\s*")/;

const AUTH_PATH = /\/auth\/(?:login\/complete|token\/refresh|logout)\/?$/i;

/** The SCv2 calls that hand out or spend tokens (§11): login complete, refresh, logout. */
export function isAuthUrl(url: string): boolean {
  const q = url.search(/[?#]/);
  return AUTH_PATH.test(q < 0 ? url : url.slice(0, q));
}

export function isScUrl(url: string): boolean {
  const q = url.search(/[?#]/);
  return SC_PATH.test(q < 0 ? url : url.slice(0, q));
}

/** `names` are lower-case header names. */
export function hasScHeader(names: Iterable<string>): boolean {
  for (const n of names) if (SC_HEADERS.includes(n)) return true;
  return false;
}

export function hasEnvelopeHeader(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x53 && b[1] === 0x43 && b[2] === 0x02 && (b[3] === 1 || b[3] === 2 || b[3] === 0x81);
}

export function looksLikeJsonEnvelopeStart(text: string): boolean {
  return JSON_ENVELOPE_START.test(text.length > 64 ? text.slice(0, 64) : text);
}

/** Bytes that start like a JSON envelope (ASCII prefix) — for ArrayBuffer bodies holding JSON text. */
function bytesStartJsonEnvelope(b: Uint8Array): boolean {
  const n = Math.min(b.length, 64);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]);
  return looksLikeJsonEnvelopeStart(s);
}

/** A body as the page passed it; only the cheap, synchronous kinds can be sniffed. */
export function looksLikeScBody(body: unknown): boolean {
  if (typeof body === 'string') return looksLikeJsonEnvelopeStart(body);
  const bytes = viewOf(body);
  return bytes !== undefined && (hasEnvelopeHeader(bytes) || bytesStartJsonEnvelope(bytes));
}

/** A Uint8Array over an ArrayBuffer or any ArrayBufferView, without copying; undefined otherwise. */
export function viewOf(body: unknown): Uint8Array | undefined {
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

export function shouldCapture(req: { url: string; headerNames: Iterable<string>; body?: unknown }): boolean {
  return isScUrl(req.url) || hasScHeader(req.headerNames) || (req.body !== undefined && req.body !== null && looksLikeScBody(req.body));
}
