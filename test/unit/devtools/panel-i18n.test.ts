/**
 * Every visible panel string goes through the message catalogue (issue #11): a JSX text or a
 * user-facing attribute written as an English literal fails here, and every key the panel uses exists
 * in all five locales.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '../../../src/devtools');
const locales = resolve(import.meta.dirname, '../../../public/_locales');
const files = readdirSync(resolve(root, 'components'))
  .filter((f) => f.endsWith('.tsx'))
  .map((f) => ({ name: `components/${f}`, text: readFileSync(resolve(root, 'components', f), 'utf8') }));

/** Words that are the same in every language (protocol names, units). */
const ALLOWED = new Set(['AAD', 'Hex', 'Base64', 'B', 'sess_…', 'null']);

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('no English literal is rendered as JSX text', () => {
  const offenders: string[] = [];
  for (const f of files) {
    const src = stripComments(f.text);
    // Text between a tag's end and the next tag or expression, e.g. `>Clear<` or `>Copy {x}`.
    // Not after `=>` (an arrow), and followed by a closing tag, an element or an expression (not `Promise<{`).
    for (const m of src.matchAll(/(?<!=)>([^<>{}]*[A-Za-z]{2,}[^<>{}]*)(?=<\/|<[A-Za-z]|\{)/g)) {
      const text = m[1]!.trim();
      if (!text || ALLOWED.has(text)) continue;
      // Skip TypeScript generics and arrows that the regex can catch (`=> x <`, `Array<`).
      if (/[=;()]|\bconst\b|\breturn\b/.test(text)) continue;
      offenders.push(`${f.name}: ${text}`);
    }
  }
  expect(offenders).toEqual([]);
});

test('no English literal in a visible attribute (title, placeholder, label, aria-label)', () => {
  const offenders: string[] = [];
  for (const f of files) {
    for (const m of stripComments(f.text).matchAll(/\b(title|placeholder|label|aria-label)="([^"]*)"/g)) {
      if (/[A-Za-z]{2,}/.test(m[2]!) && !ALLOWED.has(m[2]!)) offenders.push(`${f.name}: ${m[1]}="${m[2]}"`);
    }
  }
  expect(offenders).toEqual([]);
});

test('every message key the panel uses exists in all five locales', () => {
  const all = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
  const used = new Set<string>();
  for (const f of all) for (const m of readFileSync(resolve(root, f), 'utf8').matchAll(/'(p_[A-Za-z0-9_]+)'/g)) used.add(m[1]!);
  expect(used.size).toBeGreaterThan(100);
  for (const l of ['en', 'zh_CN', 'zh_TW', 'ja', 'vi']) {
    const m = JSON.parse(readFileSync(resolve(locales, l, 'messages.json'), 'utf8')) as Record<string, { message: string }>;
    for (const k of used) expect(m[k]?.message, `${l}: ${k}`).toBeTruthy();
  }
});
