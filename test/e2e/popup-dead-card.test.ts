/**
 * Issue #11, popup: a dead session shows no countdown and no token actions, and "Sign in again" opens
 * the sign-in form for its environment; an expired login session (documented §11
 * `AUTH.SESSION_NOT_FOUND`, 404) sends the form back to email and password with a sentence saying why.
 * Real extension, real reference gateway.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { launchExtension, openExtensionPage, openPopup, type ExtensionBrowser } from './harness';
import { pointDefaultEnvAt, rpcCall, DEMO } from './sessions-helpers';

let browser: ExtensionBrowser;
let gw: Gateway;
beforeAll(async () => {
  // A 1 s login session: the code step outlives it on purpose.
  [browser, gw] = await Promise.all([launchExtension(), createGateway({ port: 0, log: false, loginTtl: 1 })]);
  await pointDefaultEnvAt(browser, gw.url);
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

test('an expired login session: back to email and password, with the reason in words', async () => {
  const popup = await openPopup(browser);
  const form = popup.getByTestId('signin-form');
  await form.getByTestId('signin-email').fill(DEMO.email);
  await form.getByTestId('signin-password').fill(DEMO.password);
  await form.getByTestId('signin-submit').click();
  await form.getByTestId('signin-code').waitFor();
  await popup.waitForTimeout(1_300);
  await form.getByTestId('signin-code').fill(DEMO.otp);
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('signin-error').textContent()).toMatch(/expired.*email and password/i);
  expect(await gw.stats.count('login.complete')).toBeGreaterThan(0);
  // The code step is gone: the email/password step is back, the email kept.
  await form.getByTestId('signin-password').waitFor();
  expect(await form.getByTestId('signin-code').count()).toBe(0);
  expect(await form.getByTestId('signin-email').inputValue()).toBe(DEMO.email);
  await popup.close();
});

test('a dead card: no countdown, no Copy/Reveal, and "Sign in again" opens the form for its environment', async () => {
  const page = await openExtensionPage(browser, 'blank.html');
  const bad = await rpcCall<{ key: string }>(page, 'adoptSession', { envId: 'local', refreshToken: 'rt-the-server-never-issued', label: 'dead' });
  await rpcCall(page, 'refreshSession', { key: bad.key }).catch(() => {});
  await page.close();

  const popup = await openPopup(browser);
  const card = popup.locator(`[data-testid=session-card][data-session-key="${bad.key}"]`);
  await expect.poll(() => card.getAttribute('data-status')).toBe('rejected');
  expect(await card.getByTestId('access-expiry').count()).toBe(0);
  expect(await card.getByTestId('copy-token').count()).toBe(0);
  expect(await card.getByTestId('reveal-token').count()).toBe(0);
  expect(await card.getByTestId('access-token').count()).toBe(0);
  await card.getByTestId('signin-again').click();
  const form = popup.getByTestId('signin-form');
  await form.waitFor();
  expect(await form.getByTestId('signin-env').inputValue()).toBe('local');
  await form.getByTestId('signin-email').waitFor();
  await popup.close();
});

test('a waiting card says when it retries', async () => {
  // Every refresh is over the limit (0 per window): the session waits for Retry-After.
  const g2 = await createGateway({ port: 0, log: false, rateLimits: { refresh: 0 }, windowMs: 60_000 });
  try {
    await pointDefaultEnvAt(browser, g2.url);
    const page = await openExtensionPage(browser, 'blank.html');
    const hash = (await rpcCall<{ clientHash: string }>(page, 'optionsState', {})).clientHash;
    const pair = g2.issueTokens(hash);
    const v = await rpcCall<{ key: string }>(page, 'adoptSession', { envId: 'local', refreshToken: pair.refreshToken, accessToken: pair.accessToken });
    await rpcCall(page, 'refreshSession', { key: v.key }).catch(() => {});
    await page.close();
    const popup = await openPopup(browser);
    const pill = popup.locator(`[data-testid=session-card][data-session-key="${v.key}"] [data-testid=status-waiting]`);
    const card = popup.locator(`[data-testid=session-card][data-session-key="${v.key}"]`);
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 5_000 }).toBe('waiting');
    await pill.waitFor();
    const at = Number(await pill.getAttribute('data-retry-at'));
    expect(at).toBeGreaterThan(Date.now());
    expect(await pill.textContent()).toMatch(/retry at \d{1,2}:\d{2}/);
    await popup.close();
  } finally {
    await g2.close();
    await pointDefaultEnvAt(browser, gw.url);
  }
});
