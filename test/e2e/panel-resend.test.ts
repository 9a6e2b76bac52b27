/**
 * Resend and Edit and resend in real DevTools against the reference gateway (issue #9). The demo portal
 * signs in and refreshes; the panel resends those exchanges from the page (its Keyhole content-script
 * world), sealed under fresh IVs with the page's own SC session keys. The gateway's store records every IV
 * it accepted (a subclass of its MemoryStore: behaviour unchanged), its events every answer.
 *
 * Tests run in order and share one browser, one DevTools window and the demo page's session.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createGateway, MemoryStore, type Gateway } from '../../src/gateway';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchExtension, openDevToolsPanel, type DevToolsPanel, type ExtensionBrowser } from './harness';
import { openPanelAsTab, tabIdOf } from './panel-tab';
import { demoAction, demoTokens } from './demo-page';
import { selectLastRow } from './panel-helpers';
import { openPopup, storedSessions } from './sessions-helpers';

/** `npm run screenshots` (KEYHOLE_SCREENSHOTS=1) writes the README's pictures; otherwise a temporary folder. */
const SHOTS = process.env.KEYHOLE_SCREENSHOTS ? resolve(import.meta.dirname, '../../docs/screenshots') : join(tmpdir(), 'keyhole-shots');

class RecordingStore extends MemoryStore {
  readonly seenIvs: string[] = [];
  override rememberIv(sessionId: string, iv: string): boolean {
    this.seenIvs.push(iv);
    return super.rememberIv(sessionId, iv);
  }
}

let gateway: Gateway;
let store: RecordingStore;
let browser: ExtensionBrowser;
let page: Page;
let panel: DevToolsPanel;
const answers: Array<{ route: string; status: number; code: string }> = [];

beforeAll(async () => {
  store = new RecordingStore();
  gateway = await createGateway({ port: 0, log: false, store });
  gateway.events.on('request', (e: { route: string; status: number; code: string }) => answers.push({ route: e.route, status: e.status, code: e.code }));
  browser = await launchExtension();
  page = await browser.context.newPage();
  await page.goto(`${gateway.url}/demo/`);
  await demoAction(page, 'demo-login');
  await demoAction(page, 'demo-refresh');
  panel = await openDevToolsPanel(browser, page);
  await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/token/refresh') && r.summary.verdict === 'decrypted')`);
});

afterAll(async () => {
  await panel?.close();
  await browser?.close();
  await gateway?.close();
});

const resentRows = () =>
  panel.evaluate<Array<{ path: string; status: number; from: string; code?: string; verdict: string }>>(
    `__keyhole.store.rows.filter(r => r.data.exchange.resentFrom).map(r => ({ path: r.summary.path, status: r.data.exchange.status, from: r.data.exchange.resentFrom, code: r.data.responseCode, verdict: r.summary.verdict }))`,
  );
const selectedId = () => panel.evaluate<string>(`(() => { const r = document.querySelector('[data-testid=traffic-row][aria-selected=true]'); return r && __keyhole.store.getBySeq(Number(r.dataset.seq)).data.exchange.id; })()`);
const rowId = (suffix: string, nth = -1) => panel.evaluate<string>(`__keyhole.store.rows.filter(r => r.summary.path.endsWith(${JSON.stringify(suffix)})).at(${nth}).data.exchange.id`);

/** The resend link Keyhole's content-script world of the page holds (send-in-page.ts), read through DevTools. */
const pageLinkName = () =>
  panel.evaluate<string>(`new Promise((r) => chrome.devtools.inspectedWindow.eval('globalThis.__keyholeResendLink', { useContentScriptContext: true }, (v) => r(v)))`);

