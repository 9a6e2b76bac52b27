/**
 * Issue #10: the inspected page is hostile. What it sends can neither break a tab's snapshot, nor make
 * the hub's work grow past its bounds, nor move a followed session with answers it wrote itself.
 */
import { describe, expect, test } from 'vitest';
import { CaptureHub, PASS_EXCHANGES, type SessionsBridge } from '../../../src/background/capture/hub';
import { ExchangeIndex } from '../../../src/background/capture/exchange-index';
import { servePanelPort, type PanelPort } from '../../../src/background/capture/panel-port';
import { createRelayHandler } from '../../../src/background/capture/relay-handler';
import type { KvArea } from '../../../src/background/capture/tab-buffers';
import { pageMaySpeakFor } from '../../../src/domain/capture-origins';
import { MAX_SESSION_ID_LENGTH } from '../../../src/inspect/limits';
import { API, aesKey, b64, binaryEnvelope, exchange, handshake, ok, rsaWrap } from '../inspect/fixtures';

function memoryArea(): KvArea {
  const data = new Map<string, unknown>();
  return {
    async get(keys) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of data) if (!keys || keys.includes(k)) out[k] = JSON.parse(JSON.stringify(v));
      return out;
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, JSON.parse(JSON.stringify(v)));
    },
    async remove(keys) {
      for (const k of keys) data.delete(k);
    },
  };
}

function fakePort(name: string) {
  const sent: Array<Record<string, unknown>> = [];
  const port: PanelPort & { sent: typeof sent; disconnected: boolean } = {
    name,
    sender: { id: 'ext', url: 'chrome-extension://ext/devtools/panel.html' },
    sent,
    disconnected: false,
    postMessage: (m) => sent.push(m as Record<string, unknown>),
    disconnect: () => void (port.disconnected = true),
    onMessage: { addListener: () => {} },
    onDisconnect: { addListener: () => {} },
  };
  return port;
}

function bridge(): SessionsBridge & { rotations: unknown[]; reuses: unknown[] } {
  const rotations: unknown[] = [];
  const reuses: unknown[] = [];
  return {
    rotations,
    reuses,
    listOwnScSessions: async () => [],
    adoptSession: async () => ({ sessionKey: 'env:1' }),
    notePageRotation: async (input) => {
      rotations.push(input);
      return true;
    },
    notePageReuse: async (input) => {
      reuses.push(input);
      return undefined;
    },
  };
}

const refreshUrl = `${API}/web/v1/system/auth/token/refresh`;

describe('a value the keyring cannot hold never poisons the tab', () => {
  test('a trial key opening a message whose X-SC-Session-Id is over the limit: a coded row, and the panel still loads the tab', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const key = aesKey();
    await hub.addCandidate({ key: b64(key), origin: 'aes-import', at: 1 }, 1);
    const long = 's'.repeat(600);
    const d = await hub.ingest(exchange({ reqHeaders: { 'x-sc-session-id': long }, req: binaryEnvelope(2, key, '{"a":1}') }));
    expect(d.request).toMatchObject({ status: 'failed', error: { code: 'INPUT_INVALID' } });
    expect(d.request.error?.message).toContain(String(MAX_SESSION_ID_LENGTH));
    const ordinary = await hub.ingest(exchange({ req: '{"b":2}' }));
    expect(ordinary.request.status).toBe('plain');
    expect(await hub.decryptedFor(1)).toHaveLength(2);
    const port = fakePort('keyhole-panel:1');
    servePanelPort(hub, port, 'chrome-extension://ext/', 'ext');
    await expect.poll(() => port.sent.map((m) => m.kind).slice(0, 3)).toEqual(['status', 'snapshot', 'keyring']);
    expect(port.sent[1]).toMatchObject({ kind: 'snapshot', done: true });
    expect(port.disconnected).toBe(false);
  });

  test('a handshake naming an over-long data.sessionId teaches nothing and throws nothing', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const h = handshake('x'.repeat(MAX_SESSION_ID_LENGTH + 1));
    await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 }, 1);
    await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 }, 1);
    await hub.ingest(h.ex);
    await hub.idle();
    expect((await hub.keyringSnapshot()).entries).toEqual([]);
    expect(await hub.decryptedFor(1)).toHaveLength(1);
  });
});

