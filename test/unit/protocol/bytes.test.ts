import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bytesEqual, concatBytes, decodeKey, fromBase64, fromBase64Any, fromBase64Url, fromHex, latin1ToBytes,
  bytesToLatin1, randomBytes, toBase64, toBase64Url, toHex, utf8Decode, utf8Encode,
  decodeStdBase64, decodeStdBase64Portable, nativeBase64, toBase64Portable,
} from '../../../src/protocol/bytes';
import { expectThrowsCode } from './helpers';

describe('bytes', () => {
  it('encodes standard base64 exactly like Node Buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
    }));
  });

  it('encodes base64url without padding exactly like Node Buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(toBase64Url(b)).toBe(Buffer.from(b).toString('base64url'));
    }));
  });

  it('round-trips every base64 flavour', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(fromBase64(toBase64(b))).toEqual(b);
      expect(fromBase64Url(toBase64Url(b))).toEqual(b);
      expect(fromBase64Any(toBase64(b))).toEqual(b);
      expect(fromBase64Any(toBase64Url(b))).toEqual(b);
      expect(fromBase64Any(toBase64(b).replace(/=+$/, ''))).toEqual(b);
    }));
  });

  it('handles a 1 MiB buffer in base64 both ways', () => {
    const big = randomBytes(1 << 20);
    const s = toBase64(big);
    expect(s).toBe(Buffer.from(big).toString('base64'));
    expect(bytesEqual(fromBase64(s), big)).toBe(true);
  });

  it('rejects non-standard characters in strict base64', () => {
    expectThrowsCode(() => fromBase64('ab-_'), 'INPUT_INVALID', 'bytes: invalid base64');
    expectThrowsCode(() => fromBase64('abc'), 'INPUT_INVALID', 'bytes: invalid base64');
    expectThrowsCode(() => fromBase64('ab cd'), 'INPUT_INVALID', 'bytes: invalid base64');
  });

  it('rejects a base64 string with a dangling single character', () => {
    expectThrowsCode(() => fromBase64Any('abcde'), 'INPUT_INVALID', 'bytes: invalid base64');
    expectThrowsCode(() => fromBase64Url('abcde'), 'INPUT_INVALID', 'bytes: invalid base64');
  });

  it('rejects mixed alphabets in liberal base64', () => {
    expectThrowsCode(() => fromBase64Any('ab+_'), 'INPUT_INVALID', 'bytes: invalid base64');
  });

  it('decodes UTF-8 strictly', () => {
    expect(utf8Decode(utf8Encode('成功 ✓'))).toBe('成功 ✓');
    expectThrowsCode(() => utf8Decode(new Uint8Array([0xff, 0xfe])), 'INPUT_INVALID', 'bytes: invalid UTF-8');
  });

  it('round-trips hex and rejects odd or non-hex input', () => {
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect(fromHex('000fFF')).toEqual(new Uint8Array([0, 15, 255]));
    expectThrowsCode(() => fromHex('abc'), 'INPUT_INVALID', 'bytes: invalid hex');
    expectThrowsCode(() => fromHex('zz'), 'INPUT_INVALID', 'bytes: invalid hex');
  });

  it('decodes a 32-byte key from hex, base64 or base64url', () => {
    const key = randomBytes(32);
    expect(decodeKey(toHex(key))).toEqual(key);
    expect(decodeKey(` ${toBase64(key)}\n`)).toEqual(key);
    expect(decodeKey(toBase64Url(key))).toEqual(key);
  });

  it('refuses a key that is not 32 bytes', () => {
    expectThrowsCode(() => decodeKey(toHex(randomBytes(16))), 'INPUT_INVALID', 'bytes: key must be 32 bytes as hex or base64');
    expectThrowsCode(() => decodeKey('not a key!'), 'INPUT_INVALID');
  });

  it('concatenates and compares bytes', () => {
    const c = concatBytes(new Uint8Array([1]), new Uint8Array([]), new Uint8Array([2, 3]));
    expect(c).toEqual(new Uint8Array([1, 2, 3]));
    expect(bytesEqual(c, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(bytesEqual(c, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(bytesEqual(c, new Uint8Array([1, 2]))).toBe(false);
  });

  it('converts Latin-1 binary strings both ways and rejects wide characters', () => {
    const b = new Uint8Array([0x53, 0x43, 0x02, 0xff, 0x00]);
    expect(latin1ToBytes(bytesToLatin1(b))).toEqual(b);
    expectThrowsCode(() => latin1ToBytes('SC✓'), 'INPUT_INVALID', 'bytes: not a binary string');
  });

  it('draws random bytes beyond the 64 KiB getRandomValues limit', () => {
    const r = randomBytes(100_000);
    expect(r.length).toBe(100_000);
    expect(r.subarray(70_000).some((x) => x !== 0)).toBe(true);
  });

  describe('Base64 paths (native where the runtime has it; the portable fallback always)', () => {
    /** Strings each decoder must judge the same: valid, non-canonical, whitespace, wrong alphabet, bad padding. */
    const tricky = ['', 'AA==', 'AB==', 'AAA=', 'AAB=', 'AAAA', 'A===', 'AA=A', '=AAA', 'A A=', 'AA\n=', 'AA\t\nA', 'AA-_', '@@@@', 'AAAAAA==', 'AAAAA', 'QUJD\u00e9'];

    it('the portable encoder equals Node Buffer on any bytes, and so does the one in use', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        expect(toBase64Portable(b)).toBe(Buffer.from(b).toString('base64'));
        expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      }));
    });

    it('the portable strict decoder gives Buffer\'s bytes for Buffer\'s strings and says which are canonical', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const s = Buffer.from(b).toString('base64');
        const d = decodeStdBase64Portable(s)!;
        expect(d.bytes).toEqual(new Uint8Array(b));
        expect(d.canonical).toBe(true);
      }));
      const d = decodeStdBase64Portable('AB==')!; // non-zero padding bits: accepted, flagged
      expect([...d.bytes]).toEqual([...Buffer.from('AB==', 'base64')]);
      expect(d.canonical).toBe(false);
    });

    it('the decoder in use and the portable one accept and refuse exactly the same strings, with the same bytes', () => {
      for (const s of tricky) {
        const a = decodeStdBase64(s);
        const b = decodeStdBase64Portable(s);
        expect(a && { bytes: [...a.bytes], canonical: a.canonical }, JSON.stringify(s)).toEqual(b && { bytes: [...b.bytes], canonical: b.canonical });
      }
      expect(decodeStdBase64Portable('A A=')).toBeUndefined();
      expect(decodeStdBase64Portable('AA-_')).toBeUndefined();
    });

    it('decodes into the caller\'s memory', () => {
      const slab = new Uint8Array(16);
      const d = decodeStdBase64Portable('AQID', (n) => slab.subarray(4, 4 + n))!;
      expect([...slab.subarray(4, 7)]).toEqual([1, 2, 3]);
      expect(d.bytes.buffer).toBe(slab.buffer);
    });

    it.runIf(nativeBase64)('natively: the Uint8Array methods agree with Buffer (this runtime has them)', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
        expect(toBase64Url(b)).toBe(Buffer.from(b).toString('base64url'));
        expect(decodeStdBase64(Buffer.from(b).toString('base64'))!.bytes).toEqual(new Uint8Array(b));
      }));
    });
  });
});
