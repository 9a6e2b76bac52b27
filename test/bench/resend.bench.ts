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
 *   BENCH_SKIP_CLI=1   the panel part only (alternating builds with KEYHOLE_DIST)
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
    if (__keyhole.resendTrace) __keyhole.resendTrace = [];
    const t0 = performance.now();
    __keyhole.resendTrace?.push(['click', performance.timeOrigin + t0]);
    const done = () => {
      const sel = document.querySelector('[data-testid=traffic-row][aria-selected=true][data-resent-from]');
      const resp = document.querySelector('[data-testid=decrypted-response]');
      return sel && __keyhole.store.rows.filter(r => r.data.exchange.resentFrom).length > n && resp && resp.dataset.status === 'decrypted' && resp.textContent.includes('2000');
    };
    const obs = new MutationObserver(() => { if (done()) { const t1 = performance.now(); __keyhole.resendTrace?.push(['on-screen', performance.timeOrigin + t1]); obs.disconnect(); resolve(t1 - t0); } });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    document.querySelector('[data-testid=resend]').click();
  })`);
}

/** BENCH_TRACE=1: each mark's median offset from the click, and the median step from the previous mark. */
function printTrace(traces: Array<Array<[string, number]>>): void {
  const at = new Map<string, number[]>();
  const order: string[] = [];
  for (const tr of traces) {
    const t0 = tr.find(([l]) => l === 'click')?.[1];
    if (t0 === undefined) continue;
    for (const [l, t] of tr) {
      if (!at.has(l)) (at.set(l, []), order.push(l));
      at.get(l)!.push(t - t0);
    }
  }
  if (process.env.BENCH_TRACE === 'raw')
    for (const tr of traces.slice(-3)) console.log(tr.map(([l, t]) => `${l} ${(t - tr[0]![1]).toFixed(1)}`).join(' | '));
  const rows = order.map((l) => [l, median(at.get(l)!)] as const).sort((a, b) => a[1] - b[1]);
  let prev = 0;
  for (const [l, t] of rows) {
    console.log(`  ${l.padEnd(16)} +${t.toFixed(2).padStart(7)} ms  (step ${(t - prev).toFixed(2)}, n=${at.get(l)!.length})`);
    prev = t;
  }
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
    const tracing = !!process.env.BENCH_TRACE;
    if (tracing) await panel.evaluate(`__keyhole.resendTrace = []`);
    await resendClick(panel); // warm
    const resend: number[] = [];
    const plain: number[] = [];
    const traces: Array<Array<[string, number]>> = [];
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(await plainFetch(page, `${gw.url}/web/v1/system/echo`, headers, size));
      resend.push(await resendClick(panel));
      if (tracing) {
        await new Promise((r) => setTimeout(r, 150)); // the worker's copy and its push land after the answer is on screen
        traces.push(await panel.evaluate<Array<[string, number]>>(`__keyhole.resendTrace`));
      }
    }
    if (tracing) printTrace(traces);
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
    if (!process.env.BENCH_SKIP_CLI) await cliBench(gw);
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
