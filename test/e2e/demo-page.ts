/**
 * The reference gateway's demo portal page (src/gateway/demo/page.ts), driven like a user. Shared by
 * the panel e2e tests: they all sign in and refresh there to produce real SCv2 traffic.
 */
import type { Page } from 'playwright-core';

export type DemoAction = 'demo-login' | 'demo-refresh' | 'demo-logout' | 'demo-close';

/**
 * Clicks a demo button and waits until the page is idle again and its log or status changed (a repeated
 * refresh logs the same status text; a response the page cannot decrypt changes the status but adds no
 * log line).
 */
export async function demoAction(page: Page, action: DemoAction): Promise<void> {
  const state = `document.querySelectorAll('[data-testid=demo-log] li').length + '|' + document.querySelector('[data-testid=demo-status]').textContent`;
  const before = await page.evaluate(state);
  await page.getByTestId(action).click();
  await page.waitForFunction(`!document.querySelector('[data-testid=demo-login]').disabled && (${state}) !== ${JSON.stringify(before)}`);
}

/** The token pair the demo page holds right now (it keeps it in sessionStorage). */
export async function demoTokens(page: Page): Promise<{ accessToken: string; refreshToken: string }> {
  const t = await page.evaluate(() => JSON.parse(sessionStorage.getItem('keyhole-demo-tokens') ?? 'null') as { accessToken: string; refreshToken: string } | null);
  if (!t) throw new Error('demoTokens: the demo page holds no tokens');
  return { accessToken: t.accessToken, refreshToken: t.refreshToken };
}

/** The X-Client-Hash the demo page sends (stable per browser profile: localStorage). */
export function demoClientHash(page: Page): Promise<string> {
  return page.evaluate(() => localStorage.getItem('keyhole-demo-client-hash') ?? '');
}

/** Switches the page to JSON {v,p} or binary envelopes (persisted in localStorage; takes effect at once). */
export async function setDemoMode(page: Page, mode: 'binary' | 'json'): Promise<void> {
  const mode0 = await page.getByTestId('demo-mode').getAttribute('data-mode');
  if (mode0 === mode) return;
  await page.getByTestId('demo-mode').click();
  await page.waitForFunction(`document.querySelector('[data-testid=demo-mode]').dataset.mode === ${JSON.stringify(mode)}`);
}
