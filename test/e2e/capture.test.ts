/**
 * Capture end to end: real Chromium with dist/, the real reference gateway on port 0, its demo portal
 * as the inspected page — no DevTools. The service worker's buffer is read the way the panel reads
 * it: over a `keyhole-panel:<tabId>` port from an extension page.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { launchExtension, openExtensionPage, stopServiceWorker, type ExtensionBrowser } from './harness';
import type { DecryptedExchange } from '../../src/inspect/decrypt-exchange';

let browser: ExtensionBrowser;
let gateway: Gateway;
let extPage: Page;

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false, binaryContentType: 'json' } as never);
  browser = await launchExtension();
  extPage = await openExtensionPage(browser, 'popup/index.html');
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

async function tabIdOf(url: string): Promise<number> {
  const sw = await browser.serviceWorker();
  return sw.evaluate(async (u) => {
    const tabs = await chrome.tabs.query({});
    const t = tabs.find((x) => x.url?.startsWith(u));
    if (!t?.id) throw new Error(`no tab for ${u}`);
    return t.id;
  }, url);
}

/** The tab's buffer, exactly as the panel receives it (status + snapshot batches over the port). */
async function readBuffer(tabId: number): Promise<DecryptedExchange[]> {
  return extPage.evaluate(
    (id) =>
      new Promise<DecryptedExchange[]>((resolve, reject) => {
        const port = chrome.runtime.connect({ name: `keyhole-panel:${id}` });
        const out: DecryptedExchange[] = [];
        const timer = setTimeout(() => reject(new Error('no snapshot')), 10_000);
        port.onMessage.addListener((m: { kind: string; exchanges?: DecryptedExchange[]; done?: boolean }) => {
          if (m.kind !== 'snapshot') return;
          out.push(...(m.exchanges ?? []));
          if (m.done) {
            clearTimeout(timer);
            port.disconnect();
            resolve(out);
          }
        });
      }),
    tabId,
  );
}

async function openDemo(o: { mode: 'binary' | 'json'; xhr?: boolean }): Promise<{ page: Page; tabId: number }> {
  const page = await browser.context.newPage();
  const url = `${gateway.url}/demo/`;
  await page.goto(url);
  await page.evaluate(({ mode, xhr }) => {
    localStorage.setItem('keyhole-demo-mode', mode);
    localStorage.setItem('keyhole-demo-xhr', xhr ? '1' : '0');
    // A fresh client hash per test: the gateway rate-limits login per client (§12), 5 a minute.
    localStorage.removeItem('keyhole-demo-client-hash');
  }, o);
  await page.reload();
  await expect.poll(() => page.getByTestId('demo-mode').getAttribute('data-mode')).toBe(o.mode);
  return { page, tabId: await tabIdOf(url) };
}

async function signInAndRefresh(page: Page): Promise<void> {
  await page.getByTestId('demo-login').click();
  await expect.poll(() => page.getByTestId('demo-status').textContent()).toMatch(/^login: 2000/);
  await page.getByTestId('demo-refresh').click();
  await expect.poll(() => page.getByTestId('demo-status').textContent()).toMatch(/^refresh: 2000/);
}

