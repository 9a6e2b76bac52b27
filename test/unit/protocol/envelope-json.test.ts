import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildJsonEnvelope, buildJsonEnvelopeFromSealed, looksLikeJsonEnvelope, parseJsonEnvelope } from '../../../src/protocol/envelope-json';
import { toBase64, toHex } from '../../../src/protocol/bytes';
import { expectThrowsCode, hex, vectors } from './helpers';

const j = vectors.jsonEnvelopes;

describe('JSON envelope', () => {
  it('parses the standard base64 fixture', () => {
    const env = parseJsonEnvelope(j.request.text);
    expect(env.pEncoding).toBe('base64');
    expect(toHex(env.iv)).toBe(j.request.iv);
    expect(env.tag.length).toBe(16);
  });

  it('parses the base64url fixture to the same parts', () => {
    const a = parseJsonEnvelope(j.request.text);
    const b = parseJsonEnvelope(j.requestBase64Url.text);
    expect(b.pEncoding).toBe('base64url');
    expect(b.iv).toEqual(a.iv);
    expect(b.ciphertext).toEqual(a.ciphertext);
    expect(b.tag).toEqual(a.tag);
  });

  it('parses a whole binary envelope inside p', () => {
    const env = parseJsonEnvelope(j.requestBinaryInside.text);
    expect(env.pEncoding).toBe('binary-envelope');
    expect(env.inner?.type).toBe(2);
    expect(toHex(env.iv)).toBe(j.requestBinaryInside.iv);
    expect(toHex(env.ciphertext)).toBe(vectors.envelopes.type2.ciphertext);
  });

  it('rebuilds the fixture text exactly', () => {
    const env = parseJsonEnvelope(j.request.text);
    expect(buildJsonEnvelope(env)).toBe(j.request.text);
  });

  it('writes standard base64 of IV, ciphertext and tag with v first and no spaces', () => {
    const iv = new Uint8Array(12).fill(1);
    const sealed = new Uint8Array(20).fill(0xfb);
    const text = buildJsonEnvelopeFromSealed(iv, sealed);
    expect(text).toBe(`{"v":2,"p":"${Buffer.concat([iv, sealed]).toString('base64')}"}`);
    expect(text).toContain('+');
  });

  it('tolerates whitespace and extra fields when reading', () => {
    const raw = hex('00'.repeat(12) + 'aa' + '11'.repeat(16));
    const env = parseJsonEnvelope(` { "p" : "${toBase64(raw)}", "v" : 2, "x": 1 }\n`);
    expect(env.ciphertext).toEqual(new Uint8Array([0xaa]));
  });

  it('rejects a wrong version', () => {
    expectThrowsCode(() => parseJsonEnvelope('{"v":1,"p":"AAAA"}'), 'ENVELOPE_BAD_VERSION', 'envelope: bad version');
    expectThrowsCode(() => parseJsonEnvelope('{"v":"2","p":"AAAA"}'), 'ENVELOPE_BAD_VERSION', 'envelope: bad version');
  });

  it('rejects text that is not a {v,p} object', () => {
    for (const t of ['', 'null', '[1]', '{"v":2}', '{"v":2,"p":5}', '{not json}', 'SC']) {
      expectThrowsCode(() => parseJsonEnvelope(t), 'ENVELOPE_MALFORMED', 'envelope: not a {"v":2,"p":…} object');
    }
  });

  it('rejects a p that is not base64', () => {
    expectThrowsCode(() => parseJsonEnvelope('{"v":2,"p":"!!!!"}'), 'ENVELOPE_MALFORMED', 'envelope: p is not base64');
  });

  it('rejects a p shorter than IV plus tag', () => {
    expectThrowsCode(() => parseJsonEnvelope(`{"v":2,"p":"${toBase64(new Uint8Array(27))}"}`), 'ENVELOPE_TRUNCATED', 'envelope: truncated');
  });

  it('says whether text looks like a JSON envelope', () => {
    expect(looksLikeJsonEnvelope(j.request.text)).toBe(true);
    expect(looksLikeJsonEnvelope('{"v":3,"p":"x"}')).toBe(true);
    expect(looksLikeJsonEnvelope('{"success":true}')).toBe(false);
    expect(looksLikeJsonEnvelope('{"v":2,"p":')).toBe(false);
  });

  it('round-trips any IV, ciphertext and tag', () => {
    const parts = fc.record({
      iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
      ciphertext: fc.uint8Array({ maxLength: 300 }),
      tag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    }).filter((p) => !(p.iv[0] === 0x53 && p.iv[1] === 0x43 && p.iv[2] === 2));
    fc.assert(fc.property(parts, (p) => {
      const env = parseJsonEnvelope(buildJsonEnvelope(p));
      expect({ iv: env.iv, ciphertext: env.ciphertext, tag: env.tag }).toEqual(p);
    }));
  });
});

describe('JSON envelope: liberal p', () => {
  it('reads standard base64 that lost its padding', () => {
    const raw = new Uint8Array(29).fill(0xfb); // "+" and "/" heavy, 29 bytes → one "=" of padding
    const p = toBase64(raw).replace(/=+$/, '');
    const env = parseJsonEnvelope(`{"v":2,"p":"${p}"}`);
    expect(env.pEncoding).toBe('base64');
    expect(env.raw).toEqual(raw);
  });
});
