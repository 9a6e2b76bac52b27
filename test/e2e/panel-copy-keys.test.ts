/**
 * Two panel features of issue #4 clicked in real DevTools (headless Chromium, DevTools opened through CDP),
 * against the reference gateway's demo portal:
 *
 *  - Copy decrypted JSON and "Copy as cURL": the clipboard is read back. The view masks tokens; the copy
 *    buttons promise (in their titles) the decrypted plaintext, unmasked — so the clipboard must hold the
 *    real tokens and exactly the body the detail shows once secrets are revealed.
 *  - Private-key set-up for HAR files: a HAR recorded in another browser (no Keyhole, so none of its SC
 *    sessions' keys are in the keyring) imports with NO_KEY; a bad PEM in the Keys tab is refused inline
 *    and changes nothing; the gateway's RSA private key (PKCS#8) makes the same HAR import decrypted.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway';
import { clipboardVia, launchExtension, launchPlainBrowser, openDevToolsPanel, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { recordHar } from './cdp-har';
import { demoAction, demoClientHash, demoTokens, setDemoMode } from './demo-page';
import { panelText, selectLastRow } from './panel-helpers';

let gateway: Gateway;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;
let clipboard: Awaited<ReturnType<typeof clipboardVia>>;
/** The pair the page's refresh request presented (from sign-in) and the one it received. */
let loginPair: { accessToken: string; refreshToken: string };
let refreshPair: { accessToken: string; refreshToken: string };
const tmp = mkdtempSync(join(tmpdir(), 'keyhole-copy-keys-e2e-'));
const keyFile = join(tmp, 'gateway-key.pem');

const masked = (s: string) => `${s.slice(0, 6)}…${s.slice(-4)}`;

/** Clicks a copy button (trusted click), waits for its confirmation, returns what landed on the clipboard. */
async function copyWith(testId: string): Promise<string> {
  const sentinel = `nothing copied yet ${Math.random()}`;
  await clipboard.write(sentinel);
  await panel.click(`[data-testid=${testId}]`);
  await panel.waitFor(`document.querySelector('[data-testid=${testId}]').textContent === 'Copied ✓'`);
  const text = await clipboard.read();
  expect(text).not.toBe(sentinel);
  return text;
}

/** The plaintext a side of the detail shows in its Raw view (masked unless "Show secrets" is ticked). */
async function rawShown(side: 'request' | 'response'): Promise<string> {
  const raw = `document.querySelector('[data-testid=decrypted-${side}] pre.raw')`;
  if (!(await panel.evaluate(`!!${raw}`))) await panel.click(`[data-testid=decrypted-${side}] .seg button:last-child`);
  return panel.waitFor<string>(`${raw}?.textContent`);
}

