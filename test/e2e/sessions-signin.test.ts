/**
 * Issue #3 e2e 1–2: sign in through the popup against the reference gateway; the countdown; Refresh
 * rotates the pair and the gateway refuses the previous refresh token. Plus the options form refusing
 * bad input and the sign-in form's failures.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { launchExtension, openExtensionPage, openPopup, type ExtensionBrowser } from './harness';
import { clientHash, directRefresh, expiresAtShown, signInThroughPopup, storedSessions, DEMO } from './sessions-helpers';

let browser: ExtensionBrowser;
let gw: Gateway;
beforeAll(async () => {
  [browser, gw] = await Promise.all([launchExtension(), createGateway({ port: 0, log: false, reuseDetection: true })]);
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

test('the options page refuses a bad URL and an unknown language, and points an environment at the gateway', async () => {
  const page = await openExtensionPage(browser, 'options/index.html');
  await page.getByTestId('env-item').filter({ hasText: 'Local gateway' }).getByRole('button', { name: /edit/i }).click();
  await page.getByTestId('env-apibase').fill('not a url');
  await page.getByTestId('env-language').fill('fr');
  await page.getByTestId('env-save').click();
  await expect.poll(() => page.getByTestId('error-apiBase').textContent()).toContain('http(s)');
  await expect.poll(() => page.getByTestId('error-language').textContent()).toContain('zh-Hant');

  await page.getByTestId('env-apibase').fill(gw.url);
  await page.getByTestId('env-language').fill('en');
  await page.getByTestId('env-save').click();
  await expect.poll(() => page.getByTestId('env-item').filter({ hasText: gw.url }).count()).toBe(1);
  await expect.poll(() => page.getByTestId('client-hash').textContent()).toMatch(/^kh-[0-9a-f]{32}$/);
  await page.close();
});

test('sign-in failures are shown in words; then the demo account signs in and the countdown is right', async () => {
  const popup = await openPopup(browser);
  const form = popup.getByTestId('signin-form');
  await form.getByTestId('signin-email').fill(DEMO.email);
  // §11: 8–128 characters. A shorter password is refused in the popup, before anything is sent.
  const initiates = gw.stats.count('login.initiate');
  await form.getByTestId('signin-password').fill('short');
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('signin-error').textContent()).toMatch(/8 to 128 characters/);
  expect(gw.stats.count('login.initiate')).toBe(initiates);
  await form.getByTestId('signin-password').fill('wrong-password');
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('signin-error').textContent()).toMatch(/wrong email or password/i);

  await form.getByTestId('signin-password').fill(DEMO.password);
  await form.getByTestId('signin-submit').click();
  await form.getByTestId('signin-code').fill('000000');
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('signin-error').textContent()).toMatch(/verification code is not valid/i);

  await form.getByTestId('signin-code').fill(DEMO.otp);
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);

  const expiresAt = await expiresAtShown(popup);
  expect(Math.abs(expiresAt - (Date.now() + 3600_000))).toBeLessThan(10_000); // gateway accessTtl 3600 s
  const text = (await popup.getByTestId('access-expiry').textContent())!;
  expect(text).toMatch(/^\d{2}:\d{2}$/);
  const [m, s] = text.split(':').map(Number);
  const shownMs = (m! * 60 + s!) * 1000;
  expect(Math.abs(shownMs - (expiresAt - Date.now()))).toBeLessThan(3_000);
  // it ticks
  await expect.poll(async () => popup.getByTestId('access-expiry').textContent(), { timeout: 4_000 }).not.toBe(text);
  await popup.close();
});

test('Refresh shows a new access token, and the gateway refuses the previous refresh token', async () => {
  const popup = await openPopup(browser);
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
  const [before] = await storedSessions(browser);
  const expiryBefore = await expiresAtShown(popup);
  const maskedBefore = await popup.getByTestId('access-token').textContent();
  await new Promise((r) => setTimeout(r, 1_100)); // a new `iat` second, so the new token differs visibly
  await popup.getByTestId('refresh-button').click();
  await expect.poll(() => expiresAtShown(popup)).toBeGreaterThan(expiryBefore);
  await expect.poll(() => popup.getByTestId('access-token').textContent()).not.toBe(maskedBefore);
  await expect.poll(() => popup.getByTestId('last-refresh').textContent()).toMatch(/ok/);
  const [after] = await storedSessions(browser);
  expect(after!.refreshToken).not.toBe(before!.refreshToken);
  expect(after!.inflight).toBeUndefined();
  expect(gw.stats.count('refresh')).toBe(1);

  expect(await directRefresh(gw.url, await clientHash(browser), before!.refreshToken)).toEqual({ ok: false, code: 'REFRESH_REJECTED' });
  await popup.close();
});
