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

/**
 * Reads of session records and environments are remembered (issue #12: every storage round trip shows on
 * the Refresh click). Safe because this worker is their only writer while it lives — every write of them
 * anywhere goes through this class (the popup and options pages ask the worker over RPC), only one
 * service worker of the extension runs at a time, and a new worker starts with nothing remembered. So:
 * a write updates what is remembered in the same task as it is issued (chrome.storage applies writes in
 * order, so a read after it sees it either way), a failed write forgets it, and the rarer writes that
 * can change which copy is authoritative (a settings change, a copy removed) forget every session.
 */
export class Stores {
  private readonly remembered = new Map<string, StoredSession>();
  private envs: Environment[] | undefined;

  /** `onPut`: told of every session record as its write is issued (the popup's pushes, popup-port.ts). Must not throw. */
  constructor(
    readonly areas: StorageAreas,
    private readonly onPut: (record: SessionRecord) => void = () => undefined,
  ) {}

  // ── settings ─────────────────────────────────────────────────────────
  async settings(): Promise<Settings> {
    return parseSettings((await this.areas.local.get([KEYS.settings]))[KEYS.settings]);
  }
  async saveSettings(s: Settings): Promise<void> {
    this.remembered.clear(); // "Remember sessions" names the authoritative area
    await this.areas.local.set({ [KEYS.settings]: Settings.parse(s) });
  }

  // ── environments ─────────────────────────────────────────────────────
  async environments(): Promise<Environment[]> {
    if (!this.envs) {
      const raw = (await this.areas.local.get([KEYS.envs]))[KEYS.envs];
      const list = raw === undefined ? [DEFAULT_ENVIRONMENT] : Array.isArray(raw) ? raw : [];
      const envs = list.flatMap((e) => {
        const p = Environment.safeParse(e);
        return p.success ? [p.data] : [];
      });
      this.envs ??= envs; // unless a save landed during the read
    }
    return [...this.envs]; // the caller's own array (it may edit it before saving)
  }
  async environment(id: string): Promise<Environment | undefined> {
    return (await this.environments()).find((e) => e.id === id);
  }
  async saveEnvironments(list: Environment[]): Promise<void> {
    const parsed = list.map((e) => Environment.parse(e));
    this.envs = parsed;
    await this.areas.local.set({ [KEYS.envs]: parsed }).catch((e: unknown) => {
      this.envs = undefined;
      throw e;
    });
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
    const hit = this.remembered.get(key);
    if (hit) return hit;
    const k = KEYS.sessionPrefix + key;
    const [local, session] = await Promise.all([this.areas.local.get([k, KEYS.settings]), this.areas.session.get([k])]);
    const found = pick(k, { local: local[k], session: session[k] }, areaFor(parseSettings(local[KEYS.settings])));
    // Only if nothing was written meanwhile (a write during the read may or may not be in `found`).
    if (found && !this.remembered.has(key)) this.remembered.set(key, found);
    return found;
  }

  /**
   * One atomic write of the whole record. Deliberately not `async`: the `set` is issued in the same
   * task as the call, so a worker stopped right after still gets the write done by the browser.
   */
  putSession(record: SessionRecord, area: AreaName): Promise<void> {
    // Drop `undefined` fields (a cleared marker must be absent, not a value storage might keep).
    const plain = JSON.parse(JSON.stringify(record)) as SessionRecord;
    // In the same task either way; the order is who waits less. An in-flight marker's write goes first: the
    // token waits for it. Any other record's push goes first: the popup waits for it, and the write's call
    // spends ~0.1–0.4 ms serialising before it returns (issue #12, the Refresh click).
    if (!plain.inflight) this.onPut(plain);
    const written = this.areas[area].set({ [KEYS.sessionPrefix + record.key]: plain });
    if (plain.inflight) this.onPut(plain);
    // Remembered only as an update of the authoritative copy a read found: a write into the other area
    // (half of a move) does not say which copy counts.
    const known = this.remembered.get(record.key);
    if (known && known.area === area) {
      const next: StoredSession = known.stray ? { record: plain, area, stray: true } : { record: plain, area };
      this.remembered.set(record.key, next);
      written.catch(() => {
        if (this.remembered.get(record.key) === next) this.remembered.delete(record.key);
      });
    } else {
      this.remembered.delete(record.key);
    }
    return written;
  }

  /** Removes one area's copy of a session (the other half of a move: remember-move.ts). */
  async removeCopy(key: string, area: AreaName): Promise<void> {
    this.remembered.clear();
    await this.areas[area].remove([KEYS.sessionPrefix + key]);
  }

  async deleteSession(key: string): Promise<void> {
    const k = KEYS.sessionPrefix + key;
    this.remembered.delete(key);
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