/** Pastes `pem` into the Keys tab's private-key form and submits it; returns the (new) inline message. */
async function setPem(pem: string): Promise<string> {
  const message = `(document.querySelector('[data-testid=private-key-message]')?.textContent ?? '')`;
  const before = await panel.evaluate<string>(message);
  await panel.evaluate(`(() => {
    const t = document.querySelector('[data-testid=private-key-pem]');
    t.value = ${JSON.stringify(pem)};
    t.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
  await panel.click('[data-testid=private-key-submit]');
  return panel.waitFor<string>(`${message} !== ${JSON.stringify(before)} && ${message}`);
}

const keyringEntries = () =>
  panel.evaluate<Array<[string, string]>>(`[...document.querySelectorAll('[data-testid=keyring-entry]')].map(e => [e.dataset.session, e.dataset.source])`);

interface RowInfo {
  path: string;
  verdict: string;
  origin: string;
  sessionId?: string;
  reqError?: string;
  respError?: string;
}
const rows = () =>
  panel.evaluate<RowInfo[]>(
    `__keyhole.store.rows.map(r => ({ path: r.summary.path, verdict: r.summary.verdict, origin: r.origin, sessionId: r.data.sessionId,
       reqError: r.data.request.error?.code, respError: r.data.response.error?.code }))`,
  );

async function importHar(file: string): Promise<RowInfo[]> {
  await panel.click('[data-testid=clear]');
  await panel.waitFor(`__keyhole.store.rows.length === 0 && !document.querySelector('[data-testid=import-progress]')`);
  await panel.setInputFiles('[data-testid=har-import]', [file]);
  await panel.waitFor(`document.querySelector('[data-testid=import-progress]')?.dataset.phase === 'done'`);
  return rows();
}

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false, keyFile });
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(`${gateway.url}/demo/`);
  await demoAction(page, 'demo-login');
  loginPair = await demoTokens(page);
  await demoAction(page, 'demo-refresh');
  refreshPair = await demoTokens(page);
  panel = await openDevToolsPanel(browser, page);
  clipboard = await clipboardVia(browser, gateway.origin, page);
});

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await gateway?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('Copy JSON: the clipboard holds the decrypted body, unmasked as the button says, equal to what the detail shows', async () => {
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'decrypted')`);
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`document.querySelector('[data-testid=decrypted-response]')?.dataset.status === 'decrypted'`);
  expect(await panel.evaluate(`document.querySelector('[data-testid=copy-response-json]').title`)).toBe('Copy the decrypted body (unmasked)');

  // Masked view: the tokens are not in the panel's DOM, the raw text shows them shortened.
  const maskedResponse = JSON.parse(await rawShown('response')) as { data: { accessToken: string; refreshToken: string } };
  expect(maskedResponse.data).toMatchObject({ accessToken: masked(refreshPair.accessToken), refreshToken: masked(refreshPair.refreshToken) });
  const bodyText = await panel.evaluate<string>('document.body.textContent');
  expect(bodyText).not.toContain(refreshPair.refreshToken);
  expect(bodyText).not.toContain(loginPair.refreshToken);

  const copiedResponse = JSON.parse(await copyWith('copy-response-json')) as { success: boolean; code: string; data: Record<string, unknown> };
  // The real pair the page received (read from the page itself, not from Keyhole).
  expect(copiedResponse).toMatchObject({ success: true, code: '2000', data: { accessToken: refreshPair.accessToken, refreshToken: refreshPair.refreshToken } });
  const copiedRequest = JSON.parse(await copyWith('copy-request-json'));
  expect(copiedRequest).toEqual({ refreshToken: loginPair.refreshToken });

  // With secrets shown, the detail displays exactly what was copied.
  await panel.click('[data-testid=reveal-secrets]');
  await panel.waitFor(`document.querySelector('[data-testid=reveal-secrets]').checked`);
  expect(JSON.parse(await rawShown('response'))).toEqual(copiedResponse);
  expect(JSON.parse(await rawShown('request'))).toEqual(copiedRequest);
  await panel.click('[data-testid=reveal-secrets]');
  await panel.waitFor(`!document.querySelector('[data-testid=reveal-secrets]').checked`);
  expect(await panel.evaluate<string>('document.body.textContent')).not.toContain(refreshPair.refreshToken);
});

test('Copy as cURL: the plaintext request body, the page\'s headers, and a note that the wire body was an encrypted envelope', async () => {
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`!!document.querySelector('[data-testid=copy-curl]')`);
  const sessionId = await page.getByTestId('demo-sc').textContent();
  expect(sessionId).toMatch(/^sess_/);

  const curl = await copyWith('copy-curl');
  const lines = curl.split('\n');
  expect(lines[0]).toBe(
    `# Keyhole: decrypted plaintext shown. On the wire this body was an SCv2 binary envelope (session ${sessionId}); re-encrypt it with the session request key before replaying.`,
  );
  expect(lines[1]).toBe(`curl '${gateway.url}/web/v1/system/auth/token/refresh' \\`);
  expect(lines).toContain('  -X POST \\');
  expect(lines).toContain(`  -H 'x-sc-session-id: ${sessionId}' \\`);
  expect(lines).toContain(`  -H 'x-client-hash: ${await demoClientHash(page)}' \\`);
  expect(curl).not.toMatch(/content-length/i);
  // The body is the decrypted plaintext, unmasked (the token the page presented), single-quoted for a shell.
  const data = /^ {2}--data-raw '(.*)'$/.exec(lines.at(-1)!);
  expect(data, lines.at(-1)).not.toBeNull();
  expect(JSON.parse(data![1])).toEqual({ refreshToken: loginPair.refreshToken });
});

