/**
 * Issue #11: the Keyhole panel in real DevTools at the docked size (550 × 700), inspecting an app served
 * from another origin than its API (so the browser sends CORS preflights). One browser, one DevTools.
 *
 * - the decrypted request and response of a login each have room for ≥ 10 lines without scrolling;
 * - the path column shows the tail that tells rows apart;
 * - preflights add no rows, rows are in time order, the count counts calls;
 * - sorting by a header, the filter bar (terms and suggestions);
 * - Preserve log off and on across a navigation.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { DEVTOOLS_TABSTRIP_PX, launchExtension, openDevToolsPanel, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { demoAction } from './demo-page';
import { selectLastRow } from './panel-helpers';

let gateway: Gateway;
let app: Server;
let appUrl: string;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;

/** The demo portal served from http://localhost:<other port>, calling the gateway at http://127.0.0.1:<port>. */
async function serveCrossOriginApp(gw: Gateway): Promise<{ server: Server; url: string }> {
  const base = new URL(gw.url).pathname; // /prometheus
  const fetchText = async (p: string) => (await fetch(`${gw.origin}${base}/demo/${p}`)).text();
  const [html, js, css] = await Promise.all([fetchText(''), fetchText('demo.js'), fetchText('demo.css')]);
  const patched = js.replace('var API = location.origin + BASE;', `var API = ${JSON.stringify(gw.origin)} + BASE;`);
  if (patched === js) throw new Error('demo.js: API line not found');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = path.endsWith('demo.js') ? patched : path.endsWith('demo.css') ? css : html;
    const type = path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'text/html';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}${base}/demo/` };
}

const storeRows = () =>
  panel.evaluate<Array<{ method: string; path: string; startedAt: number; preflight: boolean }>>(
    `__keyhole.store.rows.map(r => ({ method: r.summary.method, path: r.summary.path, startedAt: r.startedAt, preflight: !!r.preflight }))`,
  );
/** Types into the filter bar like a user (input events), waits for the debounce. */
async function setFilter(text: string): Promise<void> {
  await panel.evaluate(`(() => {
    const el = document.querySelector('[data-testid=search]');
    el.focus();
    el.dispatchEvent(new FocusEvent('focus'));
    el.value = ${JSON.stringify(text)};
    el.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
  await new Promise((r) => setTimeout(r, 400));
}
/** A DOM click (the harness's trusted clicks are for user activation, not needed here). */
async function click(selector: string): Promise<void> {
  await panel.evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
  await new Promise((r) => setTimeout(r, 100));
}
const shownPaths = () => panel.evaluate<string[]>(`[...document.querySelectorAll('[data-testid=traffic-row]')].map(r => r.dataset.path)`);

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false });
  ({ server: app, url: appUrl } = await serveCrossOriginApp(gateway));
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(appUrl);
  panel = await openDevToolsPanel(browser, page, 'Keyhole', { size: { width: 550, height: 700 } });
  // With DevTools open: the DevTools network source sees the calls and their preflights.
  await demoAction(page, 'demo-login');
  await demoAction(page, 'demo-refresh');
});

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await gateway?.close();
  await new Promise((r) => app?.close(r));
});

test('the panel is laid out at the docked size', async () => {
  const size = await panel.evaluate<{ w: number; h: number }>(`({ w: innerWidth, h: innerHeight })`);
  expect(size.w).toBe(550);
  // DevTools' own tab strip takes the rest of the 700 px.
  expect(size.h).toBe(700 - DEVTOOLS_TABSTRIP_PX);
});

test('CORS preflights add no rows: one row per call, in time order, and the count counts calls', async () => {
  // The DevTools source holds entries for a grace period before it folds or adds them.
  await panel.waitFor(`__keyhole.store.preflights > 0`, 15_000);
  await new Promise((r) => setTimeout(r, 2_500));
  const rows = await storeRows();
  expect(rows.some((r) => r.method === 'OPTIONS')).toBe(false);
  // Public key, session, initiate, complete, refresh: the calls the page made, each once.
  const calls = ['/secure-channel/public-key', '/secure-channel/session', '/login/initiate', '/login/complete', '/token/refresh'];
  for (const c of calls) expect(rows.filter((r) => r.path.endsWith(c)), c).toHaveLength(1);
  expect(rows).toHaveLength(calls.length);
  expect(rows.map((r) => r.startedAt)).toEqual([...rows.map((r) => r.startedAt)].sort((a, b) => a - b));
  expect(rows.some((r) => r.preflight)).toBe(true);
  const count = await panel.evaluate<string>(`document.querySelector('[data-testid=row-count]').textContent`);
  expect(count).toBe(`${calls.length} calls`);
});

test('decrypted request and response of the login each have room for 10 lines without scrolling', async () => {
  await selectLastRow(panel, '/login/complete');
  await panel.waitFor(`!!document.querySelector('[data-testid=decrypted-response] .tree')`);
  const m = await panel.evaluate<{ req: number; resp: number; line: number; respLines: number; respScroll: boolean; anatomy: number }>(`(() => {
    const body = (k) => document.querySelector('[data-testid=side-body-' + k + ']');
    const line = parseFloat(getComputedStyle(document.querySelector('.tree')).lineHeight);
    const resp = body('response');
    return {
      req: body('request').clientHeight,
      resp: resp.clientHeight,
      line,
      respLines: resp.querySelectorAll('.tree li').length,
      respScroll: resp.scrollHeight > resp.clientHeight,
      anatomy: document.querySelectorAll('[data-testid=envelope-anatomy]').length,
    };
  })()`);
  expect(m.line).toBeGreaterThan(10);
  expect(m.req / m.line, JSON.stringify(m)).toBeGreaterThanOrEqual(10);
  expect(m.resp / m.line, JSON.stringify(m)).toBeGreaterThanOrEqual(10);
  expect(m.respLines).toBeGreaterThanOrEqual(10);
  // Anatomy and wire bytes are collapsed by default.
  expect(m.anatomy).toBe(0);
});

