/**
 * Panel UI behaviour with real traffic from the demo portal, the panel opened as a tab with
 * chrome.devtools stubbed (fast: no DevTools front-end). With KEYHOLE_SCREENSHOTS=1 (npm run screenshots) the
 * light and dark screenshots go to docs/screenshots/; otherwise to a temporary folder, so a test run never
 * changes tracked files.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, type ExtensionBrowser } from './harness';
import { openPanelAsTab, tabIdOf } from './panel-tab';
import { demoAction, type DemoAction } from './demo-page';

let gateway: Gateway;
let browser: ExtensionBrowser;
let demoPage: Page;
let panel: Page;
let tabId: number;
const SHOTS = process.env.KEYHOLE_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : join(tmpdir(), 'keyhole-shots');

const demo = (action: DemoAction) => demoAction(demoPage, action);
const rowCount = () => panel.locator('[data-testid=traffic-row]').count();

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false });
  browser = await launchExtension();
  demoPage = await browser.context.newPage();
  await demoPage.goto(`${gateway.url}/demo/`);
  await demo('demo-login');
  await demo('demo-refresh');
  await demoPage.getByTestId('demo-mode').click(); // JSON envelopes from here on
  await demo('demo-refresh');
  // One tampered answer, so the list shows a failed row too.
  await demoPage.route('**/token/refresh', async (route) => {
    const res = await route.fetch();
    const text = await res.text();
    await route.fulfill({ response: res, body: text.replace(/"p":"(.)/, (_m, c: string) => `"p":"${c === 'A' ? 'B' : 'A'}`) });
  });
  await demo('demo-refresh');
  await demoPage.unroute('**/token/refresh');
  tabId = await tabIdOf(browser, demoPage.url());
  panel = await openPanelAsTab(browser, tabId);
  await panel.locator('[data-testid=traffic-row][data-verdict=failed]').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

test('search finds text inside decrypted bodies; a bad regex shows an inline message and keeps the list', async () => {
  const all = await rowCount();
  const paths = await panel.evaluate(() => (globalThis as any).__keyhole.store.rows.map((r: any) => `${r.summary.path} ${r.summary.verdict} ${r.data.exchange.source}`));
  expect(paths, paths.join('\n')).toHaveLength(7);
  expect(all).toBe(7); // public key, session, initiate, complete, 3 refreshes
  await panel.getByTestId('search').fill('expiresIn');
  // Only rows whose decrypted bodies mention it: login complete and the 2 decrypted refreshes at least.
  const expected = await panel.evaluate(() => (globalThis as any).__keyhole.store.rows.filter((r: any) => /expiresin/i.test(r.haystack())).length);
  expect(expected).toBeGreaterThanOrEqual(3);
  expect(expected).toBeLessThan(all);
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(expected);
  await panel.getByTestId('search').fill('/refreshToken"\\s*:\\s*"[^"]+"\\s*}/');
  await expect.poll(rowCount, { timeout: 10_000 }).toBeGreaterThan(0);
  const matched = await rowCount();
  await panel.getByTestId('search').fill('/([unclosed/');
  await expect.poll(() => panel.getByTestId('search-error').textContent()).toMatch(/Invalid regular expression/);
  expect(await rowCount()).toBe(matched); // last good result stays
  await panel.getByTestId('search').fill('');
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(all);
  expect(await panel.getByTestId('search-error').count()).toBe(0);
});

test('filter terms: is:failed, path: and status:', async () => {
  await panel.getByTestId('search').fill('is:failed');
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(1);
  const failed = panel.locator('[data-testid=traffic-row]');
  expect(await failed.getAttribute('data-path')).toMatch(/\/token\/refresh$/);
  expect(await failed.textContent()).toContain('AEAD_AUTH_FAILED');
  await panel.getByTestId('search').fill('path:login');
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(2);
  await panel.getByTestId('search').fill('status:4xx');
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(0);
  await panel.getByTestId('search').fill('');
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(7);
});

test('screenshots: light and dark at the docked size (550 × 700), decrypted traffic with the detail open', async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const dark of [false, true]) {
    const p = await openPanelAsTab(browser, tabId, { dark, width: 550, height: 700 });
    const refresh = p.locator('[data-testid=traffic-row][data-verdict=decrypted][data-path$="/token/refresh"]').last();
    await refresh.waitFor();
    await refresh.dispatchEvent('mousedown');
    await p.getByTestId('decrypted-response').waitFor();
    expect(await p.evaluate(() => document.documentElement.classList.contains('theme-dark'))).toBe(dark);
    await p.screenshot({ path: resolve(SHOTS, dark ? 'panel-dark.png' : 'panel.png') });
    await p.close();
  }
});

test('detail: decrypted sides with key source and envelope anatomy; secrets masked until revealed', async () => {
  await panel.locator('[data-testid=traffic-row][data-verdict=decrypted][data-path$="/token/refresh"]').last().dispatchEvent('mousedown');
  const response = panel.getByTestId('decrypted-response');
  await expect.poll(() => response.textContent()).toContain('accessToken');
  expect(await response.textContent()).toContain("the page's handshake");
  // The anatomy is collapsed until asked for (issue #11: the plaintext gets the height).
  expect(await response.getByTestId('envelope-anatomy').count()).toBe(0);
  await panel.getByTestId('toggle-anatomy-response').click();
  expect(await response.getByTestId('envelope-anatomy').textContent()).toContain('JSON envelope');
  await panel.getByTestId('toggle-anatomy-response').click();
  const token = await demoPage.evaluate(() => JSON.parse(sessionStorage.getItem('keyhole-demo-tokens')!).accessToken as string);
  expect(await panel.locator('body').textContent()).not.toContain(token);
  await panel.getByTestId('reveal-secrets').check();
  await expect.poll(() => response.textContent()).toContain(token);
  await panel.getByTestId('reveal-secrets').uncheck();
  await expect(panel.getByTestId('follow-session').isVisible()).resolves.toBe(true);
});

test('HAR export redacts tokens by default and keeps them when "Redact secrets" is unticked', async () => {
  const token = await demoPage.evaluate(() => JSON.parse(sessionStorage.getItem('keyhole-demo-tokens')!).refreshToken as string);
  const exportText = async () => {
    const [download] = await Promise.all([panel.waitForEvent('download'), panel.getByTestId('har-export').click()]);
    return readFileSync((await download.path())!, 'utf8');
  };
  const redacted = await exportText();
  expect(JSON.parse(redacted).log.entries).toHaveLength(7);
  expect(redacted).toContain('[redacted]');
  expect(redacted).not.toContain(token);
  await panel.getByTestId('har-redact').uncheck();
  const full = await exportText();
  expect(full).toContain(token);
  await panel.getByTestId('har-redact').check();
});

test('keys: the page handshake is listed masked; manual keys are validated inline and added', async () => {
  await panel.getByTestId('tab-keys').click();
  const entry = panel.locator('[data-testid=keyring-entry][data-source=page-handshake]').first();
  await entry.waitFor();
  expect(await entry.textContent()).toMatch(/…/);
  await panel.getByTestId('key-sessionId').fill('');
  await panel.getByTestId('key-requestKey').fill('not-a-key');
  await panel.getByTestId('key-add-submit').click();
  expect(await panel.getByTestId('key-error-sessionId').textContent()).toBe('Session id is required');
  expect(await panel.getByTestId('key-error-requestKey').textContent()).toMatch(/32 bytes/);
  await panel.getByTestId('key-sessionId').fill('sess_manual_1');
  await panel.getByTestId('key-requestKey').fill('11'.repeat(32));
  await panel.getByTestId('key-responseKey').fill(Buffer.alloc(32, 2).toString('base64'));
  await panel.getByTestId('key-add-submit').click();
  await panel.locator('[data-testid=keyring-entry][data-session=sess_manual_1][data-source=manual]').waitFor();
  await panel.getByTestId('private-key-pem').fill('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----');
  await panel.getByTestId('private-key-submit').click();
  expect(await panel.getByTestId('private-key-message').textContent()).toMatch(/PKCS#1/);
  await panel.getByTestId('tab-traffic').click();
});

test('10,000 rows: only the visible rows are in the DOM, and scrolling to the end shows the last one', async () => {
  const n = await panel.evaluate(() => {
    const k = (globalThis as unknown as { __keyhole: { store: { rows: Array<{ data: any }>; upsert(l: unknown[]): void } } }).__keyhole;
    const base = k.store.rows[k.store.rows.length - 1].data;
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...base, path: `/bulk/${i}`, exchange: { ...base.exchange, id: `bulk-${i}` } }));
    k.store.upsert(many);
    return k.store.rows.length;
  });
  await panel.getByTestId('row-count').filter({ hasText: `${n} calls` }).waitFor();
  expect(await rowCount()).toBeLessThan(80);
  await panel.getByTestId('traffic-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await panel.locator('[data-testid=traffic-row][data-path="/bulk/9999"]').waitFor();
  await panel.getByTestId('clear').click();
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(0);
});

test('a HAR import into an empty list shows the file from its first row and stays there; at the end, live rows are followed', async () => {
  await panel.getByTestId('clear').click();
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(0);
  // 3,000 plain entries from the past (rows sort by time: live traffic comes after them), more than fit on screen.
  const n = 3000;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const entries = Array.from({ length: n }, (_, i) => ({
    startedDateTime: new Date(t0 + i * 10).toISOString(),
    time: 1,
    request: { method: 'GET', url: `http://127.0.0.1:9/bulk-har/${i}`, headers: [] },
    response: { status: 200, headers: [], content: { size: 2, mimeType: 'application/json', text: '{}' } },
  }));
  const dir = mkdtempSync(join(tmpdir(), 'keyhole-hold-'));
  try {
    const file = join(dir, 'many.har');
    writeFileSync(file, JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } }));
    await panel.getByTestId('har-import').setInputFiles(file);
    await panel.waitForFunction(() => document.querySelector('[data-testid=import-progress]')?.getAttribute('data-phase') === 'done');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await panel.getByTestId('row-count').filter({ hasText: `${n} calls` }).waitFor();
  // The first rows, not the end: nothing moved while the rows arrived or when the import settled.
  await panel.waitForTimeout(300); // a jump would come with the next frames
  expect(await panel.getByTestId('traffic-list').evaluate((el) => el.scrollTop)).toBe(0);
  expect(await panel.locator('[data-testid=traffic-row][data-path="/bulk-har/0"]').count()).toBe(1);
  expect(await panel.locator(`[data-testid=traffic-row][data-path="/bulk-har/${n - 1}"]`).count()).toBe(0);
  // Not at the end, so live traffic does not pull the list down. (A live row: what the worker's port hands the store.)
  const live = (i: number) =>
    panel.evaluate((i) => {
      const k = (globalThis as unknown as { __keyhole: { store: { rows: Array<{ data: any }>; upsert(l: unknown[]): void } } }).__keyhole;
      const base = k.store.rows[0].data;
      k.store.upsert([{ ...base, path: `/live/${i}`, exchange: { ...base.exchange, id: `live-${i}`, source: 'hook', startedAt: Date.now(), url: `http://127.0.0.1:9/live/${i}` } }]);
    }, i);
  await live(1);
  await panel.getByTestId('row-count').filter({ hasText: `${n + 1} calls` }).waitFor();
  await panel.waitForTimeout(300);
  expect(await panel.getByTestId('traffic-list').evaluate((el) => el.scrollTop)).toBe(0);
  // At the end, the next live row is followed.
  await panel.getByTestId('traffic-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await panel.locator(`[data-testid=traffic-row][data-path="/bulk-har/${n - 1}"]`).waitFor();
  await live(2);
  await panel.getByTestId('row-count').filter({ hasText: `${n + 2} calls` }).waitFor();
  await panel.locator('[data-testid=traffic-row][data-path="/live/2"]').waitFor();
  await expect.poll(() => panel.getByTestId('traffic-list').evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 1)).toBe(true);
  await panel.getByTestId('clear').click();
  await expect.poll(rowCount, { timeout: 10_000 }).toBe(0);
});
