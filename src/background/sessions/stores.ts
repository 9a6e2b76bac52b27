/**
 * Typed access to the engine's storage keys (layout documented in index.ts). Reads validate with zod
 * and drop what does not parse; writes are single `set` calls so each one is atomic.
 */
import { z } from 'zod';
import type { KvArea, StorageAreas } from './storage-area';
import { DEFAULT_ENVIRONMENT, Environment, Settings } from '../../domain/environment';
import { SessionRecord } from '../../domain/session';
import { ScSessionStateSchema, type ScSessionState } from '../../client/secure-channel';

import { KEYS } from '../../domain/storage-keys';

export { KEYS };

export type AreaName = 'local' | 'session';

export interface StoredSession {
  record: SessionRecord;
  area: AreaName;
}

export class Stores {
  constructor(readonly areas: StorageAreas) {}

  // ── settings ─────────────────────────────────────────────────────────
  async settings(): Promise<Settings> {
    const raw = (await this.areas.local.get([KEYS.settings]))[KEYS.settings];
    const parsed = Settings.safeParse(raw ?? {});
    return parsed.success ? parsed.data : Settings.parse({});
  }
  async saveSettings(s: Settings): Promise<void> {
    await this.areas.local.set({ [KEYS.settings]: Settings.parse(s) });
  }

  // ── environments ─────────────────────────────────────────────────────
  async environments(): Promise<Environment[]> {
    const raw = (await this.areas.local.get([KEYS.envs]))[KEYS.envs];
    if (raw === undefined) return [DEFAULT_ENVIRONMENT];
    const list = Array.isArray(raw) ? raw : [];
    return list.flatMap((e) => {
      const p = Environment.safeParse(e);
      return p.success ? [p.data] : [];
    });
  }
  async environment(id: string): Promise<Environment | undefined> {
    return (await this.environments()).find((e) => e.id === id);
  }
  async saveEnvironments(list: Environment[]): Promise<void> {
    await this.areas.local.set({ [KEYS.envs]: list.map((e) => Environment.parse(e)) });
  }

  // ── client hash ──────────────────────────────────────────────────────
  async clientHash(): Promise<string | undefined> {
    const raw = (await this.areas.local.get([KEYS.clientHash]))[KEYS.clientHash];
    const p = z.string().min(8).max(128).safeParse(raw);
    return p.success ? p.data : undefined;
  }
  async saveClientHash(h: string): Promise<void> {
    await this.areas.local.set({ [KEYS.clientHash]: h });
  }

  // ── sessions (token pairs) ───────────────────────────────────────────
  /** Every session in both areas; a key present in both (an interrupted migration) keeps the newer copy. */
  async sessions(): Promise<StoredSession[]> {
    const [local, session] = await Promise.all([this.areas.local.get(null), this.areas.session.get(null)]);
    const out = new Map<string, StoredSession>();
    for (const [area, items] of [['session', session], ['local', local]] as const) {
      for (const [k, v] of Object.entries(items)) {
        if (!k.startsWith(KEYS.sessionPrefix)) continue;
        const p = SessionRecord.safeParse(v);
        if (!p.success || p.data.key !== k.slice(KEYS.sessionPrefix.length)) continue;
        const prev = out.get(p.data.key);
        if (!prev || stamp(p.data) > stamp(prev.record)) out.set(p.data.key, { record: p.data, area });
      }
    }
    return [...out.values()].sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  async session(key: string): Promise<StoredSession | undefined> {
    const k = KEYS.sessionPrefix + key;
    const [local, session] = await Promise.all([this.areas.local.get([k]), this.areas.session.get([k])]);
    let best: StoredSession | undefined;
    for (const [area, items] of [['session', session], ['local', local]] as const) {
      const p = SessionRecord.safeParse(items[k]);
      if (p.success && (!best || stamp(p.data) > stamp(best.record))) best = { record: p.data, area };
    }
    return best;
  }

  /**
   * One atomic write of the whole record. Deliberately not `async`: the `set` is issued in the same
   * task as the call, so a worker stopped right after still gets the write done by the browser.
   */
  putSession(record: SessionRecord, area: AreaName): Promise<void> {
    // Drop `undefined` fields (a cleared marker must be absent, not a value storage might keep).
    const plain = JSON.parse(JSON.stringify(record)) as SessionRecord;
    return this.areas[area].set({ [KEYS.sessionPrefix + record.key]: plain });
  }

  /** Moves a record to `to` (write first, then delete the old copy: a crash in between leaves two copies, never none). */
  async moveSession(record: SessionRecord, from: AreaName, to: AreaName): Promise<void> {
    if (from === to) return;
    await this.putSession(record, to);
    await this.areas[from].remove([KEYS.sessionPrefix + record.key]);
  }

  async deleteSession(key: string): Promise<void> {
    const k = KEYS.sessionPrefix + key;
    await Promise.all([this.areas.local.remove([k]), this.areas.session.remove([k])]);
  }

  // ── SC session state (keys: storage.session only) ────────────────────
  /** `clientHash` set: the SC session of a followed session that presents the page's hash (kh:sc:<envId>#<hash>). */
  scStore(envId: string, clientHash?: string): { load(): Promise<ScSessionState | undefined>; save(s: ScSessionState | undefined): Promise<void> } {
    const k = KEYS.scPrefix + envId + (clientHash === undefined ? '' : `#${clientHash}`);
    const area: KvArea = this.areas.session;
    return {
      async load() {
        const p = ScSessionStateSchema.safeParse((await area.get([k]))[k]);
        return p.success ? p.data : undefined;
      },
      async save(s) {
        if (s) await area.set({ [k]: s });
        else await area.remove([k]);
      },
    };
  }

  async scStates(): Promise<Array<{ envId: string; state: ScSessionState }>> {
    const all = await this.areas.session.get(null);
    return Object.entries(all).flatMap(([k, v]) => {
      if (!k.startsWith(KEYS.scPrefix)) return [];
      const p = ScSessionStateSchema.safeParse(v);
      return p.success ? [{ envId: k.slice(KEYS.scPrefix.length).split('#')[0], state: p.data }] : [];
    });
  }

  /** Forgets every SC session of an environment (the profile's and those of followed sessions' hashes). */
  async clearScStores(envId: string): Promise<void> {
    const own = KEYS.scPrefix + envId;
    const keys = Object.keys(await this.areas.session.get(null)).filter((k) => k === own || k.startsWith(`${own}#`));
    if (keys.length > 0) await this.areas.session.remove(keys);
  }
}

/** Ordering of two copies of one record: the later refresh (or creation) wins. */
function stamp(r: SessionRecord): number {
  return Math.max(r.createdAt, r.refreshedAt ?? 0, r.lastRefresh?.at ?? 0);
}
