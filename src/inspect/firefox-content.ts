/**
 * A response body from Firefox's `devtools.network` Request.getContent, which calls back with
 * `(text, mimeType)` — never an encoding (Chrome passes `(content, 'base64' | '')`). What the text is,
 * read from Firefox's network monitor (devtools/shared/network-observer: NetworkResponseListener,
 * NetworkHelper.convertToUnicode / isTextMimeType, NetworkUtils.decodeResponseChunks):
 *
 *  1. the body bytes, as a byte string, go through a Unicode converter for the response charset (UTF-8
 *     when none). The UTF-8 converter throws on malformed input, and then the *byte string* is kept
 *     (so a chunk of binary comes through as Latin-1 characters, not as U+FFFD);
 *  2. when the mime type is not one Firefox counts as text, the result is `btoa`-ed — which fails, and
 *     leaves step 1's text, when that text holds a character above U+00FF.
 *
 * Inverting that: a string with no character in U+0080–U+00FF is exactly the UTF-8 decoding of the
 * bytes (a kept byte string of a non-UTF-8 body would hold one), so UTF-8 encoding it gives the wire
 * bytes back. A string with such characters is ambiguous — the bytes of a binary body, or decoded
 * Latin-1 letters — so it is converted by the likelier reading and flagged `lossy`: the panel says so,
 * and decryption still tries it (the GCM tag proves the bytes right or wrong). Never silently wrong.
 */
import { bytesToLatin1, decodeStdBase64, isValidUtf8, latin1ToBytes, toBase64, utf8Encode } from '../protocol/bytes';
import { capturedAsciiBody, capturedBody, MAX_BODY_BYTES, type CapturedBody } from './exchange';

/** Firefox's NetworkHelper.mimeCategoryMap, the entries in its text categories. */
const FIREFOX_TEXT_TYPES = new Set([
  'text/plain', 'text/html', 'text/xml', 'text/xsl', 'text/xul', 'text/css', 'text/sgml', 'text/rtf', 'text/x-setext',
  'text/richtext', 'text/javascript', 'text/jscript', 'text/tab-separated-values', 'text/rdf', 'text/xif',
  'text/ecmascript', 'text/vnd.curl', 'text/x-json', 'text/x-js', 'text/js', 'text/vbscript', 'view-source',
  'view-fragment', 'application/xml', 'application/xhtml+xml', 'application/atom+xml', 'application/rss+xml',
  'application/vnd.mozilla.maybe.feed', 'application/javascript', 'application/x-javascript', 'application/x-httpd-php',
  'application/rdf+xml', 'application/ecmascript', 'application/http-index-format', 'application/json', 'application/x-js',
  'application/x-mpegurl', 'application/vnd.apple.mpegurl', 'multipart/mixed', 'multipart/x-mixed-replace',
  'image/svg+xml', 'video/vnd.mpeg.dash.mpd', 'text/json', 'application/x-json', 'application/json-rpc',
  'application/x-web-app-manifest+json', 'application/manifest+json',
]);

/** Firefox's NetworkHelper.isTextMimeType, on the type getContent reports (it appends "; charset=…"). */
export function isFirefoxTextMimeType(mimeType: string): boolean {
  const type = mimeType.split(';')[0]!.trim().toLowerCase();
  if (!type) return false;
  if (type.startsWith('text/')) return true;
  if (/^application\/\w+(?:[.-]\w+)*(?:\+xml|[-+]json)$/.test(type)) return true;
  return FIREFOX_TEXT_TYPES.has(type);
}

const NON_ASCII = /[^\0-\x7f]/;
const LATIN1_HIGH = /[\x80-\xff]/;
const ABOVE_LATIN1 = /[^\0-\xff]/;

/** `text` is what Firefox's converter produced (step 1 above): the wire bytes, and whether they are sure. */
function fromConvertedText(text: string): { bytes: Uint8Array; lossy: boolean } {
  if (!LATIN1_HIGH.test(text)) return { bytes: utf8Encode(text), lossy: false };
  // Latin-1 range characters: a kept byte string when it could not have been decoded (not valid UTF-8),
  // else decoded text. Either way unsure.
  if (!ABOVE_LATIN1.test(text)) {
    const raw = latin1ToBytes(text);
    if (!isValidUtf8(raw)) return { bytes: raw, lossy: true };
  }
  return { bytes: utf8Encode(text), lossy: true };
}

/** The CapturedBody for Firefox's getContent `(text, mimeType)`; undefined for an empty body. */
export function firefoxResponseBody(text: string | null | undefined, mimeType: string | null | undefined): CapturedBody | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  let converted = text;
  if (!isFirefoxTextMimeType(mimeType ?? '')) {
    // btoa succeeded (canonical standard Base64) or failed (the converted text, with a char > U+00FF).
    const d = decodeStdBase64(text);
    if (d?.canonical) {
      if (!d.bytes.some((b) => b >= 0x80)) return capturedBody(d.bytes, text, false);
      converted = bytesToLatin1(d.bytes);
    }
  }
  if (!NON_ASCII.test(converted)) return capturedAsciiBody(converted);
  const { bytes, lossy } = fromConvertedText(converted);
  return capturedBody(bytes, bytes.length > MAX_BODY_BYTES ? '' : toBase64(bytes), lossy);
}
