import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KEY_HEX, OTHER_KEY_HEX, PAYLOAD, binary } from './fixtures';

const root = new URL('../../', import.meta.url).pathname;
function tsx(args: string[], input?: Buffer): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, input, encoding: 'buffer', timeout: 30_000 });
}

describe('keyhole as a process', () => {
  it('decrypts a binary envelope piped on stdin', () => {
    const r = tsx(['decrypt', '--key', KEY_HEX], binary(2));
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual(PAYLOAD);
  });

  it('exits non-zero with the coded error and no plaintext on a wrong key', () => {
    const r = tsx(['decrypt', '--key', OTHER_KEY_HEX, '-'], binary(2));
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toMatch(/^keyhole: AEAD_AUTH_FAILED: /);
  });
});
