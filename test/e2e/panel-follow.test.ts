/**
 * "Follow in Keyhole" end to end (issue #4): the demo portal signs in and refreshes; in the real DevTools
 * panel the refresh row's Follow button is clicked (a trusted mouse click); the session then lives in the
 * service worker and the popup. When the page refreshes that session again, Keyhole's copy moves to the
 * page's newest pair by itself (§11 single-use refresh tokens), so a Refresh click in the popup afterwards
 * is accepted by the gateway and the token family survives (§12 reuse detection would revoke it otherwise).
 * The other direction: after Keyhole refreshed, the page's copy is spent; when the page then refreshes with
 * it, the gateway sees a reuse and revokes the family — and Keyhole says so at once: the panel row carries a
 * conflict badge and sentence, and the popup shows the session revoked with the reason and what to do.
 *
 * Tests run in order and share one browser, one DevTools window and the demo page's session.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, openDevToolsPanel, openPopup, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { demoAction, demoClientHash, demoTokens } from './demo-page';
import { panelText, selectLastRow } from './panel-helpers';
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
  // The card says up front that the refresh token is shared with the page, and what Keyhole's refresh does to it.
  expect(await card.getByTestId('shared-with-page').textContent()).toMatch(/^Shared with the page: refresh tokens are single-use.*page's copy is spent/);
  expect(await card.getByTestId('refresh-button').getAttribute('title')).toMatch(/page's copy of the refresh token is spent/);
  expect(await card.getByTestId('refresh-button').isEnabled()).toBe(true);
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

test("the page then refreshes with its copy Keyhole spent: the gateway revokes the family, the panel row says why, the popup shows the session revoked", async () => {
  const [before] = await storedSessions(browser);
  const spentByKeyhole = await demoTokens(page); // the page still holds the pair Keyhole refreshed away from
  expect(before.spentRefreshTokens).toContain(spentByKeyhole.refreshToken);

  await demoAction(page, 'demo-refresh');
  // The gateway: reuse of a rotated token → 401 AUTH.REFRESH_TOKEN_INVALID, and the whole family is revoked (§12).
  expect(refreshes.at(-1)).toEqual({ status: 401, code: 'AUTH.REFRESH_TOKEN_INVALID' });
  expect(gateway.store.getFamily(before.sid!)).toMatchObject({ revoked: true, revokedReason: 'reuse' });

  // The panel: that refresh row carries the conflict badge, and its detail the sentence with the way out.
  const flagged = `[...document.querySelectorAll('[data-testid=traffic-row][data-conflict]')]`;
  // The inspected page's docked DevTools only paints while that tab is in front (the popup was opened after it).
  await page.bringToFront();
  // The row arrived below the fold (the detail pane of the row selected earlier shortens the list): scroll
  // to the end like a user would, until the flagged row is there.
  await panel.waitFor(`(() => {
    const list = document.querySelector('[data-testid=traffic-list]');
    if (list) list.scrollTop = list.scrollHeight;
    return ${flagged}.length === 1;
  })()`);
  expect(await panel.evaluate(`(() => { const r = ${flagged}[0]; return [r.dataset.path.endsWith('/token/refresh'), r.dataset.status, r.dataset.conflict, r.querySelector('[data-testid=conflict-badge]')?.textContent]; })()`)).toEqual([
    true,
    '401',
    'page-reused-spent-token',
    'token reuse',
  ]);
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`!!document.querySelector('[data-testid=conflict-notice]')`);
  const sentence = await panelText(panel, 'conflict-notice');
  // The session is named as the user knows it: the environment created for the page's API base, and the account.
  expect(sentence).toContain(`The page sent a refresh token Keyhole had already used for session ${new URL(gateway.url).host} (`);
  expect(sentence).toMatch(/\(\w+\), so the gateway revokes the whole token family \(§12/);
  expect(sentence).toContain('Sign in again on the page, then Follow in Keyhole again.');
  // The decrypted request shows the very token Keyhole had spent.
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=decrypted-request]')?.textContent ?? ''`)).toContain('refreshToken');

  // The worker: revoked with the coded reason at once, the alarm gone, its (dead) newer pair never sent.
  await expect.poll(async () => (await storedSessions(browser))[0]?.status, { timeout: 10_000 }).toBe('revoked');
  const [rec] = await storedSessions(browser);
  expect(rec).toMatchObject({ refreshToken: before.refreshToken, revocation: { code: 'PAGE_REUSED_SPENT_TOKEN' } });
  const sw = await browser.serviceWorker();
  expect(await sw.evaluate((name) => chrome.alarms.get(name).then((a) => a ?? null), `kh:refresh:${rec.key}`)).toBeNull();

  // The popup: the card turns revoked, says why and what to do; Refresh is off, the "shared" note is gone.
  const card = popup.getByTestId('session-card');
  await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('revoked');
  expect(await card.getByTestId('status-revoked').textContent()).toBe('revoked');
  expect(await card.getByTestId('session-error').textContent()).toBe(
    'Revoked: the page reused a refresh token Keyhole had already spent, so the gateway revoked the whole token family. Sign in again on the page, then Follow in Keyhole again.',
  );
  expect(await card.getByTestId('shared-with-page').count()).toBe(0);
  // Nothing was re-sent: the page's refused refresh is the last one the gateway saw.
  expect(refreshes).toHaveLength(4);

  // Refresh stays clickable on a revoked card: Keyhole's current token was never presented, so trying it
  // costs nothing, and the gateway settles it — here reuse detection revoked the family, so: rejected.
  expect(await card.getByTestId('refresh-button').isDisabled()).toBe(false);
  await card.getByTestId('refresh-button').click();
  await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('rejected');
  expect(refreshes).toHaveLength(5);
  expect(refreshes[4]).toMatchObject({ status: 401, code: 'AUTH.REFRESH_TOKEN_INVALID' });
  // Dead for good (issue #11): no Refresh, no countdown, and the way back is "Sign in again".
  expect(await card.getByTestId('refresh-button').count()).toBe(0);
  expect(await card.getByTestId('access-expiry').count()).toBe(0);
  expect(await card.getByTestId('signin-again').count()).toBe(1);
});
