/**
 * Bundle budgets (issue #12): for each extension context, the gzip -9 size of every JS file it loads,
 * found from dist/manifest.json and the HTML entry points and followed through the files' imports
 * (static and dynamic: a lazily loaded chunk is still paid by the context that loads it). Printed
 * against its budget; sizes in KB of 1024 bytes.
 *
 *   npx tsx scripts/bundle-size.ts [dist]      (exit code 1 when a budget is exceeded)
 *
 * `npm run bench` runs it too (test/bench/bundle-size.bench.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface ContextSize {
  context: string;
  files: Array<{ file: string; gzip: number }>;
  gzip: number;
  budget?: number;
}

const KB = 1024;

/** src/background/capture/dynamic-scripts.ts RELAY_FILE (scripts do not import the extension's sources). */
const ON_DEMAND_RELAY = 'capture-relay.js';

/** Budgets in bytes (gzip -9). */
export const BUDGETS: Record<string, number> = {
  'MAIN-world hook': 6 * KB,
  'ISOLATED relay': 10 * KB,
  popup: 25 * KB,
  options: 25 * KB,
  'service worker': 45 * KB,
  'DevTools panel': 70 * KB,
};

interface Manifest {
  background?: { service_worker?: string; scripts?: string[] };
  action?: { default_popup?: string };
  options_ui?: { page?: string };
  options_page?: string;
  devtools_page?: string;
  content_scripts?: Array<{ js?: string[]; world?: string }>;
}

/** Bundler output (minified or not): `from "./x.js"`, `import "./x.js"`, `import("./x.js")`, any quotes. */
const IMPORTS = /\b(?:from|import)\s*\(?\s*["'`](\.\.?\/[^"'`]+\.js)["'`]/g;

/** The JS files one script loads, itself first, following relative imports (paths relative to dist). */
function closure(dist: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    // A match naming no file in dist/ is text (a comment, a string), not an import.
    if (seen.has(file) || !existsSync(join(dist, file))) return;
    seen.add(file);
    const src = readFileSync(join(dist, file), 'utf8');
    for (const m of src.matchAll(IMPORTS)) {
      const spec = m[1]!;
      visit(posix.normalize(posix.join(posix.dirname(file), spec)));
    }
  };
  for (const e of entries) {
    if (!existsSync(join(dist, e))) throw new Error(`bundle-size: ${e} is named as an entry but is not in ${dist}`);
    visit(e);
  }
  return [...seen];
}

/** Module and classic scripts an HTML page loads, relative to dist. */
function htmlScripts(dist: string, page: string): string[] {
  const html = readFileSync(join(dist, page), 'utf8');
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => posix.normalize(posix.join(posix.dirname(page), m[1]!)));
}

/**
 * The page(s) the DevTools page registers with `chrome.devtools.panels.create(title, icon, page)`: every
 * `.html` literal its scripts hold that names a page in dist/ (the path is per browser, so it is computed,
 * not a literal argument), read from the extension root or from the DevTools page's folder.
 */
function panelPages(dist: string, devtoolsPage: string, devtoolsScripts: string[]): string[] {
  const out = new Set<string>();
  for (const f of devtoolsScripts) {
    const src = readFileSync(join(dist, f), 'utf8');
    for (const m of src.matchAll(/["'`]([\w./-]+\.html)["'`]/g)) {
      const name = m[1]!.replace(/^\//, '');
      for (const candidate of [posix.normalize(name), posix.normalize(posix.join(posix.dirname(devtoolsPage), name))]) {
        if (candidate !== devtoolsPage && existsSync(join(dist, candidate))) out.add(candidate);
      }
    }
  }
  return [...out];
}

export function measure(dist = resolve(import.meta.dirname, '../dist')): ContextSize[] {
  const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as Manifest;
  const contexts: Array<[string, string[]]> = [];
  const cs = manifest.content_scripts ?? [];
  contexts.push(['MAIN-world hook', cs.filter((c) => c.world === 'MAIN').flatMap((c) => c.js ?? [])]);
  // Plus the relay proper, which the worker injects into that world on a document's first message
  // (src/background/capture/relay-handler.ts): no content script of its own, still paid by the page.
  const isolated = cs.filter((c) => c.world !== 'MAIN').flatMap((c) => c.js ?? []);
  contexts.push(['ISOLATED relay', [...isolated, ...(existsSync(join(dist, ON_DEMAND_RELAY)) && !isolated.includes(ON_DEMAND_RELAY) ? [ON_DEMAND_RELAY] : [])]]);
  if (manifest.action?.default_popup) contexts.push(['popup', htmlScripts(dist, manifest.action.default_popup)]);
  const options = manifest.options_ui?.page ?? manifest.options_page;
  if (options) contexts.push(['options', htmlScripts(dist, options)]);
  // Firefox runs the same module as a background script (event page).
  const background = manifest.background?.service_worker ? [manifest.background.service_worker] : (manifest.background?.scripts ?? []);
  if (background.length) contexts.push(['service worker', background]);
  if (manifest.devtools_page) {
    const devtools = htmlScripts(dist, manifest.devtools_page);
    contexts.push(['DevTools page', devtools]);
    for (const p of panelPages(dist, manifest.devtools_page, closure(dist, devtools))) contexts.push(['DevTools panel', htmlScripts(dist, p)]);
  }
  const gz = new Map<string, number>();
  const gzipOf = (f: string) => {
    if (!gz.has(f)) gz.set(f, gzipSync(readFileSync(join(dist, f)), { level: 9 }).length);
    return gz.get(f)!;
  };
  return contexts.map(([context, entries]) => {
    const files = closure(dist, [...new Set(entries)]).map((file) => ({ file, gzip: gzipOf(file) }));
    return { context, files, gzip: files.reduce((a, f) => a + f.gzip, 0), budget: BUDGETS[context] };
  });
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;

/** The table `npm run bench` prints; returns whether every budget holds. */
export function report(sizes: ContextSize[], verbose = false): boolean {
  let ok = true;
  console.log('context           gzip -9     budget    files');
  for (const s of sizes) {
    const over = s.budget !== undefined && s.gzip > s.budget;
    if (over) ok = false;
    const verdict = s.budget === undefined ? '(no budget)' : `≤ ${kb(s.budget)}${over ? '  OVER' : ''}`;
    console.log(`${s.context.padEnd(17)} ${kb(s.gzip).padStart(9)}   ${verdict.padEnd(9)} ${s.files.length}`);
    if (verbose) for (const f of s.files) console.log(`    ${kb(f.gzip).padStart(9)}  ${f.file}`);
  }
  return ok;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const dist = resolve(process.argv.find((a, i) => i > 1 && !a.startsWith('-')) ?? join(dirname(import.meta.dirname), 'dist'));
  if (!existsSync(join(dist, 'manifest.json'))) {
    console.error(`no ${relative(process.cwd(), join(dist, 'manifest.json'))}: run npm run build first`);
    process.exit(2);
  }
  process.exit(report(measure(dist), process.argv.includes('-v')) ? 0 : 1);
}
