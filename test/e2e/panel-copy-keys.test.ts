/**
 * Two panel features of issue #4 clicked in real DevTools (headless Chromium, DevTools opened through CDP),
 * against the reference gateway's demo portal:
 *
 *  - Copy decrypted JSON and "Copy as cURL": the clipboard is read back. The view masks tokens; the copy
 *    buttons promise (in their titles) the decrypted plaintext, unmasked — so the clipboard must hold the
 *    real tokens and exactly the body the detail shows once secrets are revealed.
 *  - Private-key set-up for HAR files: a HAR recorded in another browser (no Keyhole, so none of its SC
 *    sessions' keys are in the keyring) imports with NO_KEY; a bad PEM in the Keys tab is refused inline,
 *    coded, and changes nothing; the gateway's RSA private key (PKCS#8) makes the rows already imported
 *    decrypt by themselves — in place, the selected row still selected, no second import.
 *  - Live traffic keyed later: the page sends calls on an SC session whose handshake Keyhole never saw
 *    (made from Node); they are listed with NO_KEY, and the session's keys typed into the Keys tab make
 *    the worker re-decrypt its buffered rows and push them to the panel.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SecureChannel } from '../../src/client/secure-channel';
import { createGateway, type Gateway } from '../../src/gateway';
import { fromBase64, toBase64 } from '../../src/protocol/bytes';
import { buildGatewayHeaders } from '../../src/protocol/headers';
import { sealMessage } from '../../src/protocol/message';
import { authPaths } from '../../src/protocol/paths';
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
  id: string;
  seq: number;
  path: string;
  verdict: string;
  origin: string;
  sessionId?: string;
  reqError?: string;
  respError?: string;
}
const rows = () =>
  panel.evaluate<RowInfo[]>(
    `__keyhole.store.rows.map(r => ({ id: r.data.exchange.id, seq: r.seq, path: r.summary.path, verdict: r.summary.verdict, origin: r.origin, sessionId: r.data.sessionId,
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

test('a HAR recorded in another browser imports with NO_KEY; a bad PEM is refused inline, coded, and changes nothing; the gateway private key decrypts the imported rows in place', async () => {
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
  // The hint says what now happens: adding the key decrypts the rows already listed.
  expect(await panelText(panel, 'decrypt-error')).toContain('rows Keyhole still holds are decrypted again');
  const selectedSeq = await panel.evaluate<string>(`document.querySelector('[data-testid=traffic-row][aria-selected=true]')?.dataset.seq`);
  expect(Number(selectedSeq)).toBe(sc(first)[1].seq);

  await panel.click('[data-testid=tab-keys]');
  await panel.waitFor(`!!document.querySelector('[data-testid=private-key-pem]')`);
  const before = await keyringEntries();
  expect(before.some(([sid]) => sid === elsewhere.sessionId)).toBe(false);

  // A well-formed PKCS#8 PEM that is not an RSA key: refused inline, before anything reaches the worker.
  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  expect(await setPem(ecPem)).toBe('RSA_BAD_KEY: Not an RSA private key WebCrypto can import');
  expect(await panel.evaluate(`document.querySelector('[data-testid=private-key-message]').className`)).toBe('field-error');
  expect(await panel.evaluate(`document.querySelector('[data-testid=private-key-message]').dataset.code`)).toBe('RSA_BAD_KEY');
  expect(await panel.evaluate(`!!document.querySelector('[data-testid=private-key-forget]')`)).toBe(false); // the worker has no key
  expect(await keyringEntries()).toEqual(before);

  // The gateway's key, as a tester would paste it. The worker's buffer holds no handshake of that session
  // (the HAR's rows live in the panel only): the panel hands it the HAR's /session call to unwrap.
  expect(await setPem(readFileSync(keyFile, 'utf8'))).toBe('Key set; 1 session unwrapped.');
  await panel.waitFor(`!!document.querySelector('[data-testid=private-key-forget]')`);

  // No second import: the rows already listed decrypt by themselves, in place.
  await panel.click('[data-testid=tab-traffic]');
  await panel.waitFor(
    `(l => l.length === 2 && l.every(r => r.summary.verdict === 'decrypted'))(__keyhole.store.rows.filter(r => r.summary.path.endsWith('/login/complete') || r.summary.path.endsWith('/token/refresh')))`,
  );
  const second = await rows();
  expect(second.map((r) => [r.id, r.seq])).toEqual(first.map((r) => [r.id, r.seq]));
  expect(sc(second).map((r) => [r.path.replace(/.*\/auth/, ''), r.verdict, r.reqError, r.respError])).toEqual([
    ['/login/complete', 'decrypted', undefined, undefined],
    ['/token/refresh', 'decrypted', undefined, undefined],
  ]);
  // The import summary follows its rows.
  expect(await panelText(panel, 'import-progress')).not.toMatch(/failed/);
  const refresh = await panel.evaluate<{ request: unknown; response: { data?: { accessToken?: string } }; keySource: string }>(
    `(() => { const r = __keyhole.store.rows.filter(r => r.summary.path.endsWith('/token/refresh')).at(-1);
       return { request: r.data.request.json, response: r.data.response.json, keySource: r.data.response.keySource }; })()`,
  );
  expect(refresh.request).toEqual({ refreshToken: elsewhere.login.refreshToken });
  expect(refresh.response.data?.accessToken).toBe(elsewhere.final.accessToken);
  expect(refresh.keySource).toBe('private-key');
  // Still the row that was selected before the key was set: the detail shows it decrypted, unasked.
  await panel.waitFor(`document.querySelector('[data-testid=decrypted-response]')?.dataset.status === 'decrypted'`);
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=traffic-row][aria-selected=true]')?.dataset.seq`)).toBe(selectedSeq);
  expect(await panelText(panel, 'decrypted-request')).toContain('refreshToken');
  expect(await panelText(panel, 'decrypted-response')).toContain('accessToken');
  expect(await panelText(panel, 'decrypted-response')).toContain('Decrypted with the RSA private key');

  await panel.click('[data-testid=tab-keys]');
  await panel.waitFor(`!!document.querySelector('[data-testid=keyring-entry][data-session=${JSON.stringify(elsewhere.sessionId)}][data-source=private-key]')`);
});

test('live traffic on a session whose handshake Keyhole never saw: NO_KEY, then the session keys typed into the Keys tab decrypt the buffered rows', async () => {
  // The handshake is made from Node, so neither the page hook nor the worker ever saw its keys.
  const clientHash = `e2e-live-${Date.now().toString(16)}`;
  const channel = new SecureChannel({ apiBase: gateway.url, fetch: (u, i) => fetch(u, i), headers: () => ({ mode: 'local', clientHash }) });
  const s = await channel.session();
  const sid = JSON.stringify(s.sessionId);
  // The page makes the call (a binary envelope, as an SCv2 app would): the capture hook records it.
  const body = (await sealMessage(JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' }), { key: fromBase64(s.requestKey), form: 'binary', type: 2 })) as Uint8Array;
  const status = await page.evaluate(
    async ({ url, headers, body }) => {
      const r = await fetch(url, { method: 'POST', headers, body: Uint8Array.from(atob(body), (c) => c.charCodeAt(0)) });
      await r.arrayBuffer();
      return r.status;
    },
    { url: `${gateway.url}${authPaths('system').loginInitiate}`, headers: buildGatewayHeaders({ mode: 'local', clientHash, sessionId: s.sessionId }), body: toBase64(body) },
  );
  expect(status).toBe(200);

  await panel.click('[data-testid=tab-traffic]');
  const row = `__keyhole.store.rows.find(r => r.data.sessionId === ${sid})`;
  await panel.waitFor(`!!${row}`);
  expect(
    await panel.evaluate(`(r => [r.origin, r.summary.verdict, r.data.request.error?.code, r.data.response.error?.code])(${row})`),
  ).toEqual(['hook', 'failed', 'NO_KEY', 'NO_KEY']);
  const seq = await panel.evaluate<number>(`${row}.seq`);

  // The session's keys, typed in like a user (hex or Base64; these are Base64).
  await panel.click('[data-testid=tab-keys]');
  const fill = (testId: string, value: string) =>
    panel.evaluate(`(() => {
      const t = document.querySelector('[data-testid=${testId}]');
      t.value = ${JSON.stringify(value)};
      t.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
  await fill('key-sessionId', s.sessionId);
  await fill('key-requestKey', s.requestKey);
  await fill('key-responseKey', s.responseKey);
  await panel.click('[data-testid=key-add-submit]');
  await panel.waitFor(`!!document.querySelector('[data-testid=keyring-entry][data-session=${JSON.stringify(s.sessionId)}][data-source=manual]')`);

  // The worker re-decrypts its buffered row and pushes it; the panel replaces it in place.
  await panel.click('[data-testid=tab-traffic]');
  await panel.waitFor(`${row}?.summary.verdict === 'decrypted'`);
  const after = await panel.evaluate<{ seq: number; request: unknown; response: { success?: boolean; data?: { sessionId?: unknown } }; keySource: string; rows: number }>(
    `(r => ({ seq: r.seq, request: r.data.request.json, response: r.data.response.json, keySource: r.data.response.keySource,
       rows: __keyhole.store.rows.filter(x => x.data.sessionId === ${sid}).length }))(${row})`,
  );
  expect(after).toMatchObject({ seq, request: { email: 'demo@keyhole.test', password: 'keyhole-demo-1' }, keySource: 'manual', rows: 1 });
  expect(after.response).toMatchObject({ success: true, data: { sessionId: expect.any(String) } });
  await channel.close().catch(() => {});
});
