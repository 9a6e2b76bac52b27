/**
 * `keyhole send` against the real reference gateway over loopback (issue #9): both body forms, both AAD
 * modes, an encrypted error answer, the SC session kept in a 0600 file, a bad file, a dead SC session,
 * and the single-use refresh-token guard.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, MemoryStore, type Gateway } from '../../src/gateway';
import { runCli } from './run';

/** The gateway's own store, recording every IV it accepted into its replay memory (§12). */
class RecordingStore extends MemoryStore {
  readonly seenIvs: string[] = [];
  override rememberIv(sessionId: string, iv: string): boolean {
    this.seenIvs.push(iv);
    return super.rememberIv(sessionId, iv);
  }
}

let gw: Gateway;
let store: RecordingStore;
const routes: Array<{ route: string; status: number; code: string }> = [];
const dir = mkdtempSync(join(tmpdir(), 'keyhole-send-'));
let n = 0;
const path = () => join(dir, `s${n++}.json`);

const LOGIN = '/web/v1/system/auth/login/initiate';
const REFRESH = '/web/v1/system/auth/token/refresh';
const creds = JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' });

beforeAll(async () => {
  store = new RecordingStore();
  gw = await createGateway({ port: 0, log: false, store });
  gw.events.on('request', (e: { route: string; status: number; code: string }) => routes.push(e));
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  routes.length = 0;
});

const send = (...args: string[]) => runCli(['send', '--api', gw.url, ...args]);

describe('keyhole send', () => {
  it('seals a binary type 2 body, sends it with the gateway headers and prints the decrypted answer', async () => {
    const r = await send('POST', LOGIN, '--data', creds);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out);
    expect(answer).toMatchObject({ success: true, code: '2000', data: { sessionId: expect.any(String), expiresIn: 300 } });
    // Handshake, the call, then the one-shot session closed (§10).
    expect(routes.map((e) => e.route)).toEqual(['public-key', 'session', 'login.initiate', 'session.close']);
  });

  it('sends the JSON {v,p} form when asked, and the gateway answers in kind (--raw shows the envelope)', async () => {
    const r = await send('--form', 'json', '--raw', 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ v: 2, p: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
  });

  it('--raw on a binary exchange prints the type 129 envelope bytes', async () => {
    const r = await send('--raw', 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(0);
    expect([...r.bytes.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x81]);
  });

  it('seals with the session id as AAD when asked (§12: the gateway accepts and answers the same way)', async () => {
    const r = await send('--aad', 'session-id', 'POST', LOGIN, '--data', creds);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ success: true });
  });

  it('prints the status line and headers with -i', async () => {
    const r = await send('-i', 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^HTTP 200\n/);
    expect(r.out).toMatch(/\ncontent-type: application\/json/i);
  });

  it('an encrypted error answer: printed decrypted, exit 1, the server code on stderr', async () => {
    const r = await send('POST', LOGIN, '--data', JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1', extra: 1 }));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ success: false, code: 'VALIDATION.INVALID_PARAMETER' });
    expect(r.err).toMatch(/^keyhole: VALIDATION\.INVALID_PARAMETER: .+\n$/);
    // It was answered after decryption (§12): encrypted, so the call reached the handler.
    expect(routes.find((e) => e.route === 'login.initiate')).toMatchObject({ status: 400, code: 'VALIDATION.INVALID_PARAMETER' });
  });

  it('refuses --data that is not JSON before sending anything', async () => {
    const r = await send('POST', LOGIN, '--data', '{"email":');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: INPUT_INVALID: cli: --data is not JSON/);
    expect(routes).toEqual([]);
  });

  it('reads --data from a file and from stdin', async () => {
    const f = join(dir, 'body.json');
    writeFileSync(f, creds);
    expect((await send('POST', LOGIN, '--data', `@${f}`)).code).toBe(0);
    const r = await runCli(['send', '--api', gw.url, 'POST', LOGIN, '--data', '-'], creds);
    expect(r.code).toBe(0);
  });

  it('a usage error for a missing PATH or a bad --form', async () => {
    expect((await send('POST')).code).toBe(2);
    const r = await send('--form', 'xml', 'POST', LOGIN);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--form must be one of binary, json');
  });
});

