/**
 * Alarms sooner than packed Chrome allows (issue #13). A packed (store-installed) Chrome extension's
 * alarms fire no sooner than 30 s after they are set — Chrome clamps `when` — while unpacked ones and
 * Firefox's are exact. The back-off's first retries (5 s, 15 s; backoff.ts) would then all wait 30 s,
 * and the popup's "retry in 5 s" countdown would sit at zero for 25 s.
 *
 * So an alarm due within the clamp also gets a timer in the worker (alive for at least 30 s after the
 * event that set it), which fires it on time: the timer clears the real alarm, then calls the alarm
 * handler. The real alarm stays as the safety net for a worker that is stopped before the timer runs.
 * Creating or clearing an alarm of the same name cancels its timer (alarms.create replaces by name).
 */
import type { Alarms } from './storage-area';

export const PACKED_ALARM_MIN_MS = 30_000;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export function withShortAlarms(alarms: Alarms, fire: (name: string) => void, now: () => number = Date.now, timers: Timers = globalThis as unknown as Timers): Alarms {
  const pending = new Map<string, unknown>();
  const cancel = (name: string) => {
    if (!pending.has(name)) return;
    timers.clearTimeout(pending.get(name));
    pending.delete(name);
  };
  return {
    async create(name, info) {
      cancel(name);
      await alarms.create(name, info);
      const delay = info.when - now();
      if (info.periodInMinutes !== undefined || delay >= PACKED_ALARM_MIN_MS) return;
      pending.set(
        name,
        timers.setTimeout(() => {
          pending.delete(name);
          void alarms.clear(name).then(
            () => fire(name),
            () => fire(name),
          );
        }, Math.max(0, delay)),
      );
    },
    async clear(name) {
      cancel(name);
      return alarms.clear(name);
    },
    getAll: () => alarms.getAll(),
  };
}
