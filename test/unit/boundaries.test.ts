/**
 * The walls between src/ folders (issue #8). A screen that imports the service worker's folder bundles
 * worker code into the page and couples a worker change to what the popup ships; the protocol core must
 * stay pure so the gateway-independent cross-tests mean something; the capture scripts run in the page's
 * process and must not drag the client or the worker in. The rules are data, checked against every
 * relative import (static, re-export and dynamic) of every file under src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

/** [folder the importing file is in, folders it must not import]. */
const RULES: Array<{ from: string[]; forbid: (target: string) => boolean; why: string }> = [
  {
    from: ['popup', 'options', 'devtools', 'ui', 'messaging', 'domain'],
    forbid: (t) => t === 'background',
    why: 'screens, messaging and the shared domain never import the service worker folder',
  },
  { from: ['protocol'], forbid: (t) => t !== 'protocol', why: 'the protocol core imports nothing else of src' },
  { from: ['domain'], forbid: (t) => t !== 'domain' && t !== 'protocol', why: 'the shared domain builds on the protocol core only' },
  { from: ['capture'], forbid: (t) => t === 'background' || t === 'client', why: 'capture imports neither the worker nor the client' },
  {
    from: ['gateway'],
    forbid: (t) => ['client', 'background', 'capture', 'popup', 'options', 'devtools', 'ui', 'messaging', 'domain', 'inspect'].includes(t),
    why: 'the gateway imports neither the client nor the extension',
  },
];

const IMPORT = /(?:\bimport|\bexport)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Top folder under src/ of a relative import, or undefined for packages. */
function topFolder(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const rel = relative(SRC, resolve(dirname(file), spec));
  return rel.split(/[\\/]/)[0];
}

export function violations(files: Array<{ path: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { path, source } of files) {
    const own = relative(SRC, path).split(/[\\/]/)[0]!;
    for (const spec of importsOf(source)) {
      const target = topFolder(path, spec);
      if (!target || target === own) continue;
      for (const rule of RULES) {
        if (rule.from.includes(own) && rule.forbid(target)) out.push(`${relative(ROOT, path)} → ${spec}: ${rule.why}`);
      }
    }
  }
  return out;
}

/** Only Node-only folders (and the door itself) may import zod by package name. */
export function zodDoorViolations(files: Array<{ path: string; source: string }>): string[] {
  return files
    .filter((f) => !['gateway', 'cli'].includes(relative(SRC, f.path).split(/[\\/]/)[0]!) && relative(SRC, f.path) !== join('protocol', 'zod.ts'))
    .filter((f) => importsOf(f.source).some((spec) => spec === 'zod' || spec.startsWith('zod/')))
    .map((f) => relative(ROOT, f.path));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.(ts|tsx)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('folder boundaries', () => {
  const files = walk(SRC).map((path) => ({ path, source: readFileSync(path, 'utf8') }));

  it('no file under src/ crosses a wall', () => {
    expect(violations(files)).toEqual([]);
  });

  it('the shared domain uses no extension API (it runs in the popup, the options page, the worker and Node)', () => {
    const offenders = files
      .filter((f) => relative(SRC, f.path).startsWith('domain'))
      .filter((f) => /\b(chrome|browser)\.[a-z]/.test(f.source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(offenders.map((f) => relative(ROOT, f.path))).toEqual([]);
  });

  it('extension code reaches zod only through src/protocol/zod (zod/mini, jitless set before any schema exists)', () => {
    expect(zodDoorViolations(files)).toEqual([]);
    const fake = (path: string, source: string) => ({ path: join(SRC, path), source });
    expect(
      zodDoorViolations([
        fake('inspect/a.ts', "import { z } from 'zod';"),
        fake('popup/b.tsx', "import * as z from 'zod/mini';"),
        fake('gateway/c.ts', "import { z } from 'zod';"),
        fake('domain/d.ts', "import * as z from '../protocol/zod';"),
      ]),
    ).toHaveLength(2);
  });

  it('catches each kind of crossing (the checker itself can fail)', () => {
    const fake = (path: string, source: string) => ({ path: join(SRC, path), source });
    expect(
      violations([
        fake('popup/X.tsx', "import { a } from '../background/sessions/engine';"),
        fake('messaging/y.ts', "export { b } from '../background/capture/hub';"),
        fake('protocol/z.ts', "import type { C } from '../inspect/exchange';"),
        fake('capture/w.ts', "const m = await import('../client/secure-channel');"),
        fake('gateway/v.ts', "import '../client/auth-client';"),
        fake('domain/u.ts', "import { d } from '../messaging/rpc';"),
        fake('devtools/ok.ts', "import { e } from '../inspect/exchange';\nimport { z } from 'zod';"),
      ]),
    ).toHaveLength(6);
  });
});