/** Types into the editor's body like a user (value + input event). */
async function setBody(text: string): Promise<void> {
  await panel.evaluate(`(() => {
    const t = document.querySelector('[data-testid=re-body]');
    t.value = ${JSON.stringify(text)};
    t.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
}

test('Edit and resend: the login request with an unknown field gets the gateway\'s encrypted VALIDATION.INVALID_PARAMETER, shown decrypted as its own row, compared with the original', async () => {
  await selectLastRow(panel, '/login/initiate');
  const original = await rowId('/login/initiate');
  await panel.waitFor(`!!document.querySelector('[data-testid=edit-resend]') && !document.querySelector('[data-testid=edit-resend]').disabled`);
  await panel.click('[data-testid=edit-resend]');
  await panel.waitFor(`!!document.querySelector('[data-testid=resend-editor]')`);

  // The editor shows the decrypted body as formatted JSON, the method, the path, the SC headers read-only.
  const body = JSON.parse(await panel.evaluate<string>(`document.querySelector('[data-testid=re-body]').value`));
  expect(body).toEqual({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' });
  expect(await panel.evaluate(`document.querySelector('[data-testid=re-body]').value.includes('\\n  "email"')`)).toBe(true);
  expect(await panel.evaluate(`[document.querySelector('[data-testid=re-method]').value, document.querySelector('[data-testid=re-path]').value]`)).toEqual(['POST', '/prometheus/web/v1/system/auth/login/initiate']);
  expect(await panel.evaluate(`document.querySelector('[data-testid="re-sc-x-sc-session-id"]').readOnly`)).toBe(true);
  expect(await panel.evaluate(`document.querySelector('[data-testid=re-form]').value`)).toBe('binary');

  // Invalid JSON is said at once, with where, and cannot be sent.
  await setBody('{"email": "demo@keyhole.test", "password": }');
  await panel.waitFor(`!!document.querySelector('[data-testid=re-json-error]')`);
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=re-json-error]').textContent`)).toMatch(/^Invalid JSON at line 1, column \d+/);
  expect(await panel.evaluate(`document.querySelector('[data-testid=re-send]').disabled`)).toBe(true);

  await setBody(JSON.stringify({ ...body, nickname: 'mallory' }, null, 2));
  await panel.waitFor(`!document.querySelector('[data-testid=re-json-error]') && !document.querySelector('[data-testid=re-send]').disabled`);
  const ivsBefore = store.seenIvs.length;
  answers.length = 0;
  await panel.click('[data-testid=re-send]');
  await panel.waitFor(`!document.querySelector('[data-testid=resend-editor]')`);

  // The gateway decrypted it (a new IV in its replay memory) and refused the field, encrypted (§12).
  expect(answers).toEqual([{ route: 'login.initiate', status: 400, code: 'VALIDATION.INVALID_PARAMETER' }]);
  expect(store.seenIvs.length).toBe(ivsBefore + 1);
  const [resent] = await resentRows();
  expect(resent).toMatchObject({ status: 400, from: original, code: 'VALIDATION.INVALID_PARAMETER', verdict: 'decrypted' });
  // Its row is marked resent and selected; its answer is decrypted with the session's response key.
  await panel.waitFor(`!!document.querySelector('[data-testid=traffic-row][aria-selected=true] [data-testid=resent-badge]')`);
  await panel.waitFor(`document.querySelector('[data-testid=decrypted-response]')?.textContent.includes('VALIDATION.INVALID_PARAMETER')`);
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=decrypted-response]').textContent`)).toContain('nickname');

  // Beside the original answer, as a JSON diff: success, code, message and data changed; the timestamp apart.
  const diff = await panel.evaluate<Array<[string, string]>>(`[...document.querySelectorAll('[data-testid=json-diff] tr')].map(t => [t.dataset.path, t.dataset.kind])`);
  expect(diff).toEqual(expect.arrayContaining([['success', 'changed'], ['code', 'changed']]));
  expect(diff.map(([p]) => p)).not.toContain('timestamp');
});

