import { expect, test } from 'vitest';
import {
  CAPTURE_ORIGINS_KEY,
  MAX_CAPTURE_ORIGINS,
  normalizeCaptureOrigin,
  parseCaptureOrigins,
  readCaptureOrigins,
  updateCaptureOrigins,
  validateNewCaptureOrigin,
  type LocalArea,
} from '../../../src/domain/capture-origins';

test('origins are normalized to scheme://host[:port]', () => {
  const ok = (s: string) => {
    const r = normalizeCaptureOrigin(s);
    if (!r.ok) throw new Error(`${s}: ${r.code}`);
    return r.origin;
  };
  expect(ok('https://App.Example.COM')).toBe('https://app.example.com');
  expect(ok('  https://app.example.com/  ')).toBe('https://app.example.com');
  expect(ok('https://app.example.com:443')).toBe('https://app.example.com');
  expect(ok('http://app.example.com:80/')).toBe('http://app.example.com');
  expect(ok('HTTP://app.example.com:8080')).toBe('http://app.example.com:8080');
  expect(ok('http://10.0.0.5:3000')).toBe('http://10.0.0.5:3000');
  expect(ok('http://[::1]:5173')).toBe('http://[::1]:5173');
  expect(ok('https://bücher.example')).toBe('https://xn--bcher-kva.example');
});

test('bad input is refused with a stable code', () => {
  const code = (s: string) => {
    const r = normalizeCaptureOrigin(s);
    return r.ok ? `ok:${r.origin}` : r.code;
  };
  expect(code('')).toBe('EMPTY');
  expect(code('   ')).toBe('EMPTY');
  expect(code('app.example.com')).toBe('NO_SCHEME');
  expect(code('localhost:3000')).toBe('BAD_SCHEME'); // "localhost:" reads as a scheme
  expect(code('ftp://files.example.com')).toBe('BAD_SCHEME');
  expect(code('chrome://extensions')).toBe('BAD_SCHEME');
  expect(code('file:///etc/passwd')).toBe('BAD_SCHEME');
  expect(code('https:app.example.com')).toBe('NOT_URL');
  expect(code('https://')).toBe('NOT_URL');
  expect(code('https://exa mple.com')).toBe('NOT_URL');
  expect(code('https://app.example.com/portal')).toBe('HAS_PATH');
  expect(code('https://app.example.com/?x=1')).toBe('HAS_PATH');
  expect(code('https://app.example.com#top')).toBe('HAS_PATH');
  expect(code('https://app.example.com?')).toBe('HAS_PATH');
  expect(code('https://user:pw@app.example.com')).toBe('HAS_CREDENTIALS');
  expect(code('https://*.example.com')).toBe('WILDCARD');
});

test('duplicates are refused after normalization; the list is bounded', () => {
  expect(validateNewCaptureOrigin('https://APP.example.com/', ['https://app.example.com'])).toEqual({ ok: false, code: 'DUPLICATE' });
  expect(validateNewCaptureOrigin('https://app.example.com:8443', ['https://app.example.com'])).toEqual({ ok: true, origin: 'https://app.example.com:8443' });
  const full = Array.from({ length: MAX_CAPTURE_ORIGINS }, (_, i) => `https://h${i}.example.com`);
  expect(validateNewCaptureOrigin('https://new.example.com', full)).toEqual({ ok: false, code: 'TOO_MANY' });
  expect(validateNewCaptureOrigin('nope', [])).toEqual({ ok: false, code: 'NO_SCHEME' });
});

test('the stored list is validated on read: junk, non-normalized entries and duplicates are dropped', () => {
  expect(parseCaptureOrigins(undefined)).toEqual([]);
  expect(parseCaptureOrigins('https://a.example')).toEqual([]);
  expect(parseCaptureOrigins({ 0: 'https://a.example' })).toEqual([]);
  expect(
    parseCaptureOrigins(['https://a.example', 42, 'https://A.example', 'https://a.example', 'javascript:alert(1)', 'https://b.example/path', 'http://b.example:8080']),
  ).toEqual(['https://a.example', 'http://b.example:8080']);
});

test('read-modify-write goes through a fresh read of storage', async () => {
  const data: Record<string, unknown> = { [CAPTURE_ORIGINS_KEY]: ['https://a.example'] };
  const area: LocalArea = {
    get: async (keys) => Object.fromEntries(keys.filter((k) => k in data).map((k) => [k, structuredClone(data[k])])),
    set: async (items) => void Object.assign(data, structuredClone(items)),
  };
  expect(await readCaptureOrigins(area)).toEqual(['https://a.example']);
  // Another tab added one meanwhile: the update sees it.
  data[CAPTURE_ORIGINS_KEY] = ['https://a.example', 'https://b.example'];
  expect(await updateCaptureOrigins(area, (l) => [...l, 'https://c.example', 'bad'])).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
  expect(data[CAPTURE_ORIGINS_KEY]).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
});
