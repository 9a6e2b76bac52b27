import { expect, test, vi } from 'vitest';
import { connectPanel } from '../../../src/messaging/panel-connection';
import { CaptureHub } from '../../../src/background/capture/hub';
import { servePanelPort, type PanelPort } from '../../../src/background/capture/panel-port';
import { exchange } from '../inspect/fixtures';
import { portPair } from '../helpers/port-pair';

function memoryArea() {
  const data = new Map<string, unknown>();
  return {
    get: async (keys: string[] | null) => Object.fromEntries([...data].filter(([k]) => !keys || keys.includes(k))),
    set: async (items: Record<string, unknown>) => void Object.entries(items).forEach(([k, v]) => data.set(k, v)),
    remove: async (keys: string[]) => void keys.forEach((k) => data.delete(k)),
  };
}

test('the panel connection receives the snapshot, calls RPC, and reconnects after the worker goes away', async () => {
  const hub = new CaptureHub({ area: memoryArea() });
  await hub.ingest(exchange({ req: '{"a":1}', tabId: 3 }));
  const workerEnds: Array<ReturnType<typeof portPair>['worker']> = [];
  const pushes: string[] = [];
  const states: boolean[] = [];
  const conn = connectPanel(
    3,
    { onPush: (p) => pushes.push(p.kind), onConnection: (c) => states.push(c) },
    {
      reconnectDelayMs: 1,
      connect: (name) => {
        const pair = portPair(name);
        workerEnds.push(pair.worker);
        servePanelPort(hub, pair.worker as unknown as PanelPort, 'chrome-extension://ext/', 'ext');
        return pair.panel;
      },
    },
  );
  await vi.waitFor(() => expect(pushes).toEqual(['status', 'snapshot', 'keyring']));
  expect(await conn.rpc.call('getKeyring', {})).toMatchObject({ entries: [], hasPrivateKey: false });
  await expect(conn.rpc.call('setPrivateKey', { pem: 'not a key' })).rejects.toMatchObject({ code: 'RSA_BAD_KEY' });

  workerEnds[0].disconnect(); // the worker stopped
  await vi.waitFor(() => expect(workerEnds).toHaveLength(2));
  await vi.waitFor(() => expect(pushes.filter((k) => k === 'snapshot')).toHaveLength(2));
  expect(states).toEqual([true, false, true]);
  conn.close();
});
