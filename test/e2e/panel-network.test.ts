/**
 * The panel's secondary source (src/devtools/backend/network-source.ts) in real Chromium with real
 * DevTools: the demo portal is served on http://127.0.0.2:PORT, an origin the MAIN-world capture hook
 * does not run on (the manifest hooks 127.0.0.1 and localhost only), so every row must come from
 * chrome.devtools.network.onRequestFinished. Without the hook the page's handshake wraps are never
 * observed; the keys come from the gateway's RSA private key pasted into the panel's Keys tab, which
 * lets the worker unwrap the observed /session request's encReqKey/encRespKey.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchExtension, openDevToolsPanel, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { demoAction, type DemoAction } from './demo-page';

let gateway: Gateway;
let proxy: Server;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;
const tmp = mkdtempSync(join(tmpdir(), 'keyhole-panel-network-e2e-'));
const keyFile = join(tmp, 'gateway-key.pem');

/** Pass-through proxy on 127.0.0.2 (the gateway binds 127.0.0.1 only); method, path, headers, body unchanged. */
async function startLoopbackProxy(target: { host: string; port: number }): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    up.end(Buffer.concat(chunks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  return { server, origin: `http://127.0.0.2:${(server.address() as AddressInfo).port}` };
}

interface RowInfo {
  path: string;
  verdict: string;
  form: string;
  origin: string;
  source: string;
  request: string;
  response: string;
}
const rows = () =>
  panel.evaluate<RowInfo[]>(
    `__keyhole.store.rows.map(r => ({ path: r.summary.path, verdict: r.summary.verdict, form: r.summary.form, origin: r.origin, source: r.data.exchange.source,
       request: JSON.stringify(r.data.request.json ?? r.data.request.text ?? null), response: JSON.stringify(r.data.response.json ?? r.data.response.text ?? null) }))`,
  );

const demo = (action: DemoAction) => demoAction(page, action);

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false, binaryContentType: 'octet', keyFile });
  expect(gateway.host).toBe('127.0.0.1');
  const p = await startLoopbackProxy({ host: gateway.host, port: gateway.port });
  proxy = p.server;
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(`${p.origin}${gateway.basePath}/demo/`);
  // DevTools first: onRequestFinished only reports requests made while DevTools is open.
  panel = await openDevToolsPanel(browser, page);
}, 60_000);

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await new Promise<void>((r) => {
    if (!proxy) return r();
    proxy.closeAllConnections();
    proxy.close(() => r());
  });
  await gateway?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('un-hooked origin: JSON-envelope sign-in and refresh arrive through DevTools and decrypt with the RSA private key', async () => {
  // The gateway's private key, pasted into the Keys tab's form like a tester would.
  const pem = readFileSync(keyFile, 'utf8');
  await panel.evaluate(`document.querySelector('[data-testid=tab-keys]').click()`);
  await panel.waitFor(`!!document.querySelector('[data-testid=private-key-pem]')`);
  await panel.evaluate(`(() => {
    const t = document.querySelector('[data-testid=private-key-pem]');
    t.value = ${JSON.stringify(pem)};
    t.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
  await panel.evaluate(`document.querySelector('[data-testid=private-key-submit]').click()`);
  await panel.waitFor(`/Key set/.test(document.querySelector('[data-testid=private-key-message]')?.textContent ?? '')`);
  await panel.evaluate(`document.querySelector('[data-testid=tab-traffic]').click()`);

  await page.getByTestId('demo-mode').click();
  await expect.poll(() => page.getByTestId('demo-mode').getAttribute('data-mode'), { timeout: 10_000 }).toBe('json');
  await demo('demo-login');
  await demo('demo-refresh');

  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'decrypted')`, 20_000);
  const list = await rows();
  expect(list.map((r) => r.path.replace(/.*\/web\/v1/, ''))).toEqual(
    expect.arrayContaining(['/secure-channel/public-key', '/secure-channel/session', '/system/auth/login/initiate', '/system/auth/login/complete', '/system/auth/token/refresh']),
  );
  // Nothing came from the hook: the page's origin is not one it runs on.
  expect(list.every((r) => r.origin === 'devtools' && r.source === 'devtools')).toBe(true);
  const complete = list.filter((r) => r.path.endsWith('/login/complete')).at(-1)!;
  expect(complete).toMatchObject({ verdict: 'decrypted', form: 'json-envelope' });
  expect(complete.response).toContain('accessToken');
  const refresh = list.filter((r) => r.path.endsWith('/token/refresh')).at(-1)!;
  expect(refresh).toMatchObject({ verdict: 'decrypted', form: 'json-envelope', origin: 'devtools' });
  expect(refresh.request).toContain('refreshToken');
  expect(refresh.response).toContain('accessToken');
  // One row per exchange: each refresh the page made is listed exactly once.
  expect(list.filter((r) => r.path.endsWith('/token/refresh'))).toHaveLength(1);
}, 60_000);
