/**
 * Popup screenshots for the docs: docs/screenshots/popup-light.png and popup-dark.png.
 * Headless Chromium with dist/ (run `npm run build` first) and the reference gateway on a free port;
 * two sessions: one signed in and refreshed, one whose refresh token the gateway rejects.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createGateway } from '../src/gateway/index';
import { launchExtension, openExtensionPage } from '../test/e2e/harness';
import { adoptIssued, pointDefaultEnvAt, rpcCall } from '../test/e2e/sessions-helpers';

const OUT = resolve(import.meta.dirname, '../docs/screenshots');

async function shoot(scheme: 'light' | 'dark'): Promise<void> {
  const [b, gw] = await Promise.all([launchExtension({ colorScheme: scheme }), createGateway({ port: 0, log: false })]);
  try {
    await pointDefaultEnvAt(b, gw.url);
    const page = await openExtensionPage(b, 'blank.html');
    const good = await adoptIssued(b, gw);
    await rpcCall(page, 'refreshSession', { key: good.key });
    const bad = await rpcCall<{ key: string }>(page, 'adoptSession', { envId: 'local', refreshToken: 'rt-revoked-example', label: 'old' });
    await rpcCall(page, 'refreshSession', { key: bad.key });
    await page.close();
    const popup = await b.context.newPage();
    await popup.setViewportSize({ width: 380, height: 600 });
    await popup.goto(`chrome-extension://${b.extensionId}/popup/index.html`);
    await popup.waitForSelector('[data-testid="session-card"] >> nth=1');
    await popup.waitForTimeout(300);
    mkdirSync(OUT, { recursive: true });
    await popup.screenshot({ path: resolve(OUT, `popup-${scheme}.png`), fullPage: true });
    console.log(`wrote docs/screenshots/popup-${scheme}.png`);
  } finally {
    await b.close();
    await gw.close();
  }
}

await shoot('light');
await shoot('dark');
