/**
 * Issue #13: Keyhole in real Firefox (Debian's firefox-esr over WebDriver BiDi; firefox-harness.ts)
 * against the real reference gateway on 127.0.0.1 port 0. One browser for the file.
 *
 * DevTools: Firefox's automation (BiDi) cannot open the DevTools toolbox, so the panel itself is not
 * driven here. The capture test reads what the panel reads — the worker's buffer over the panel's
 * `keyhole-panel:<tabId>` port, from an extension page — already decrypted. For the DevTools network
 * fallback, Firefox's own network-monitor code (NetworkHelper, NetworkUtils — what getContent's text
 * comes from) converts a captured binary envelope and other bodies inside this Firefox, and
 * firefoxResponseBody must turn the result back into the exact bytes or flag it lossy. The panel path and
 * onThemeChanged are unit-tested (test/unit/devtools/firefox-platform.test.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'puppeteer-core';
import { createGateway, type Gateway } from '../../src/gateway/index';
import type { DecryptedExchange } from '../../src/inspect/decrypt-exchange';
import { GECKO_ID } from '../../scripts/manifest';
import { bodyBytes } from '../../src/inspect/exchange';
import { firefoxResponseBody, isFirefoxTextMimeType } from '../../src/inspect/firefox-content';
import { launchFirefoxExtension, waitInPage, type FirefoxExtension } from './firefox-harness';
import { PORT_CALL_JS } from './sessions-helpers';

const DEMO = { email: 'demo@keyhole.test', password: 'keyhole-demo-1', otp: '123456' };
const VERSION = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

let ff: FirefoxExtension;
let gw: Gateway;
let extPage: Page;
/** The demo portal's refresh response, a binary envelope, as the hook captured it (set by the capture test). */
let capturedEnvelope: Buffer | undefined;

beforeAll(async () => {
  [ff, gw] = await Promise.all([launchFirefoxExtension(), createGateway({ port: 0, log: false })]);
  extPage = await ff.openExtensionPage('blank.html', `${gw.url}/`);
});
afterAll(async () => {
  await ff?.close();
  await gw?.close();
});

async function rpcCall<T>(method: string, input: unknown): Promise<T> {
  const answer = (await extPage.evaluate(`(${PORT_CALL_JS})(${JSON.stringify(method)}, ${JSON.stringify(input)})`)) as { ok: boolean; value?: T; error?: unknown };
  if (!answer?.ok) throw new Error(`rpc ${method} failed: ${JSON.stringify(answer?.error)}`);
  return answer.value as T;
}

const text = (page: Page, sel: string) => page.$eval(sel, (e) => e.textContent ?? '').catch(() => '');
const expiresAt = (page: Page) => page.$eval('[data-testid="access-expiry"]', (e) => Number(e.getAttribute('data-expires-at')));