test('screenshots: the editor, the compared answers, and both at DevTools-docked 550 × 700', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const tabId = await tabIdOf(browser, page.url());
  for (const [w, h, suffix] of [[1280, 640, ''], [550, 700, '-docked']] as const) {
    const p = await openPanelAsTab(browser, tabId, { width: w, height: h });
    const resent = p.locator('[data-testid=traffic-row][data-resent-from]').first();
    await resent.waitFor();
    await resent.dispatchEvent('mousedown');
    await p.getByTestId('json-diff').waitFor();
    await p.screenshot({ path: resolve(SHOTS, `resend-compare${suffix}.png`) });
    await p.locator('[data-testid=traffic-row][data-path$="/login/initiate"]:not([data-resent-from])').first().dispatchEvent('mousedown');
    await p.getByTestId('edit-resend').click();
    await p.getByTestId('re-body').fill(JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1', nickname: 'mallory' }, null, 2));
    await p.screenshot({ path: resolve(SHOTS, `resend-editor${suffix}.png`) });
    await p.close();
  }
  await page.bringToFront();
});

test('Resend twice: the gateway saw two different IVs and no REPLAY_DETECTED', async () => {
  await selectLastRow(panel, '/login/initiate');
  // The last /login/initiate row is now the resent one; resend the page's own.
  await panel.evaluate(`(() => { const r = [...document.querySelectorAll('[data-testid=traffic-row]')].filter(r => r.dataset.path.endsWith('/login/initiate') && !r.dataset.resentFrom)[0]; r.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); })()`);
  const original = await selectedId();
  const ivsBefore = store.seenIvs.length;
  answers.length = 0;
  for (let i = 0; i < 2; i++) {
    const n = (await resentRows()).length;
    await panel.waitFor(`(() => { const b = document.querySelector('[data-testid=resend]'); return b && !b.disabled && b.textContent === 'Resend'; })()`);
    await panel.click('[data-testid=resend]');
    // The new row, or the panel's own words for why there is none (a failure names its reason, not a timeout).
    const outcome = await panel.waitFor<string>(
      `__keyhole.store.rows.filter(r => r.data.exchange.resentFrom).length === ${n + 1} ? 'row' : document.querySelector('[data-testid=resend-error]')?.textContent || ''`,
    );
    expect(outcome).toBe('row');
    // The new row is selected: go back to the original for the second click.
    await panel.evaluate(`(() => { const r = [...document.querySelectorAll('[data-testid=traffic-row]')].find(r => __keyhole.store.getBySeq(Number(r.dataset.seq)).data.exchange.id === ${JSON.stringify(original)}); r.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); })()`);
  }
  expect(answers).toEqual([
    { route: 'login.initiate', status: 200, code: '2000' },
    { route: 'login.initiate', status: 200, code: '2000' },
  ]);
  const ivs = store.seenIvs.slice(ivsBefore);
  expect(ivs).toHaveLength(2);
  expect(ivs[0]).not.toBe(ivs[1]);
  // DevTools reported both resent requests too; the panel knew them by their sealed bytes (Chrome's
  // postData rendering of a binary envelope) and did not fetch their answers to drop them as twins.
  await panel.waitFor(`__keyhole.resendsInFlight.claimed >= 3`);
  const last2 = (await resentRows()).slice(-2);
  expect(last2.map((r) => [r.from, r.status, r.code])).toEqual([
    [original, 200, '2000'],
    [original, 200, '2000'],
  ]);
  // A successful resend of an unchanged request: the only difference is the new login session id (the timestamp aside).
  await panel.evaluate(`[...document.querySelectorAll('[data-testid=traffic-row][data-resent-from]')].at(-1).dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))`);
  await panel.waitFor(`!!document.querySelector('[data-testid=json-diff]')`);
  expect(await panel.evaluate(`[...document.querySelectorAll('[data-testid=json-diff] tr')].map(t => [t.dataset.path, t.dataset.kind])`)).toEqual([['data.sessionId', 'changed']]);
});

