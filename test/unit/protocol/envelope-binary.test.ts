import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ENVELOPE_TYPE, buildBinaryEnvelope, buildDataEnvelopeFromSealed, hasEnvelopeMagic, parseBinaryEnvelope,
  type BinaryEnvelope,
} from '../../../src/protocol/envelope-binary';
import { toHex, utf8Encode } from '../../../src/protocol/bytes';
import { expectThrowsCode, hex, vectors } from './helpers';

const v = vectors.envelopes;

describe('binary envelope: known answers', () => {
  it('parses the type 2 fixture into IV, ciphertext and tag', () => {
    const env = parseBinaryEnvelope(hex(v.type2.envelope));
    expect(env.type).toBe(ENVELOPE_TYPE.SESSION_DATA);
    expect(toHex(env.iv)).toBe(v.type2.iv);
    expect(toHex(env.ciphertext)).toBe(v.type2.ciphertext);
    expect(toHex(env.tag)).toBe(v.type2.tag);
  });

  it('parses the type 129 fixture', () => {
    const env = parseBinaryEnvelope(hex(v.type129.envelope));
    expect(env.type).toBe(0x81);
    expect(toHex(env.ciphertext)).toBe(v.type129.ciphertext);
  });

  it('parses the type 1 fixture with key id and both wrapped keys', () => {
    const env = parseBinaryEnvelope(hex(v.type1.envelope));
    if (env.type !== 1) throw new Error('expected type 1');
    expect(env.keyId).toBe('rsa-key-2026-03-21');
    expect(toHex(env.encReqKey)).toBe(v.type1.encReqKey);
    expect(toHex(env.encRespKey)).toBe(v.type1.encRespKey);
    expect(env.encReqKey.length).toBe(256);
    expect(toHex(env.iv)).toBe(v.type1.iv);
    expect(toHex(env.ciphertext)).toBe(v.type1.ciphertext);
    expect(toHex(env.tag)).toBe(v.type1.tag);
  });

  it('rebuilds every fixture byte for byte', () => {
    for (const f of [v.type2, v.type129, v.type1]) {
      expect(toHex(buildBinaryEnvelope(parseBinaryEnvelope(hex(f.envelope))))).toBe(f.envelope);
    }
  });

  it('builds a type 2 envelope from sealed output identical to the split build', () => {
    const iv = hex(v.type2.iv);
    const sealed = hex(v.type2.ciphertext + v.type2.tag);
    expect(toHex(buildDataEnvelopeFromSealed(2, iv, sealed))).toBe(v.type2.envelope);
  });

  it('recognises the magic', () => {
    expect(hasEnvelopeMagic(hex(v.type2.envelope))).toBe(true);
    expect(hasEnvelopeMagic(utf8Encode('{"v":2}'))).toBe(false);
    expect(hasEnvelopeMagic(new Uint8Array([0x53]))).toBe(false);
  });
});

