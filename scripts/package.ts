/**
 * `npm run package` (after `npm run build`): store-ready zips of both builds and the source archive the
 * Firefox add-on review asks for, in packages/ (issue #13).
 *
 *  1. stage each build without its test-only files (blank.html: an empty extension page the e2e tests
 *     and the bench open), so that what is linted is exactly what is zipped;
 *  2. `web-ext lint` each staged build (offline): any error fails, and so does a warning that is not
 *     in KNOWN_WARNINGS — each of those is explained in README "Packaging";
 *  3. `web-ext build` → keyhole-chrome-<version>.zip, keyhole-firefox-<version>.zip;
 *  4. `git archive HEAD` → keyhole-source-<version>.zip (the committed sources; a dirty tree is reported).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'packages');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const webExt = join(root, 'node_modules/.bin/web-ext');

/** Files in dist/ and dist-firefox/ that only tests use. */
export const TEST_ONLY = ['blank.html'];

/** web-ext lint warnings that are expected, with the README's reason in short. */
export const KNOWN_WARNINGS: Record<string, string> = {
  UNSAFE_VAR_ASSIGNMENT: "Preact's renderer (dangerouslySetInnerHTML support); Keyhole never uses it",
  BACKGROUND_SERVICE_WORKER_IGNORED: "Chrome package: its dual background entry, service_worker for Chrome and scripts for Firefox",
  KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION: 'Keyhole is a desktop DevTools extension; it does not declare Firefox for Android',
};

interface LintMessage {
  code: string;
  message: string;
  file?: string;
}

function lint(dir: string, label: string): void {
  let json: string;
  try {
    json = execFileSync(webExt, ['lint', '--source-dir', dir, '--output', 'json', '--no-config-discovery'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    json = (e as { stdout?: string }).stdout ?? ''; // exits non-zero on errors; the JSON says which
  }
  const report = JSON.parse(json) as { errors: LintMessage[]; warnings: LintMessage[]; notices: LintMessage[] };
  for (const m of report.errors) console.error(`  ${label} error ${m.code} ${m.file ?? ''}: ${m.message}`);
  const unknown = report.warnings.filter((w) => !(w.code in KNOWN_WARNINGS));
  for (const w of report.warnings) console.log(`  ${label} warning ${w.code} ${w.file ?? ''}${w.code in KNOWN_WARNINGS ? ` — ${KNOWN_WARNINGS[w.code]}` : ' — NOT EXPLAINED'}`);
  console.log(`${label}: web-ext lint ${report.errors.length} errors, ${report.warnings.length} warnings, ${report.notices.length} notices`);
  if (report.errors.length > 0) throw new Error(`${label}: web-ext lint found errors`);
  if (unknown.length > 0) throw new Error(`${label}: unexplained web-ext lint warnings ${unknown.map((w) => w.code).join(', ')} (explain them in README "Packaging" and KNOWN_WARNINGS)`);
}

function stage(from: string, name: string): string {
  if (!existsSync(join(from, 'manifest.json'))) throw new Error(`no build in ${from}: run npm run build`);
  const dir = join(out, 'stage', name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(from, dir, { recursive: true });
  for (const f of TEST_ONLY) rmSync(join(dir, f), { force: true });
  return dir;
}

function zip(dir: string, file: string): void {
  execFileSync(webExt, ['build', '--source-dir', dir, '--artifacts-dir', out, '--filename', file, '--overwrite-dest', '--no-config-discovery'], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`  ${join('packages', file)}`);
}

function main(): void {
  mkdirSync(out, { recursive: true });
  const builds = [
    { from: join(root, 'dist'), name: 'chrome' },
    { from: join(root, 'dist-firefox'), name: 'firefox' },
  ];
  for (const b of builds) {
    const dir = stage(b.from, b.name);
    lint(dir, b.name);
    zip(dir, `keyhole-${b.name}-${version}.zip`);
  }
  const source = join(out, `keyhole-source-${version}.zip`);
  const tmp = `${source}.tmp`;
  execFileSync('git', ['archive', '--format=zip', `--prefix=keyhole-${version}/`, '-o', tmp, 'HEAD'], { cwd: root });
  renameSync(tmp, source);
  console.log(`  ${join('packages', `keyhole-source-${version}.zip`)} (git HEAD; build with: npm ci && npm run build)`);
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
  if (dirty) console.warn('  note: the working tree has uncommitted changes; the source archive holds HEAD only');
  rmSync(join(out, 'stage'), { recursive: true, force: true });
}

main();