test('a resend presenting a refresh token the page already rotated is blocked before sending; the gateway count does not move', async () => {
  // The page's refresh presented its login token and got a new pair: that token is spent.
  await selectLastRow(panel, '/token/refresh');
  const refreshes = gateway.stats.count('refresh');
  const total = gateway.stats.count();
  await panel.waitFor(`(() => { const b = document.querySelector('[data-testid=resend]'); return b && !b.disabled; })()`);
  await panel.click('[data-testid=resend]');
  await panel.waitFor(`!!document.querySelector('[data-testid=resend-error]')`);
  const message = await panel.evaluate<string>(`document.querySelector('[data-testid=resend-error]').textContent`);
  expect(message).toMatch(/^Blocked, nothing was sent: this body presents a refresh token that is already spent \(a later exchange of this page already rotated it\)\. The gateway would take it as a reuse and revoke the whole token family \(§12\)/);
  expect(gateway.stats.count('refresh')).toBe(refreshes);
  expect(gateway.stats.count()).toBe(total);
});

test("a resend of a followed session's current token warns first, then leaves Keyhole holding the new pair", async () => {
  // Follow the page's session (its current pair is the refresh row's answer).
  await selectLastRow(panel, '/token/refresh');
  await panel.waitFor(`document.querySelector('[data-testid=follow-session]')?.textContent === 'Follow in Keyhole'`);
  await panel.click('[data-testid=follow-session]');
  await panel.waitFor(`document.querySelector('[data-testid=follow-session]').textContent === 'Following ✓'`);
  const current = await demoTokens(page);
  const [before] = await storedSessions(browser);
  expect(before.refreshToken).toBe(current.refreshToken);

  // Edit the refresh row's body to present the current token.
  await panel.waitFor(`(() => { const b = document.querySelector('[data-testid=edit-resend]'); return b && !b.disabled; })()`);
  await panel.evaluate(`document.querySelector('[data-testid=edit-resend]').click()`);
  await panel.waitFor(`!!document.querySelector('[data-testid=resend-editor]')`);
  await setBody(JSON.stringify({ refreshToken: current.refreshToken }, null, 2));
  const refreshes = gateway.stats.count('refresh');
  await panel.click('[data-testid=re-send]');
  await panel.waitFor(`!!document.querySelector('[data-testid=resend-editor] [data-testid=resend-confirm]')`);
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=resend-editor] [data-testid=resend-confirm]').textContent`)).toMatch(
    /^This spends the current refresh token of the followed session .+: the page's copy is dead afterwards\. Keyhole takes the new pair from the answer\.$/,
  );
  expect(gateway.stats.count('refresh')).toBe(refreshes); // nothing sent yet
  expect(await panel.evaluate(`document.querySelector('[data-testid=re-send]').textContent`)).toBe('Send anyway');
  await panel.click('[data-testid=re-send]');
  await panel.waitFor(`!document.querySelector('[data-testid=resend-editor]')`);
  expect(gateway.stats.count('refresh')).toBe(refreshes + 1);
  expect(answers.at(-1)).toMatchObject({ route: 'refresh', status: 200, code: '2000' });

  // The worker took the new pair from the resent answer in one write, as when the page refreshes.
  await expect.poll(async () => (await storedSessions(browser))[0]?.refreshToken, { timeout: 10_000 }).not.toBe(current.refreshToken);
  const [after] = await storedSessions(browser);
  expect(after).toMatchObject({ status: 'active', lastRefresh: { ok: true, code: 'PAGE_ROTATION' } });
  expect(after.spentRefreshTokens).toContain(current.refreshToken);
  const resent = await panel.evaluate<{ data: { refreshToken: string } }>(`__keyhole.store.rows.filter(r => r.data.exchange.resentFrom).at(-1).data.response.json`);
  expect(after.refreshToken).toBe(resent.data.refreshToken);
  // The family is intact: Keyhole's pair is the newest.
  expect(gateway.store.getFamily(after.sid!)).toMatchObject({ revoked: false });
});

