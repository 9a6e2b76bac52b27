#!/usr/bin/env node
// Launcher for the `keyhole` CLI. The CLI itself is TypeScript, bundled by `npm run build` into
// dist-node/keyhole.js (an ES module exporting `main`). Plain JS on purpose: no build step for this file.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const bundle = new URL('../dist-node/keyhole.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('keyhole: dist-node/keyhole.js not found: run npm run build first\n');
  process.exit(1);
}
const { main } = await import(bundle.href);
// exitCode instead of exit(): `keyhole gateway` keeps its server running after main() returns.
process.exitCode = await main(process.argv.slice(2));
