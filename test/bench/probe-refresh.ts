// TEMPORARY probe (not committed): where a Refresh click's milliseconds go.
import { buildGatewayHeaders } from '../../src/protocol/headers';
import { launchExtension, openExtensionPage } from '../e2e/harness';
import { clientHash, pointDefaultEnvAt, rpcCall } from '../e2e/sessions-helpers';
import { startGatewayProcess } from './gateway-process';

const N = Number(process.env.N ?? 12);
const [b, gw] = await Promise.all([launchExtension(), startGatewayProcess()]);
try {
  await pointDefaultEnvAt(b, gw.url);
  const pair = await gw.issueTokens(await clientHash(b));
  const page = await openExtensionPage(b, 'blank.html');
  await rpcCall(page, 'adoptSession', { envId: 'local', refreshToken: pair.refreshToken, accessToken: pair.accessToken });
  await page.close();
  const popup = await openExtensionPage(b, 'popup/index.html');
  await popup.waitForSelector('[data-testid="session-card"]');
  const sw = await b.serviceWorker();
  const headers = buildGatewayHeaders({ mode: 'local', clientHash: await clientHash(b) });
  const rows: Record<string, number[]> = {};
  const plain: number[] = [];
  for (let i = 0; i < N + 1; i++) {
    await new Promise((r) => setTimeout(r, 1600));
    await sw.evaluate(() => ((globalThis as any).__ktl = []));
    const res = await popup.evaluate(() => new Promise<{ t0: number; t1: number; marks: Array<[string, number]> }>((resolve) => {
      (globalThis as any).__ktl = [];
      const el = document.querySelector('[data-testid="access-expiry"]')!;
      const before = el.getAttribute('data-expires-at');
      const t0 = performance.timeOrigin + performance.now();
      const obs = new MutationObserver(() => {
        if (document.querySelector('[data-testid="access-expiry"]')!.getAttribute('data-expires-at') !== before) {
          obs.disconnect();
          resolve({ t0, t1: performance.timeOrigin + performance.now(), marks: (globalThis as any).__ktl });
        }
      });
      obs.observe(document.body, { subtree: true, attributes: true, childList: true });
      document.querySelector<HTMLButtonElement>('[data-testid="refresh-button"]')!.click();
    }));
    const swm = (await sw.evaluate(() => (globalThis as any).__ktl)) as Array<[string, number]>;
    const p = await popup.evaluate(async ([u, h]) => {
      const t0 = performance.now();
      const r = await fetch(u, { method: 'POST', headers: h, body: JSON.stringify({ refreshToken: 'x'.repeat(40) }) });
      await r.arrayBuffer();
      return performance.now() - t0;
    }, [`${gw.url}/web/v1/system/echo`, headers] as const);
    if (i === 0) continue;
    plain.push(p);
    const all = [...res.marks, ...swm, ['screen', res.t1] as [string, number]].sort((a, b) => a[1] - b[1]);
    let prev = res.t0;
    for (const [l, t] of all) {
      (rows[l] ??= []).push(t - prev);
      prev = t;
    }
    (rows['TOTAL'] ??= []).push(res.t1 - res.t0);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [l, xs] of Object.entries(rows)) console.log(l.padEnd(18), 'median Δ', med(xs).toFixed(2), ' all', xs.map((x) => x.toFixed(1)).join(' '));
  console.log('plain'.padEnd(18), 'median', med(plain).toFixed(2));
} finally {
  await b.close();
  await gw.close();
}
