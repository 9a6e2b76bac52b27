/**
 * The cheaper way to test the panel UI (architecture.md §5): open devtools/panel.html as a normal
 * extension tab with `chrome.devtools` stubbed by an init script. The panel still talks to the real
 * service worker over its port, for the tab id given here.
 */
import type { Page } from 'playwright-core';
import type { ExtensionBrowser } from './harness';

/** The extension's tab id for the page at `url` (the SW sees URLs of hosts it has permission for). */
export async function tabIdOf(b: ExtensionBrowser, url: string): Promise<number> {
  const sw = await b.serviceWorker();
  return sw.evaluate(async (u) => {
    const tabs = await chrome.tabs.query({});
    const t = tabs.find((x) => x.url === u);
    if (t?.id === undefined) throw new Error(`no tab for ${u}`);
    return t.id;
  }, url);
}

export async function openPanelAsTab(b: ExtensionBrowser, tabId: number, o: { dark?: boolean; width?: number; height?: number } = {}): Promise<Page> {
  const page = await b.context.newPage();
  await page.setViewportSize({ width: o.width ?? 1280, height: o.height ?? 640 });
  await page.addInitScript(
    ({ tabId, dark }) => {
      const noop = { addListener() {}, removeListener() {} };
      (globalThis as unknown as { chrome: Record<string, unknown> }).chrome.devtools = {
        inspectedWindow: { tabId },
        panels: { themeName: dark ? 'dark' : 'default' },
        network: { onRequestFinished: noop, onNavigated: noop },
      };
    },
    { tabId, dark: !!o.dark },
  );
  await page.goto(`chrome-extension://${b.extensionId}/devtools/panel.html`);
  return page;
}
