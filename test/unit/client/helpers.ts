import { SecureChannel, type ScSessionState, type SecureChannelOptions } from '../../../src/client/secure-channel';
import { AuthClient } from '../../../src/client/auth-client';
import { API_BASE, FakeGateway, MemoryStore } from './fake-gateway';

export const HEADERS = { mode: 'local' as const, clientHash: 'client-hash-1', cf: { ip: '127.0.0.1', ray: 'ray1-DEV', country: 'US' } };

export interface Rig {
  gw: FakeGateway;
  channel: SecureChannel;
  auth: AuthClient;
  store: MemoryStore<ScSessionState>;
  clock: { t: number };
}

/** A channel + auth client over a fresh fake gateway, sharing one injected clock. */
export function rig(overrides: Partial<SecureChannelOptions> = {}): Rig {
  const clock = { t: 1_700_000_000_000 };
  const now = (): number => clock.t;
  const gw = new FakeGateway(now);
  const store = new MemoryStore<ScSessionState>();
  const channel = new SecureChannel({ apiBase: API_BASE, fetch: gw.fetch, headers: () => HEADERS, now, store, ...overrides });
  const auth = new AuthClient({ channel, now });
  return { gw, channel, auth, store, clock };
}

/** Await a promise expected to reject; return the error. */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string; status?: number; retryAfterMs?: number; serverCode?: string; details?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected a rejection');
}
