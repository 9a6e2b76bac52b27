/** Signing in from the popup (§7): email + password, then the MFA code; the pair becomes a new session. */
import type { SessionView } from '../../messaging/popup-rpc';
import type { Adopter } from './adopt';
import type { EngineCore } from './engine-core';

export class SignIn {
  constructor(
    private readonly c: EngineCore,
    private readonly adopter: Adopter,
  ) {}

  async start(envId: string, email: string, password: string) {
    const client = await this.c.client(await this.c.env(envId));
    const r = await client.loginInitiate(email, password);
    this.c.refresher.noteContact(envId);
    return { loginSessionId: r.sessionId, mfaMethods: r.mfaMethods ?? [], ...(typeof r.expiresIn === 'number' ? { expiresIn: r.expiresIn } : {}) };
  }

  async complete(envId: string, loginSessionId: string, method: number, code: string): Promise<SessionView> {
    const env = await this.c.env(envId);
    const client = await this.c.client(env);
    const pair = await client.loginComplete(loginSessionId, method, code);
    this.c.refresher.noteContact(envId);
    return this.adopter.addSession({
      envId,
      source: 'signin',
      accessToken: pair.accessToken,
      accessExpiresAt: pair.accessExpiresAt,
      refreshToken: pair.refreshToken,
    });
  }
}
