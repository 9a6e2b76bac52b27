/**
 * Resend and `keyhole send` bench (issue #9). One run, so machine load hits both sides of each ratio:
 *
 * 1. Panel: Resend click → the decrypted answer on screen (the new resent row selected, its decrypted
 *    response shown), in real DevTools, against a plain `fetch` of the same body size from the same page
 *    to the same gateway (its plain echo route) (target ≤ 1.5×);
 * 2. CLI: `keyhole send` end to end (in-process main(): handshake, seal, send, decrypt, print), with and
 *    without --sc-session, against a plain Node HTTP POST of the same size (ratio reported).
 *
 *   npx tsx test/bench/resend.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createGateway, type Gateway } from '../../src/gateway/index';
import { buildGatewayHeaders } from '../../src/protocol/headers';
import { main } from '../../src/cli/main';
import { launchExtension, openDevToolsPanel, type DevToolsPanel } from '../e2e/harness';
import { demoAction } from '../e2e/demo-page';
import { selectLastRow } from '../e2e/panel-helpers';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const creds = JSON.stringify({ email: 'demo@keyhole.test', password: 'keyhole-demo-1' });

function plainFetch(page: Page, url: string, headers: Record<string, string>, size: number): Promise<number> {
  return page.evaluate(
    async ([u, h, n]) => {
      const body = JSON.stringify({ p: 'x'.repeat(Math.max(0, n - 8)) });
      const t0 = performance.now();
      const r = await fetch(u, { method: 'POST', headers: h, body });
      await r.arrayBuffer();
      return performance.now() - t0;
    },
    [url, headers, size] as const,
  );
}

/** In the panel: select the newest login row, click Resend, wait for the resent row's decrypted answer on screen. */
async function resendClick(panel: DevToolsPanel): Promise<number> {
  // The newest login row (after the first round, the last resend: still on screen and selected). The
  // page's original may have scrolled out of the virtual list, which keeps only visible rows in the DOM.
  await selectLastRow(panel, '/login/initiate');
  await panel.waitFor(`(() => { const b = document.querySelector('[data-testid=resend]'); return b && !b.disabled && b.textContent === 'Resend'; })()`);
  return panel.evaluate<number>(`new Promise((resolve) => {
    const n = __keyhole.store.rows.filter(r => r.data.exchange.resentFrom).length;
    const t0 = performance.now();
    const done = () => {
      const sel = document.querySelector('[data-testid=traffic-row][aria-selected=true][data-resent-from]');
      const resp = document.querySelector('[data-testid=decrypted-response]');
      return sel && __keyhole.store.rows.filter(r => r.data.exchange.resentFrom).length > n && resp && resp.dataset.status === 'decrypted' && resp.textContent.includes('2000');
    };
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(performance.now() - t0); } });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    document.querySelector('[data-testid=resend]').click();
  })`);
}

async function panelBench(gw: Gateway): Promise<void> {
  const b = await launchExtension();
  try {
    const page = await b.context.newPage();
    await page.goto(`${gw.url}/demo/`);
    await demoAction(page, 'demo-login');
    const panel = await openDevToolsPanel(b, page);
    await panel.waitFor(`__keyhole.store.rows.some(r => r.summary.path.endsWith('/login/initiate') && r.summary.verdict === 'decrypted')`);
    await selectLastRow(panel, '/login/initiate');
    const hash = await page.evaluate(() => localStorage.getItem('keyhole-demo-client-hash') ?? '');
    const headers = buildGatewayHeaders({ mode: 'local', clientHash: hash });
    const size = await panel.evaluate<number>(`__keyhole.store.rows.find(r => r.summary.path.endsWith('/login/initiate')).data.exchange.requestBody.size`);
    await resendClick(panel); // warm
    const resend: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await plainFetch(page, `${gw.url}/web/v1/system/echo`, headers, size));
      resend.push(await resendClick(panel));
    }
    const r = median(resend);
    const p = median(plain);
    console.log(`Resend click → decrypted answer on screen: ${ms(r)} vs plain fetch of ${size} B from the page ${ms(p)}  ratio ${(r / p).toFixed(2)}× (target ≤ 1.5×)`);
    await panel.close();
  } finally {
    await b.close();
  }
}

const quiet = { stdout: () => {}, stderr: (t: string) => void process.stderr.write(t), readStdin: async () => new Uint8Array(), stdoutBytes: () => {} };

async function cliBench(gw: Gateway): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyhole-bench-send-'));
  try {
    const file = join(dir, 'sc.json');
    const send = async (extra: string[]) => {
      const t0 = performance.now();
      const code = await main(['send', '--api', gw.url, ...extra, 'POST', '/web/v1/system/auth/login/initiate', '--data', creds], quiet);
      if (code !== 0) throw new Error(`keyhole send exited ${code}`);
      return performance.now() - t0;
    };
    const headers = buildGatewayHeaders({ mode: 'local', clientHash: 'bench' });
    const plain = async () => {
      const body = JSON.stringify({ p: 'x'.repeat(creds.length + 16 + 16 - 8) }); // the sealed size: IV + tag + header
      const t0 = performance.now();
      const r = await fetch(`${gw.url}/web/v1/system/echo`, { method: 'POST', headers, body });
      await r.arrayBuffer();
      return performance.now() - t0;
    };
    await send([]);
    await send(['--sc-session', file]);
    await plain();
    const cold: number[] = [];
    const warm: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      base.push(await plain());
      cold.push(await send([]));
      warm.push(await send(['--sc-session', file]));
    }
    const p = median(base);
    console.log(`keyhole send (handshake + call + close): ${ms(median(cold))} vs plain Node POST ${ms(p)}  ratio ${(median(cold) / p).toFixed(2)}×`);
    console.log(`keyhole send --sc-session (reused session): ${ms(median(warm))} vs plain Node POST ${ms(p)}  ratio ${(median(warm) / p).toFixed(2)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const gw = await createGateway({ port: 0, log: false, rateLimits: false });
  try {
    await cliBench(gw);
    await panelBench(gw);
  } finally {
    await gw.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
