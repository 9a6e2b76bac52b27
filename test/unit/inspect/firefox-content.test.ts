/**
 * Firefox's devtools.network getContent `(text, mimeType)` → exact bytes, or flagged lossy (issue #13).
 * `firefoxText` reproduces what Firefox's network monitor hands over (firefox-content.ts explains it):
 * UTF-8 conversion that keeps the byte string when the bytes are not UTF-8, then btoa for non-text types.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyBytes } from '../../../src/inspect/exchange';
import { firefoxResponseBody, isFirefoxTextMimeType } from '../../../src/inspect/firefox-content';
import { bytesToLatin1 } from '../../../src/protocol/bytes';

function firefoxText(bytes: Uint8Array, mimeType: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytesToLatin1(bytes);
  }
  if (!isFirefoxTextMimeType(mimeType)) {
    try {
      text = btoa(text);
    } catch {
      // Firefox ignores btoa's failure and keeps the text
    }
  }
  return text;
}

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
const MIMES = ['application/octet-stream', 'application/json; charset=utf-8', 'text/plain', 'application/vnd.slaunchx+json', ''];

describe('firefoxResponseBody', () => {
  it('knows Firefox text types', () => {
    expect(isFirefoxTextMimeType('application/json; charset=UTF-8')).toBe(true);
    expect(isFirefoxTextMimeType('application/problem+json')).toBe(true);
    expect(isFirefoxTextMimeType('text/html')).toBe(true);
    expect(isFirefoxTextMimeType('application/octet-stream')).toBe(false);
    expect(isFirefoxTextMimeType('')).toBe(false);
    expect(isFirefoxTextMimeType('image/png')).toBe(false);
  });

  it('a JSON envelope served as JSON is exact', () => {
    const json = '{"v":2,"iv":"AAAAAAAAAAAAAAAA","p":"c2VjcmV0"}';
    const body = firefoxResponseBody(json, 'application/json; charset=utf-8')!;
    expect(body.lossy).toBeUndefined();
    expect(Buffer.from(bodyBytes(body)!).toString()).toBe(json);
  });

  it('a binary envelope served as application/octet-stream (base64 without saying so) is exact', () => {
    const bytes = new Uint8Array([0x53, 0x43, 0x02, 0x00, 0xff, 0x80, 0x10, 0xc3, 0x28, 0x9a, 0x00, 0x7f]);
    const body = firefoxResponseBody(firefoxText(bytes, 'application/octet-stream'), 'application/octet-stream')!;
    expect(hex(bodyBytes(body))).toBe(hex(bytes));
    expect(body.lossy).toBe(true); // bytes ≥ 0x80 could also have been decoded Latin-1 letters: said so
  });

  it('an ASCII body behind a non-text type is exact and not lossy (it was Base64 for sure)', () => {
    const bytes = new TextEncoder().encode('SC plain ascii 123');
    const body = firefoxResponseBody(firefoxText(bytes, 'application/octet-stream'), 'application/octet-stream')!;
    expect(body.lossy).toBeUndefined();
    expect(hex(bodyBytes(body))).toBe(hex(bytes));
  });

  it('a binary envelope mislabelled application/json comes through as its byte string: exact bytes, flagged lossy', () => {
    const bytes = new Uint8Array([0x53, 0x43, 0x02, 0x01, 0xfe, 0xed, 0x00, 0x99, 0xc0]);
    const body = firefoxResponseBody(firefoxText(bytes, 'application/json'), 'application/json')!;
    expect(hex(bodyBytes(body))).toBe(hex(bytes));
    expect(body.lossy).toBe(true);
  });

  it('UTF-8 text above Latin-1 (CJK) is exact and not lossy, as text or behind a non-text type', () => {
    const bytes = new TextEncoder().encode('{"msg":"登录成功 — ok"}');
    for (const mime of ['application/json', 'application/octet-stream']) {
      const body = firefoxResponseBody(firefoxText(bytes, mime), mime)!;
      expect(hex(bodyBytes(body))).toBe(hex(bytes));
      expect(body.lossy).toBeUndefined();
    }
  });

  it('an empty body is no body', () => {
    expect(firefoxResponseBody('', 'application/json')).toBeUndefined();
    expect(firefoxResponseBody(null, 'application/octet-stream')).toBeUndefined();
  });

  it('property: any bytes under any type are either exact, or flagged lossy — never silently wrong', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.constantFrom(...MIMES), (bytes, mime) => {
        const body = firefoxResponseBody(firefoxText(bytes, mime), mime)!;
        if (!body.lossy) expect(hex(bodyBytes(body))).toBe(hex(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: random binary (the SCv2 binary envelope case) always yields the exact wire bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 300 }), fc.constantFrom(...MIMES), (bytes, mime) => {
        fc.pre(!isUtf8(bytes));
        const body = firefoxResponseBody(firefoxText(bytes, mime), mime)!;
        expect(hex(bodyBytes(body))).toBe(hex(bytes));
      }),
      { numRuns: 1000 },
    );
  });
});

function isUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
