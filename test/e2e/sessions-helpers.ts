/**
 * Shared steps of the session e2e tests: point the default environment at a gateway, sign in or adopt
 * tokens, read the worker's storage, and refresh directly from Node (to check what the gateway accepts).
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { openExtensionPage, openPopup, type ExtensionBrowser } from './harness';
import { SecureChannel } from '../../src/client/secure-channel';
import { AuthClient } from '../../src/client/auth-client';

export const DEMO = { email: 'demo@keyhole.test', password: 'keyhole-demo-1', otp: '123456', method: 10011002 };

/**
 * In an extension page: one popup-RPC call over its own `keyhole-popup` port (what the popup's
 * rpc-client does, messaging/port-transport.ts). A string, so Playwright and WebDriver BiDi share it.
 */
export const PORT_CALL_JS = `(m, i) => new Promise((resolve) => {
  const port = chrome.runtime.connect({ name: 'keyhole-popup' });
  port.onMessage.addListener((msg) => { if (msg && msg.kind === 'rpc-response' && msg.id === 1) { resolve(msg.response); port.disconnect(); } });
  port.onDisconnect.addListener(() => resolve(undefined));
  port.postMessage({ kind: 'rpc-request', id: 1, request: { boundary: 'popup', method: m, input: i } });
})`;

/** One popup-RPC call from an extension page (what the popup itself does). */
export async function rpcCall<T = unknown>(page: Page, method: string, input: unknown): Promise<T> {
  const answer = (await page.evaluate(`(${PORT_CALL_JS})(${JSON.stringify(method)}, ${JSON.stringify(input)})`)) as { ok: boolean; value?: T; error?: { code: string; message: string } };
  if (!answer?.ok) throw new Error(`rpc ${method} failed: ${JSON.stringify(answer?.error)}`);
  return answer.value as T;
}

/** Points the default "Local gateway" environment at `apiBase` through the RPC the options page uses. */
export async function pointDefaultEnvAt(b: ExtensionBrowser, apiBase: string): Promise<void> {
  const page = await openExtensionPage(b, 'blank.html');
  await rpcCall(page, 'saveEnvironment', {
    env: { id: 'local', name: 'Local gateway', apiBase, portal: 'system', mode: 'local', language: 'en', cf: { ip: '127.0.0.1', ray: '', country: 'US' } },
  });
  await page.close();
}

export async function clientHash(b: ExtensionBrowser): Promise<string> {
  const page = await openExtensionPage(b, 'blank.html');
  const s = await rpcCall<{ clientHash: string }>(page, 'optionsState', {});
  await page.close();
  return s.clientHash;
}

/** Adopts a pair the gateway issues for this browser's X-Client-Hash (no login: keeps login rate limits free). */
export async function adoptIssued(b: ExtensionBrowser, gw: { issueTokens(h: string): { accessToken: string; refreshToken: string } }): Promise<{ key: string; refreshToken: string }> {
  const pair = gw.issueTokens(await clientHash(b));
  const page = await openExtensionPage(b, 'blank.html');
  const v = await rpcCall<{ key: string }>(page, 'adoptSession', { envId: 'local', refreshToken: pair.refreshToken, accessToken: pair.accessToken });
  await page.close();
  return { key: v.key, refreshToken: pair.refreshToken };
}

export async function signInThroughPopup(popup: Page): Promise<void> {
  const form = popup.getByTestId('signin-form');
  await form.getByTestId('signin-email').fill(DEMO.email);
  await form.getByTestId('signin-password').fill(DEMO.password);
  await form.getByTestId('signin-submit').click();
  await form.getByTestId('signin-code').fill(DEMO.otp);
  await form.getByTestId('signin-submit').click();
  await expect.poll(() => popup.getByTestId('session-card').count()).toBe(1);
}

interface StoredRecord {
  key: string;
  refreshToken: string;
  accessToken?: string;
  accessExpiresAt?: number;
  status: string;
  inflight?: unknown;
  lastRefresh?: { ok: boolean; code?: string };
  refreshedAt?: number;
  source?: 'signin' | 'adopted' | 'followed';
  /** Token-family id (the access token's `sid` claim). */
  sid?: string;
  spentRefreshTokens?: string[];
  /** X-Client-Hash the family is bound to, when it is not this profile's (followed sessions). */
  clientHash?: string;
}

/** The session records as the worker stored them (storage.session: "Remember sessions" is off). */
export async function storedSessions(b: ExtensionBrowser): Promise<StoredRecord[]> {
  const page = await openExtensionPage(b, 'blank.html');
  const all = (await page.evaluate(() => chrome.storage.session.get(null))) as Record<string, StoredRecord>;
  await page.close();
  return Object.entries(all).filter(([k]) => k.startsWith('kh:sess:')).map(([, v]) => v);
}

export async function expiresAtShown(popup: Page, nth = 0): Promise<number> {
  return Number(await popup.getByTestId('access-expiry').nth(nth).getAttribute('data-expires-at'));
}

/** Refresh straight from Node with this browser's fingerprint: what the gateway thinks of a token. */
export async function directRefresh(apiBase: string, hash: string, refreshToken: string): Promise<{ ok: true } | { ok: false; code: string }> {
  const channel = new SecureChannel({ apiBase, fetch: (u, i) => fetch(u, i), headers: () => ({ mode: 'local', clientHash: hash }) });
  const auth = new AuthClient({ channel });
  try {
    await auth.refresh(refreshToken);
    return { ok: true };
  } catch (e) {
    return { ok: false, code: (e as { code: string }).code };
  }
}

export { openPopup };
