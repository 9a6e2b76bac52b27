/**
 * `keyhole gateway` / `npm run gateway`: parses flags, starts the gateway, prints exactly one
 * ready line (`Keyhole gateway listening on http://HOST:PORT/BASEPATH`), logs one line per request
 * to stdout, and shuts down gracefully on SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { parseCommandArgs, UsageError } from '../cli/args';
import { createGateway, type Gateway, type GatewayOptions } from './index';

export const GATEWAY_USAGE = `Usage: keyhole gateway [options]

  --host HOST                 bind address (127.0.0.1)
  --port N                    port, 0 = any free port (18020)
  --base-path PATH            route prefix (/prometheus)
  --mode local|production     local requires the Cloudflare simulation headers (local)
  --window-ms N               rate-limit window in ms (60000)
  --no-rate-limit             disable rate limits
  --access-ttl S              access token lifetime in s (3600)
  --session-ttl S             SC session lifetime in s (86400)
  --reuse-detection on|off    revoke a token family on refresh-token reuse (on)
  --binary-content-type json|octet   Content-Type of binary responses (json)
  --portal-code CODE          require X-PORTAL-ACCESS-CODE (none)
  --key-file PATH             RSA private key, PKCS#8 PEM; created when missing (in-memory key)
  --cors-origin ORIGIN        allowed CORS origin, repeatable, * wildcards
  --demo-email EMAIL          (demo@keyhole.test)
  --demo-password PASSWORD    (keyhole-demo-1)
  --demo-otp CODE             (123456)
  --quiet                     no request log
  -h, --help                  this help
`;

const FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'base-path': { type: 'string' },
  mode: { type: 'string' },
  'window-ms': { type: 'string' },
  'no-rate-limit': { type: 'boolean' },
  'access-ttl': { type: 'string' },
  'session-ttl': { type: 'string' },
  'reuse-detection': { type: 'string' },
  'binary-content-type': { type: 'string' },
  'portal-code': { type: 'string' },
  'key-file': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'demo-email': { type: 'string' },
  'demo-password': { type: 'string' },
  'demo-otp': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`gateway: --${flag} needs a number`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  throw new UsageError(`gateway: --${flag} must be ${allowed.join(' or ')}`);
}

/** §11: login/initiate refuses passwords outside 8–128 characters, so such a demo password could never sign in. */
function demoPassword(v: string | undefined): string | undefined {
  if (v !== undefined && (v.length < 8 || v.length > 128)) throw new UsageError('gateway: --demo-password must be 8 to 128 characters');
  return v;
}

/** Flags → options (exported for tests). Returns undefined for --help. */
export function parseGatewayArgs(argv: string[]): Partial<GatewayOptions> | undefined {
  const { values: v } = parseCommandArgs('gateway', argv, FLAGS, false);
  if (v.help) return undefined;
  const reuse = oneOf('reuse-detection', v['reuse-detection'], ['on', 'off', 'true', 'false']);
  const o: Partial<GatewayOptions> = {
    host: v.host,
    port: num('port', v.port),
    basePath: v['base-path'],
    mode: oneOf('mode', v.mode, ['local', 'test', 'production']),
    windowMs: num('window-ms', v['window-ms']),
    rateLimits: v['no-rate-limit'] ? false : undefined,
    accessTtl: num('access-ttl', v['access-ttl']),
    sessionTtl: num('session-ttl', v['session-ttl']),
    reuseDetection: reuse === undefined ? undefined : reuse === 'on' || reuse === 'true',
    binaryContentType: oneOf('binary-content-type', v['binary-content-type'], ['json', 'octet']),
    portalCode: v['portal-code'],
    keyFile: v['key-file'],
    corsOrigins: v['cors-origin'],
    demoEmail: v['demo-email'],
    demoPassword: demoPassword(v['demo-password']),
    demoOtp: v['demo-otp'],
    log: v.quiet ? false : undefined,
  };
  // Only what was given: createGateway fills in the defaults.
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<GatewayOptions>;
}

/**
 * Starts the gateway from CLI flags. Resolves with the running gateway once the ready line is out;
 * rejects (after printing to stderr and setting process.exitCode = 2) on bad flags.
 */
export async function runGatewayCli(argv: string[]): Promise<Gateway | undefined> {
  let parsed: Partial<GatewayOptions> | undefined;
  try {
    parsed = parseGatewayArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${GATEWAY_USAGE}`);
      process.exitCode = 2;
      return undefined;
    }
    throw e;
  }
  if (!parsed) {
    process.stdout.write(GATEWAY_USAGE);
    return undefined;
  }
  const quiet = parsed.log === false;
  const gw = await createGateway({ ...parsed, log: quiet ? false : (line) => process.stdout.write(line + '\n') });
  const printable = gw.url.endsWith(gw.origin) ? gw.url + '/' : gw.url;
  process.stdout.write(`Keyhole gateway listening on ${printable}\n`);
  const shutdown = (signal: NodeJS.Signals) => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    gw.close().then(
      () => {
        process.exitCode = 0;
        if (!quiet) process.stdout.write(`gateway: stopped (${signal})\n`);
      },
      () => {
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return gw;
}

// `npx tsx src/gateway/cli.ts [flags]` — only when this very file is the entry point (a bundle that
// inlines this module into the `keyhole` CLI must not start a second gateway).
const entry = process.argv[1];
if (entry && /[\\/]gateway[\\/]cli\.[cm]?[jt]s$/.test(entry) && import.meta.url === pathToFileURL(entry).href) {
  runGatewayCli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`gateway: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
