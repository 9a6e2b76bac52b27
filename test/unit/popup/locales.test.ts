import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

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
