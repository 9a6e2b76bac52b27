/**
 * Issue #11: the panel follows the browser's language. Chromium in Japanese (`--lang=ja`), real traffic
 * from the demo portal, a row's detail open with its envelope anatomy, then the Keys tab: no English UI
 * word anywhere outside data (paths, codes, JSON, headers are marked translate="no").
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, type ExtensionBrowser } from './harness';
import { openPanelAsTab, tabIdOf } from './panel-tab';
import { demoAction } from './demo-page';

let gateway: Gateway;
let browser: ExtensionBrowser;
let panel: Page;

/** Words that are the same in Japanese UI text: protocol and product names, units, key names. */
const SAME_IN_EVERY_LANGUAGE = new Set(['Keyhole', 'DevTools', 'JSON', 'HAR', 'cURL', 'AAD', 'UTF', 'RSA', 'Base', 'Hex', 'SCv', 'OPTIONS', 'CORS', 'Service', 'Worker', 'Bearer', 'Esc', 'Authorization', 'redacted', 'Client', 'Hash',
  // API and format names inside sentences: storage.session, base64, sess_…, a PEM block's header.
  'storage', 'session', 'base', 'sess', 'BEGIN', 'PRIVATE', 'KEY', 'END']);

/** Visible UI text and tooltips/placeholders outside data, split into Latin words of 3+ letters. */
function englishWords(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    // Data, and the filter bar (its tooltip and placeholder show the filter syntax, which is the same in every language).
    const isData = (el: Element | null) => !!el?.closest('[translate=no], [data-testid=search]');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || isData(el) || el.closest('script,style')) continue;
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden') continue;
      out.push(n.textContent ?? '');
    }
    for (const el of document.querySelectorAll('[title],[placeholder],[aria-label]')) {
      if (isData(el)) continue;
      // A row's tooltip is its URL.
      for (const a of ['title', 'placeholder', 'aria-label']) if (!/^https?:/.test(el.getAttribute(a) ?? '')) out.push(el.getAttribute(a) ?? '');
    }
    return out.flatMap((s) => s.match(/[A-Za-z]{3,}/g) ?? []);
  });
}

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false });
  browser = await launchExtension({ lang: 'ja' });
  const demo = await browser.context.newPage();
  await demo.goto(`${gateway.url}/demo/`);
  await demoAction(demo, 'demo-login');
  panel = await openPanelAsTab(browser, await tabIdOf(browser, demo.url()), { width: 550, height: 700 });
  await panel.locator('[data-testid=traffic-row][data-path$="/login/complete"]').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

test('the panel speaks Japanese: list, detail with anatomy, filter, Keys tab', async () => {
  expect(await panel.evaluate(() => chrome.i18n.getUILanguage())).toMatch(/^ja/);
  await panel.locator('[data-testid=traffic-row][data-path$="/login/complete"]').dispatchEvent('mousedown');
  await panel.getByTestId('decrypted-response').waitFor();
  await panel.getByTestId('toggle-anatomy-response').click();
  await panel.getByTestId('envelope-anatomy').first().waitFor();
  const leak = (words: string[]) => [...new Set(words.filter((w) => !SAME_IN_EVERY_LANGUAGE.has(w)))];
  expect(await panel.getByTestId('search').getAttribute('placeholder')).toMatch(/フィルタ/);
  expect(leak(await englishWords(panel))).toEqual([]);
  expect(await panel.getByTestId('row-count').textContent()).toMatch(/件の呼び出し/);
  await panel.getByTestId('toggle-anatomy-response').click();
  await panel.getByTestId('tab-keys').click();
  await panel.getByTestId('keys-panel').waitFor();
  expect(leak(await englishWords(panel))).toEqual([]);
});
