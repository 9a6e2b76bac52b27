/**
 * `keyhole har decrypt` on a HAR recorded by Chromium itself (issue #9): a plain browser without Keyhole
 * signs in and refreshes on the demo portal (JSON envelopes: DevTools keeps their text exact, §3), CDP
 * records the HAR, and the CLI decrypts it with the gateway's RSA private key (keys learnt from the HAR's
 * own /session call, as the panel does) — redacted by default, everything with --no-redact.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway';
import { launchPlainBrowser } from './harness';
import { demoAction, demoTokens, setDemoMode } from './demo-page';
import { recordHar } from './cdp-har';
import { runCli } from '../cli/run';

const tmp = mkdtempSync(join(tmpdir(), 'keyhole-cli-har-'));
const keyFile = join(tmp, 'gateway-key.pem');
const harFile = join(tmp, 'recorded.har');
let gateway: Gateway;
let tokens: { accessToken: string; refreshToken: string };

beforeAll(async () => {
  gateway = await createGateway({ port: 0, log: false, keyFile });
  const browser = await launchPlainBrowser();
  try {
    const p = await (await browser.newContext()).newPage();
    await p.goto(`${gateway.url}/demo/`);
    await setDemoMode(p, 'json');
    const recorder = await recordHar(p);
    await demoAction(p, 'demo-login');
    await demoAction(p, 'demo-refresh');
    tokens = await demoTokens(p);
    writeFileSync(harFile, JSON.stringify(await recorder.stop()));
  } finally {
    await browser.close();
  }
});

afterAll(async () => {
  await gateway?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Entry = { request: { url: string }; _keyhole: { kind: string; request: { status: string; plaintext?: any }; response: { status: string; plaintext?: any }; keys?: unknown } };
const entries = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: Entry[] } }).log.entries;
const byPath = (list: Entry[], suffix: string) => list.find((e) => e.request.url.endsWith(suffix))!;

test('without keys every SCv2 body is reported NO_KEY, and the summary says what to give', async () => {
  const out = join(tmp, 'nokey.har');
  const r = await runCli(['har', 'decrypt', harFile, '-o', out]);
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/sides without a key: --private-key or --key/);
  const refresh = byPath(entries(out), '/token/refresh');
  expect(refresh._keyhole.request.status).toBe('failed');
});

test('with the gateway private key: the HAR\'s own handshake gives the keys, every exchange decrypts, secrets redacted', async () => {
  const out = join(tmp, 'redacted.har');
  const r = await runCli(['har', 'decrypt', harFile, '--private-key', keyFile, '-o', out]);
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/^keyhole: har: \d+ entries, \d+ decrypted, 0 with a side that did not; redacted → /);
  const list = entries(out);
  const refresh = byPath(list, '/token/refresh');
  expect(refresh._keyhole).toMatchObject({ kind: 'refresh', request: { status: 'decrypted', plaintext: { refreshToken: '[redacted]' } } });
  expect(refresh._keyhole.response).toMatchObject({ status: 'decrypted', plaintext: { success: true, data: { refreshToken: '[redacted]', accessToken: '[redacted]' } } });
  expect(byPath(list, '/login/initiate')._keyhole.request.plaintext).toMatchObject({ email: 'demo@keyhole.test', password: '[redacted]' });
  const text = readFileSync(out, 'utf8');
  expect(text).not.toContain(tokens.refreshToken);
  expect(text).not.toContain(tokens.accessToken);
  expect(text).not.toContain('keyhole-demo-1');
  expect(refresh._keyhole.keys).toBeUndefined();
});

test('--no-redact keeps the tokens and embeds the session keys; the file is written 0600', async () => {
  const out = join(tmp, 'full.har');
  const r = await runCli(['har', 'decrypt', harFile, `--private-key=${readFileSync(keyFile, 'utf8')}`, '--no-redact', '-o', out]);
  expect(r.code).toBe(0);
  expect(r.err).toContain('NOT redacted');
  const refresh = byPath(entries(out), '/token/refresh');
  expect(refresh._keyhole.response.plaintext.data.refreshToken).toBe(tokens.refreshToken);
  expect(refresh._keyhole.keys).toEqual({ requestKey: expect.any(String), responseKey: expect.any(String) });
  const { statSync } = await import('node:fs');
  expect(statSync(out).mode & 0o777).toBe(0o600);

  // The same keys given as --key SESSION:REQ:RESP (what the panel's Keys tab copies) decrypt it too.
  const sid = (refresh._keyhole as unknown as { sessionId: string }).sessionId;
  const { requestKey, responseKey } = refresh._keyhole.keys as { requestKey: string; responseKey: string };
  const viaKey = await runCli(['har', 'decrypt', harFile, '--key', `${sid}:${requestKey}:${responseKey}`]);
  expect(viaKey.code).toBe(0);
  expect(byPath(JSON.parse(viaKey.out).log.entries, '/token/refresh')._keyhole.request.status).toBe('decrypted');
});

test('a file that is not a HAR is a coded error', async () => {
  const bad = join(tmp, 'bad.har');
  writeFileSync(bad, '{"log": 1}');
  const r = await runCli(['har', 'decrypt', bad]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^keyhole: SCHEMA_INVALID: har: not a HAR 1.2 log/);
});
