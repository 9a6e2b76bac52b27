/**
 * `node:util.parseArgs` with the errors a person can act on. Node's own messages name its internals
 * ("To specify a positional argument starting with a '-'…"); ours say which command, which option and
 * what it wants, e.g. `decrypt: option --key needs a value`. Used by `keyhole` and `keyhole gateway`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
}

/** Parses `argv` for `command`; throws UsageError (`<command>: …`) on anything parseArgs refuses. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, allowPositionals = true): ParsedArgs<O> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as ParsedArgs<O>['values'], positionals };
  } catch (e) {
    throw new UsageError(`${command}: ${explain(e, options)}`);
  }
}

function explain(e: unknown, options: Options): string {
  const message = (e as { message?: string }).message ?? String(e);
  const quoted = /'([^' ,]+)/.exec(message)?.[1] ?? '';
  const option = quoted.startsWith('--') ? quoted : longName(quoted, options);
  switch ((e as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // A string option with nothing after it, or a value given to a switch (--json=yes).
      return /argument missing/.test(message) ? `option ${option} needs a value` : `option ${option} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    default:
      return message;
  }
}

/** `-k` → `--key` when the short flag is declared. */
function longName(short: string, options: Options): string {
  const entry = Object.entries(options).find(([, o]) => o.short === short.slice(1));
  return entry ? `--${entry[0]}` : short;
}