describe('the work a page causes is bounded', () => {
  test('learning a wrap looks up the handshakes that carry it, not every buffered one', () => {
    const index = new ExchangeIndex();
    const forged = Array.from({ length: 500 }, (_, i) => handshake(`sess_forged_${i}`));
    for (const h of forged) index.add(h.ex);
    expect(index.withWrapped(b64(forged[321].encReqKey))).toEqual([forged[321].ex.id]);
    expect(index.withWrapped(b64(rsaWrap(aesKey())))).toEqual([]);
    expect(index.handshakes()).toHaveLength(500);
    index.remove(forged[321].ex.id);
    expect(index.withWrapped(b64(forged[321].encReqKey))).toEqual([]);
  });

  test("a flood of keys in one tab re-decrypts at most PASS_EXCHANGES of its rows per pass, counts the rest, and another tab's exchange does not wait for it", async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const events: string[] = [];
    hub.on((e) => {
      if (e.kind === 'skipped') events.push(`skipped:${e.skipped}`);
    });
    const unknown = aesKey();
    for (let i = 0; i < PASS_EXCHANGES + 50; i++) await hub.ingest(exchange({ tabId: 1, reqHeaders: { 'x-sc-session-id': `sess_h${i}` }, req: binaryEnvelope(2, unknown, '{}') }));
    for (let i = 0; i < 20; i++) void hub.addCandidate({ key: b64(aesKey()), origin: 'aes-import', at: i }, 1);
    // Tab 2: an ordinary exchange of a session whose keys are known.
    const own = aesKey();
    await hub.addManualKey({ sessionId: 'sess_t2', requestKey: b64(own) });
    const d = await hub.ingest(exchange({ tabId: 2, reqHeaders: { 'x-sc-session-id': 'sess_t2' }, req: binaryEnvelope(2, own, '{"ok":1}') }));
    expect(d.request.status).toBe('decrypted');
    expect(events).toEqual([]); // tab 1's pass has not finished: tab 2 did not queue behind it
    await hub.idle();
    expect(hub.skipped(1)).toBeGreaterThanOrEqual(50);
    expect(hub.skipped(2)).toBe(0);
  }, 60_000);

  test('bookkeeping about an exchange (rotation noted, decrypted view) leaves with it', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions, limits: { perTab: 3, memoryBytesPerTab: 1e9, storageBytes: 1e9, storageItemBytes: 1e9 } });
    const h = handshake('sess_prune');
    await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 }, 1);
    await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 }, 1);
    await hub.ingest(h.ex);
    for (let i = 0; i < 10; i++) {
      await hub.ingest(
        exchange({
          url: refreshUrl,
          reqHeaders: { 'x-sc-session-id': h.sessionId },
          req: binaryEnvelope(2, h.requestKey, JSON.stringify({ refreshToken: `rt-${i}` })),
          res: binaryEnvelope(0x81, h.responseKey, ok({ accessToken: `at-${i + 1}`, refreshToken: `rt-${i + 1}`, expiresIn: 60 })),
        }),
      );
    }
    expect(sessions.rotations).toHaveLength(10);
    expect(hub.sizes().rotationNoted).toBeLessThanOrEqual(3);
    expect(hub.sizes().decrypted).toBeLessThanOrEqual(3);
  });
});

