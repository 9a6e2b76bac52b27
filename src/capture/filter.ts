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

// Builtins saved when the script loads (document_start in the hook): the filter runs on every fetch and XHR
// of the page, after its scripts, which could otherwise watch it test their URLs and bodies (main.ts).
const apply = Reflect.apply;
const exec = RegExp.prototype.exec;
const slice = String.prototype.slice;
const fromCharCode = String.fromCharCode;
const isView = ArrayBuffer.isView;
const U8 = Uint8Array;
const TA = Reflect.getPrototypeOf(Uint8Array.prototype)!;
const getter = (o: object, k: string) => Reflect.getOwnPropertyDescriptor(o, k)!.get!;
const taBuffer = getter(TA, 'buffer');
const taOffset = getter(TA, 'byteOffset');
const taLength = getter(TA, 'byteLength');
const DV = DataView.prototype;
const dvBuffer = getter(DV, 'buffer');
const dvOffset = getter(DV, 'byteOffset');
const dvLength = getter(DV, 'byteLength');
const lengthOf = (b: Uint8Array): number => apply(taLength, b, []) as number;
const matches = (re: RegExp, s: string): boolean => apply(exec, re, [s]) !== null;
/** The URL up to its query or fragment. */
function pathOf(url: string): string {
  for (let i = 0; i < url.length; i++) if (url[i] === '?' || url[i] === '#') return apply(slice, url, [0, i]) as string;
  return url;
}

const SC_PATH = /\/secure-channel(?:\/|$)|\/web\/v1\/(?:[a-z]+\/)?auth\/(?:login\/(?:initiate|complete)|token\/refresh|logout)\/?$/i;
const SC_HEADERS = ['x-sc-session-id', 'x-sc-version', 'x-secure-channel-session-id'];
/** `{"v":2,"p":"` or `{"p":"…","v":2` with any whitespace. */
const JSON_ENVELOPE_START = /^\s*\{\s*"(?:v"\s*:\s*\d+\s*,\s*"p"|p"\s*:\s*")/;

export function isScUrl(url: string): boolean {
  return matches(SC_PATH, pathOf(url));
}

/** `names` are lower-case header names. */
export function hasScHeader(names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) for (let j = 0; j < SC_HEADERS.length; j++) if (names[i] === SC_HEADERS[j]) return true;
  return false;
}

export function hasEnvelopeHeader(b: Uint8Array): boolean {
  return lengthOf(b) >= 4 && b[0] === 0x53 && b[1] === 0x43 && b[2] === 0x02 && (b[3] === 1 || b[3] === 2 || b[3] === 0x81);
}

export function looksLikeJsonEnvelopeStart(text: string): boolean {
  return matches(JSON_ENVELOPE_START, text.length > 64 ? (apply(slice, text, [0, 64]) as string) : text);
}

/** Bytes that start like a JSON envelope (ASCII prefix) — for ArrayBuffer bodies holding JSON text. */
function bytesStartJsonEnvelope(b: Uint8Array): boolean {
  const len = lengthOf(b);
  const n = len < 64 ? len : 64;
  let s = '';
  for (let i = 0; i < n; i++) s += fromCharCode(b[i]!);
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
  if (body instanceof ArrayBuffer) return new U8(body);
  if (!isView(body)) return undefined;
  // The saved getters, not the ones a page may put on the prototypes: a typed array's, else a DataView's.
  try {
    return new U8(apply(taBuffer, body, []), apply(taOffset, body, []), apply(taLength, body, []));
  } catch {
    return new U8(apply(dvBuffer, body, []), apply(dvOffset, body, []), apply(dvLength, body, []));
  }
}

export function shouldCapture(req: { url: string; headerNames: readonly string[]; body?: unknown }): boolean {
  return isScUrl(req.url) || hasScHeader(req.headerNames) || (req.body !== undefined && req.body !== null && looksLikeScBody(req.body));
}
