/**
 * The slice of `chrome.storage.{local,session}` and `chrome.alarms` the session engine uses, as small
 * interfaces, so every engine module runs against in-memory fakes in unit tests
 * (test/unit/background/fakes.ts) and against Chrome in the service worker (chrome-adapters.ts).
 */

/** One storage area. `set` is a single atomic write of all the given keys (Chrome's guarantee). */
export interface KvArea {
  get(keys: string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

export interface AlarmInfo {
  name: string;
  scheduledTime: number;
}

export interface Alarms {
  /** Replaces an alarm of the same name. `when` is epoch ms. */
  create(name: string, info: { when: number; periodInMinutes?: number }): Promise<void>;
  clear(name: string): Promise<boolean>;
  getAll(): Promise<AlarmInfo[]>;
}

/** `local` survives browser restarts; `session` is memory only and survives service-worker restarts. */
export interface StorageAreas {
  local: KvArea;
  session: KvArea;
}
