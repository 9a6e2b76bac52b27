/** The popup/options RPC served by the session engine (src/messaging/popup-rpc.ts). */
import { createRpcHandler } from '../../messaging/rpc';
import { popupRpc } from '../../messaging/popup-rpc';
import type { SessionEngine } from './engine';

export function popupHandler(engine: SessionEngine) {
  return createRpcHandler(popupRpc, {
    async getStatus() {
      const s = await engine.popupState();
      return { version: s.version, activeEnvironment: s.activeEnvironment };
    },
    popupState: () => engine.popupState(),
    refreshSession: ({ key }) => engine.refresh(key, 'manual'),
    signInStart: ({ envId, email, password }) => engine.signInStart(envId, email, password),
    signInComplete: ({ envId, loginSessionId, method, code }) => engine.signInComplete(envId, loginSessionId, method, code),
    adoptSession: (i) => engine.adopt(i),
    async signOut({ key }) {
      await engine.signOut(key);
      return { ok: true };
    },
    async revealAccessToken({ key }) {
      return { accessToken: await engine.revealAccessToken(key) };
    },
    async setActiveEnvironment({ envId }) {
      await engine.setActiveEnvironment(envId);
      return { ok: true };
    },
    async optionsState() {
      const [environments, settings, clientHash] = await Promise.all([engine.stores.environments(), engine.stores.settings(), engine.clientHash()]);
      return { environments, settings, clientHash };
    },
    saveEnvironment: ({ env }) => engine.saveEnvironment(env),
    async deleteEnvironment({ envId }) {
      await engine.deleteEnvironment(envId);
      return { ok: true };
    },
    saveSettings: (patch) => engine.saveSettings(patch),
  });
}
