/**
 * `keyhole gateway` / `npm run gateway`: parses flags, starts the gateway, prints exactly one
 * ready line (`Keyhole gateway listening on http://HOST:PORT/BASEPATH`), logs one line per request
 * to stdout, and shuts down gracefully on SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
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

export class CliUsageError extends Error {}

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n)) throw new CliUsageError(`gateway: ${flag} needs a number`);
  return n;
}

function onOff(flag: string, v: string | undefined): boolean {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new CliUsageError(`gateway: ${flag} must be on or off`);
}

/** Flags → options (exported for tests). Returns undefined for --help. */
export function parseGatewayArgs(argv: string[]): Partial<GatewayOptions> | undefined {
  const o: Partial<GatewayOptions> = {};
  const cors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new CliUsageError(`gateway: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h': case '--help': return undefined;
      case '--host': o.host = next(); break;
      case '--port': o.port = num(flag, next()); break;
      case '--base-path': o.basePath = next(); break;
      case '--mode': {
        const m = next();
        if (m !== 'local' && m !== 'production' && m !== 'test') throw new CliUsageError('gateway: --mode must be local or production');
        o.mode = m;
        break;
      }
      case '--window-ms': o.windowMs = num(flag, next()); break;
      case '--no-rate-limit': o.rateLimits = false; break;
      case '--access-ttl': o.accessTtl = num(flag, next()); break;
      case '--session-ttl': o.sessionTtl = num(flag, next()); break;
      case '--reuse-detection': o.reuseDetection = onOff(flag, next()); break;
      case '--binary-content-type': {
        const v = next();
        if (v !== 'json' && v !== 'octet') throw new CliUsageError('gateway: --binary-content-type must be json or octet');
        o.binaryContentType = v;
        break;
      }
      case '--portal-code': o.portalCode = next(); break;
      case '--key-file': o.keyFile = next(); break;
      case '--cors-origin': cors.push(next()); break;
      case '--demo-email': o.demoEmail = next(); break;
      case '--demo-password': o.demoPassword = next(); break;
      case '--demo-otp': o.demoOtp = next(); break;
      case '--quiet': o.log = false; break;
      default: throw new CliUsageError(`gateway: unknown option ${flag}\n\n${GATEWAY_USAGE}`);
    }
  }
  if (cors.length) o.corsOrigins = cors;
  return o;
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
    if (e instanceof CliUsageError) {
      process.stderr.write(e.message + '\n');
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
