// TEMPORARY probe: plain echo fetch from the popup page vs from the service worker.
import { buildGatewayHeaders } from '../../src/protocol/headers';
import { launchExtension, openExtensionPage } from '../e2e/harness';
import { clientHash, pointDefaultEnvAt } from '../e2e/sessions-helpers';
import { startGatewayProcess } from './gateway-process';
const [b, gw] = await Promise.all([launchExtension(), startGatewayProcess()]);
try {
  await pointDefaultEnvAt(b, gw.url);
  const popup = await openExtensionPage(b, 'popup/index.html');
  const sw = await b.serviceWorker();
  const headers = buildGatewayHeaders({ mode: 'local', clientHash: await clientHash(b) });
  const fn = async ([u, h]: readonly [string, Record<string, string>]) => {
    const t0 = performance.now();
    const r = await fetch(u, { method: 'POST', headers: h, body: JSON.stringify({ refreshToken: 'x'.repeat(40) }) });
    const t1 = performance.now();
    await r.arrayBuffer();
    return [t1 - t0, performance.now() - t0];
  };
  const a: number[][] = [], s: number[][] = [];
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 300));
    a.push(await popup.evaluate(fn, [`${gw.url}/web/v1/system/echo`, headers] as const));
    await new Promise((r) => setTimeout(r, 300));
    s.push(await sw.evaluate(fn, [`${gw.url}/web/v1/system/echo`, headers] as const));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('popup headers', med(a.map((x) => x[0])).toFixed(2), 'total', med(a.map((x) => x[1])).toFixed(2));
  console.log('sw    headers', med(s.map((x) => x[0])).toFixed(2), 'total', med(s.map((x) => x[1])).toFixed(2));
} finally {
  await b.close();
  await gw.close();
}
