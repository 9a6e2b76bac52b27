/** Back-off retries on time although packed Chrome clamps alarms to 30 s (short-alarms.ts, issue #13). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKOFF_MS } from '../../../src/background/sessions/backoff';
import { PACKED_ALARM_MIN_MS, withShortAlarms } from '../../../src/background/sessions/short-alarms';
import type { Alarms } from '../../../src/background/sessions/storage-area';

/** chrome.alarms as a packed Chrome extension sees it: `when` is clamped to at least 30 s from now. */
function packedChromeAlarms(onAlarm: (name: string) => void): Alarms & { live: Map<string, number> } {
  const live = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  return {
    live,
    async create(name, info) {
      clearTimeout(timers.get(name));
      const at = Math.max(info.when, Date.now() + PACKED_ALARM_MIN_MS);
      live.set(name, at);
      timers.set(
        name,
        setTimeout(() => {
          live.delete(name);
          onAlarm(name);
        }, at - Date.now()),
      );
    },
    async clear(name) {
      clearTimeout(timers.get(name));
      return live.delete(name);
    },
    async getAll() {
      return [...live].map(([name, scheduledTime]) => ({ name, scheduledTime }));
    },
  };
}

describe('withShortAlarms', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('the first back-off retries fire on time, once each, not after the 30 s clamp', async () => {
    const fired: Array<{ name: string; at: number }> = [];
    const t0 = Date.now();
    const fire = (name: string) => fired.push({ name, at: Date.now() - t0 });
    const alarms = withShortAlarms(packedChromeAlarms(fire), fire);
    expect(BACKOFF_MS[0]).toBeLessThan(PACKED_ALARM_MIN_MS); // the case this exists for
    await alarms.create('kh:refresh:a', { when: t0 + BACKOFF_MS[0] });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([{ name: 'kh:refresh:a', at: BACKOFF_MS[0] }]);
  });

  it('a replaced or cleared alarm does not fire from its old timer', async () => {
    const fired: string[] = [];
    const fire = (n: string) => fired.push(n);
    const alarms = withShortAlarms(packedChromeAlarms(fire), fire);
    await alarms.create('a', { when: Date.now() + 5_000 });
    await alarms.create('a', { when: Date.now() + 120_000 }); // refreshed meanwhile: next one is far off
    await alarms.create('b', { when: Date.now() + 5_000 });
    await alarms.clear('b');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual(['a']);
  });

  it('long and periodic alarms (the minute badge alarm) are left to chrome.alarms alone', async () => {
    const fired: string[] = [];
    const fire = (n: string) => fired.push(n);
    const inner = packedChromeAlarms(fire);
    const alarms = withShortAlarms(inner, () => fired.push('timer'));
    await alarms.create('kh:badge', { when: Date.now() + 60_000, periodInMinutes: 1 });
    await alarms.create('kh:refresh:x', { when: Date.now() + 45_000 });
    await vi.advanceTimersByTimeAsync(61_000);
    expect(fired).toEqual(['kh:refresh:x', 'kh:badge']);
  });

  it('the safety-net alarm stays set until the timer fires (a stopped worker still retries at 30 s)', async () => {
    const inner = packedChromeAlarms(() => {});
    const alarms = withShortAlarms(inner, () => {});
    await alarms.create('a', { when: Date.now() + 5_000 });
    expect(inner.live.has('a')).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(inner.live.has('a')).toBe(false);
  });
});
