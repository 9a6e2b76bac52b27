import { expect, test } from 'vitest';
import { portRpcClient } from '../../../src/messaging/port-transport';
import type { RpcRequest } from '../../../src/messaging/rpc';

/** An AbortSignal that counts the listeners on it (a real one does not say). */
function countingSignal() {
  const listeners = new Set<unknown>();
  const signal = {
    aborted: false,
    addEventListener: (_type: string, l: unknown) => void listeners.add(l),
    removeEventListener: (_type: string, l: unknown) => void listeners.delete(l),
  };
  return { signal: signal as unknown as AbortSignal, listeners };
}

const request: RpcRequest = { boundary: 'panel', method: 'decryptBatch', input: { exchanges: [] } };

test('a call answered, failed or not sent leaves no listener on its signal (a timeout signal would keep it, and its request, until it fires)', async () => {
  const sent: Array<{ id: number }> = [];
  let throwOnSend = false;
  const client = portRpcClient(() => ({
    postMessage: (m: unknown) => {
      if (throwOnSend) throw new Error('port closed');
      sent.push(m as { id: number });
    },
  }));

  const answered = countingSignal();
  const a = client.transport.send(request, answered.signal);
  expect(answered.listeners.size).toBe(1);
  client.onResponse(sent[0].id, { ok: true, value: 1 });
  expect(await a).toEqual({ ok: true, value: 1 });
  expect(answered.listeners.size).toBe(0);

  const failed = countingSignal();
  const b = client.transport.send(request, failed.signal);
  client.failAll();
  await expect(b).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
  expect(failed.listeners.size).toBe(0);

  throwOnSend = true;
  const unsent = countingSignal();
  await expect(client.transport.send(request, unsent.signal)).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
  expect(unsent.listeners.size).toBe(0);
});

test('an aborted call is forgotten: its late answer resolves nothing', async () => {
  const sent: Array<{ id: number }> = [];
  const client = portRpcClient(() => ({ postMessage: (m: unknown) => void sent.push(m as { id: number }) }));
  const ac = new AbortController();
  let settled = false;
  void client.transport.send(request, ac.signal).then(() => (settled = true));
  ac.abort();
  client.onResponse(sent[0].id, { ok: true, value: 1 });
  await Promise.resolve();
  expect(settled).toBe(false);
});
