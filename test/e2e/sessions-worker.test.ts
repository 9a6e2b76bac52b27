/**
 * Issue #3 e2e 4–5: the service worker is stopped between refreshes and in the middle of one; the SC
 * session vanishes on the gateway. A proxy in front of the gateway holds one request so the worker can
 * be stopped at an exact point.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { launchExtension, openPopup, stopServiceWorker, type ExtensionBrowser } from './harness';
import { startHoldProxy, type HoldProxy } from './hold-proxy';
import { adoptIssued, expiresAtShown, pointDefaultEnvAt, storedSessions } from './sessions-helpers';
import type { Page } from 'playwright-core';

let browser: ExtensionBrowser;
let gw: Gateway;
let proxy: HoldProxy;
beforeAll(async () => {
  [browser, gw] = await Promise.all([launchExtension(), createGateway({ port: 0, log: false, reuseDetection: true })]);
  proxy = await startHoldProxy({ host: gw.host, port: gw.port });
  await pointDefaultEnvAt(browser, proxy.url(gw.basePath));
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await gw?.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function refreshAndWait(popup: Page): Promise<void> {
  const before = await expiresAtShown(popup);
  await pause(1_600); // past the burst window, and a new `exp` second
  await popup.getByTestId('refresh-button').click();
  await expect.poll(() => expiresAtShown(popup), { timeout: 15_000 }).toBeGreaterThan(before);
}

test('stopped between refreshes and while a refresh waits for the gateway before its token left: the session survives', async () => {
  await adoptIssued(browser, gw);
  const popup = await openPopup(browser);
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
  await refreshAndWait(popup);
  expect(gw.stats.count('refresh')).toBe(1);

  // Between refreshes.
  await stopServiceWorker(browser);
  await refreshAndWait(popup);
  expect(gw.stats.count('refresh')).toBe(2);

  // In the middle: a fresh worker first checks the gateway is reachable; hold that check, stop the
  // worker there, and let the popup's call be retried by a new worker.
  await stopServiceWorker(browser);
  const before = await expiresAtShown(popup);
  await pause(1_600); // past the burst window (COALESCE_MS), or the click just shares the last result
  const held = proxy.holdNext(/\/actuator\/health$/);
  await popup.getByTestId('refresh-button').click();
  await held.arrived;
  await stopServiceWorker(browser);
  held.release();
  await expect.poll(() => expiresAtShown(popup), { timeout: 15_000 }).toBeGreaterThan(before);
  expect(gw.stats.count('refresh')).toBe(3);
  const [rec] = await storedSessions(browser);
  expect(rec).toMatchObject({ status: 'active', lastRefresh: { ok: true } });
  expect(rec!.inflight).toBeUndefined();

  // And the next refresh succeeds.
  await refreshAndWait(popup);
  expect(gw.stats.count('refresh')).toBe(4);
  expect(await popup.getByTestId('session-error').count()).toBe(0);
  await popup.close();
});

test('the SC session vanishes on the gateway: the next refresh re-handshakes by itself', async () => {
  const popup = await openPopup(browser);
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
  const sessionsBefore = gw.stats.count('session');
  expect(gw.closeAllScSessions()).toBeGreaterThan(0);
  await refreshAndWait(popup);
  expect(gw.stats.count('session')).toBe(sessionsBefore + 1);
  const [rec] = await storedSessions(browser);
  expect(rec).toMatchObject({ status: 'active', lastRefresh: { ok: true } });
  expect(await popup.getByTestId('session-error').count()).toBe(0);
  await popup.close();
});

test('stopped after the refresh token left: the outcome is unknown, so the token is never sent again', async () => {
  const popup = await openPopup(browser);
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
  await pause(1_600);
  const refreshes = gw.stats.count('refresh');
  const held = proxy.holdNext(/\/auth\/token\/refresh$/);
  await popup.getByTestId('refresh-button').click();
  await held.arrived;
  await stopServiceWorker(browser);
  held.release(); // the gateway rotates; the answer has nobody to go to
  await expect.poll(() => popup.getByTestId('session-card').getAttribute('data-status'), { timeout: 15_000 }).toBe('interrupted');
  await expect.poll(() => popup.getByTestId('session-error').first().textContent()).toMatch(/sign in again/i);
  // An interrupted card offers no Refresh (its token may be spent), only "Sign in again" (issue #11).
  expect(await popup.getByTestId('refresh-button').count()).toBe(0);
  expect(await popup.getByTestId('signin-again').count()).toBe(1);
  await pause(500);
  expect(gw.stats.count('refresh')).toBe(refreshes + 1);
  const [rec] = await storedSessions(browser);
  expect(rec!.inflight).toBeUndefined();
  await popup.close();
});

test("the popup's direct channel: the service worker answers calls over a MessagePort sent to its registration, also after it was stopped", async () => {
  const popup = await openPopup(browser);
  const viaChannel = () =>
    popup.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const { port1, port2 } = new MessageChannel();
      reg!.active!.postMessage({ kind: 'rpc-channel', name: 'keyhole-popup' }, [port2]);
      const answer = new Promise<{ ok: boolean; value?: { sessions: unknown[] } }>((resolve) => (port1.onmessage = (e) => resolve(e.data.response)));
      port1.postMessage({ kind: 'rpc-request', id: 1, request: { boundary: 'popup', method: 'popupState', input: {} } });
      return answer;
    });
  const first = await viaChannel();
  expect(first.ok).toBe(true);
  expect(Array.isArray(first.value?.sessions)).toBe(true);
  await stopServiceWorker(browser);
  expect((await viaChannel()).ok).toBe(true); // the message wakes the stopped worker
  await popup.close();
});

test('a direct channel gets each session write pushed as it is issued: the marker, then the new expiry, never a token', async () => {
  const { key } = await adoptIssued(browser, gw);
  const rec = (await storedSessions(browser)).find((r) => r.key === key);
  const popup = await openPopup(browser);
  // A second page's channel, listening only (the popup's own is module-internal).
  const pushes = await popup.evaluate(async (key) => {
    const reg = await navigator.serviceWorker.getRegistration();
    const { port1, port2 } = new MessageChannel();
    reg!.active!.postMessage({ kind: 'rpc-channel', name: 'keyhole-popup' }, [port2]);
    const got: unknown[] = [];
    port1.onmessage = (e) => got.push(e.data);
    await new Promise((r) => setTimeout(r, 200)); // the hello reaches the worker
    port1.postMessage({ kind: 'rpc-request', id: 1, request: { boundary: 'popup', method: 'refreshSession', input: { key } } });
    await new Promise<void>((resolve) => {
      const poll = () => (got.some((m) => (m as { kind?: string }).kind === 'rpc-response') ? resolve() : setTimeout(poll, 20));
      poll();
    });
    return got;
  }, rec!.key);
  const written = pushes.filter((m) => (m as { kind?: string }).kind === 'session-written') as Array<{ view: { key: string; refreshing: boolean; accessExpiresAt?: number } }>;
  expect(written.map((m) => m.view.refreshing)).toEqual([true, false]);
  expect(written.every((m) => m.view.key === rec!.key)).toBe(true);
  const after = (await storedSessions(browser)).find((r) => r.key === key);
  expect(written[1]!.view.accessExpiresAt).toBe(after!.accessExpiresAt);
  // The push came before the call's answer (which waits for the write).
  expect(pushes.findIndex((m) => (m as { kind?: string }).kind === 'rpc-response')).toBeGreaterThan(pushes.indexOf(written[1]!));
  const json = JSON.stringify(pushes);
  expect(json).not.toContain(rec!.refreshToken);
  expect(json).not.toContain(after!.refreshToken);
  expect(json).not.toContain(after!.accessToken!);
  await popup.close();
});
