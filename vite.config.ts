/**
 * One config, four builds per browser (see `npm run build`):
 *  - default: the extension pages (popup, options, devtools, panel) and the background (ES module)
 *  - `capture-main` / `capture-pair` / `capture-relay`: the content scripts (the relay injected by the worker
 *    on a page's first message, src/background/capture/relay-handler.ts), classic IIFE files with no
 *    run-time imports
 *    (Chrome loads content scripts as classic scripts; architecture.md §5)
 *  - `node`: the `keyhole` CLI and the reference gateway for Node, into dist-node/ — never into dist/
 * KEYHOLE_BROWSER=firefox builds the same sources into dist-firefox/ with Firefox's manifest
 * (scripts/manifest.ts); the default is Chrome into dist/. Files the manifest names keep fixed names.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { manifestFor, type TargetBrowser } from './scripts/manifest.ts';

const root = import.meta.dirname;
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
const browser: TargetBrowser = process.env.KEYHOLE_BROWSER === 'firefox' ? 'firefox' : 'chrome';
const outDir = resolve(root, browser === 'firefox' ? 'dist-firefox' : 'dist');
/** Syntax level: Chrome's minimum_chrome_version, Firefox's strict_min_version (scripts/manifest.ts). */
const target = browser === 'firefox' ? 'firefox140' : 'chrome120';

/** Writes <outDir>/manifest.json, generated for the target browser from the top-level manifest. */
function manifest(): Plugin {
  return {
    name: 'keyhole-manifest',
    apply: 'build',
    writeBundle() {
      const base = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8'));
      mkdirSync(outDir, { recursive: true });
      writeFileSync(resolve(outDir, 'manifest.json'), JSON.stringify(manifestFor(base, browser, pkg.version), null, 2));
    },
  };
}

type ContentScript = 'capture-main' | 'capture-pair' | 'capture-relay';

function contentScript(name: ContentScript): UserConfig {
  return {
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: false,
      target,
      // The hook is minified too since issue #10/#11: the page sees neither its source text nor its
      // functions' names (Function.prototype.toString answers for the natives it wraps), so readability
      // bought nothing, and the cancel-following and private channel grew it past its 6 KB budget.
      minify: true,
      lib: { entry: resolve(root, `src/capture/${name.replace('capture-', '')}.ts`), formats: ['iife'], name: name.replace('-', '_'), fileName: () => `${name}.js` },
    },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'capture-main' || mode === 'capture-pair' || mode === 'capture-relay') return contentScript(mode);
  if (mode === 'node') {
    return {
      publicDir: false,
      build: {
        outDir: 'dist-node',
        emptyOutDir: true,
        ssr: true,
        target: 'node20',
        minify: false,
        rolldownOptions: {
          input: { keyhole: resolve(root, 'src/cli/main.ts') },
          output: { format: 'es', entryFileNames: '[name].js' },
        },
      },
    };
  }
  return {
    root: resolve(root, 'src'),
    publicDir: resolve(root, 'public'),
    base: '',
    plugins: [manifest()],
    build: {
      outDir,
      emptyOutDir: true,
      target,
      // Minified: every context has a gzip budget (scripts/bundle-size.ts, issue #12). KEYHOLE_MINIFY=0:
      // readable names for a CPU profile (the panel bench's BENCH_PROFILE), never for a shipped build.
      minify: process.env.KEYHOLE_MINIFY !== '0',
      modulePreload: false,
      rolldownOptions: {
        input: {
          background: resolve(root, 'src/background/main.ts'),
          popup: resolve(root, 'src/popup/index.html'),
          options: resolve(root, 'src/options/index.html'),
          devtools: resolve(root, 'src/devtools/devtools.html'),
          panel: resolve(root, 'src/devtools/panel.html'),
        },
        output: {
          entryFileNames: (chunk) => (chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js'),
        },
      },
    },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            root,
            include: ['test/unit/**/*.test.ts', 'test/gateway/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/cli/**/*.test.ts'],
            environment: 'node',
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            root,
            include: ['test/e2e/**/*.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 60_000,
            fileParallelism: false,
          },
        },
      ],
    },
  } as UserConfig;
});
