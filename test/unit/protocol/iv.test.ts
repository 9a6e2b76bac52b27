import { describe, expect, it } from 'vitest';
import { randomIv } from '../../../src/protocol/iv';
import { toHex } from '../../../src/protocol/bytes';

describe('randomIv', () => {
  it('returns 12-byte IVs that never repeat across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const iv = randomIv();
      expect(iv.length).toBe(12);
      seen.add(toHex(iv));
    }
    expect(seen.size).toBe(2000);
  });

  it('returns independent copies the caller may modify', () => {
    const a = randomIv();
    const before = toHex(a);
    a.fill(0);
    expect(toHex(randomIv())).not.toBe(before);
    expect(a.byteLength).toBe(a.buffer.byteLength);
  });
});
