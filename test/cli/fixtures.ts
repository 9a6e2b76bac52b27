/** Envelope fixtures built with node:crypto only (independent of src/protocol). */
import { createCipheriv, randomBytes } from 'node:crypto';

export const KEY = Buffer.alloc(32, 0x11);
export const KEY_HEX = KEY.toString('hex');
export const KEY_B64 = KEY.toString('base64');
export const OTHER_KEY_HEX = Buffer.alloc(32, 0x22).toString('hex');
export const SESSION_ID = 'sess_0123456789abcdef';
export const PAYLOAD = { refreshToken: 'rt-secret-value', nested: { n: 1, s: 'héllo ✓' } };

export function seal(plaintext: string, aad?: string, key: Buffer = KEY): { iv: Buffer; ct: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { iv, ct, tag: c.getAuthTag() };
}

export function binary(type: 2 | 0x81, plaintext = JSON.stringify(PAYLOAD), aad?: string): Buffer {
  const { iv, ct, tag } = seal(plaintext, aad);
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, type]), iv, ct, tag]);
}

export const KEY_ID = 'rsa-key-2026-03-21';
export function type1(plaintext = JSON.stringify(PAYLOAD)): Buffer {
  const { iv, ct, tag } = seal(plaintext);
  const keyId = Buffer.from(KEY_ID, 'utf8');
  const encReq = randomBytes(256);
  const encResp = randomBytes(256);
  const len = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([0x53, 0x43, 0x02, 0x01, keyId.length]), keyId, len(encReq.length), encReq, len(encResp.length), encResp, iv, ct, tag]);
}

export function jsonEnv(plaintext = JSON.stringify(PAYLOAD), aad?: string): string {
  const { iv, ct, tag } = seal(plaintext, aad);
  return JSON.stringify({ v: 2, p: Buffer.concat([iv, ct, tag]).toString('base64') });
}
