/**
 * Real-browser harness: Debian's Chromium with the built extension from dist/ (architecture.md §5).
 * Never downloads a browser. One browser per test file; a fresh profile directory each launch.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export const DIST = resolve(import.meta.dirname, '../../dist');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  /** The current service worker (it changes after the worker is stopped and restarted). */
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

export async function launchExtension(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<ExtensionBrowser> {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error(`no built extension in ${DIST}: run npm run build`);
  const profile = mkdtempSync(join(tmpdir(), 'keyhole-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    colorScheme: options.colorScheme ?? 'light',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${DIST}`,
      `--load-extension=${DIST}`,
    ],
  });
  const serviceWorker = async (): Promise<Worker> => {
    const live = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
    return live ?? context.waitForEvent('serviceworker', { timeout: 15_000 });
  };
  const extensionId = new URL((await serviceWorker()).url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function openExtensionPage(b: ExtensionBrowser, path: string): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`chrome-extension://${b.extensionId}/${path}`);
  return page;
}

export const openPopup = (b: ExtensionBrowser) => openExtensionPage(b, 'popup/index.html');

/** Stops the extension's service worker the way Chrome does when it idles (CDP ServiceWorker domain). */
export async function stopServiceWorker(b: ExtensionBrowser): Promise<void> {
  const cdp = await b.context.browser()!.newBrowserCDPSession().catch(() => null);
  const page = b.context.pages()[0] ?? (await b.context.newPage());
  const session = cdp ?? (await b.context.newCDPSession(page));
  await session.send('ServiceWorker.enable' as never).catch(() => {});
  await session.send('ServiceWorker.stopAllWorkers' as never);
}
