/**
 * Where a Resend click's milliseconds go (test/bench/resend.bench.ts, BENCH_TRACE=1): a named timestamp
 * on the clock every context shares (timeOrigin + now), kept only while the bench has set up
 * `__keyhole.resendTrace`. Otherwise one property read.
 */
export function benchMark(label: string, at = performance.timeOrigin + performance.now()): void {
  const trace = (globalThis as { __keyhole?: { resendTrace?: unknown } }).__keyhole?.resendTrace;
  if (Array.isArray(trace)) trace.push([label, at]);
}
