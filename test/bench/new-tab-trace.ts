/**
 * Where a new tab's milliseconds go (issue #12), for capture.bench.ts with BENCH_TRACE=N: N new-tab loads
 * per origin under Chromium tracing (devtools timeline, v8, extensions), alternating, and per load the page's
 * main-thread time of each thing Keyhole adds — each content script's injection (the ISOLATED world's
 * creation, V8's compile, the run), the relay when it comes and whether that was before the page's first
 * SCv2 fetch settled, the hook's callbacks — beside the page's own first script on both origins. Medians.
 * Main-thread time, unlike the wall clock, does not move with what else the machine is doing.
 */
import type { BrowserContext, CDPSession } from 'playwright-core';

const CATEGORIES = ['devtools.timeline', 'v8', 'extensions', 'blink', 'loading', 'toplevel', 'navigation', 'blink.user_timing'];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { data?: { url?: string; documentLoaderURL?: string } };
}

async function traced(cdp: CDPSession, run: () => Promise<void>): Promise<TraceEvent[]> {
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReturnAsStream' });
  await run();
  const complete = new Promise<{ stream?: string }>((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream! });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream! });
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

/** ms of main-thread time per item, for one load; `settled` is the page's own clock (ms after navigation start). */
function breakdown(events: TraceEvent[], host: string, settled: number): Record<string, number> {
  const nav = events.find((e) => e.name === 'navigationStart' && String(e.args?.data?.documentLoaderURL ?? '').includes(host));
  if (!nav) return {};
  const mine = events.filter((e) => e.pid === nav.pid && e.tid === nav.tid && e.ph === 'X' && e.ts >= nav.ts);
  const inside = (outer: TraceEvent, e: TraceEvent) => e !== outer && e.ts >= outer.ts && e.ts + (e.dur ?? 0) <= outer.ts + (outer.dur ?? 0);
  const ms = (xs: TraceEvent[]) => xs.reduce((a, e) => a + (e.dur ?? 0), 0) / 1000;
  const scriptOf = (e: TraceEvent) => String(e.args?.data?.url ?? '');
  const out: Record<string, number> = {};
  for (const file of ['capture-main.js', 'capture-pair.js', 'capture-relay.js']) {
    const evaluate = mine.find((e) => e.name === 'EvaluateScript' && scriptOf(e).endsWith(`/${file}`));
    if (!evaluate) continue;
    // A document_start script's EvaluateScript sits in ScriptInjection::InjectJs, with the world's creation.
    const injection = mine.find((e) => e.name === 'ScriptInjection::InjectJs' && inside(e, evaluate)) ?? evaluate;
    const within = mine.filter((e) => inside(injection, e));
    out[`${file}: all`] = (injection.dur ?? 0) / 1000;
    const world = ms(within.filter((e) => e.name === 'LocalWindowProxy::Initialize'));
    if (world > 0) out[`${file}: of it, the ISOLATED world created`] = world;
    out[`${file}: of it, V8 compiling`] = ms(within.filter((e) => e.name === 'v8.compile'));
    out[`${file}: of it, running`] = ms(within.filter((e) => e.name === 'v8.run'));
    if (file === 'capture-relay.js') out[`${file}: before the SCv2 fetch settled (share of loads)`] = (evaluate.ts - nav.ts) / 1000 < settled ? 1 : 0;
  }
  out['hook callbacks'] = ms(mine.filter((e) => e.name === 'FunctionCall' && scriptOf(e).endsWith('/capture-main.js')));
  out["page's first script"] = ms(mine.filter((e) => e.name === 'EvaluateScript' && scriptOf(e).includes(`${host}:`)));
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Prints the medians; `urls.hooked` is on a captured origin, `urls.plain` is not. */
export async function traceNewTabLoads(context: BrowserContext, urls: { hooked: string; plain: string }, loads: number): Promise<void> {
  const cdp = await context.browser()!.newBrowserCDPSession();
  const rows: Record<'hooked' | 'plain', Array<Record<string, number>>> = { hooked: [], plain: [] };
  try {
    for (let i = 0; i < loads; i++) {
      for (const side of i % 2 === 0 ? (['hooked', 'plain'] as const) : (['plain', 'hooked'] as const)) {
        const page = await context.newPage();
        let settled = -1;
        const events = await traced(cdp, async () => {
          await page.goto(urls[side], { waitUntil: 'domcontentloaded' });
          settled = await page.evaluate(() => (window as unknown as { __scv2Settled: Promise<number> }).__scv2Settled);
          await new Promise((r) => setTimeout(r, 300)); // the relay comes after the first message, when the page idles
        });
        rows[side].push(breakdown(events, new URL(urls[side]).hostname, settled));
        await page.close();
      }
    }
  } finally {
    await cdp.detach().catch(() => {});
  }
  console.log(`capture bench — where a new tab's milliseconds go: main-thread time in Chromium traces, ${loads} new-tab loads per origin, alternating, medians (ms)`);
  const keys = [...new Set(rows.hooked.flatMap((r) => Object.keys(r)))];
  for (const key of keys) {
    const h = rows.hooked.flatMap((r) => (key in r ? [r[key]!] : []));
    const p = rows.plain.flatMap((r) => (key in r ? [r[key]!] : []));
    const share = key.includes('share of loads');
    const fmt = (xs: number[]) => (share ? `${xs.filter((x) => x > 0).length} of ${xs.length}` : median(xs).toFixed(2));
    console.log(`  ${key.padEnd(62)} with Keyhole ${h.length ? fmt(h) : '—'}${p.length ? `   without ${fmt(p)}` : ''}`);
  }
}
