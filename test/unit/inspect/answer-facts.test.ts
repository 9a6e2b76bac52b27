import { describe, expect, it } from 'vitest';
import { answerFacts } from '../../../src/inspect/answer-facts';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What decryptExchange derives from an answer's JSON: the code column and the follow check's token pair. */
function derived(json: unknown): { code?: string; follow: boolean; tokens?: [unknown, unknown] } {
  const code = isRecord(json) ? json.code : undefined;
  const data = isRecord(json) ? json.data : undefined;
  const follow = isRecord(data) && typeof data.refreshToken === 'string' && typeof data.accessToken === 'string';
  return {
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    follow,
    ...(follow ? { tokens: [data.accessToken, data.refreshToken] as [unknown, unknown] } : {}),
  };
}

/** The reference: the lenient text JSON.parse'd, undefined when it does not parse (decryptExchange's old path). */
function parsed(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

/** Sound: whenever answerFacts answers, it reads as JSON.parse does for everything the callers derive. */
function check(s: string): 'sure' | 'unsure' {
  const facts = answerFacts(bytes(s));
  if (facts === undefined) return 'unsure';
  let json: unknown;
  expect(() => (json = JSON.parse(s)), `answered for text JSON.parse rejects: ${JSON.stringify(s)}`).not.toThrow();
  expect(derived(facts), s).toEqual(derived(json));
  return 'sure';
}

// A small deterministic PRNG (mulberry32), so a failure names a reproducible case.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['code', 'data', 'accessToken', 'refreshToken', 'message', 'x', 'codes', 'Data', ''];
const NUMBERS = ['0', '-0', '2000', '-12', '1.5', '1e3', '1E+2', '2.50e-3', '123456789012345678901234', '1e400'];
const STRINGS = ['2000', '', 'SUCCESS', 'a"b', 'a\\b', 'tab\there', 'é', '\u2028', 'eyJ.1'];

function value(r: () => number, depth: number): string {
  const k = Math.floor(r() * (depth > 3 ? 4 : 6));
  if (k === 0) return NUMBERS[Math.floor(r() * NUMBERS.length)];
  if (k === 1) return JSON.stringify(STRINGS[Math.floor(r() * STRINGS.length)]);
  if (k === 2) return ['true', 'false', 'null'][Math.floor(r() * 3)];
  if (k === 3) return JSON.stringify(STRINGS[Math.floor(r() * STRINGS.length)] + String(Math.floor(r() * 100)));
  const w = () => [' ', '', '\n', '\t', '\r\n', ''][Math.floor(r() * 6)];
  const count = Math.floor(r() * 5);
  const parts: string[] = [];
  if (k === 4) {
    for (let j = 0; j < count; j++) parts.push(`${w()}${value(r, depth + 1)}${w()}`);
    return `[${parts.join(',')}]`;
  }
  for (let j = 0; j < count; j++) parts.push(`${w()}${JSON.stringify(KEYS[Math.floor(r() * KEYS.length)])}${w()}:${w()}${value(r, depth + 1)}${w()}`);
  return `{${parts.join(',')}}`;
}

/** An answer shaped like the gateway's: the standard envelope with a token pair, keys in random order. */
function answer(r: () => number): string {
  const token = () => JSON.stringify(Math.floor(r() * 1e9).toString(36));
  const fields = [`"code":${r() < 0.8 ? '"2000"' : NUMBERS[Math.floor(r() * NUMBERS.length)]}`, '"message":"SUCCESS"', '"success":true', `"data":{"accessToken":${token()},"refreshToken":${token()},"expiresIn":3600,"pad":"${'y'.repeat(Math.floor(r() * 900))}"}`];
  fields.sort(() => r() - 0.5);
  return `{${fields.join(',')}}`;
}

function mutate(r: () => number, s: string): string {
  const at = Math.floor(r() * (s.length + 1));
  const pick = '{}[],:"\\ \n0-eE.tfnu1aé\u0001';
  const ch = pick[Math.floor(r() * pick.length)];
  const op = Math.floor(r() * 3);
  if (op === 0) return s.slice(0, at) + ch + s.slice(at);
  if (op === 1) return s.slice(0, at) + s.slice(at + 1);
  return s.slice(0, at) + ch + s.slice(at + 1);
}

describe('answerFacts', () => {
  it('reads the gateway’s standard answer without decoding it (sure), as JSON.parse does', () => {
    const s = JSON.stringify({ version: '2.0.0', timestamp: 1, success: true, code: '2000', message: 'SUCCESS', data: { accessToken: 'eyJ.1', refreshToken: 'r1', expiresIn: 3600 } });
    expect(check(s)).toBe('sure');
    expect(answerFacts(bytes(s))).toEqual({ code: '2000', data: { accessToken: 'eyJ.1', refreshToken: 'r1' } });
  });

  it('follows JSON.parse on the cases that matter to the code column and the follow check', () => {
    const cases: Array<[string, 'sure' | 'unsure']> = [
      ['{"code":2000}', 'sure'],
      ['{"code":-0}', 'sure'],
      ['{"code":1e3}', 'sure'],
      ['{"code":"1","code":"2"}', 'sure'], // the last duplicate wins
      ['{"data":{"accessToken":"a","refreshToken":"r"},"data":null}', 'sure'],
      ['{"data":{"accessToken":"a","refreshToken":"r"},"data":[1]}', 'sure'],
      ['{"data":{"accessToken":"a","refreshToken":{"x":1}}}', 'sure'],
      ['{"data":{"accessToken":"a","accessToken":1,"refreshToken":"r"}}', 'sure'],
      ['{"x":{"code":"inner","data":{"accessToken":"a","refreshToken":"r"}}}', 'sure'],
      ['{"data":{"inner":{"accessToken":"a","refreshToken":"r"}}}', 'sure'],
      ['[{"code":"1"}]', 'sure'],
      ['"code"', 'sure'],
      ['  {\t"code"\r\n:\n"7" }  ', 'sure'],
      ['{}', 'sure'],
      ['{"code":true,"data":"x"}', 'sure'],
      ['{"co\\u0064e":"1"}', 'unsure'], // an escaped key may be one of ours: the text path decides
      ['{"code":"a\\"b"}', 'unsure'],
      ['{"code":"é"}', 'unsure'],
      ['\uFEFF{"code":"1"}', 'unsure'],
      ['{"code":"1",}', 'unsure'],
      ['{"code":01}', 'unsure'],
      ['{"code":"1"} x', 'unsure'],
      ['{"code":"1"', 'unsure'],
      ['', 'unsure'],
      ['{"code":"\u0001"}', 'unsure'],
      ['{"a":"\\x"}', 'unsure'],
      ['{"a":"\\u12"}', 'unsure'],
      ['{"a":-}', 'unsure'],
      ['{"a":1.}', 'unsure'],
      ['{"a":1e}', 'unsure'],
      ['{"a":tru}', 'unsure'],
      ['{"a" 1}', 'unsure'],
      ['{"a":1 "b":2}', 'unsure'],
      ['[1,]', 'unsure'],
    ];
    for (const [s, want] of cases) expect(check(s), s).toBe(want);
  });

  it('answers only where JSON.parse agrees, over generated and mutated JSON', () => {
    const r = rng(12);
    let sure = 0;
    let total = 0;
    for (let k = 0; k < 4000; k++) {
      const base = k % 2 ? answer(r) : value(r, 0);
      for (const s of [base, mutate(r, base), mutate(r, mutate(r, base))]) {
        total++;
        if (check(s) === 'sure') sure++;
      }
    }
    // Most inputs are plain: the fast path is the one taken (this fails if it never answers).
    expect(sure / total).toBeGreaterThan(0.4);
  });

  it('never throws, whatever the bytes', () => {
    const r = rng(7);
    for (let k = 0; k < 2000; k++) {
      const b = new Uint8Array(Math.floor(r() * 40)).map(() => Math.floor(r() * 256));
      const facts = answerFacts(b);
      if (facts !== undefined) {
        const s = new TextDecoder().decode(b);
        expect(derived(facts)).toEqual(derived(parsed(s)));
      }
    }
  });
});
