/**
 * "Follow in Keyhole" end to end (issue #4): the demo portal signs in and refreshes; in the real DevTools
 * panel the refresh row's Follow button is clicked (a trusted mouse click); the session then lives in the
 * service worker and the popup. When the page refreshes that session again, Keyhole's copy moves to the
 * page's newest pair by itself (§11 single-use refresh tokens), so a Refresh click in the popup afterwards
 * is accepted by the gateway and the token family survives (§12 reuse detection would revoke it otherwise).
 *
 * Tests run in order and share one browser, one DevTools window and the demo page's session.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, openDevToolsPanel, openPopup, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { demoAction, demoClientHash, demoTokens } from './demo-page';
import { selectLastRow } from './panel-helpers';
import { storedSessions } from './sessions-helpers';
import { COALESCE_MS } from '../../src/background/sessions/refresh-engine';

let gateway: Gateway;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;
let popup: Page;
/** Every refresh the gateway answered, in order (the page's and Keyhole's). */
const refreshes: Array<{ status: number; code: string }> = [];

const followButton = `document.querySelector('[data-testid=follow-session]')`;

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false });
  gateway.events.on('request', (e: { route: string; status: number; code: string }) => {
    if (e.route === 'refresh') refreshes.push({ status: e.status, code: e.code });
  });
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(`${gateway.url}/demo/`);
  await demoAction(page, 'demo-login');
  await demoAction(page, 'demo-refresh');
  panel = await openDevToolsPanel(browser, page);
});

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await gateway?.close();
});

test('clicking "Follow in Keyhole" on the refresh row adopts the page\'s current pair: the button says so, the worker and the popup have it', async () => {
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'decrypted')`);
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`${followButton}?.textContent === 'Follow in Keyhole'`);
  // The hazard is stated before the click: once Keyhole refreshes, the page's copy is spent.
  expect(await panel.evaluate<string>(`${followButton}.title`)).toMatch(/single-use.*page's copy is spent/);
  expect(await storedSessions(browser)).toEqual([]);

  const pagePair = await demoTokens(page);
  await panel.click('[data-testid=follow-session]');
  await panel.waitFor(`${followButton}.textContent === 'Following ✓' && ${followButton}.disabled`);
  expect(await panel.evaluate(`document.querySelector('[data-testid=detail] .field-error')?.textContent ?? null`)).toBeNull();

  const [rec, ...others] = await storedSessions(browser);
  expect(others).toEqual([]);
  expect(rec).toMatchObject({ source: 'followed', status: 'active', refreshToken: pagePair.refreshToken, accessToken: pagePair.accessToken });
  expect(rec.inflight).toBeUndefined();

  popup = await openPopup(browser);
  const card = popup.getByTestId('session-card');
  await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(1);
  expect(await card.getAttribute('data-status')).toBe('active');
  // An environment for the page's API base was created for it, and the card says where the session came from.
  expect(await card.locator('.card-head').textContent()).toContain(`${new URL(gateway.url).host}followed`);
  // The access token is the page's, masked (first six … last four characters).
  expect(await card.getByTestId('access-token').textContent()).toBe(`${pagePair.accessToken.slice(0, 6)}…${pagePair.accessToken.slice(-4)}`);
  // Nothing was refreshed by following: only the page's own refresh reached the gateway.
  expect(refreshes).toEqual([{ status: 200, code: '2000' }]);
});

test("the page refreshes the followed session itself: Keyhole's stored copy becomes the page's newest pair, without Keyhole refreshing", async () => {
  const old = await demoTokens(page);
  await demoAction(page, 'demo-refresh');
  const newest = await demoTokens(page);
  expect(newest.refreshToken).not.toBe(old.refreshToken);

  await expect.poll(async () => (await storedSessions(browser))[0]?.refreshToken, { timeout: 10_000 }).toBe(newest.refreshToken);
  const [rec] = await storedSessions(browser);
  expect(rec).toMatchObject({ status: 'active', accessToken: newest.accessToken, lastRefresh: { ok: true, code: 'PAGE_ROTATION' } });
  // The page's old token is remembered as spent: pasting or following it again is refused.
  expect(rec.spentRefreshTokens).toContain(old.refreshToken);
  expect(refreshes).toEqual([
    { status: 200, code: '2000' },
    { status: 200, code: '2000' },
  ]);
  // The popup follows the storage change: the card shows the page's new access token and a good last refresh.
  const card = popup.getByTestId('session-card');
  await expect.poll(() => card.getByTestId('access-token').textContent(), { timeout: 10_000 }).toBe(`${newest.accessToken.slice(0, 6)}…${newest.accessToken.slice(-4)}`);
  expect(await card.getByTestId('last-refresh').textContent()).toContain('✓');
});

test('a Refresh click in the popup then succeeds against the gateway with the family intact', async () => {
  const pagePair = await demoTokens(page);
  const [before] = await storedSessions(browser);
  expect(before.refreshToken).toBe(pagePair.refreshToken);

  // A click within COALESCE_MS of a good refresh (the page's rotation counts) shares that result instead of
  // spending the token again (refresh-engine.ts): click after it, as a user would.
  const wait = (before.refreshedAt ?? 0) + COALESCE_MS + 100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const card = popup.getByTestId('session-card');
  await card.getByTestId('refresh-button').click();
  // Done when Keyhole's own attempt has an outcome (the stored last refresh is no longer the page's rotation).
  await expect.poll(async () => (await storedSessions(browser))[0]?.lastRefresh?.code, { timeout: 15_000 }).not.toBe('PAGE_ROTATION');
  const [after] = await storedSessions(browser);
  expect(after.lastRefresh).toEqual({ at: expect.any(Number), ok: true });
  expect(after).toMatchObject({ status: 'active', source: 'followed' });
  expect(after.refreshToken).not.toBe(pagePair.refreshToken);
  expect(after.accessToken).not.toBe(pagePair.accessToken);
  // The gateway accepted Keyhole's refresh of the token the page had handed over — no reuse, no fingerprint refusal.
  expect(refreshes.at(-1)).toEqual({ status: 200, code: '2000' });
  expect(refreshes).toHaveLength(3);
  expect(gateway.store.getFamily(after.sid!)).toMatchObject({ revoked: false });
  // Keyhole refreshed with the X-Client-Hash the family is bound to: the page's.
  expect(after.clientHash).toBe(await demoClientHash(page));
  await expect.poll(() => card.getByTestId('last-refresh').textContent(), { timeout: 10_000 }).toContain('✓');
  expect(await card.getByTestId('session-error').count()).toBe(0);
});