async function refreshExchange(tabId: number): Promise<DecryptedExchange> {
  let found: DecryptedExchange | undefined;
  await expect
    .poll(
      async () => {
        found = (await readBuffer(tabId)).find((d) => d.kind === 'refresh' && d.response.status === 'decrypted');
        return !!found;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return found!;
}

const b64ToBytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe('capture in a real browser', () => {
  test('binary mode (binary bodies labelled application/json): exact bytes buffered and decrypted', async () => {
    const { page, tabId } = await openDemo({ mode: 'binary' });
    await signInAndRefresh(page);
    const d = await refreshExchange(tabId);
    expect(d.exchange.source).toBe('hook-fetch');
    expect(d.exchange.responseHeaders['content-type']).toContain('application/json');
    const req = b64ToBytes(d.exchange.requestBody!.base64);
    const res = b64ToBytes(d.exchange.responseBody!.base64);
    expect([...req.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x02]);
    expect([...res.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x81]);
    expect(d.exchange.responseBody!.lossy).toBeUndefined();
    expect(d.request).toMatchObject({ form: 'binary', status: 'decrypted', keySource: 'page-handshake', aad: 'none' });
    expect(typeof (d.request.json as { refreshToken?: unknown }).refreshToken).toBe('string');
    expect(typeof (d.response.json as { data?: { accessToken?: unknown } }).data?.accessToken).toBe('string');
    expect(d.follow?.kind).toBe('refresh');
    // the handshake, the login calls and the public key are there too
    const kinds = (await readBuffer(tabId)).map((x) => x.kind);
    expect(kinds).toEqual(expect.arrayContaining(['public-key', 'session', 'login-initiate', 'login-complete', 'refresh']));
    await page.close();
  });

  test('JSON {v,p} mode: buffered and decrypted', async () => {
    const { page, tabId } = await openDemo({ mode: 'json' });
    await signInAndRefresh(page);
    const d = await refreshExchange(tabId);
    expect(d.request).toMatchObject({ form: 'json-envelope', status: 'decrypted' });
    expect(d.response).toMatchObject({ form: 'json-envelope', status: 'decrypted' });
    expect(Buffer.from(d.exchange.requestBody!.base64, 'base64').toString()).toMatch(/^\{"v":2,"p":"/);
    expect(typeof (d.request.json as { refreshToken?: unknown }).refreshToken).toBe('string');
    expect(typeof (d.response.json as { data?: { accessToken?: unknown } }).data?.accessToken).toBe('string');
    await page.close();
  });

  test('a stopped service worker loses neither the buffer nor the keys (storage.session mirror)', async () => {
    const { page, tabId } = await openDemo({ mode: 'binary' });
    await signInAndRefresh(page);
    const before = await refreshExchange(tabId);
    await stopServiceWorker(browser);
    const after = (await readBuffer(tabId)).find((d) => d.exchange.id === before.exchange.id);
    expect(after?.request).toMatchObject({ status: 'decrypted', keySource: 'page-handshake' });
    expect(after?.exchange.requestBody?.base64).toBe(before.exchange.requestBody?.base64);
    await page.close();
  });

  test('Follow in Keyhole adopts the session the page refreshed (panel RPC over the port)', async () => {
    const { page, tabId } = await openDemo({ mode: 'json' });
    await signInAndRefresh(page);
    const d = await refreshExchange(tabId);
    const answer = await extPage.evaluate(
      ({ id, exchangeId }) =>
        new Promise<unknown>((resolve) => {
          const port = chrome.runtime.connect({ name: `keyhole-panel:${id}` });
          port.onMessage.addListener((m: { kind: string; id?: number; response?: unknown }) => {
            if (m.kind === 'rpc-response' && m.id === 1) {
              port.disconnect();
              resolve(m.response);
            }
          });
          port.postMessage({ kind: 'rpc-request', id: 1, request: { boundary: 'panel', method: 'followSession', input: { exchangeId } } });
        }),
      { id: tabId, exchangeId: d.exchange.id },
    );
    expect(answer).toMatchObject({ ok: true, value: { sessionKey: expect.any(String) } });
    await page.close();
  });

  test('XHR with responseType arraybuffer is captured exactly', async () => {
    const { page, tabId } = await openDemo({ mode: 'binary', xhr: true });
    await signInAndRefresh(page);
    const d = await refreshExchange(tabId);
    expect(d.exchange.source).toBe('hook-xhr');
    expect([...b64ToBytes(d.exchange.responseBody!.base64).subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x81]);
    expect(d.response.status).toBe('decrypted');
    expect(d.exchange.requestHeaders['x-sc-session-id']).toBe(d.sessionId);
    await page.close();
  });

  test('a non-SCv2 fetch passes untouched and is not recorded; the hook looks native', async () => {
    const { page, tabId } = await openDemo({ mode: 'binary' });
    const seen = await page.evaluate(async (health) => {
      const r = await fetch(health);
      const nativeLooking = [fetch, XMLHttpRequest.prototype.send, XMLHttpRequest.prototype.open, crypto.subtle.encrypt, crypto.subtle.importKey, crypto.subtle.exportKey].every((f) =>
        Function.prototype.toString.call(f).includes('[native code]'),
      );
      // Errors stay the browser's own: same type, and a rejected promise rather than a throw.
      const err = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, null as unknown as CryptoKey, new Uint8Array(32)).then(
        () => 'resolved',
        (e: Error) => e.constructor.name,
      );
      return { status: r.status, body: await r.text(), nativeLooking, name: fetch.name, length: fetch.length, err };
    }, `${gateway.url}/actuator/health`);
    expect(seen).toEqual({ status: 200, body: expect.stringContaining('UP'), nativeLooking: true, name: 'fetch', length: 1, err: 'TypeError' });
    // an SC-looking call afterwards proves the hook is live, so the absence of the first is meaningful
    await page.evaluate((pk) => fetch(pk).then((r) => r.text()), `${gateway.url}/web/v1/secure-channel/public-key`);
    await expect.poll(async () => (await readBuffer(tabId)).some((d) => d.kind === 'public-key'), { timeout: 10_000 }).toBe(true);
    expect((await readBuffer(tabId)).some((d) => d.exchange.url.includes('/actuator/health'))).toBe(false);
    await page.close();
  });

  test('a flood over the relay limit is not recorded silently: the panel is told how many were dropped', async () => {
    const { page, tabId } = await openDemo({ mode: 'json' });
    // 330 SC-path fetches in well under the limiter's 10 s window (300 messages): about 30 are refused.
    await page.evaluate(async (url) => {
      for (let i = 0; i < 11; i++) await Promise.all(Array.from({ length: 30 }, () => fetch(url).then((r) => r.arrayBuffer())));
    }, `${gateway.url}/web/v1/system/secure-channel/public-key`);
    const dropped = () =>
      extPage.evaluate(
        (id) =>
          new Promise<number>((resolve) => {
            const port = chrome.runtime.connect({ name: `keyhole-panel:${id}` });
            port.onMessage.addListener((m: { kind: string; dropped?: number }) => {
              if (m.kind !== 'status') return;
              port.disconnect();
              resolve(m.dropped ?? 0);
            });
          }),
        tabId,
      );
    await expect.poll(dropped, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    expect(await dropped()).toBeLessThan(330);
    await page.close();
  });

  test('closing the tab clears its buffer', async () => {
    const { page, tabId } = await openDemo({ mode: 'binary' });
    await page.evaluate((pk) => fetch(pk).then((r) => r.text()), `${gateway.url}/web/v1/secure-channel/public-key`);
    await expect.poll(async () => (await readBuffer(tabId)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.close();
    await expect.poll(async () => (await readBuffer(tabId)).length, { timeout: 10_000 }).toBe(0);
    const stored = await (await browser.serviceWorker()).evaluate(async (id) => Object.keys(await chrome.storage.session.get(null)).filter((k) => k.startsWith(`kh.cap.x.${id}.`)), tabId);
    expect(stored).toEqual([]);
  });
});
