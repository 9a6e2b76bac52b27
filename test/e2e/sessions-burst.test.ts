/**
 * Issue #3 e2e 3: bursts of Refresh clicks — in two popup windows at once, with the session's alarm
 * firing in the worker at the same moment — spend exactly one refresh token per burst (counted by the
 * gateway, reuse detection on, so a second send of one token would revoke the family).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { launchExtension, openPopup, type ExtensionBrowser } from './harness';
import { adoptIssued, expiresAtShown, pointDefaultEnvAt, storedSessions } from './sessions-helpers';

let browser: ExtensionBrowser;
let gw: Gateway;
beforeAll(async () => {
  [browser, gw] = await Promise.all([launchExtension(), createGateway({ port: 0, log: false, reuseDetection: true })]);
  await pointDefaultEnvAt(browser, gw.url);
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

test('20 rapid clicks in two windows plus an alarm: one network refresh per burst, never a rejected token', async () => {
  const { key } = await adoptIssued(browser, gw);
  const [a, b] = await Promise.all([openPopup(browser), openPopup(browser)]);
  await expect.poll(() => a.getByTestId('session-card').count()).toBe(1);
  await expect.poll(() => b.getByTestId('session-card').count()).toBe(1);

  for (let burst = 1; burst <= 2; burst++) {
    const before = await expiresAtShown(a);
    await new Promise((r) => setTimeout(r, 1_600)); // past the coalescing window of the previous burst
    const sw = await browser.serviceWorker();
    await Promise.all([
      // 14 clicks fired synchronously inside window A…
      a.evaluate(() => {
        const btn = document.querySelector<HTMLButtonElement>('[data-testid="refresh-button"]')!;
        for (let i = 0; i < 14; i++) btn.click();
      }),
      // …6 more through Playwright in window B…
      (async () => {
        for (let i = 0; i < 6; i++) await b.getByTestId('refresh-button').click();
      })(),
      // …and the session's own alarm, fired now in the worker.
      sw.evaluate((name) => chrome.alarms.create(name, { when: Date.now() }), `kh:refresh:${key}`),
    ]);
    await expect.poll(() => expiresAtShown(a)).toBeGreaterThan(before);
    await expect.poll(() => expiresAtShown(b)).toBe(await expiresAtShown(a));
    await new Promise((r) => setTimeout(r, 300)); // let stragglers land, if there were any
    expect(gw.stats.count('refresh')).toBe(burst);
    const [rec] = await storedSessions(browser);
    expect(rec).toMatchObject({ status: 'active', lastRefresh: { ok: true } });
  }
  expect(await a.getByTestId('session-error').count()).toBe(0);
  await Promise.all([a.close(), b.close()]);
});
