/** A session engine over fakes, with a hand-driven clock. */
import { SessionEngine } from '../../../src/background/sessions/engine';
import type { Badge } from '../../../src/background/sessions/badge';
import { FakeAlarms, FakeClient, fakeAreas, jwt } from './fakes';
import type { StorageAreas } from '../../../src/background/sessions/storage-area';

export const T0 = 1_700_000_000_000;

export function setup(shared?: { areas?: ReturnType<typeof fakeAreas>; alarms?: FakeAlarms; client?: FakeClient; clock?: { t: number }; workerId?: string }) {
  const clock = shared?.clock ?? { t: T0 };
  const now = () => clock.t;
  const areas = shared?.areas ?? fakeAreas();
  const alarms = shared?.alarms ?? new FakeAlarms();
  const client = shared?.client ?? new FakeClient(now);
  const badges: Badge[] = [];
  let online = true;
  const engine = new SessionEngine({
    areas: areas as StorageAreas,
    alarms,
    createClient: () => client,
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
    advance: (ms: number) => (clock.t += ms),
    setOnline: (v: boolean) => (online = v),
    /** A second worker instance on the same storage (the first one "died"). */
    restart: (workerId = 'worker-2') => setup({ areas, alarms, client, clock, workerId }),
  };
}

/** Adopt `rt-0` with an access token that expires in `inSec` seconds. */
export async function adopted(s: ReturnType<typeof setup>, inSec = 600) {
  const exp = Math.floor(s.clock.t / 1000) + inSec;
  return s.engine.adopt({ envId: 'local', refreshToken: 'rt-0', accessToken: jwt({ sub: 'acct-1', sid: 'sid-0', exp }) });
}

export async function record(s: ReturnType<typeof setup>, key: string) {
  return (await s.engine.stores.session(key))!.record;
}
