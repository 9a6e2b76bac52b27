/**
 * `npm run bench`: runs every test/bench/*.bench.ts in turn. Each file measures our path against a
 * baseline in the same run and prints the ratio; nothing here asserts a speed (speed is measured, not
 * tested). A failing bench is reported and the others still run; the exit code says whether all ran.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  // In-process benches first: right after a browser bench, Chromium's processes are still exiting and
  // took a CPU-bound loop's baseline and ours apart (envelope 64 KiB: 0.50–0.77× there, 0.96–1.04× alone).
  .sort((a, b) => Number(launchesBrowser(a)) - Number(launchesBrowser(b)));

function launchesBrowser(file: string): boolean {
  return /launchExtension|launchPlainBrowser/.test(readFileSync(join(dir, file), 'utf8'));
}

/** 1-minute load average: ratios on a loaded machine move, so each bench says what it ran under. */
const load = () => loadavg()[0]!.toFixed(2);

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}   (load average ${load()} at start, ${new Date().toISOString().slice(11, 19)} UTC)`);
  const started = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') throw new Error('exports no run()');
    await mod.run();
  } catch (e) {
    failed++;
    console.error(`bench ${file} failed:`, e instanceof Error ? e.stack : e);
  }
  console.log(`(${file}: ${((performance.now() - started) / 1000).toFixed(1)} s, load average ${load()} at the end)`);
}
process.exit(failed ? 1 : 0);
