import { expect, test } from 'vitest';
import { validateManualKey, validatePrivateKeyPem } from '../../../src/devtools/model/key-input';

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

test('private key: PKCS#1 and garbage are refused with a clear message, PKCS#8 RSA is accepted', async () => {
  expect(await validatePrivateKeyPem('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----')).toMatchObject({ ok: false, error: expect.stringMatching(/PKCS#1/) });
  expect(await validatePrivateKeyPem('hello')).toMatchObject({ ok: false, error: expect.stringMatching(/PKCS#8 PEM/) });
  expect(await validatePrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toMatchObject({ ok: false });
  const { generateKeyPairSync } = await import('node:crypto');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  expect(await validatePrivateKeyPem(`\n${privateKey}\n`)).toMatchObject({ ok: true });
});
