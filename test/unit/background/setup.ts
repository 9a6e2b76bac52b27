/** A session engine over fakes, with a hand-driven clock. */
import { SessionEngine } from '../../../src/background/sessions/engine';
import type { Badge } from '../../../src/background/sessions/badge';
import { FakeAlarms, FakeClient, fakeAreas, jwt } from './fakes';
import type { StorageAreas } from '../../../src/background/sessions/storage-area';
import { Stores } from '../../../src/background/sessions/stores';
import type { ScStateStore } from '../../../src/client/secure-channel';
import type { SessionsBridge } from '../../../src/background/capture/hub';

/** One createClient call of the engine: which environment, which X-Client-Hash, which SC store. */
export interface CreatedClient {
  envId: string;
  clientHash: string;
  store: ScStateStore;
  client: FakeClient;
}

export const T0 = 1_700_000_000_000;

/**
 * `clientFor`: the client for a given X-Client-Hash (followed sessions may present the page's); undefined
 * → the shared `client`. Every createClient call is recorded in `created`.
 */
export function setup(shared?: {
  areas?: ReturnType<typeof fakeAreas>;
  alarms?: FakeAlarms;
  client?: FakeClient;
  clock?: { t: number };
  workerId?: string;
  clientFor?: (clientHash: string) => FakeClient | undefined;
}) {
  const clock = shared?.clock ?? { t: T0 };
  const now = () => clock.t;
  const areas = shared?.areas ?? fakeAreas();
  const alarms = shared?.alarms ?? new FakeAlarms();
  const client = shared?.client ?? new FakeClient(now);
  const badges: Badge[] = [];
  const created: CreatedClient[] = [];
  let online = true;
  const engine = new SessionEngine({
    areas: areas as StorageAreas,
    alarms,
    createClient: (env, ctx) => {
      const c = shared?.clientFor?.(ctx.clientHash) ?? client;
      created.push({ envId: env.id, clientHash: ctx.clientHash, store: ctx.store, client: c });
      return c;
    },
    now,
    workerId: shared?.workerId ?? 'worker-1',
    isOnline: () => online,
    setBadge: (b) => void badges.push(b),
    version: '9.9.9',
  });
  return {
    engine,
    areas,
    alarms,
    client,
    clock,
    badges,
    created,
    advance: (ms: number) => (clock.t += ms),
    setOnline: (v: boolean) => (online = v),
    /** A second worker instance on the same storage (the first one "died"). */
    restart: (workerId = 'worker-2') => setup({ areas, alarms, client, clock, workerId, ...(shared?.clientFor ? { clientFor: shared.clientFor } : {}) }),
  };
}

/** Adopt `rt-0` with an access token that expires in `inSec` seconds. */
export async function adopted(s: ReturnType<typeof setup>, inSec = 600) {
  const exp = Math.floor(s.clock.t / 1000) + inSec;
  return s.engine.adopt({ envId: 'local', refreshToken: 'rt-0', accessToken: jwt({ sub: 'acct-1', sid: 'sid-0', exp }) });
}

/** What storage holds for `key` now (read fresh: not through a worker's remembered records). */
export async function record(s: ReturnType<typeof setup>, key: string) {
  return (await new Stores(s.areas as StorageAreas).session(key))!.record;
}

/** The capture hub's view of this engine (what src/background/capture/index.ts wires in the worker). */
export function sessionsBridge(s: ReturnType<typeof setup>): SessionsBridge {
  return {
    listOwnScSessions: () => s.engine.listOwnScSessions(),
    adoptSession: (input) => s.engine.adoptFromPage(input),
    notePageRotation: (input) => s.engine.notePageRotation(input),
    notePageReuse: (input) => s.engine.notePageReuse(input),
  };
}
