/**
 * Real-Firefox harness (issue #13; architecture.md §5b): Debian's firefox-esr driven over WebDriver BiDi
 * by puppeteer-core, the built dist-firefox/ installed as a temporary add-on. Never downloads a browser.
 * Playwright is not used here: it drives only its own patched Firefox, which cannot be downloaded.
 *
 * Two test-only affordances, both outside the packaged build:
 *  - BiDi refuses to navigate to moz-extension:// URLs, so the harness installs a *copy* of
 *    dist-firefox/ whose manifest also lists the extension pages as web_accessible_resources for
 *    http://127.0.0.1/*; a loopback page then navigates itself there (a top-level extension page, with
 *    the extension's own origin, exactly as when the user opens it). The build itself has no such entry.
 *  - a fixed internal UUID for the add-on (pref extensions.webextensions.uuids), so the harness knows
 *    the moz-extension:// origin without asking the extension.
 * The pref extensions.webextensions.warnings-as-errors turns every manifest warning into an install
 * error, so "installs" means "installs with no errors and no warnings"; extensions.webextOptionalPermissionPrompts
 * off answers permissions.request without a prompt (there is nobody to click it).
 * `--remote-allow-system-access` lets the test run Firefox's own network-monitor code (chromeEval).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../scripts/manifest';

export const DIST_FIREFOX = process.env.KEYHOLE_DIST_FIREFOX ?? resolve(import.meta.dirname, '../../dist-firefox');
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';
export const EXTENSION_UUID = '6b1f2a9e-4c3d-4e5f-8a7b-0c1d2e3f4a5b';
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

export interface FirefoxExtension {
  browser: Browser;
  addonId: string;
  /** Opens an extension page (e.g. 'popup/index.html') in a new tab, going through a page of `loopback`. */
  openExtensionPage(path: string, loopback: string): Promise<Page>;
  /**
   * Evaluates `expression` (a string, or a promise of one) in Firefox's privileged browser scope, where
   * its DevTools modules can be imported: the real code, not a model of it.
   */
  chromeEval(expression: string): Promise<string>;
  close(): Promise<void>;
}

/** A copy of the build with the test-only web_accessible_resources entry (see above). */
function testCopy(): string {
  if (!existsSync(join(DIST_FIREFOX, 'manifest.json'))) throw new Error(`no Firefox build in ${DIST_FIREFOX}: run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'keyhole-ff-ext-'));
  cpSync(DIST_FIREFOX, dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  if (m.web_accessible_resources) throw new Error('dist-firefox/manifest.json already has web_accessible_resources: the test affordance would leak');
  m.web_accessible_resources = [{ resources: ['popup/*', 'options/*', 'devtools/*', 'blank.html'], matches: ['http://127.0.0.1/*'] }];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function launchFirefoxExtension(): Promise<FirefoxExtension> {
  const ext = testCopy();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      'extensions.webextensions.warnings-as-errors': true,
      // permissions.request grants without the doorhanger a headless test cannot click (Grant access test)
      'extensions.webextOptionalPermissionPrompts': false,
    },
  });
  let addonId: string;
  try {
    addonId = await browser.installExtension(ext);
  } catch (e) {
    await browser.close().catch(() => {});
    rmSync(ext, { recursive: true, force: true });
    throw e;
  }
  return {
    browser,
    addonId,
    async openExtensionPage(path, loopback) {
      const page = await browser.newPage();
      await page.goto(loopback);
      const target = `${EXTENSION_ORIGIN}/${path}`;
      await page.evaluate((u) => void (location.href = u), target);
      // BiDi does not report this navigation as one of its own: poll the document until it is ours.
      for (let i = 0; i < 200; i++) {
        const ready = await page.evaluate(() => location.href.startsWith('moz-extension:') && document.readyState === 'complete').catch(() => false);
        if (ready) return page;
        await sleep(50);
      }
      throw new Error(`openExtensionPage: ${target} did not load`);
    },
    async chromeEval(expression) {
      type Send = (method: string, params: unknown) => Promise<{ result: any }>;
      const connection = (browser as unknown as { connection: { send: Send } }).connection;
      const { result: tree } = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
      const context = (tree.contexts as Array<{ context: string }>)[0]!.context;
      const { result } = await connection.send('script.evaluate', { expression, target: { context }, awaitPromise: true });
      if (result.type !== 'success') throw new Error(`chromeEval: ${JSON.stringify(result.exceptionDetails?.text ?? result)}`);
      return result.result.value as string;
    },
    async close() {
      await browser.close().catch(() => {});
      rmSync(ext, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` in the page until it returns something truthy. */
export async function waitInPage<T, A>(page: Page, fn: (arg: A) => T | Promise<T>, arg: A, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await page.evaluate(fn as never, arg as never);
      if (last) return last as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`waitInPage timed out (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(100);
  }
}