describe('only decrypted answers, from a page allowed to speak for the API, count for a followed session', () => {
  async function setup(apiAllowed?: (o: string | undefined, a: string) => Promise<boolean>) {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions, ...(apiAllowed && { apiAllowed }) });
    const h = handshake(`sess_${Math.random().toString(36).slice(2)}`);
    await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 }, 1);
    await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 }, 1);
    await hub.ingest(h.ex);
    return { sessions, hub, h };
  }

  test('a plaintext refresh answer (the gateway never sends one) changes nothing', async () => {
    const { sessions, hub, h } = await setup();
    const forgedPair = ok({ accessToken: 'at-evil', refreshToken: 'rt-evil', expiresIn: 3600 });
    await hub.ingest(exchange({ url: refreshUrl, reqHeaders: { 'x-sc-session-id': h.sessionId }, req: binaryEnvelope(2, h.requestKey, '{"refreshToken":"rt-known"}'), res: forgedPair }));
    await hub.ingest(exchange({ url: refreshUrl, req: '{"refreshToken":"rt-known"}', res: forgedPair }));
    const invalid = JSON.stringify({ success: false, code: 'AUTH.REFRESH_TOKEN_INVALID', message: 'x' });
    await hub.ingest(exchange({ url: refreshUrl, status: 401, reqHeaders: { 'x-sc-session-id': h.sessionId }, req: binaryEnvelope(2, h.requestKey, '{"refreshToken":"rt-known"}'), res: invalid }));
    await hub.idle();
    expect(sessions.rotations).toEqual([]);
    expect(sessions.reuses).toEqual([]);
  });

  test('a refresh reported by a page of another origin, or with no origin, changes nothing', async () => {
    const { sessions, hub, h } = await setup();
    const refresh = (pageOrigin: string | null) =>
      exchange({
        url: refreshUrl,
        pageOrigin,
        reqHeaders: { 'x-sc-session-id': h.sessionId },
        req: binaryEnvelope(2, h.requestKey, '{"refreshToken":"rt-known"}'),
        res: binaryEnvelope(0x81, h.responseKey, ok({ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 60 })),
      });
    await hub.ingest(refresh('https://evil.example'));
    await hub.ingest(refresh(null));
    expect(sessions.rotations).toEqual([]);
    await hub.ingest(refresh('http://127.0.0.1:18020'));
    expect(sessions.rotations).toHaveLength(1);
  });

  test('the relay handler takes the page origin from the sender, never from the message', async () => {
    const seen: Array<string | undefined> = [];
    const { hub, h } = await setup(async (o) => {
      seen.push(o);
      return false;
    });
    const relay = createRelayHandler(hub, 'ext', async () => {});
    const { tabId: _t, pageOrigin: _p, ...ex } = exchange({
      url: refreshUrl,
      reqHeaders: { 'x-sc-session-id': h.sessionId },
      req: binaryEnvelope(2, h.requestKey, '{"refreshToken":"rt-known"}'),
      res: binaryEnvelope(0x81, h.responseKey, ok({ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 60 })),
    });
    await relay({ boundary: 'relay', method: 'exchange', input: { ...ex, pageOrigin: 'http://127.0.0.1:18020' } }, { id: 'ext', tab: { id: 1 }, frameId: 0, url: 'https://evil.example/app' });
    expect(seen).toEqual(['https://evil.example']);
  });

  test('pageMaySpeakFor: the API origin itself, or a listed capture origin, for a known environment only', () => {
    const envs = ['http://127.0.0.1:18020/prometheus', 'https://api.example.com/p'];
    expect(pageMaySpeakFor('http://127.0.0.1:18020', 'http://127.0.0.1:18020/prometheus/', envs, [])).toBe(true);
    expect(pageMaySpeakFor('https://app.example.com', 'https://api.example.com/p', envs, [])).toBe(false);
    expect(pageMaySpeakFor('https://app.example.com', 'https://api.example.com/p', envs, ['https://app.example.com'])).toBe(true);
    expect(pageMaySpeakFor('https://app.example.com', 'https://other.example.com/p', envs, ['https://app.example.com'])).toBe(false);
    expect(pageMaySpeakFor(undefined, 'http://127.0.0.1:18020/prometheus', envs, [])).toBe(false);
  });
});
