/**
 * Issue #3 e2e 6: the 11th refresh in a rate-limit window. The popup shows when Keyhole retries, clicks
 * during the wait do not reach the gateway, and the retry at Retry-After (an alarm) succeeds.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { buildGatewayHeaders } from '../../src/protocol/headers';
import { launchExtension, openPopup, type ExtensionBrowser } from './harness';
import { adoptIssued, clientHash, expiresAtShown, pointDefaultEnvAt, storedSessions } from './sessions-helpers';

let browser: ExtensionBrowser;
let gw: Gateway;
beforeAll(async () => {
  [browser, gw] = await Promise.all([launchExtension(), createGateway({ port: 0, log: false, reuseDetection: true, windowMs: 6_000 })]);
  await pointDefaultEnvAt(browser, gw.url);
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

test('the 11th refresh in a window shows the wait, is not hammered, and succeeds after Retry-After', async () => {
  const { key } = await adoptIssued(browser, gw);
  const popup = await openPopup(browser);
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
  const before = await expiresAtShown(popup);

  // Ten refresh requests from this browser's identity (CF-Connecting-IP + X-Client-Hash, §12) use up
  // the window; the limiter answers before reading the body, so no token is involved.
  const headers = buildGatewayHeaders({ mode: 'local', clientHash: await clientHash(browser) });
  for (let i = 0; i < 10; i++) {
    await fetch(`${gw.url}/web/v1/system/auth/token/refresh`, { method: 'POST', headers, body: '{}' });
  }
  const spent = gw.stats.count('refresh');

  await popup.getByTestId('refresh-button').click();
  await expect.poll(() => popup.getByTestId('session-card').getAttribute('data-status')).toBe('waiting');
  const wait = (await popup.getByTestId('session-error').first().textContent())!;
  expect(wait).toMatch(/rate limited/i);
  expect(wait).toMatch(/Retrying at \d{2}:\d{2}:\d{2} \(in \d{2}:\d{2}\)/);
  expect(gw.stats.count('refresh')).toBe(spent + 1);

  for (let i = 0; i < 5; i++) await popup.getByTestId('refresh-button').click();
  await new Promise((r) => setTimeout(r, 300));
  expect(gw.stats.count('refresh')).toBe(spent + 1); // nobody hits the server during the wait

  const [waiting] = await storedSessions(browser);
  expect(waiting).toMatchObject({ key, status: 'waiting', lastRefresh: { code: 'RATE_LIMITED' } });
  // The retry is the session's alarm at Retry-After (unpacked extensions have no 30 s alarm minimum).
  await expect.poll(() => expiresAtShown(popup), { timeout: 15_000, interval: 250 }).toBeGreaterThan(before);
  expect(gw.stats.count('refresh')).toBe(spent + 2);
  await expect.poll(() => popup.getByTestId('session-card').getAttribute('data-status')).toBe('active');
  expect(await popup.getByTestId('session-error').count()).toBe(0);
  await popup.close();
});
