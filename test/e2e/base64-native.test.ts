/**
 * The native Base64 path of src/protocol/bytes.ts, where it runs: Chromium has the Uint8Array methods
 * (Node 20, where the unit tests run, does not, so test/unit/protocol/bytes.test.ts can only hold the
 * fallback to Node's Buffer). The module is bundled as it is into a page of real Chromium; each result
 * is compared with Buffer here, and native and portable are compared with each other there.
 */
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPlainBrowser } from './harness';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry: resolve(import.meta.dirname, '../../src/protocol/bytes.ts'), formats: ['iife'], name: 'khBytes', fileName: () => 'bytes.js' } },
  })) as Rollup.RollupOutput[];
  const code = out[0]!.output[0].code;
  browser = await launchPlainBrowser();
  page = await browser.newPage();
  await page.setContent('<!doctype html><title>base64</title>');
  await page.addScriptTag({ content: code });
});

afterAll(async () => {
  await browser?.close();
});

type Out = { native: boolean; nativeHex: boolean; hex: string[]; hexPortable: string[]; enc: string[]; encUrl: string[]; dec: Array<number[] | null>; decPortable: Array<number[] | null>; canon: Array<boolean | null>; any: Array<number[] | string> };

function inPage(p: Page, blobs: string[], strings: string[]): Promise<Out> {
  return p.evaluate(
    ({ blobs, strings }) => {
      const b = (globalThis as unknown as { khBytes: typeof import('../../src/protocol/bytes') }).khBytes;
      const bytes = blobs.map((h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16)));
      const dec = strings.map((s) => b.decodeStdBase64(s));
      return {
        native: b.nativeBase64,
        nativeHex: typeof (Uint8Array.prototype as unknown as { toHex?: unknown }).toHex === 'function',
        hex: bytes.map((x) => b.toHex(x)),
        hexPortable: bytes.map((x) => b.toHexPortable(x)),
        enc: bytes.map((x) => b.toBase64(x)),
        encUrl: bytes.map((x) => b.toBase64Url(x)),
        dec: dec.map((d) => (d ? [...d.bytes] : null)),
        canon: dec.map((d) => (d ? d.canonical : null)),
        decPortable: strings.map((s) => {
          const d = b.decodeStdBase64Portable(s);
          return d ? [...d.bytes] : null;
        }),
        any: strings.map((s) => {
          try {
            return [...b.fromBase64Any(s)];
          } catch (e) {
            return (e as { code: string }).code;
          }
        }),
      };
    },
    { blobs, strings },
  );
}

describe('native Base64 in Chromium', () => {
  it('uses the native methods there, and they agree with Buffer and with the portable fallback', async () => {
    const blobs = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xff, 0xfe]), Buffer.from('hello world!'), ...Array.from({ length: 40 }, (_, i) => randomBytes(i * 37 + 1)), randomBytes(70_001)];
    const strings = [...blobs.map((b) => b.toString('base64')), 'AB==', 'AAB=', 'A===', 'AA=A', '=AAA', 'A A=', 'AA\n=', 'AA-_', '@@@@', 'AAAAA', 'QUJD', 'QUJD-_8', 'QUJDRA'];
    const r = await inPage(page, blobs.map((b) => b.toString('hex')), strings);
    expect(r.native).toBe(true);
    expect(r.enc).toEqual(blobs.map((b) => b.toString('base64')));
    // toHex: native there too (flat strings for the panel's anatomy), same as Buffer and the fallback.
    expect(r.nativeHex).toBe(true);
    expect(r.hex).toEqual(blobs.map((b) => b.toString('hex')));
    expect(r.hexPortable).toEqual(r.hex);
    expect(r.encUrl).toEqual(blobs.map((b) => b.toString('base64url')));
    blobs.forEach((b, i) => {
      expect(r.dec[i]).toEqual([...b]);
      expect(r.canon[i]).toBe(true);
    });
    // Same verdicts and bytes, native and portable, on every string including the malformed ones.
    expect(r.dec).toEqual(r.decPortable);
    expect(r.canon.slice(blobs.length, blobs.length + 2)).toEqual([false, false]); // AB==, AAB=: non-zero padding bits
    expect(r.dec.slice(blobs.length + 2)).toEqual([null, null, null, null, null, null, null, null, [65, 66, 67], null, null]);
    expect(r.any.slice(-3)).toEqual([[65, 66, 67], [65, 66, 67, 0xfb, 0xff], [65, 66, 67, 68]]);
  });
});
