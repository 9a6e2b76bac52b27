/**
 * `keyhole` command line: decrypt and inspect SCv2 envelopes (§8, §9), run the reference gateway.
 *
 * `main(argv)` never calls process.exit: it returns the exit code, so tests run it in-process and the
 * `gateway` command can keep the process alive after returning. Failures print one line
 * `keyhole: CODE: message` on stderr and nothing on stdout — in particular no partial plaintext (the
 * protocol core checks the GCM tag before any plaintext exists).
 */
import { cmdStart } from './start';
import { SEAL_USAGE, SEND_USAGE, HAR_USAGE } from './usage';
import { parseCommandArgs, UsageError } from './args';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { isKeyholeError, KeyholeError } from '../protocol/errors';
import { decodeKey, utf8Encode } from '../protocol/bytes';
import { describeEnvelope, openMessage, type EnvelopeAnatomy } from '../protocol/message';
import pkg from '../../package.json';
import { config as zodConfig, locales as zodLocales } from 'zod/mini';

// The CLI is Node: zod's English messages cost nothing here (the extension uses terse ones, read-response.ts).
zodConfig(zodLocales.en());

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of standard input as exact bytes. */
  readStdin: () => Promise<Uint8Array>;
  /** Exact bytes to standard output (binary envelopes: `seal`, `send --raw`). */
  stdoutBytes: (bytes: Uint8Array) => void;
}

/** Read stdin as Buffer chunks: never decode it as text (binary envelopes are not UTF-8). */
export async function readAllStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk as Uint8Array));
  return new Uint8Array(Buffer.concat(chunks));
}

const defaultIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readStdin: () => readAllStdin(),
  stdoutBytes: (b) => void process.stdout.write(b),
};

export const USAGE = `keyhole — see and decrypt SlaunchX Secure Channel v2 (SCv2) envelopes

Usage:
  keyhole decrypt --key <hex|base64> [--aad <sessionId>] [FILE|-]
      Decrypt a binary envelope (type 1, 2 or 129) or a JSON envelope {"v":2,"p":…} and print the
      plaintext (pretty JSON). Reads stdin when FILE is omitted or "-".
        --key, -k   the 32-byte AES key (request key for types 1/2, response key for 129)
        --aad       use UTF-8(sessionId) as additional authenticated data (default: none)
  keyhole inspect [--json] [FILE|-]
      Show an envelope's anatomy (form, type, key id, IV, tag, sizes) without decrypting it.
        --json      machine-readable output
  ${SEAL_USAGE.trimEnd().replace(/\n/g, '\n  ')}
  ${SEND_USAGE.trimEnd().replace(/\n/g, '\n  ')}
  ${HAR_USAGE.trimEnd().replace(/\n/g, '\n  ')}
  keyhole gateway [options]
      Run the SCv2 reference gateway (see \`keyhole gateway --help\`).
  keyhole start [gateway options]
      Run the gateway and print how to load the built extension (what \`npm start\` does).
  keyhole --help | -h | help
  keyhole --version | -v

Exit status: 0 on success, 1 on failure, 2 on a usage error.
`;

async function readInput(positional: string[], io: CliIo): Promise<Uint8Array> {
  if (positional.length > 1) throw new UsageError('give at most one input file');
  const file = positional[0];
  if (file === undefined || file === '-') return io.readStdin();
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new KeyholeError('INPUT_INVALID', `cli: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

const TYPE_NAMES: Record<number, string> = { 1: 'key exchange', 2: 'session data', 0x81: 'response data' };

export function formatAnatomy(a: EnvelopeAnatomy): string {
  const rows: Array<[string, string]> = [['form', a.form]];
  if (a.pEncoding) rows.push(['p encoding', a.pEncoding]);
  if (a.type !== undefined) rows.push(['type', `${a.type} (0x${a.type.toString(16).padStart(2, '0')}, ${TYPE_NAMES[a.type] ?? 'unknown'})`]);
  if (a.keyId !== undefined) rows.push(['key id', a.keyId]);
  if (a.encReqKeyLength !== undefined) rows.push(['encReqKey', `${a.encReqKeyLength} bytes`]);
  if (a.encRespKeyLength !== undefined) rows.push(['encRespKey', `${a.encRespKeyLength} bytes`]);
  rows.push(['iv', a.ivHex], ['tag', a.tagHex], ['ciphertext', `${a.ciphertextLength} bytes`]);
  rows.push(['total', `${a.totalLength} ${a.form === 'binary' ? 'bytes' : 'characters'}`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

async function cmdDecrypt(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('decrypt', argv, {
    key: { type: 'string', short: 'k' },
    aad: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.key === undefined) throw new UsageError('decrypt: needs --key <hex|base64>');
  const key = decodeKey(values.key.trim());
  const body = await readInput(positionals, io);
  const opened = await openMessage(body, key, values.aad !== undefined ? { aad: utf8Encode(values.aad) } : {});
  const json = opened.json;
  io.stdout(json === undefined ? `${opened.text}\n` : `${JSON.stringify(json, null, 2)}\n`);
  return 0;
}

async function cmdInspect(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('inspect', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const anatomy = describeEnvelope(await readInput(positionals, io));
  io.stdout(values.json ? `${JSON.stringify(anatomy, null, 2)}\n` : formatAnatomy(anatomy));
  return 0;
}

async function cmdGateway(argv: string[]): Promise<number> {
  // Loaded on demand: decrypt/inspect must not pay for (or depend on) the server code.
  const { runGatewayCli } = await import('../gateway/cli');
  const gw = await runGatewayCli(argv);
  // A running gateway keeps the process alive after main() returns. Without one, runGatewayCli has
  // printed help (exit 0) or a usage error (it set process.exitCode = 2): pass that code on.
  if (gw) return 0;
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
      case 'version':
        io.stdout(`${(pkg as { version: string }).version}\n`);
        return 0;
      case 'decrypt':
        return await cmdDecrypt(rest, io);
      case 'inspect':
        return await cmdInspect(rest, io);
      // Loaded on demand, like the gateway: decrypt and inspect start without the client and HAR code.
      case 'seal':
        return await (await import('./seal')).cmdSeal(rest, io, readInput);
      case 'send':
        return await (await import('./send')).cmdSend(rest, io);
      case 'har':
        return await (await import('./har-decrypt')).cmdHar(rest, io);
      case 'gateway':
        return await cmdGateway(rest);
      case 'start':
        return await cmdStart(rest, io.stdout);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`keyhole: ${e.message} (see keyhole --help)\n`);
      return 2;
    }
    if (isKeyholeError(e)) {
      io.stderr(`keyhole: ${e.code}: ${e.message}\n`);
      return 1;
    }
    io.stderr(`keyhole: ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** Run when this file is the entry point (`npx tsx src/cli/main.ts …`); the bundle is run by bin/keyhole.js. */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(entry).href;
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      // exitCode, not exit(): `gateway` keeps its server running after main returns.
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`keyhole: ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
