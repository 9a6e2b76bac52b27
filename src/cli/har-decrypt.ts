/**
 * `keyhole har decrypt IN.har -o OUT.har`: the panel's HAR import and export as one command (issue #9),
 * built from the same pure pieces (src/inspect): parseHar, learnKeys (the HAR's own /session and type-1
 * handshakes, unwrapped with the test environment's RSA private key — §12 observer: OAEP SHA-256, then
 * SHA-1), decryptExchange, buildHar. Keys given with --key are added as the panel's "add key" does.
 * Redacted by default (tokens, Authorization, MFA codes, keys: architecture.md §2), so the output can be
 * attached to a bug report; --no-redact keeps them and embeds the session keys.
 *
 * Every handshake is learnt before anything is decrypted, so the order of entries does not matter.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { decodeKey, toBase64 } from '../protocol/bytes';
import { KeyholeError } from '../protocol/errors';
import { Keyring, buildHar, decryptExchange, learnKeys, parseHar, type DecryptedExchange } from '../inspect';
import { parseCommandArgs, UsageError } from './args';
import { HAR_USAGE } from './usage';
import type { CliIo } from './main';
import pkg from '../../package.json';


/** Progress lines for files with at least this many entries (a small file is done before one would show). */
const PROGRESS_EVERY = 1000;
/** WebCrypto calls in flight at once (the panel's pool size; enough to overlap, few enough to stay cheap). */
const POOL = 32;

export async function cmdHar(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(HAR_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'decrypt') throw new UsageError(`har: unknown subcommand ${sub} (try: keyhole har decrypt)`);
  const { values, positionals } = parseCommandArgs('har decrypt', rest, {
    'private-key': { type: 'string' },
    key: { type: 'string', multiple: true },
    'no-redact': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(HAR_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('har decrypt: give one input HAR file');
  const input = positionals[0]!;
  const keyring = new Keyring();
  for (const k of values.key ?? []) keyring.add({ ...parseKeyArg(k), source: 'manual' });
  if (values['private-key'] !== undefined) keyring.setPrivateKey(await readPem(values['private-key']));

  const text = await readText(input);
  const exchanges = parseHar(text);
  const total = exchanges.length;
  const progress = (phase: string, done: number) => {
    if (total >= PROGRESS_EVERY && (done % PROGRESS_EVERY === 0 || done === total)) io.stderr(`keyhole: har: ${phase} ${done}/${total}\n`);
  };

  // Keys first: a handshake may come after the exchanges it keys (HAR order is by start time).
  for (let i = 0; i < total; i++) await learnKeys(exchanges[i]!, keyring);

  const out = new Array<DecryptedExchange>(total);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      out[i] = await decryptExchange(exchanges[i]!, keyring);
      progress('decrypted', ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(POOL, total) }, worker));

  const redact = !values['no-redact'];
  const keysOf = (sessionId: string) => {
    const e = keyring.snapshot().entries.find((x) => x.sessionId === sessionId);
    return e && { requestKey: e.requestKey, responseKey: e.responseKey };
  };
  const har = buildHar(out, { redact, keys: keysOf, version: (pkg as { version: string }).version });
  const json = JSON.stringify(har, null, 2);
  const target = values.output;
  if (target === undefined || target === '-') io.stdout(`${json}\n`);
  else {
    try {
      await writeFile(target, `${json}\n`, redact ? undefined : { mode: 0o600 });
    } catch (e) {
      throw new KeyholeError('INPUT_INVALID', `cli: cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }

  const sides = out.flatMap((d) => [d.request, d.response]);
  const decrypted = out.filter((d) => d.request.status === 'decrypted' || d.response.status === 'decrypted').length;
  const failed = out.filter((d) => d.request.status === 'failed' || d.response.status === 'failed').length;
  const noKey = sides.filter((s) => s.status === 'failed' && s.error?.code === 'NO_KEY').length;
  io.stderr(
    `keyhole: har: ${total} entries, ${decrypted} decrypted, ${failed} with a side that did not${noKey ? ` (${noKey} sides without a key: --private-key or --key)` : ''}; ${redact ? 'redacted' : 'NOT redacted: holds tokens and keys'}${target && target !== '-' ? ` → ${target}` : ''}\n`,
  );
  return 0;
}

/** `SESSION:REQ:RESP`; either key may be empty (known for one direction only). */
function parseKeyArg(arg: string): { sessionId: string; requestKey?: string; responseKey?: string } {
  const parts = arg.split(':');
  if (parts.length !== 3 || !parts[0]) throw new UsageError('har decrypt: --key wants SESSION:REQ:RESP');
  const [sessionId, req, resp] = parts as [string, string, string];
  if (!req && !resp) throw new UsageError('har decrypt: --key needs at least one of REQ and RESP');
  return {
    sessionId,
    ...(req && { requestKey: toBase64(decodeKey(req)) }),
    ...(resp && { responseKey: toBase64(decodeKey(resp)) }),
  };
}

async function readPem(arg: string): Promise<string> {
  if (arg.includes('-----BEGIN')) return arg;
  return readText(arg);
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new KeyholeError('INPUT_INVALID', `cli: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