describe('binary envelope: strict errors', () => {
  const good = () => hex(v.type2.envelope);

  it('rejects a wrong magic', () => {
    const b = good();
    b[1] = 0x44;
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_BAD_MAGIC', 'envelope: bad magic');
  });

  it('rejects a wrong version', () => {
    const b = good();
    b[2] = 0x01;
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_BAD_VERSION', 'envelope: bad version');
  });

  it('rejects an unknown type', () => {
    const b = good();
    b[3] = 0x03;
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_BAD_TYPE', 'envelope: bad type');
  });

  it('rejects a header cut short', () => {
    expectThrowsCode(() => parseBinaryEnvelope(new Uint8Array([0x53, 0x43, 0x02])), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
    expectThrowsCode(() => parseBinaryEnvelope(new Uint8Array([])), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
  });

  it('names a bad magic even in a one-byte body', () => {
    expectThrowsCode(() => parseBinaryEnvelope(new Uint8Array([0x7b])), 'ENVELOPE_BAD_MAGIC', 'envelope: bad magic');
  });

  it('rejects a type 2 envelope too short for IV and tag', () => {
    expectThrowsCode(() => parseBinaryEnvelope(good().subarray(0, 31)), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
  });

  it('accepts a type 2 envelope with empty ciphertext', () => {
    expect(parseBinaryEnvelope(good().subarray(0, 32)).ciphertext.length).toBe(0);
  });

  it('rejects a type 1 envelope whose key length runs past the end', () => {
    const b = hex(v.type1.envelope);
    const o = 4 + 1 + b[4];
    b[o] = 0xff;
    b[o + 1] = 0xff;
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
  });

  it('rejects every truncation of a type 1 envelope before IV and tag are complete', () => {
    const b = hex(v.type1.envelope);
    // header, keyIdLen, keyId, two length-prefixed 256-byte keys, IV, tag (empty ciphertext)
    const minimum = 4 + 1 + 18 + 2 + 256 + 2 + 256 + 12 + 16;
    for (const n of [4, 5, 10, 23, 24, 100, 280, 300, minimum - 1]) {
      expectThrowsCode(() => parseBinaryEnvelope(b.subarray(0, n)), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
    }
  });

  it('rejects a type 1 envelope with an empty key id as malformed', () => {
    const b = new Uint8Array([0x53, 0x43, 0x02, 0x01, 0x00, ...new Uint8Array(40)]);
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_MALFORMED', 'envelope: empty key id');
  });

  it('rejects a type 1 key id that is not UTF-8 as malformed', () => {
    const b = hex(v.type1.envelope);
    b[5] = 0xff;
    expectThrowsCode(() => parseBinaryEnvelope(b), 'ENVELOPE_MALFORMED', 'envelope: key id is not UTF-8');
  });

  it('refuses to build with a wrong IV length', () => {
    expectThrowsCode(
      () => buildBinaryEnvelope({ type: 2, iv: new Uint8Array(8), ciphertext: new Uint8Array(1), tag: new Uint8Array(16) }),
      'ENVELOPE_MALFORMED', 'envelope: IV must be 12 bytes',
    );
  });

  it('refuses to build a type 1 envelope with a key id over 255 bytes', () => {
    expectThrowsCode(
      () => buildBinaryEnvelope({ type: 1, keyId: 'k'.repeat(256), encReqKey: new Uint8Array(1), encRespKey: new Uint8Array(1), iv: new Uint8Array(12), ciphertext: new Uint8Array(0), tag: new Uint8Array(16) }),
      'ENVELOPE_MALFORMED', 'envelope: key id must be 1–255 bytes',
    );
  });
});

describe('binary envelope: properties', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const dataEnv = fc.record({
    type: fc.constantFrom(2 as const, 0x81 as const),
    iv: bytes(12),
    ciphertext: fc.uint8Array({ maxLength: 200 }),
    tag: bytes(16),
  });
  const keyEnv = fc.record({
    type: fc.constant(1 as const),
    keyId: fc.string({ minLength: 1, maxLength: 60 }),
    encReqKey: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    encRespKey: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    iv: bytes(12),
    ciphertext: fc.uint8Array({ maxLength: 200 }),
    tag: bytes(16),
  });

  it('round-trips any envelope through build and parse', () => {
    fc.assert(fc.property(fc.oneof(dataEnv, keyEnv), (env: BinaryEnvelope) => {
      expect(parseBinaryEnvelope(buildBinaryEnvelope(env))).toEqual(env);
    }));
  });

  it('never throws anything but a coded envelope error on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, withMagic) => {
      const input = withMagic ? new Uint8Array([0x53, 0x43, 0x02, 1, ...b]) : b;
      try {
        parseBinaryEnvelope(input);
      } catch (e) {
        expect((e as { code: string }).code).toMatch(/^ENVELOPE_/);
      }
    }));
  });
});
