// TEMPORARY probe: sendMessage round trip vs a long-lived port round trip, popup ↔ worker.
import { launchExtension, openExtensionPage } from '../e2e/harness';
const b = await launchExtension();
try {
  const sw = await b.serviceWorker();
  await sw.evaluate(() => {
    chrome.runtime.onConnect.addListener((p) => p.onMessage.addListener((m) => p.postMessage(m)));
    chrome.runtime.onMessage.addListener((m: any, _s, send) => { if (m?.ping) { send(m); return false; } return false; });
  });
  const popup = await openExtensionPage(b, 'blank.html');
  await popup.evaluate('globalThis.__name = (f) => f');
  const r = await popup.evaluate(async () => {
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const port = chrome.runtime.connect({ name: 'probe' });
    const viaPort = (m: unknown) => new Promise((res) => { const l = (x: unknown) => { port.onMessage.removeListener(l); res(x); }; port.onMessage.addListener(l); port.postMessage(m); });
    const a: number[] = [], p: number[] = [];
    const payload = { ping: 1, value: { key: 'k'.repeat(40), accessToken: 'x'.repeat(600), status: 'active', accessExpiresAt: 1, more: 'y'.repeat(400) } };
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 100));
      let t = performance.now(); await chrome.runtime.sendMessage(payload); a.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
      t = performance.now(); await viaPort(payload); p.push(performance.now() - t);
    }
    return { sendMessage: med(a), port: med(p) };
  });
  console.log(r);
} finally {
  await b.close();
}
