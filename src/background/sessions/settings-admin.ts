/** The options page's writes: environments, the active environment, and settings ("Remember sessions"). */
import { KeyholeError } from '../../protocol/errors';
import { DEFAULT_ENV_ID, newEnvId, parseEnvironment, type Environment, type Settings } from '../../domain/environment';
import type { EngineCore } from './engine-core';
import type { RememberMove } from './remember-move';

export class SettingsAdmin {
  constructor(
    private readonly c: EngineCore,
    private readonly remember: RememberMove,
  ) {}

  async saveEnvironment(input: unknown): Promise<Environment> {
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const env = parseEnvironment({ ...raw, id: typeof raw.id === 'string' && raw.id ? raw.id : newEnvId() });
    const envs = await this.c.stores.environments();
    const old = envs.find((e) => e.id === env.id);
    await this.c.stores.saveEnvironments(old ? envs.map((e) => (e.id === env.id ? env : e)) : [...envs, env]);
    // SC keys belong to one gateway: a moved environment starts a new SC session.
    if (old && (old.apiBase !== env.apiBase || old.portal !== env.portal)) await this.c.stores.clearScStores(env.id);
    return env;
  }

  async deleteEnvironment(envId: string): Promise<void> {
    const sessions = await this.c.stores.sessions();
    if (sessions.some((s) => s.record.envId === envId)) {
      throw new KeyholeError('INPUT_INVALID', 'environment: sign its sessions out first', { details: { messageKey: 'errEnvHasSessions' } });
    }
    const envs = await this.c.stores.environments();
    await this.c.stores.saveEnvironments(envs.filter((e) => e.id !== envId));
    await this.c.stores.clearScStores(envId);
    await this.c.settingsQueue(async () => {
      const settings = await this.c.stores.settings();
      if (settings.activeEnvId === envId) await this.c.stores.saveSettings({ ...settings, activeEnvId: DEFAULT_ENV_ID });
    });
  }

  async setActiveEnvironment(envId: string): Promise<void> {
    await this.c.env(envId);
    await this.c.settingsQueue(async () => this.c.stores.saveSettings({ ...(await this.c.stores.settings()), activeEnvId: envId }));
  }

  /** Settings; a change of "Remember sessions" moves every pair to the other area (remember-move.ts). */
  async saveSettings(patch: Partial<Pick<Settings, 'rememberSessions' | 'refreshMarginSec'>>): Promise<Settings> {
    const [before, after] = await this.c.settingsQueue(async () => {
      const before = await this.c.stores.settings();
      const after = { ...before, ...patch };
      await this.remember.save(before, after);
      return [before, after] as const;
    });
    if (before.refreshMarginSec !== after.refreshMarginSec) {
      for (const s of await this.c.stores.sessions()) await this.c.schedule(s.record, after);
    }
    return after;
  }
}
