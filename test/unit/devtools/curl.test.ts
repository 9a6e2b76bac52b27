import { expect, test } from 'vitest';
import { buildCurl, shellQuote } from '../../../src/devtools/model/curl';
import { exchange } from './fixtures';

test('single quotes inside a value survive shell quoting', () => {
  expect(shellQuote("it's")).toBe(`'it'\\''s'`);
});

test('an encrypted exchange becomes curl with the plaintext body and a note about the wire body', () => {
  const c = buildCurl(exchange({ headers: { 'content-type': 'application/json', 'x-sc-session-id': 'sess_1', 'content-length': '40', authorization: 'Bearer a' } }));
  const [note, ...cmd] = c.split('\n');
  expect(note).toMatch(/^# Keyhole: decrypted plaintext shown\. On the wire this body was an SCv2 binary envelope \(session sess_1\)/);
  const command = cmd.join('\n');
  expect(command).toContain(`curl 'http://127.0.0.1:18020/prometheus/web/v1/system/auth/token/refresh'`);
  expect(command).toContain('-X POST');
  expect(command).toContain(`-H 'x-sc-session-id: sess_1'`);
  expect(command).toContain(`-H 'authorization: Bearer a'`);
  expect(command).not.toContain('content-length');
  expect(command).toContain(`--data-raw '{"refreshToken":"rt-abc"}'`);
});

test('a plain GET has no note, no -X and no body', () => {
  const c = buildCurl(exchange({ method: 'GET', headers: {}, request: { form: 'none', status: 'none', text: undefined, json: undefined } }));
  expect(c).toBe(`curl 'http://127.0.0.1:18020/prometheus/web/v1/system/auth/token/refresh'`);
});

test('a request that failed to decrypt is not sent with a made-up body', () => {
  const c = buildCurl(exchange({ request: { status: 'failed', text: undefined, json: undefined, error: { code: 'NO_KEY', message: '' } } }));
  expect(c).not.toContain('--data-raw');
});
