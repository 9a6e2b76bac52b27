import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const dir = resolve(import.meta.dirname, '../../../public/_locales');
const load = (l: string) => JSON.parse(readFileSync(resolve(dir, l, 'messages.json'), 'utf8')) as Record<string, { message: string }>;

test('all five locales carry every key the English file has, with the same placeholders', () => {
  const en = load('en');
  const locales = readdirSync(dir);
  expect(locales.sort()).toEqual(['en', 'ja', 'vi', 'zh_CN', 'zh_TW']);
  for (const l of locales) {
    const m = load(l);
    for (const [k, v] of Object.entries(en)) {
      expect(m[k]?.message, `${l}:${k}`).toBeTruthy();
      const ph = (s: string) => (s.match(/\$\d/g) ?? []).sort().join();
      expect(ph(m[k]!.message), `${l}:${k}`).toBe(ph(v.message));
    }
  }
});

test('every key the popup and options pages use exists', () => {
  const en = load('en');
  const src = ['popup/App.tsx', 'popup/SessionCard.tsx', 'popup/SignInForm.tsx', 'options/App.tsx', 'options/EnvironmentForm.tsx']
    .map((f) => readFileSync(resolve(import.meta.dirname, '../../../src', f), 'utf8'))
    .join('\n');
  const used = [...src.matchAll(/\bt\('([A-Za-z_]+)'/g)].map((m) => m[1]!);
  for (const k of used) expect(en[k], k).toBeDefined();
});

describe('t(): one getMessage per plain string', () => {
  test('a string without substitutions is asked once; with substitutions every time; a new catalogue starts afresh', async () => {
    const { t } = await import('../../../src/ui/i18n');
    const calls: string[] = [];
    const stub = (word: string) => ({ i18n: { getMessage: (k: string, s?: string | string[]) => (calls.push(k), k === 'missing' ? '' : `${word}:${k}${s ? `:${s}` : ''}`) } });
    const g = globalThis as { chrome?: unknown };
    const before = g.chrome;
    try {
      g.chrome = stub('en');
      expect([t('a'), t('a'), t('missing'), t('missing')]).toEqual(['en:a', 'en:a', 'missing', 'missing']);
      expect([t('b', 'x'), t('b', 'x')]).toEqual(['en:b:x', 'en:b:x']);
      expect(calls).toEqual(['a', 'missing', 'b', 'b']);
      g.chrome = stub('ja');
      expect(t('a')).toBe('ja:a');
    } finally {
      g.chrome = before;
    }
    expect(t('a')).toBe('a'); // outside an extension: the key
  });
});
