/** `keyhole har decrypt` without a browser: progress for large files, usage errors. (Chromium-recorded HAR: test/e2e/cli-har.test.ts.) */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './run';

const dir = mkdtempSync(join(tmpdir(), 'keyhole-har-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('reports progress on stderr for a large file, and the output keeps every entry', async () => {
  const entry = (i: number) => ({
    startedDateTime: new Date(0).toISOString(),
    time: 1,
    request: { method: 'POST', url: `http://127.0.0.1:1/prometheus/web/v1/x/${i}`, headers: [], postData: { mimeType: 'application/json', text: '{"a":1}' } },
    response: { status: 200, headers: [], content: { size: 7, mimeType: 'application/json', text: '{"b":2}' } },
  });
  const file = join(dir, 'big.har');
  writeFileSync(file, JSON.stringify({ log: { version: '1.2', entries: Array.from({ length: 2000 }, (_, i) => entry(i)) } }));
  const r = await runCli(['har', 'decrypt', file]);
  expect(r.code).toBe(0);
  expect(r.err.split('\n').filter((l) => l.startsWith('keyhole: har: decrypted'))).toEqual(['keyhole: har: decrypted 1000/2000', 'keyhole: har: decrypted 2000/2000']);
  expect(JSON.parse(r.out).log.entries).toHaveLength(2000);
});

it('usage errors: no file, an unknown subcommand, a malformed --key', async () => {
  expect((await runCli(['har', 'decrypt'])).code).toBe(2);
  expect((await runCli(['har', 'encrypt', 'x'])).err).toContain('har: unknown subcommand encrypt');
  expect((await runCli(['har', 'decrypt', 'x.har', '--key', 'only-a-session'])).err).toContain('--key wants SESSION:REQ:RESP');
});