describe('keyhole send --sc-session', () => {
  it('creates the file with mode 0600 and reuses the SC session: one handshake for two calls, two different IVs', async () => {
    const f = path();
    const before = store.seenIvs.length;
    expect((await send('--sc-session', f, 'POST', LOGIN, '--data', creds)).code).toBe(0);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(f, 'utf8'));
    expect(saved).toMatchObject({ kind: 'keyhole-sc-session/1', apiBase: gw.url, session: { sessionId: expect.any(String), requestKey: expect.any(String) } });
    expect((await send('--sc-session', f, 'POST', LOGIN, '--data', creds)).code).toBe(0);
    expect(routes.map((e) => e.route)).toEqual(['public-key', 'session', 'login.initiate', 'login.initiate']);
    const ivs = store.seenIvs.slice(before);
    expect(ivs).toHaveLength(2);
    expect(ivs[0]).not.toBe(ivs[1]);
    expect(JSON.parse(readFileSync(f, 'utf8')).session.sessionId).toBe(saved.session.sessionId);
  });

  it('a dead SC session: says so, creates a new one and sends once more', async () => {
    const f = path();
    expect((await send('--sc-session', f, 'POST', LOGIN, '--data', creds)).code).toBe(0);
    const old = JSON.parse(readFileSync(f, 'utf8')).session.sessionId as string;
    gw.closeAllScSessions();
    routes.length = 0;
    const r = await send('--sc-session', f, 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`keyhole: SC session ${old} is gone (SECURE_CHANNEL.SESSION_NOT_FOUND); sending over a new one\n`);
    expect(routes.map((e) => `${e.route} ${e.status}`)).toEqual(['login.initiate 401', 'public-key 200', 'session 200', 'login.initiate 200']);
    expect(JSON.parse(readFileSync(f, 'utf8')).session.sessionId).not.toBe(old);
  });

  it('a file that is not a session file is refused, untouched, and nothing is sent', async () => {
    const f = path();
    writeFileSync(f, '{"hello": "world"}', { mode: 0o600 });
    const r = await send('--sc-session', f, 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: SCHEMA_INVALID: cli: .+ is not a keyhole SC session file/);
    expect(readFileSync(f, 'utf8')).toBe('{"hello": "world"}');
    expect(routes).toEqual([]);
  });

  it('a session file other users can read is refused (it holds keys)', async () => {
    const f = path();
    expect((await send('--sc-session', f, 'POST', LOGIN, '--data', creds)).code).toBe(0);
    const { chmodSync } = await import('node:fs');
    chmodSync(f, 0o644);
    routes.length = 0;
    const r = await send('--sc-session', f, 'POST', LOGIN, '--data', creds);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: INPUT_INVALID: cli: .+ other users can read it \(mode 644\): chmod 600 it\n$/);
    expect(routes).toEqual([]);
  });

  it('a new --client-hash gets a new SC session (§12: the session is bound to the hash)', async () => {
    const f = path();
    expect((await send('--sc-session', f, '--client-hash', 'hash-a', 'POST', LOGIN, '--data', creds)).code).toBe(0);
    expect((await send('--sc-session', f, '--client-hash', 'hash-b', 'POST', LOGIN, '--data', creds)).code).toBe(0);
    expect(routes.filter((e) => e.route === 'session')).toHaveLength(2);
    expect(JSON.parse(readFileSync(f, 'utf8')).clientHash).toBe('hash-b');
  });
});

describe('keyhole send never burns a single-use refresh token by accident', () => {
  it('a token the session file saw spent is refused before anything is sent; the current one is spent with a note', async () => {
    const f = path();
    const { refreshToken } = gw.issueTokens('cli-hash');
    const first = await send('--sc-session', f, '--client-hash', 'cli-hash', 'POST', REFRESH, '--data', JSON.stringify({ refreshToken }));
    expect(first.code).toBe(0);
    const next = JSON.parse(first.out).data.refreshToken as string;
    expect(next).not.toBe(refreshToken);
    // The file keeps digests, never the tokens.
    expect(readFileSync(f, 'utf8')).not.toContain(refreshToken);
    expect(readFileSync(f, 'utf8')).not.toContain(next);

    routes.length = 0;
    const again = await send('--sc-session', f, '--client-hash', 'cli-hash', 'POST', REFRESH, '--data', JSON.stringify({ refreshToken }));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^keyhole: TOKEN_SPENT: .*revoke the whole token family \(§12\).*Nothing was sent\.\n$/);
    expect(again.out).toBe('');
    expect(routes).toEqual([]);

    // The current token: sent (the user asked), with a note that whoever else holds it now holds a dead one.
    const current = await send('--sc-session', f, '--client-hash', 'cli-hash', 'POST', REFRESH, '--data', JSON.stringify({ refreshToken: next }));
    expect(current.code).toBe(0);
    expect(current.err).toMatch(/note: this spends the current refresh token/);
    expect(routes.filter((e) => e.route === 'refresh')).toEqual([expect.objectContaining({ status: 200 })]);
  });
});
