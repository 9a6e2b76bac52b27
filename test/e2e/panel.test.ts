/**
 * The Keyhole panel inside real DevTools (headless Chromium, DevTools opened through CDP), inspecting
 * the reference gateway's demo portal. One browser and one DevTools window for the whole file: opening
 * DevTools is the expensive part. Tests run in order and share the demo page's state (signed in, then
 * refreshed in binary and JSON modes, then tampered), like one user session.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, openDevToolsPanel, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { recordHar } from './cdp-har';
import { demoAction, type DemoAction } from './demo-page';
import { panelText, selectLastRow } from './panel-helpers';

let gateway: Gateway;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;
const tmp = mkdtempSync(join(tmpdir(), 'keyhole-panel-e2e-'));

interface RowInfo {
  path: string;
  verdict: string;
  form: string;
  code?: string;
  origin: string;
  id: string;
}
const rows = () =>
  panel.evaluate<RowInfo[]>(
    `__keyhole.store.rows.map(r => ({ path: r.summary.path, verdict: r.summary.verdict, form: r.summary.form, code: r.summary.errorCode, origin: r.origin, id: r.data.exchange.id }))`,
  );
const count = (suffix: string) => panel.evaluate<number>(`__keyhole.store.rows.filter(r => r.summary.path.endsWith(${JSON.stringify(suffix)})).length`);

const selectLast = (suffix: string) => selectLastRow(panel, suffix);
const text = (testId: string) => panelText(panel, testId);
const demo = (action: DemoAction) => demoAction(page, action);

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false });
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(`${gateway.url}/demo/`);
  // Signed in before DevTools opens: the hub's per-tab buffer must still hand these to the panel.
  await demo('demo-login');
  panel = await openDevToolsPanel(browser, page);
});

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await gateway?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('exchanges made before DevTools opened are listed, the sign-in decrypted', async () => {
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/login/complete'))`);
  const list = await rows();
  expect(list.map((r) => r.path.replace(/.*\/web\/v1/, ''))).toEqual(
    expect.arrayContaining(['/secure-channel/public-key', '/secure-channel/session', '/system/auth/login/initiate', '/system/auth/login/complete']),
  );
  expect(list.find((r) => r.path.endsWith('/login/complete'))).toMatchObject({ verdict: 'decrypted', form: 'binary', origin: 'hook' });
  await selectLast('/login/complete');
  await expect.poll(() => text('decrypted-response'), { timeout: 10_000 }).toContain('accessToken');
  expect(await text('decrypted-request')).toContain('code');
  expect(await panel.evaluate(`!!document.querySelector('[data-testid=follow-session]')`)).toBe(true);
});

test('binary mode: a refresh shows refreshToken in the request and accessToken in the response', async () => {
  await demo('demo-refresh');
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'decrypted')`);
  await selectLast('/token/refresh');
  await expect.poll(() => text('decrypted-request'), { timeout: 10_000 }).toContain('refreshToken');
  expect(await text('decrypted-response')).toContain('accessToken');
  expect(await panel.evaluate(`document.querySelector('[data-testid=decrypted-response]').dataset.status`)).toBe('decrypted');
  // Tokens are masked by default: the real refresh token is not in the DOM.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('keyhole-demo-tokens')!).refreshToken as string);
  expect(await panel.evaluate(`document.body.textContent.includes(${JSON.stringify(token)})`)).toBe(false);
  expect((await rows()).filter((r) => r.path.endsWith('/token/refresh')).at(-1)).toMatchObject({ form: 'binary', verdict: 'decrypted' });
});

test('JSON-envelope mode: sign-in and refresh appear decrypted; the browser-recorded HAR of them imports and decrypts', async () => {
  await page.getByTestId('demo-mode').click();
  await expect.poll(() => page.getByTestId('demo-mode').getAttribute('data-mode'), { timeout: 10_000 }).toBe('json');
  const recorder = await recordHar(page);
  const refreshesBefore = await count('/token/refresh');
  await demo('demo-login');
  await demo('demo-refresh');
  const har = await recorder.stop();
  await panel.waitFor(`__keyhole.store.rows.filter(r => r.summary.path.endsWith('/token/refresh')).length > ${refreshesBefore}`);
  const last = (await rows()).filter((r) => r.path.endsWith('/token/refresh') || r.path.endsWith('/login/complete')).slice(-2);
  expect(last.map((r) => [r.form, r.verdict])).toEqual([
    ['json-envelope', 'decrypted'],
    ['json-envelope', 'decrypted'],
  ]);
  await selectLast('/token/refresh');
  await expect.poll(() => text('decrypted-request'), { timeout: 10_000 }).toContain('refreshToken');
  expect(await text('decrypted-response')).toContain('accessToken');

  // Import: clear the list (the keyring stays), then feed the HAR through the panel's file input.
  const file = join(tmp, 'demo.har');
  writeFileSync(file, JSON.stringify(har));
  await panel.evaluate(`document.querySelector('[data-testid=clear]').click()`);
  await panel.waitFor(`__keyhole.store.rows.length === 0`);
  await panel.setInputFiles('[data-testid=har-import]', [file]);
  await panel.waitFor(`document.querySelector('[data-testid=import-progress]')?.dataset.phase === 'done'`);
  const imported = await rows();
  expect(imported.every((r) => r.origin === 'har')).toBe(true);
  expect(imported.find((r) => r.path.endsWith('/token/refresh'))).toMatchObject({ verdict: 'decrypted', form: 'json-envelope' });
  await selectLast('/token/refresh');
  await expect.poll(() => text('decrypted-request'), { timeout: 10_000 }).toContain('refreshToken');
  expect(await text('decrypted-response')).toContain('accessToken');
});

test('a tampered refresh response shows a coded error row with the raw bytes still viewable', async () => {
  await page.getByTestId('demo-mode').click(); // back to binary
  await page.route('**/token/refresh', async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length - 1] ^= 0x01; // last byte of the GCM tag
    await route.fulfill({ response: res, body });
  });
  await demo('demo-refresh');
  await page.unroute('**/token/refresh');
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'failed')`);
  const failed = (await rows()).filter((r) => r.path.endsWith('/token/refresh')).at(-1)!;
  expect(failed).toMatchObject({ verdict: 'failed', code: 'AEAD_AUTH_FAILED', form: 'binary' });
  expect(await panel.evaluate(`document.querySelector('[data-testid=traffic-row][data-verdict=failed]')?.textContent`)).toContain('AEAD_AUTH_FAILED');
  await selectLast('/token/refresh');
  await expect.poll(() => panel.evaluate(`document.querySelector('[data-testid=decrypt-error]')?.dataset.code`), { timeout: 10_000 }).toBe('AEAD_AUTH_FAILED');
  // The request side still decrypted; the failed response keeps its bytes (hex dump starts with the "SC" magic).
  expect(await text('decrypted-request')).toContain('refreshToken');
  expect(await panel.evaluate(`document.querySelector('[data-testid=decrypted-response] [data-testid=wire-bytes] .dump')?.textContent.slice(0, 24)`)).toMatch(/^00000000 {2}53 43 02 81/);
});