test('an evicted SC session: the resend is answered SESSION_NOT_FOUND, the panel says so and succeeds over a new SC session it creates with the page\'s X-Client-Hash', async () => {
  await page.bringToFront();
  // The page's own login request (not a resent one).
  await panel.evaluate(`[...document.querySelectorAll('[data-testid=traffic-row]')].filter(r => r.dataset.path.endsWith('/login/initiate') && !r.dataset.resentFrom)[0].dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))`);
  const original = await selectedId();
  const oldSession = await panel.evaluate<string>(`__keyhole.store.byExchangeId(${JSON.stringify(original)}).data.sessionId`);
  expect(gateway.closeAllScSessions()).toBeGreaterThan(0);
  answers.length = 0;
  await panel.waitFor(`(() => { const b = document.querySelector('[data-testid=resend]'); return b && !b.disabled && b.textContent === 'Resend'; })()`);
  await panel.click('[data-testid=resend]');
  await panel.waitFor(`!!document.querySelector('[data-testid=sc-gone]')`);
  expect(answers).toEqual([{ route: 'login.initiate', status: 401, code: 'SECURE_CHANNEL.SESSION_NOT_FOUND' }]);
  expect(await panel.evaluate<string>(`document.querySelector('[data-testid=sc-gone]').textContent`)).toContain(`The SC session ${oldSession} is gone`);

  answers.length = 0;
  const linkBefore = await pageLinkName();
  expect(linkBefore).toMatch(/^keyhole-resend:/);
  await panel.click('[data-testid=sc-new-session]');
  await panel.waitFor(`__keyhole.store.rows.filter(r => r.data.exchange.resentFrom).at(-1).data.exchange.status === 200`);
  expect(answers.map((a) => `${a.route} ${a.status}`)).toEqual(['public-key 200', 'session 200', 'login.initiate 200']);
  const last = await panel.evaluate<{ sessionId: string; verdict: string; requestHash: string }>(
    `(() => { const r = __keyhole.store.rows.filter(r => r.data.exchange.resentFrom).at(-1); return { sessionId: r.data.sessionId, verdict: r.summary.verdict, requestHash: r.data.exchange.requestHeaders['x-client-hash'] }; })()`,
  );
  expect(last.sessionId).not.toBe(oldSession);
  expect(last.verdict).toBe('decrypted');
  // The new SC session is bound to the page's X-Client-Hash (§12) and its keys are in the keyring.
  expect(gateway.store.getScSession(last.sessionId)?.clientHash).toBe(last.requestHash);
  expect(await panel.evaluate(`__keyhole.store.rows.filter(r => r.data.exchange.resentFrom).at(-1).data.response.json.success`)).toBe(true);
  // The keyring learned the new session's keys (a push to the panel): the panel kept its one link to the
  // page rather than opening another (each one a port left open in the page and in the worker).
  await panel.waitFor(`[...document.querySelectorAll('[data-testid=traffic-row]')].some(r => r.getAttribute('aria-selected') === 'true')`);
  await new Promise((r) => setTimeout(r, 1000)); // past the worker's keyring push and the panel's effects
  expect(await pageLinkName()).toBe(linkBefore);
});

