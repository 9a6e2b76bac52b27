/** Runs the CLI in-process and collects what it writes (stdout as text and as exact bytes). */
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  out: string;
  /** stdout as bytes (text writes UTF-8 encoded, byte writes as they are). */
  bytes: Buffer;
  err: string;
}

export async function runCli(argv: string[], stdin: Buffer | string = Buffer.alloc(0)): Promise<CliRun> {
  const chunks: Buffer[] = [];
  let err = '';
  const code = await main(argv, {
    stdout: (t) => void chunks.push(Buffer.from(t, 'utf8')),
    stderr: (t) => void (err += t),
    readStdin: async () => new Uint8Array(typeof stdin === 'string' ? Buffer.from(stdin) : stdin),
    stdoutBytes: (b) => void chunks.push(Buffer.from(b)),
  });
  const bytes = Buffer.concat(chunks);
  return { code, out: bytes.toString('utf8'), bytes, err };
}
