/**
 * Fresh random 12-byte GCM IVs (spec §4: random IV per message; NIST SP 800-38D §8.2.2 random
 * construction). Bytes come from the CSPRNG in 3 KiB batches and every byte is handed out once: in
 * Node, each getRandomValues call costs ~5 µs — as much as sealing a small message — while one batch
 * serves 256 IVs. IVs are public, so holding future ones in memory leaks nothing.
 */
import { IV_LENGTH } from './envelope-binary';

const BATCH = 256 * IV_LENGTH;
let pool = new Uint8Array(0);
let offset = 0;

export function randomIv(): Uint8Array<ArrayBuffer> {
  if (offset + IV_LENGTH > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(BATCH));
    offset = 0;
  }
  const iv = pool.slice(offset, offset + IV_LENGTH);
  // Wipe what we handed out, so the pool never holds an IV that is already in use.
  pool.fill(0, offset, offset + IV_LENGTH);
  offset += IV_LENGTH;
  return iv;
}
