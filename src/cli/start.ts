/**
 * `keyhole start` (what `npm start` runs after building): starts the reference gateway and tells a
 * newcomer the three things they need — where the unpacked extension is, how to load it, and the demo URL.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export async function cmdStart(argv: string[], out: (s: string) => void): Promise<number> {
  const dist = resolve(process.cwd(), 'dist');
  if (!existsSync(resolve(dist, 'manifest.json'))) {
    out('keyhole: no built extension in ./dist — run `npm run build` (or `npm start`) from the repository root\n');
    return 1;
  }
  const { runGatewayCli } = await import('../gateway/cli');
  const gw = await runGatewayCli(argv);
  if (!gw) return typeof process.exitCode === 'number' ? process.exitCode : 0;
  out(
    [
      '',
      'Load Keyhole into Chrome (once):',
      '  1. open chrome://extensions and switch on "Developer mode" (top right)',
      '  2. click "Load unpacked" and choose:',
      `       ${dist}`,
      '  3. pin Keyhole from the puzzle-piece menu; its popup signs in and refreshes sessions',
      '',
      `Demo portal (an SCv2 app to inspect): ${gw.url}/demo/`,
      '  sign in with the prefilled demo account, then open DevTools → "Keyhole" to see the traffic decrypted',
      `Environment for the popup: "Local gateway" = ${gw.url} (the default)`,
      '',
      'Press Ctrl+C to stop the gateway.',
      '',
    ].join('\n'),
  );
  return 0;
}
