/**
 * Typed access to the engine's storage keys (layout documented in index.ts). Reads validate with zod
 * and drop what does not parse; writes are single `set` calls so each one is atomic.
 */
import * as z from '../../protocol/zod';
import type { KvArea, StorageAreas } from './storage-area';
import { DEFAULT_ENVIRONMENT, Environment, Settings } from '../../domain/environment';
import { SessionRecord } from '../../domain/session';
import { ScSessionStateSchema, type ScSessionState } from '../../client/secure-channel';

import { KEYS } from '../../domain/storage-keys';

export { KEYS };

export type AreaName = 'local' | 'session';

export interface StoredSession {
  record: SessionRecord;
  /** The area of the authoritative copy (the one every read returns and every write updates). */
  area: AreaName;
  /** A second, non-authoritative copy is left in the other area (a move stopped half way). */
  stray?: true;
}

/** The area "Remember sessions" names: storage.local only while it is on (tokens on disk are opt-in). */
export function areaFor(settings: Settings): AreaName {
  return settings.rememberSessions ? 'local' : 'session';
}

export function otherArea(a: AreaName): AreaName {
  return a === 'local' ? 'session' : 'local';
}

export class Stores {
  constructor(readonly areas: StorageAreas) {}

  // ── settings ─────────────────────────────────────────────────────────
  async settings(): Promise<Settings> {
    return parseSettings((await this.areas.local.get([KEYS.settings]))[KEYS.settings]);
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
    const p = z.string().check(z.minLength(8), z.maxLength(128)).safeParse(raw);
    return p.success ? p.data : undefined;
  }
  async saveClientHash(h: string): Promise<void> {
    await this.areas.local.set({ [KEYS.clientHash]: h });
  }

  // ── sessions (token pairs) ───────────────────────────────────────────
  /**
   * Every session in both areas, each once: its authoritative copy (`pick`). The settings come from the
   * same read of storage.local (no extra round trip).
   */
  async sessions(): Promise<StoredSession[]> {
    const [local, session] = await Promise.all([this.areas.local.get(null), this.areas.session.get(null)]);
    const target = areaFor(parseSettings(local[KEYS.settings]));
    const keys = new Set([...Object.keys(local), ...Object.keys(session)].filter((k) => k.startsWith(KEYS.sessionPrefix)));
    const out: StoredSession[] = [];
    for (const k of keys) {
      const found = pick(k, { local: local[k], session: session[k] }, target);
      if (found) out.push(found);
    }
    return out.sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  async session(key: string): Promise<StoredSession | undefined> {
    const k = KEYS.sessionPrefix + key;
    const [local, session] = await Promise.all([this.areas.local.get([k, KEYS.settings]), this.areas.session.get([k])]);
    return pick(k, { local: local[k], session: session[k] }, areaFor(parseSettings(local[KEYS.settings])));
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

  /** Removes one area's copy of a session (the other half of a move: remember-move.ts). */
  async removeCopy(key: string, area: AreaName): Promise<void> {
    await this.areas[area].remove([KEYS.sessionPrefix + key]);
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

  /** Every stored SC session; `clientHash` is set for one created with a followed session's own hash. */
  async scStates(): Promise<Array<{ envId: string; state: ScSessionState; clientHash?: string }>> {
    const all = await this.areas.session.get(null);
    return Object.entries(all).flatMap(([k, v]) => {
      if (!k.startsWith(KEYS.scPrefix)) return [];
      const p = ScSessionStateSchema.safeParse(v);
      const [envId, hash] = k.slice(KEYS.scPrefix.length).split('#') as [string, string | undefined];
      return p.success ? [{ envId, state: p.data, ...(hash ? { clientHash: hash } : {}) }] : [];
    });
  }

  /** Forgets every SC session of an environment (the profile's and those of followed sessions' hashes). */
  async clearScStores(envId: string): Promise<void> {
    const own = KEYS.scPrefix + envId;
    const keys = Object.keys(await this.areas.session.get(null)).filter((k) => k === own || k.startsWith(`${own}#`));
    if (keys.length > 0) await this.areas.session.remove(keys);
  }
}

function parseSettings(raw: unknown): Settings {
  const parsed = Settings.safeParse(raw ?? {});
  return parsed.success ? parsed.data : Settings.parse({});
}

/**
 * Which copy of a session is authoritative when both areas hold one (a move stopped between its write
 * and its delete): always the one in the area the setting names (`target`). The move only ever copies
 * the authoritative record into `target` and only then deletes the other copy, and every later write
 * goes to the authoritative copy, so the other one is a snapshot that is never written again and never
 * read again (remember-move.ts). No timestamps: a clock set back cannot make a stale copy win.
 */
function pick(k: string, copies: Record<AreaName, unknown>, target: AreaName): StoredSession | undefined {
  const parse = (v: unknown) => {
    const p = SessionRecord.safeParse(v);
    return p.success && KEYS.sessionPrefix + p.data.key === k ? p.data : undefined;
  };
  const inTarget = parse(copies[target]);
  const other = otherArea(target);
  const elsewhere = parse(copies[other]);
  // Anything in the other area next to the authoritative copy is left over, valid or not (settle removes it).
  if (inTarget) return copies[other] !== undefined ? { record: inTarget, area: target, stray: true } : { record: inTarget, area: target };
  return elsewhere ? { record: elsewhere, area: other } : undefined;
}