test('opening the envelope anatomy is remembered for the next row', async () => {
  await click('[data-testid=toggle-anatomy-response]');
  await panel.waitFor(`!!document.querySelector('[data-testid=decrypted-response] [data-testid=envelope-anatomy]')`);
  await selectLastRow(panel, '/login/initiate');
  await panel.waitFor(`!!document.querySelector('[data-testid=decrypted-response] [data-testid=envelope-anatomy]')`);
  await click('[data-testid=toggle-anatomy-response]');
  await panel.waitFor(`!document.querySelector('[data-testid=envelope-anatomy]')`);
});

test('the path column shows the tail that tells login/initiate from login/complete', async () => {
  const tails = await panel.evaluate<Array<{ path: string; endVisible: boolean }>>(`[...document.querySelectorAll('[data-testid=traffic-row]')].map(r => {
    const cell = r.querySelector('.c-path .tail');
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rects = range.getClientRects();
    const last = rects[rects.length - 1];
    const box = cell.getBoundingClientRect();
    return { path: r.dataset.path, endVisible: !!last && last.right <= box.right + 1 && last.right > box.left };
  })`);
  expect(tails.length).toBe(5);
  for (const t of tails) expect(t, t.path).toMatchObject({ endVisible: true });
  const title = await panel.evaluate<string>(`document.querySelector('[data-testid=traffic-row][data-path$="/login/initiate"] .c-path').title`);
  expect(title).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prometheus\/web\/v1\/system\/auth\/login\/initiate$/);
});

test('a header click sorts (ascending, descending, then time order again)', async () => {
  const statuses = () => panel.evaluate<string[]>(`[...document.querySelectorAll('[data-testid=traffic-row]')].map(r => r.dataset.path)`);
  const timeOrder = await statuses();
  await click('[data-testid=col-path]');
  const asc = await statuses();
  expect(asc).toEqual([...asc].sort());
  expect(await panel.evaluate(`document.querySelector('[data-testid=col-path]').getAttribute('aria-sort')`)).toBe('ascending');
  await click('[data-testid=col-path]');
  expect(await statuses()).toEqual([...asc].reverse());
  await click('[data-testid=col-path]');
  expect(await statuses()).toEqual(timeOrder);
});

test('the filter bar: terms combined by AND, negation, free text in decrypted bodies, suggestions', async () => {
  await setFilter('method:POST path:/login -path:initiate');
  expect(await shownPaths()).toEqual([expect.stringMatching(/\/login\/complete$/)]);
  await setFilter('method:GET');
  expect(await shownPaths()).toEqual([expect.stringMatching(/\/public-key$/)]);
  await setFilter('refreshToken status:2xx');
  expect((await shownPaths()).map((p) => p.split('/').pop())).toEqual(['complete', 'refresh']);
  await setFilter('is:failed');
  expect(await shownPaths()).toEqual([]);
  await setFilter('larger-than:lots');
  expect(await panel.evaluate(`document.querySelector('[data-testid=search-error]').textContent`)).toContain('lots');
  await setFilter('me');
  expect(await panel.evaluate(`[...document.querySelectorAll('[data-testid=filter-suggestions] li')].map(li => li.textContent)`)).toEqual(['method:']);
  await setFilter('method:');
  expect(await panel.evaluate(`[...document.querySelectorAll('[data-testid=filter-suggestions] li')].map(li => li.textContent)`)).toEqual(['method:POST', 'method:GET']);
  await setFilter('');
  expect(await shownPaths()).toHaveLength(5);
});

test('Preserve log off: a navigation starts a fresh list', async () => {
  expect(await panel.evaluate(`document.querySelector('[data-testid=preserve-log]').checked`)).toBe(false);
  await page.reload();
  await panel.waitFor(`__keyhole.store.rows.length === 0`);
  await demoAction(page, 'demo-login');
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/login/complete'))`);
  expect(await panel.evaluate(`document.querySelectorAll('[data-testid=nav-marker]').length`)).toBe(0);
});

test('Preserve log on: the list survives a navigation and a marker row shows where', async () => {
  await click('[data-testid=preserve-log]');
  const before = await panel.evaluate<number>(`__keyhole.store.rows.length`);
  expect(before).toBeGreaterThan(0);
  await page.reload();
  await panel.waitFor(`document.querySelectorAll('[data-testid=nav-marker]').length === 1`);
  expect(await panel.evaluate<number>(`__keyhole.store.rows.length`)).toBe(before);
  await demoAction(page, 'demo-login');
  await panel.waitFor(`__keyhole.store.rows.length > ${before}`);
  // The marker sits between the old page's rows and the new page's.
  const order = await panel.evaluate<string[]>(`[...document.querySelectorAll('[data-testid=traffic-row], [data-testid=nav-marker]')].map(e => e.dataset.testid)`);
  const at = order.indexOf('nav-marker');
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(order.length - 1);
  await click('[data-testid=preserve-log]');
});