test("Compose over one of Keyhole's own sessions: its SC keys, its gateway headers, its access token as Bearer", async () => {
  // Keyhole refreshes the session it follows (popup Refresh): that opens Keyhole's own SC session for it,
  // with the page's X-Client-Hash the family is bound to.
  const popup = await openPopup(browser);
  await new Promise((r) => setTimeout(r, 1600)); // past the coalescing window after the resent rotation
  await popup.getByTestId('session-card').getByTestId('refresh-button').click();
  await expect.poll(async () => (await storedSessions(browser))[0]?.lastRefresh?.code, { timeout: 15_000 }).not.toBe('PAGE_ROTATION');
  await popup.close();
  const [own] = await storedSessions(browser);
  expect(own).toMatchObject({ status: 'active' });
  await page.bringToFront();

  await panel.click('[data-testid=compose]');
  await panel.waitFor(`document.querySelectorAll('[data-testid=co-session] option').length > 0`);
  const options = await panel.evaluate<string[]>(`[...document.querySelectorAll('[data-testid=co-session] option')].map(o => o.textContent)`);
  const index = options.findIndex((o) => o.startsWith('Keyhole: '));
  expect(index).toBeGreaterThanOrEqual(0);
  await panel.evaluate(`(() => { const s = document.querySelector('[data-testid=co-session]'); s.value = '${index}'; s.dispatchEvent(new Event('change', { bubbles: true })); })()`);
  await panel.waitFor(`!!document.querySelector('[data-testid=co-bearer]')`);
  await panel.evaluate(`(() => { const s = document.querySelector('[data-testid=co-bearer]'); s.value = '0'; s.dispatchEvent(new Event('change', { bubbles: true })); })()`);
  await panel.evaluate(`(() => {
    const p = document.querySelector('[data-testid=co-path]'); p.value = '/web/v1/system/auth/login/initiate'; p.dispatchEvent(new Event('input', { bubbles: true }));
    const b = document.querySelector('[data-testid=co-body]'); b.value = ${JSON.stringify(JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' }))}; b.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
  // The SC headers are Keyhole's: read-only until "advanced" is ticked (then editable); gateway headers always are.
  const scLocked = () => panel.evaluate<boolean[]>(`[...document.querySelectorAll('[data-testid=compose-dialog] input[data-sc]')].map((i) => i.readOnly)`);
  expect(await scLocked()).toEqual([true, true, true, true]);
  await panel.evaluate(`document.querySelector('[data-testid=co-advanced]').click()`);
  expect(await scLocked()).toEqual([false, false, false, false]);
  await panel.evaluate(`document.querySelector('[data-testid=co-advanced]').click()`);
  expect(await scLocked()).toEqual([true, true, true, true]);
  answers.length = 0;
  const rowsBefore = await panel.evaluate<number>(`__keyhole.store.rows.length`);
  await panel.click('[data-testid=co-send]');
  await panel.waitFor(`!document.querySelector('[data-testid=compose-dialog]')`);
  expect(answers).toEqual([{ route: 'login.initiate', status: 200, code: '2000' }]);
  const row = await panel.evaluate<{ source: string; resentFrom?: string; sessionId: string; auth: string; hash: string; cf: string; verdict: string }>(
    `(() => { const r = __keyhole.store.rows.at(-1); const h = r.data.exchange.requestHeaders; return { source: r.data.exchange.source, resentFrom: r.data.exchange.resentFrom, sessionId: r.data.sessionId, auth: h.authorization, hash: h['x-client-hash'], cf: h['cf-connecting-ip'], verdict: r.summary.verdict }; })()`,
  );
  expect(await panel.evaluate<number>(`__keyhole.store.rows.length`)).toBe(rowsBefore + 1);
  // Keyhole's own SC session (not the page's), its X-Client-Hash, the local-mode Cloudflare simulation, the Bearer.
  const scStates = await (await browser.serviceWorker()).evaluate(async () => Object.entries(await chrome.storage.session.get(null)).filter(([k]) => k.startsWith('kh:sc:')).map(([, v]) => (v as { sessionId: string }).sessionId));
  expect(scStates).toContain(row.sessionId);
  expect(row).toMatchObject({ source: 'resend', verdict: 'decrypted', auth: `Bearer ${own.accessToken}`, cf: '127.0.0.1' });
  expect(row.resentFrom).toBeUndefined();
  expect(await panel.evaluate<string>(`__keyhole.store.rows.at(-1).data.exchange.requestHeaders['x-sc-session-id']`)).toBe(row.sessionId);
  expect(gateway.store.getScSession(row.sessionId)?.clientHash).toBe(row.hash);
});
