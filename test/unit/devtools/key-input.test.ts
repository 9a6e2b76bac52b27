import { expect, test } from 'vitest';
import { codedErrorText, validateManualKey, validatePrivateKeyPem } from '../../../src/devtools/model/key-input';
import { KeyholeError } from '../../../src/protocol/errors';
import { beforeAll } from 'vitest';
import { i18nStub } from '../helpers/en-catalogue';

// The messages come from the English catalogue, as chrome.i18n would give them.
beforeAll(() => {
  (globalThis as { chrome?: unknown }).chrome = i18nStub('en');
});

const hex = '00'.repeat(31) + 'ff';
const b64 = Buffer.alloc(32, 7).toString('base64');

test('hex and base64 keys are accepted and normalised to base64', () => {
  const r = validateManualKey({ sessionId: ' sess_1 ', requestKey: hex, responseKey: b64 });
  expect(r).toEqual({ ok: true, value: { sessionId: 'sess_1', requestKey: Buffer.from(hex, 'hex').toString('base64'), responseKey: b64 } });
});

test('each bad field gets its own message', () => {
  const r = validateManualKey({ sessionId: '', requestKey: 'abc', responseKey: '' });
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.errors.sessionId).toBe('Session id is required');
    expect(r.errors.requestKey).toMatch(/32 bytes/);
    expect(r.errors.responseKey).toBeUndefined();
  }
});

test('at least one key is required', () => {
  const r = validateManualKey({ sessionId: 's', requestKey: '', responseKey: '  ' });
  expect(r.ok ? undefined : r.errors.form).toBe('Enter a request key, a response key or both');
});

test('a 16-byte key is refused', () => {
  const r = validateManualKey({ sessionId: 's', requestKey: Buffer.alloc(16).toString('base64'), responseKey: '' });
  expect(r.ok).toBe(false);
});

test('private key: refused inline with a coded message (RSA_BAD_KEY / INPUT_INVALID); PKCS#8 RSA is accepted', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  expect(await validatePrivateKeyPem('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----')).toEqual({
    ok: false,
    code: 'RSA_BAD_KEY',
    error: 'RSA_BAD_KEY: This is a PKCS#1 key; convert it with: openssl pkcs8 -topk8 -nocrypt',
  });
  expect(await validatePrivateKeyPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----')).toMatchObject({ ok: false, code: 'RSA_BAD_KEY' });
  expect(await validatePrivateKeyPem('hello')).toEqual({ ok: false, code: 'INPUT_INVALID', error: 'INPUT_INVALID: Paste a PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----)' });
  expect(await validatePrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toEqual({
    ok: false,
    code: 'RSA_BAD_KEY',
    error: 'RSA_BAD_KEY: Not an RSA private key WebCrypto can import',
  });
  // Well-formed PKCS#8, but an EC key.
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  expect(await validatePrivateKeyPem(ec)).toMatchObject({ ok: false, error: 'RSA_BAD_KEY: Not an RSA private key WebCrypto can import' });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  expect(await validatePrivateKeyPem(`\n${privateKey}\n`)).toMatchObject({ ok: true });
});

test("the worker's coded errors are shown coded; anything else as its message", () => {
  expect(codedErrorText(new KeyholeError('RSA_BAD_KEY', 'rsa: not a PKCS#8 RSA private key'))).toBe('RSA_BAD_KEY: rsa: not a PKCS#8 RSA private key');
  expect(codedErrorText(new Error('panel: not connected'))).toBe('panel: not connected');
  expect(codedErrorText('x')).toBe('x');
});
