/**
 * `keyhole seal` is the inverse of `keyhole decrypt` (issue #9): round trips through both commands in every
 * form, type and AAD mode, and a cross-check of the bytes with node:crypto alone (test/cli/fixtures.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecipheriv } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY, KEY_B64, KEY_HEX, PAYLOAD, SESSION_ID } from './fixtures';
import { runCli } from './run';

const dir = mkdtempSync(join(tmpdir(), 'keyhole-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: Buffer | string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
}
const plaintext = JSON.stringify(PAYLOAD);

function nodeOpen(iv: Buffer, ctTag: Buffer, aad?: string): string {
  const d = createDecipheriv('aes-256-gcm', KEY, iv);
  if (aad) d.setAAD(Buffer.from(aad));
  d.setAuthTag(ctTag.subarray(ctTag.length - 16));
  return Buffer.concat([d.update(ctTag.subarray(0, ctTag.length - 16)), d.final()]).toString('utf8');
}

describe('keyhole seal', () => {
  for (const args of [[], ['--type', '129'], ['--form', 'json'], ['--aad', SESSION_ID], ['--form', 'json', `--aad=${SESSION_ID}`]]) {
    it(`round trips with decrypt: ${args.join(' ') || 'binary type 2'}`, async () => {
      const sealed = await runCli(['seal', '--key', KEY_HEX, ...args], plaintext);
      expect(sealed.err).toBe('');
      expect(sealed.code).toBe(0);
      const aad = args.find((a) => a.includes(SESSION_ID)) ? ['--aad', SESSION_ID] : [];
      const opened = await runCli(['decrypt', '--key', KEY_B64, ...aad, file(sealed.bytes)]);
      expect(opened.code).toBe(0);
      expect(JSON.parse(opened.out)).toEqual(PAYLOAD);
    });
  }

  it('writes a binary type 2 envelope node:crypto opens, with a fresh IV every run', async () => {
    const a = (await runCli(['seal', '-k', KEY_HEX, file(plaintext)])).bytes;
    const b = (await runCli(['seal', '-k', KEY_HEX, file(plaintext)])).bytes;
    expect([...a.subarray(0, 4)]).toEqual([0x53, 0x43, 0x02, 0x02]);
    expect(a.length).toBe(16 + Buffer.byteLength(plaintext) + 16);
    expect(nodeOpen(a.subarray(4, 16), a.subarray(16))).toBe(plaintext);
    expect(a.subarray(4, 16).equals(b.subarray(4, 16))).toBe(false);
  });

  it('writes the SDK JSON form as one line node:crypto opens', async () => {
    const r = await runCli(['seal', '-k', KEY_HEX, '--form', 'json', '--aad', SESSION_ID], plaintext);
    expect(r.out.endsWith('}\n')).toBe(true);
    const p = Buffer.from(JSON.parse(r.out).p as string, 'base64');
    expect(nodeOpen(p.subarray(0, 12), p.subarray(12), SESSION_ID)).toBe(plaintext);
  });

  it('refuses a bad key, a bad type and a type with the JSON form', async () => {
    expect((await runCli(['seal', '--key', 'abcd'], plaintext)).err).toMatch(/^keyhole: INPUT_INVALID: /);
    expect((await runCli(['seal', '--key', KEY_HEX, '--type', '1'], plaintext)).code).toBe(2);
    expect((await runCli(['seal', '--key', KEY_HEX, '--form', 'json', '--type', '2'], plaintext)).code).toBe(2);
    expect((await runCli(['seal'], plaintext)).err).toContain('seal: needs --key');
  });
});
