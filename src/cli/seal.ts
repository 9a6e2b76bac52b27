/**
 * `keyhole seal`: the inverse of `keyhole decrypt` (issue #9) — plaintext in, envelope out, for building
 * fixtures. A fresh random IV every run (§4; sealMessage never takes one from the command line: an IV
 * reused under a key breaks GCM). Binary envelopes (type 2 request, 129 response, §8) go to stdout as
 * exact bytes; the JSON form (§9) as one line of text.
 */
import { decodeKey, utf8Encode } from '../protocol/bytes';
import { sealMessage } from '../protocol/message';
import { parseCommandArgs, UsageError } from './args';
import { SEAL_USAGE } from './usage';
import type { CliIo } from './main';


export async function cmdSeal(argv: string[], io: CliIo, readInput: (positionals: string[], io: CliIo) => Promise<Uint8Array>): Promise<number> {
  const { values, positionals } = parseCommandArgs('seal', argv, {
    key: { type: 'string', short: 'k' },
    aad: { type: 'string' },
    form: { type: 'string' },
    type: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(SEAL_USAGE);
    return 0;
  }
  if (values.key === undefined) throw new UsageError('seal: needs --key <hex|base64>');
  const form = values.form ?? 'binary';
  if (form !== 'binary' && form !== 'json') throw new UsageError('seal: --form must be binary or json');
  const type = values.type === undefined ? 2 : Number(values.type);
  if (type !== 2 && type !== 0x81) throw new UsageError('seal: --type must be 2 or 129');
  if (form === 'json' && values.type !== undefined) throw new UsageError('seal: --type applies to the binary form only');
  const key = decodeKey(values.key.trim());
  const plaintext = await readInput(positionals, io);
  const aad = values.aad !== undefined ? { aad: utf8Encode(values.aad) } : {};
  if (form === 'json') io.stdout(`${await sealMessage(plaintext, { key, form: 'json', ...aad })}\n`);
  else io.stdoutBytes(await sealMessage(plaintext, { key, form: 'binary', type, ...aad }));
  return 0;
}
