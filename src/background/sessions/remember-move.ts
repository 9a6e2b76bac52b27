/**
 * "Remember sessions" moves every pair between storage.session (memory) and storage.local (disk) —
 * crash-safe: a worker stopped between any two storage operations leaves exactly one authoritative copy
 * of each session, never refreshes a stale one afterwards, and never leaves a token on disk while the
 * stored setting says Remember is off (issue #10).
 *
 * The rules that make it so:
 * - The authoritative copy is the one in the area the stored setting names, else the only one there is
 *   (stores.ts `pick`). Every write goes to the authoritative copy.
 * - Moving one session copies its authoritative record into the new area, then deletes the other copy,
 *   on the session's queue (no refresh in between). Either step is one atomic storage call.
 * - Turning Remember on writes the setting first, then moves (disk only ever holds tokens the setting
 *   allows); turning it off moves first, then writes the setting. While a move runs, the setting still
 *   names the area holding the authoritative copies, so a copy written ahead of the delete is a
 *   snapshot: nothing reads it (the setting's area wins) and nothing writes it. A browser restart
 *   empties storage.session: only ever copies the setting did not name, or the snapshots, or sessions
 *   that would not have survived the restart anyway (Remember off).
 * - Every settings write and every new session's write run on one queue (SETTINGS_QUEUE), so the area a
 *   new session is written to and the setting a move relies on cannot change under each other.
 * - A new worker finishes what a stopped one left (settle): leftover copies are removed and each session
 *   moved to the area the stored setting names.
 */
import { areaFor, otherArea, type AreaName, type StoredSession } from './stores';
import type { Settings } from '../../domain/environment';
import type { EngineCore } from './engine-core';

export class RememberMove {
  constructor(private readonly c: EngineCore) {}

  /** Stores `after` (on the settings queue, held by the caller) and moves every session if Remember changed. */
  async save(before: Settings, after: Settings): Promise<void> {
    if (before.rememberSessions === after.rememberSessions) return this.c.stores.saveSettings(after);
    if (after.rememberSessions) {
      await this.c.stores.saveSettings(after);
      await this.moveAll('local');
    } else {
      await this.moveAll('session');
      await this.c.stores.saveSettings(after);
    }
  }

  /** Worker start: finish a move a stopped worker left half done. `sessions` as just read. */
  async settle(sessions: StoredSession[], settings: Settings): Promise<void> {
    const target = areaFor(settings);
    if (!sessions.some((s) => s.area !== target || s.stray)) return;
    await this.c.settingsQueue(async () => this.moveAll(areaFor(await this.c.stores.settings())));
  }

  private async moveAll(to: AreaName): Promise<void> {
    const sessions = await this.c.stores.sessions();
    await Promise.all(sessions.filter((s) => s.area !== to || s.stray).map((s) => this.moveOne(s.record.key, to)));
  }

  private moveOne(key: string, to: AreaName): Promise<void> {
    return this.c.refresher.queue.run(key, async () => {
      const cur = await this.c.stores.session(key);
      if (!cur) return;
      if (cur.area !== to) await this.c.stores.putSession(cur.record, to);
      if (cur.area !== to || cur.stray) await this.c.stores.removeCopy(key, otherArea(to));
    });
  }
}
