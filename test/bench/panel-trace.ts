/**
 * Where one HAR import's (or the floor's) main-thread time goes, for panel.bench.ts with BENCH_TRACE=1:
 * the page under Chromium tracing, then per top-level main-thread event kind (garbage collection, tasks
 * running script, layout, …) its summed duration, and the garbage collector's time split by kind
 * (scavenges, mark-compact). Main-thread time, unlike the wall clock, moves less with the machine.
 */
import type { CDPSession } from 'playwright-core';

const CATEGORIES = ['devtools.timeline', 'v8', 'v8.gc', 'blink.user_timing', 'toplevel'];

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
}

export async function traced<T>(cdp: CDPSession, run: () => Promise<T>): Promise<{ result: T; events: TraceEvent[] }> {
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReturnAsStream' } as never);
  const result = await run();
  const complete = new Promise<{ stream?: string }>((resolve) => cdp.once('Tracing.tracingComplete' as never, resolve as never));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const chunk = (await cdp.send('IO.read', { handle: stream! })) as { data: string; base64Encoded?: boolean; eof?: boolean };
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream! });
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return { result, events: Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []) };
}

/** Summed ms per event name on the thread that ran `window.__benchTraceMark` marks, between the first and last. */
export function summarize(label: string, events: TraceEvent[]): void {
  const marks = events.filter((e) => e.cat.includes('blink.user_timing') && e.name.startsWith('bench-trace:'));
  if (marks.length < 2) {
    console.log(`    ${label}: no bench-trace marks in the trace`);
    return;
  }
  const { pid, tid } = marks[0];
  const from = Math.min(...marks.map((m) => m.ts));
  const to = Math.max(...marks.map((m) => m.ts));
  const mine = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.ts >= from && e.ts <= to);
  const sum = (pred: (e: TraceEvent) => boolean) => mine.filter(pred).reduce((a, e) => a + (e.dur ?? 0), 0) / 1000;
  const gcNames = ['MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'V8.GC_MC_INCREMENTAL', 'V8.GC_MARK_COMPACTOR', 'V8.GCIncrementalMarking', 'V8.GCFinalizeMC', 'V8.GC_MC_INCREMENTAL_FINALIZE'];
  const parts = gcNames.map((n) => [n, sum((e) => e.name === n)] as const).filter(([, v]) => v > 0);
  const tasks = sum((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
  console.log(`    ${label}: ${((to - from) / 1000).toFixed(0)} ms wall, main-thread tasks ${tasks.toFixed(0)} ms; GC ${parts.map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')}; layout ${sum((e) => e.name === 'Layout').toFixed(0)} ms, paint ${sum((e) => e.name === 'Paint').toFixed(0)} ms`);
  if (process.env.BENCH_TRACE_NAMES) {
    const by = new Map<string, [number, number]>();
    for (const e of mine) {
      const x = by.get(e.name) ?? [0, 0];
      by.set(e.name, [x[0] + (e.dur ?? 0) / 1000, x[1] + 1]);
    }
    console.log(`      ${[...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25).map(([n, [ms, c]]) => `${n} ${ms.toFixed(0)}ms×${c}`).join(', ')}`);
  }
  const minor = mine.filter((e) => e.name === 'MinorGC');
  if (minor.length) console.log(`      ${minor.length} scavenges: ${minor.map((e) => ((e.dur ?? 0) / 1000).toFixed(0)).join(' ')} ms`);
}