test('a HAR recorded in another browser imports with NO_KEY; a bad PEM is refused inline and changes nothing; the gateway private key makes it decrypt', async () => {
  // Recorded "elsewhere": a plain Chromium with its own throw-away profile and no Keyhole, JSON envelopes
  // (DevTools keeps their text exact; binary bodies labelled application/json would be mangled, §3).
  const other = await launchPlainBrowser();
  let har: unknown;
  let elsewhere: { login: { refreshToken: string }; final: { accessToken: string; refreshToken: string }; sessionId: string | null };
  try {
    const p = await (await other.newContext()).newPage();
    await p.goto(`${gateway.url}/demo/`);
    await setDemoMode(p, 'json');
    const recorder = await recordHar(p);
    await demoAction(p, 'demo-login');
    const login = await demoTokens(p);
    await demoAction(p, 'demo-refresh');
    elsewhere = { login, final: await demoTokens(p), sessionId: await p.getByTestId('demo-sc').textContent() };
    har = await recorder.stop();
  } finally {
    await other.close();
  }
  const file = join(tmp, 'elsewhere.har');
  writeFileSync(file, JSON.stringify(har));

  const sc = (list: RowInfo[]) => list.filter((r) => /\/(login\/complete|token\/refresh)$/.test(r.path));
  const first = await importHar(file);
  expect(first.every((r) => r.origin === 'har')).toBe(true);
  expect(sc(first).map((r) => [r.path.replace(/.*\/auth/, ''), r.verdict, r.sessionId, r.reqError, r.respError])).toEqual([
    ['/login/complete', 'failed', elsewhere.sessionId, 'NO_KEY', 'NO_KEY'],
    ['/token/refresh', 'failed', elsewhere.sessionId, 'NO_KEY', 'NO_KEY'],
  ]);
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`document.querySelector('[data-testid=decrypted-request] [data-testid=decrypt-error]')?.dataset.code === 'NO_KEY'`);
  expect(await panel.evaluate(`document.querySelector('[data-testid=decrypted-response] [data-testid=decrypt-error]')?.dataset.code`)).toBe('NO_KEY');

  await panel.click('[data-testid=tab-keys]');
  await panel.waitFor(`!!document.querySelector('[data-testid=private-key-pem]')`);
  const before = await keyringEntries();
  expect(before.some(([sid]) => sid === elsewhere.sessionId)).toBe(false);

  // A well-formed PKCS#8 PEM that is not an RSA key: refused inline, before anything reaches the worker.
  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  expect(await setPem(ecPem)).toBe('Not an RSA private key WebCrypto can import');
  expect(await panel.evaluate(`document.querySelector('[data-testid=private-key-message]').className`)).toBe('field-error');
  expect(await panel.evaluate(`!!document.querySelector('[data-testid=private-key-forget]')`)).toBe(false); // the worker has no key
  expect(await keyringEntries()).toEqual(before);

  // The gateway's key, as a tester would paste it.
  expect(await setPem(readFileSync(keyFile, 'utf8'))).toMatch(/^Key set; \d+ sessions? unwrapped\.$/);
  await panel.waitFor(`!!document.querySelector('[data-testid=private-key-forget]')`);

  // Imported rows live in the panel only; importing the same file again decrypts them with the new key.
  await panel.click('[data-testid=tab-traffic]');
  const second = await importHar(file);
  expect(sc(second).map((r) => [r.path.replace(/.*\/auth/, ''), r.verdict])).toEqual([
    ['/login/complete', 'decrypted'],
    ['/token/refresh', 'decrypted'],
  ]);
  const refresh = await panel.evaluate<{ request: unknown; response: { data?: { accessToken?: string } }; keySource: string }>(
    `(() => { const r = __keyhole.store.rows.filter(r => r.summary.path.endsWith('/token/refresh')).at(-1);
       return { request: r.data.request.json, response: r.data.response.json, keySource: r.data.response.keySource }; })()`,
  );
  expect(refresh.request).toEqual({ refreshToken: elsewhere.login.refreshToken });
  expect(refresh.response.data?.accessToken).toBe(elsewhere.final.accessToken);
  expect(refresh.keySource).toBe('private-key');
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`document.querySelector('[data-testid=decrypted-response]')?.dataset.status === 'decrypted'`);
  expect(await panelText(panel, 'decrypted-request')).toContain('refreshToken');
  expect(await panelText(panel, 'decrypted-response')).toContain('accessToken');
  expect(await panelText(panel, 'decrypted-response')).toContain('Decrypted with the RSA private key');

  await panel.click('[data-testid=tab-keys]');
  await panel.waitFor(`!!document.querySelector('[data-testid=keyring-entry][data-session=${JSON.stringify(elsewhere.sessionId)}][data-source=private-key]')`);
});
