import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchExtension, openPopup, type ExtensionBrowser } from './harness';
import { readFileSync } from 'node:fs';

let browser: ExtensionBrowser;
beforeAll(async () => {
  browser = await launchExtension();
});
afterAll(() => browser?.close());

test('the built extension loads and its popup shows what the service worker answers', async () => {
  const popup = await openPopup(browser);
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
  await expect.poll(() => popup.getByTestId('version').textContent()).toBe(version);
  await expect.poll(() => popup.getByTestId('active-env').textContent()).toBe('Local gateway');
});
