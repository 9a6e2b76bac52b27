import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { main } from '../../src/cli/main';
import { KEY_B64, KEY_HEX, KEY_ID, OTHER_KEY_HEX, PAYLOAD, SESSION_ID, binary, jsonEnv, type1 } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'keyhole-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: Buffer | string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
}

async function run(argv: string[], stdin: Buffer | string = Buffer.alloc(0)): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    readStdin: async () => new Uint8Array(typeof stdin === 'string' ? Buffer.from(stdin) : stdin),
    stdoutBytes: (b) => (out += Buffer.from(b).toString('latin1')),
  });
  return { code, out, err };
}

describe('keyhole help and version', () => {
  it('prints usage for --help, -h and help', async () => {
    for (const a of ['--help', '-h', 'help']) {
      const r = await run([a]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('keyhole decrypt --key');
    }
  });

  it('prints the package version for --version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses an unknown command with a usage error', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command frobnicate');
  });
});

describe('keyhole decrypt', () => {
  it('decrypts a binary type 2 envelope from a file', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, file(binary(2))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
    expect(r.out).toContain('\n  "refreshToken"');
  });

  it('decrypts a binary type 129 envelope with a base64 key', async () => {
    const r = await run(['decrypt', '--key', KEY_B64, file(binary(0x81))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('decrypts a binary type 1 envelope', async () => {
    const r = await run(['decrypt', '-k', KEY_HEX, file(type1())]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('decrypts a JSON envelope', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, file(jsonEnv())]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('reads a binary envelope from stdin byte for byte', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, '-'], binary(2));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('reads stdin when no file is given', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX], `${jsonEnv()}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('decrypts an envelope sealed with the session id as AAD when --aad is given', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, '--aad', SESSION_ID, file(binary(2, JSON.stringify(PAYLOAD), SESSION_ID))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('decrypts a JSON envelope sealed with AAD when --aad is given', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, `--aad=${SESSION_ID}`, file(jsonEnv(JSON.stringify(PAYLOAD), SESSION_ID))]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(PAYLOAD);
  });

  it('fails without --aad on an envelope sealed with AAD', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, file(binary(2, JSON.stringify(PAYLOAD), SESSION_ID))]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^keyhole: AEAD_AUTH_FAILED: /);
    expect(r.out).toBe('');
  });

  it('fails with a wrong key and prints no plaintext', async () => {
    const r = await run(['decrypt', '--key', OTHER_KEY_HEX, file(binary(2))]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^keyhole: AEAD_AUTH_FAILED: .+\n$/);
    expect(r.err).not.toContain('rt-secret-value');
  });

  it('refuses input that is not an envelope', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, file('hello world\n')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('keyhole: ENVELOPE_BAD_MAGIC: envelope: bad magic\n');
  });

  it('refuses plain JSON that is not an envelope', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, file('{"success":true}')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: ENVELOPE_/);
  });

  it('refuses a key that is not 32 bytes', async () => {
    const r = await run(['decrypt', '--key', 'abcd', file(binary(2))]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: INPUT_INVALID: /);
  });

  it('names the command and the option in a usage error', async () => {
    const missing = await run(['decrypt', '-k']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('keyhole: decrypt: option --key needs a value (see keyhole --help)\n');
    const unknown = await run(['inspect', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe('keyhole: inspect: unknown option --bogus (see keyhole --help)\n');
  });

  it('requires --key', async () => {
    const r = await run(['decrypt', file(binary(2))]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--key');
  });

  it('reports a missing file as INPUT_INVALID', async () => {
    const r = await run(['decrypt', '--key', KEY_HEX, join(dir, 'does-not-exist')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^keyhole: INPUT_INVALID: /);
  });
});

describe('keyhole inspect', () => {
  it('shows the anatomy of a binary type 2 envelope', async () => {
    const env = binary(2);
    const r = await run(['inspect', file(env)]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/form\s+binary/);
    expect(r.out).toMatch(/type\s+2 \(0x02, session data\)/);
    expect(r.out).toContain(env.subarray(4, 16).toString('hex'));
    expect(r.out).toContain(env.subarray(env.length - 16).toString('hex'));
    expect(r.out).toMatch(new RegExp(`total\\s+${env.length} bytes`));
  });

  it('shows the key id and wrapped key sizes of a type 1 envelope', async () => {
    const r = await run(['inspect', file(type1())]);
    expect(r.out).toMatch(new RegExp(`key id\\s+${KEY_ID}`));
    expect(r.out).toMatch(/encReqKey\s+256 bytes/);
    expect(r.out).toMatch(/type\s+1 \(0x01, key exchange\)/);
  });

  it('prints machine-readable anatomy with --json', async () => {
    const env = binary(0x81, '{"a":1}');
    const r = await run(['inspect', '--json', file(env)]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      form: 'binary',
      type: 0x81,
      ivHex: env.subarray(4, 16).toString('hex'),
      tagHex: env.subarray(env.length - 16).toString('hex'),
      ciphertextLength: 7,
      totalLength: env.length,
    });
  });

  it('shows the anatomy of a JSON envelope from stdin', async () => {
    const r = await run(['inspect', '--json'], jsonEnv('{"a":1}'));
    expect(JSON.parse(r.out)).toMatchObject({ form: 'json-envelope', pEncoding: 'base64', ciphertextLength: 7 });
  });

  it('refuses input that is not an envelope', async () => {
    const r = await run(['inspect', file('not an envelope')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('keyhole: ENVELOPE_BAD_MAGIC: envelope: bad magic\n');
  });
});
