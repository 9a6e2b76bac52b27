import { expect, test } from 'vitest';
import { readBody } from '../../../src/inspect/decrypt-exchange';
import { base64Head, capturedAsciiBody, capturedBody, bodyBytes, bodyAsciiText } from '../../../src/inspect/exchange';
import { detectBodyForm } from '../../../src/protocol/detect';
import { describeEnvelope } from '../../../src/protocol/message';
import { decodeStdBase64, fromBase64 } from '../../../src/protocol/bytes';
import { aesKey, binaryEnvelope, jsonEnvelope, type1Envelope } from './fixtures';

const enc = (s: string) => new TextEncoder().encode(s);

test('readBody agrees with detectBodyForm + describeEnvelope on every form', () => {
  const k = aesKey();
  const jsonEnv = jsonEnvelope(k, '{"a":1}');
  const p = JSON.parse(jsonEnv).p as string;
  const t1 = type1Envelope(k, 'kid', Buffer.alloc(256, 1), Buffer.alloc(256, 2), '{}');
  const bodies: Uint8Array[] = [
    binaryEnvelope(2, k, '{"x":1}'),
    binaryEnvelope(0x81, k, 'plain'),
    t1,
    new Uint8Array([0x53, 0x43, 0x02]),
    new Uint8Array([0x53, 0x43, 0x03, 0x02, 1, 2]),
    enc(jsonEnv),
    enc(`  ${jsonEnv}\n`),
    enc(JSON.stringify({ v: 2, p: p.replace(/=+$/, '') })),
    enc(JSON.stringify({ v: 2, p: p.replace(/\+/g, '-').replace(/\//g, '_') })),
    enc(JSON.stringify({ v: 2, p: Buffer.from(t1).toString('base64') })),
    enc(JSON.stringify({ v: 3, p })),
    enc(JSON.stringify({ v: 2, p: 'AAAA' })),
    enc(JSON.stringify({ v: 2, p: 'A A=' })),
    enc(JSON.stringify({ v: 2, p: '!!!!' })),
    // The SDK's exact shape (read without JSON.parse) and near misses that must take the general path.
    enc(`{"v":2,"p":"${p}","v":3}`),
    enc(`{"v":2,"p":"${p}","p":"AAAA"}`),
    enc(`{"v":2,"p":"${p.slice(0, 8)}\u0041${p.slice(8)}"}`),
    enc(`{"v":2.0,"p":"${p}"}`),
    enc(`{"v":2,"p":"${p}"} `),
    enc(`{"v":2,"p":"${p}=="}`),
    enc('{"a":1}'),
    enc('[1,2]'),
    enc('hello'),
    enc('   '),
    new Uint8Array([0xff, 0xfe, 0x00]),
  ];
  for (const b of bodies) {
    const form = detectBodyForm(b);
    const r = readBody(b);
    if (r.kind === 'done') {
      expect(r.side.form).toBe(form);
      continue;
    }
    expect(r.form).toBe(form);
    let want: unknown;
    try {
      want = describeEnvelope(b);
    } catch (e) {
      want = { code: (e as { code: string }).code };
    }
    expect('error' in r.env ? { code: r.env.error.code } : r.env.anatomy).toEqual(want);
  }
});

test('decodeStdBase64 accepts exactly what fromBase64 accepts', () => {
  const samples = ['', 'AA==', 'AB==', 'AAA=', 'AAB=', 'AAAA', 'A===', 'AA=A', 'A A=', 'AA\n=', 'AA-_', '@@@@', 'AAAAAA==', Buffer.from('hello world!').toString('base64')];
  for (const s of samples) {
    let want: Uint8Array | undefined;
    try {
      want = fromBase64(s);
    } catch {
      want = undefined;
    }
    const got = decodeStdBase64(s);
    expect(got?.bytes, s).toEqual(want);
    if (got) expect(got.canonical, s).toBe(Buffer.from(got.bytes).toString('base64') === s);
  }
});

test('an ASCII body keeps its text and still yields exact bytes and base64', () => {
  const b = capturedAsciiBody('{"v":2,"p":"AAAA"}');
  expect(b).toEqual({ base64: Buffer.from('{"v":2,"p":"AAAA"}').toString('base64'), size: 18, truncated: false });
  expect(bodyAsciiText(b)).toBe('{"v":2,"p":"AAAA"}');
  expect(Buffer.from(bodyBytes(b)!).toString()).toBe('{"v":2,"p":"AAAA"}');
});

test('an ASCII body\'s lazy base64 reads as a plain string everywhere (spread, JSON, structured clone); base64Head agrees', () => {
  for (const text of ['{"v":2,"p":"AAAA"}', 'SC\x02\x01\x05rest', 'SC\x02\x01\x7f', 'SC\x02\x01', 'ab']) {
    const want = Buffer.from(text, 'latin1').toString('base64');
    const b = capturedAsciiBody(text);
    expect({ ...b }).toEqual({ base64: want, size: text.length, truncated: false });
    expect(JSON.parse(JSON.stringify(b))).toEqual({ base64: want, size: text.length, truncated: false });
    expect(structuredClone(b)).toEqual({ base64: want, size: text.length, truncated: false });
    expect(base64Head(b)).toBe(want.slice(0, 8));
    const bytes = Buffer.from(text, 'latin1');
    expect(base64Head(capturedBody(new Uint8Array(bytes), want, false))).toBe(want.slice(0, 8));
  }
});