describe('Keyhole in Firefox', () => {
  test('the add-on installs with no errors or manifest warnings, and its background answers', async () => {
    expect(ff.addonId).toBe(GECKO_ID); // warnings-as-errors: installExtension would have thrown
    const manifest = (await extPage.evaluate(() => chrome.runtime.getManifest())) as { version: string; background: { scripts?: string[]; type?: string } };
    expect(manifest.version).toBe(VERSION);
    expect(manifest.background.type).toBe('module');
    expect(manifest.background.scripts?.map((s) => s.split('/').pop())).toEqual(['background.js']);
    const state = await rpcCall<{ clientHash: string }>('optionsState', {});
    expect(state.clientHash).toMatch(/^kh-[0-9a-f]{32}$/);
  });

  test('the popup signs in and refreshes: the gateway sees exactly one refresh and the expiry moves', async () => {
    await rpcCall('saveEnvironment', {
      env: { id: 'local', name: 'Local gateway', apiBase: gw.url, portal: 'system', mode: 'local', language: 'en', cf: { ip: '127.0.0.1', ray: '', country: 'US' } },
    });
    const popup = await ff.openExtensionPage('popup/index.html', `${gw.url}/`);
    await popup.locator('[data-testid="signin-email"]').fill(DEMO.email);
    await popup.locator('[data-testid="signin-password"]').fill(DEMO.password);
    await popup.locator('[data-testid="signin-submit"]').click();
    await popup.locator('[data-testid="signin-code"]').fill(DEMO.otp);
    await popup.locator('[data-testid="signin-submit"]').click();
    await waitInPage(popup, () => document.querySelectorAll('[data-testid="session-card"]').length === 1, undefined);
    expect(await popup.$('[data-testid="host-access"]')).toBeNull(); // install-time host access is granted

    const before = await expiresAt(popup);
    expect(Math.abs(before - (Date.now() + 3600_000))).toBeLessThan(10_000);
    expect(gw.stats.count('refresh')).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100)); // a new `iat` second, so the new expiry differs
    await popup.locator('[data-testid="refresh-button"]').click();
    await waitInPage(popup, (b) => Number(document.querySelector('[data-testid="access-expiry"]')?.getAttribute('data-expires-at')) > b, before);
    await expect.poll(() => text(popup, '[data-testid="last-refresh"]')).toMatch(/ok/);
    expect(await expiresAt(popup)).toBeGreaterThan(before);
    expect(gw.stats.count('refresh')).toBe(1);
    await popup.close();
  });

  test("the capture hook records the demo portal's SCv2 traffic exactly, and the panel's port serves it decrypted", async () => {
    const demo = await ff.browser.newPage();
    const url = `${gw.url}/demo/`;
    await demo.goto(url);
    await demo.evaluate(() => {
      localStorage.setItem('keyhole-demo-mode', 'binary');
      localStorage.removeItem('keyhole-demo-client-hash');
    });
    await demo.reload();
    await waitInPage(demo, () => document.querySelector('[data-testid="demo-mode"]')?.getAttribute('data-mode') === 'binary', undefined);
    await demo.locator('[data-testid="demo-login"]').click();
    await waitInPage(demo, () => /^login: 2000/.test(document.querySelector('[data-testid="demo-status"]')?.textContent ?? ''), undefined);
    await demo.locator('[data-testid="demo-refresh"]').click();
    await waitInPage(demo, () => /^refresh: 2000/.test(document.querySelector('[data-testid="demo-status"]')?.textContent ?? ''), undefined);

    const tabId = await extPage.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id, url);
    expect(typeof tabId).toBe('number');
    let buffer: DecryptedExchange[] = [];
    const readBuffer = () =>
      extPage.evaluate(
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
        tabId!,
      );
    await expect
      .poll(async () => {
        buffer = await readBuffer();
        return buffer.some((d) => d.kind === 'refresh' && d.response.status === 'decrypted');
      }, { timeout: 10_000 })
      .toBe(true);
    const d = buffer.find((x) => x.kind === 'refresh')!;
    expect(d.exchange.source).toBe('hook-fetch');
    const req = Buffer.from(d.exchange.requestBody!.base64, 'base64');
    const res = Buffer.from(d.exchange.responseBody!.base64, 'base64');
    expect([...req.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x02]); // binary envelope, exact bytes
    expect([...res.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x81]);
    expect(d.exchange.responseBody!.lossy).toBeUndefined();
    capturedEnvelope = res;
    expect(d.request).toMatchObject({ form: 'binary', status: 'decrypted', keySource: 'page-handshake' });
    expect(typeof (d.response.json as { data?: { accessToken?: unknown } }).data?.accessToken).toBe('string');
    expect(buffer.map((x) => x.kind)).toEqual(expect.arrayContaining(['public-key', 'session', 'login-initiate', 'login-complete', 'refresh']));
    await demo.close();
  });

  test('a revoked install-time host permission is detected and offered in the popup and on the options page, and Grant access restores it', async () => {
    // Firefox lets the user revoke host permissions granted at install (about:addons → Permissions).
    expect(await extPage.evaluate(() => chrome.permissions.remove({ origins: ['http://localhost/*'] }))).toBe(true);
    for (const path of ['popup/index.html', 'options/index.html']) {
      const page = await ff.openExtensionPage(path, `${gw.url}/`);
      await waitInPage(page, () => !!document.querySelector('[data-testid="host-access"]'), undefined);
      const notice = await text(page, '[data-testid="host-access"]');
      expect(notice).toContain('http://localhost/*');
      expect(notice).not.toContain('http://127.0.0.1/*');
      expect(await page.$('[data-testid="host-access-grant"]')).not.toBeNull();
      await page.close();
    }
    // Grant access (a real click: permissions.request needs the user gesture) → the notice goes away.
    const popup = await ff.openExtensionPage('popup/index.html', `${gw.url}/`);
    await waitInPage(popup, () => !!document.querySelector('[data-testid="host-access"]'), undefined);
    await popup.locator('[data-testid="host-access-grant"]').click();
    await waitInPage(popup, () => !document.querySelector('[data-testid="host-access"]'), undefined);
    expect(await extPage.evaluate(() => chrome.permissions.contains({ origins: ['http://localhost/*'] }))).toBe(true);
    await popup.close();
  });

  test("a binary body through Firefox's DevTools network conversion comes back exact or flagged lossy, never wrong", async () => {
    expect(capturedEnvelope?.subarray(0, 2).toString()).toBe('SC'); // from the capture test above
    const utf8Text = Buffer.from('{"msg":"登录 ok — é"}');
    const latin1Text = Buffer.from('{"name":"Ã©"}'); // valid UTF-8 whose characters all sit in Latin-1
    const random = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff));
    const bodies = [capturedEnvelope!, utf8Text, latin1Text, random];
    const mimes = ['application/json; charset=utf-8', 'application/json', 'application/octet-stream', 'text/plain', 'image/png'];
    const cases = bodies.flatMap((b) => mimes.map((mime) => ({ b64: b.toString('base64'), mime })));
    // In Firefox: what its network monitor stores as the response text (NetworkResponseListener's live
    // path: convert to Unicode, btoa for non-text types) and what getContent returns for a body kept
    // undecoded (NetworkUtils.decodeResponseChunks), with the mime type getContent reports.
    const fromFirefox = JSON.parse(
      await ff.chromeEval(`(async () => {
        const { NetworkHelper } = ChromeUtils.importESModule('resource://devtools/shared/network-observer/NetworkHelper.sys.mjs');
        const { NetworkUtils } = ChromeUtils.importESModule('resource://devtools/shared/network-observer/NetworkUtils.sys.mjs');
        const out = [];
        for (const c of ${JSON.stringify(cases)}) {
          const bytes = Uint8Array.from(atob(c.b64), (ch) => ch.charCodeAt(0));
          const [type, param] = c.mime.split(';');
          const charset = param ? param.split('=')[1].trim() : null;
          const isText = NetworkHelper.isTextMimeType(type);
          let live = NetworkHelper.convertToUnicode(String.fromCharCode(...bytes), charset);
          if (!isText) { try { live = btoa(live); } catch {} }
          const stored = await NetworkUtils.decodeResponseChunks([bytes.buffer], { charset, compressionEncodings: [], encodedBodySize: bytes.length, encoding: isText ? undefined : 'base64' });
          out.push({ type, isText, live, stored, mimeType: NetworkHelper.addCharsetToMimeType(type, charset) });
        }
        return JSON.stringify(out);
      })()`),
    ) as Array<{ type: string; isText: boolean; live: string; stored: string; mimeType: string }>;
    expect(fromFirefox).toHaveLength(cases.length);
    let exact = 0;
    fromFirefox.forEach((f, i) => {
      const wire = Buffer.from(cases[i]!.b64, 'base64');
      expect(isFirefoxTextMimeType(f.mimeType), f.type).toBe(f.isText); // our copy of Firefox's rule agrees
      for (const text of [f.live, f.stored]) {
        const body = firefoxResponseBody(text, f.mimeType)!;
        const bytes = Buffer.from(bodyBytes(body)!);
        if (!body.lossy) expect(bytes.equals(wire), `${f.mimeType} ${wire.subarray(0, 8).toString('hex')}`).toBe(true);
        if (bytes.equals(wire)) exact++;
      }
    });
    // The binary envelope is not valid UTF-8: whatever its label, Firefox's text gives back its exact bytes.
    fromFirefox.slice(0, mimes.length).forEach((f) => {
      for (const text of [f.live, f.stored]) expect(Buffer.from(bodyBytes(firefoxResponseBody(text, f.mimeType))!).equals(capturedEnvelope!)).toBe(true);
    });
    expect(exact).toBeGreaterThanOrEqual(cases.length * 2 - mimes.length * 2); // only the Latin-1-letters text may be unsure
  });
});
