/** AES-256-GCM with node:crypto (§4): 12-byte IV, 16-byte tag; the tag is checked before plaintext exists. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random';
import type { SealedParts } from './envelope';

export function seal(key: Buffer, plaintext: Buffer | string, aad?: Buffer): SealedParts {
  const iv = randomBytesPooled(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad) c.setAAD(aad);
  // A string goes to the cipher as is (encoded natively), not through a Buffer of its own first.
  const head = typeof plaintext === 'string' ? c.update(plaintext, 'utf8') : c.update(plaintext);
  const fin = c.final(); // empty for GCM, kept for correctness
  const ciphertext = fin.length ? Buffer.concat([head, fin]) : head;
  return { iv, ciphertext, tag: c.getAuthTag() };
}

/** Returns the plaintext, or undefined when the tag does not verify (never partial output). */
export function open(key: Buffer, p: SealedParts, aad?: Buffer): Buffer | undefined {
  try {
    const d = createDecipheriv('aes-256-gcm', key, p.iv);
    d.setAuthTag(p.tag);
    if (aad) d.setAAD(aad);
    const out = d.update(p.ciphertext);
    const fin = d.final();
    return fin.length ? Buffer.concat([out, fin]) : out;
  } catch {
    return undefined;
  }
}
