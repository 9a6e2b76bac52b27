import { describe, expect, test, vi } from 'vitest';
import { CaptureHub, type SessionsBridge } from '../../../src/background/capture/hub';
import { servePanelPort, type PanelPort } from '../../../src/background/capture/panel-port';
import { createRelayHandler } from '../../../src/background/capture/relay-handler';
import type { KvArea } from '../../../src/background/capture/tab-buffers';
import { API, b64, binaryEnvelope, exchange, handshake, ok } from '../inspect/fixtures';

function memoryArea(): KvArea & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
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

function bridge(): SessionsBridge & { rotations: unknown[]; adopted: unknown[] } {
  const rotations: unknown[] = [];
  const adopted: unknown[] = [];
  return {
    rotations,
    adopted,
    listOwnScSessions: async () => [],
    adoptSession: async (input) => {
      adopted.push(input);
      return { sessionKey: 'env:1' };
    },
    notePageRotation: async (input) => {
      rotations.push(input);
      return true;
    },
    notePageReuse: async () => undefined,
  };
}

const refresh = (sessionId: string, req: Uint8Array, res: Uint8Array, tabId = 1) =>
  exchange({
    tabId,
    url: `${API}/web/v1/system/auth/token/refresh`,
    reqHeaders: { 'x-sc-session-id': sessionId, 'x-sc-version': '2' },
    req: binaryEnvelope(2, req, '{"refreshToken":"rt-old"}'),
    res: binaryEnvelope(0x81, res, ok({ accessToken: 'at-new', refreshToken: 'rt-new', expiresIn: 3600 })),
  });

async function pageSession(hub: CaptureHub, tabId = 1) {
  const h = handshake(`sess_${tabId}_${Math.random().toString(36).slice(2)}`);
  await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
  await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 });
  await hub.ingest({ ...h.ex, tabId });
  return h;
}

describe('capture hub', () => {
  test('a refresh after the page handshake decrypts and rotates Keyhole\'s copy of a followed session, once', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const h = await pageSession(hub);
    const ex = refresh(h.sessionId, h.requestKey, h.responseKey);
    const d = await hub.ingest(ex);
    expect(d.request).toMatchObject({ status: 'decrypted', keySource: 'page-handshake', json: { refreshToken: 'rt-old' } });
    expect(d.response).toMatchObject({ status: 'decrypted', json: { data: { accessToken: 'at-new' } } });
    expect(sessions.rotations).toEqual([{ apiBase: API, oldRefreshToken: 'rt-old', accessToken: 'at-new', refreshToken: 'rt-new', expiresIn: 3600 }]);
    await hub.decryptedFor(1);
    expect(sessions.rotations).toHaveLength(1);
  });

  test('keys that arrive after the exchange re-decrypt it and announce the update', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const h = handshake('sess_late');
    await hub.ingest(h.ex);
    const first = await hub.ingest(refresh('sess_late', h.requestKey, h.responseKey));
    expect(first.request.error?.code).toBe('NO_KEY');
    const updates: string[] = [];
    hub.on((e) => e.kind === 'exchange' && updates.push(`${e.exchange.exchange.id}:${e.exchange.request.status}`));
    await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
    await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 });
    await vi.waitFor(() => expect(updates).toContain(`${first.exchange.id}:decrypted`));
  });

  test('a wrong key typed for a session turns NO_KEY into AEAD_AUTH_FAILED, and the panel hears of it', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const h = handshake('sess_wrong');
    await hub.ingest(h.ex);
    const first = await hub.ingest(refresh('sess_wrong', h.requestKey, h.responseKey));
    expect(first.request.error?.code).toBe('NO_KEY');
    const updates: string[] = [];
    hub.on((e) => e.kind === 'exchange' && updates.push(`${e.exchange.exchange.id}:${e.exchange.request.error?.code}`));
    await hub.addManualKey({ sessionId: 'sess_wrong', requestKey: b64(new Uint8Array(32).fill(7)), responseKey: b64(new Uint8Array(32).fill(9)) });
    await vi.waitFor(() => expect(updates).toContain(`${first.exchange.id}:AEAD_AUTH_FAILED`));
  });

  test('the buffer per tab is bounded, oldest out first', async () => {
    const hub = new CaptureHub({ area: memoryArea(), limits: { perTab: 3, memoryBytesPerTab: 1e9, storageBytes: 1e9, storageItemBytes: 1e9 } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await hub.ingest(exchange({ req: '{}' }))).exchange.id);
    expect((await hub.decryptedFor(1)).map((d) => d.exchange.id)).toEqual(ids.slice(2));
  });

  test('a restarted worker finds the buffer and the keyring in storage.session', async () => {
    const area = memoryArea();
    const hub = new CaptureHub({ area });
    const h = await pageSession(hub);
    await hub.ingest(refresh(h.sessionId, h.requestKey, h.responseKey));
    await hub.idle();
    await new Promise((r) => setTimeout(r, 30));
    const again = new CaptureHub({ area, liveTabs: async () => [1] });
    const list = await again.decryptedFor(1);
    expect(list).toHaveLength(2);
    expect(list[1].response.status).toBe('decrypted');
  });

  test('the storage mirror stays within its byte budget; memory keeps the rest', async () => {
    const area = memoryArea();
    const hub = new CaptureHub({ area, limits: { perTab: 100, memoryBytesPerTab: 1e9, storageBytes: 10_000, storageItemBytes: 1e9 } });
    for (let i = 0; i < 5; i++) await hub.ingest(exchange({ req: 'x'.repeat(3000) }));
    const stored = [...area.data.keys()].filter((k) => k.startsWith('kh.cap.x.'));
    expect(stored.length).toBeLessThan(5);
    expect((await hub.decryptedFor(1)).length).toBe(5);
  });

  test('closing the tab clears its buffer, in memory and in storage', async () => {
    const area = memoryArea();
    const hub = new CaptureHub({ area });
    await hub.ingest(exchange({ req: '{}', tabId: 4 }));
    await hub.ingest(exchange({ req: '{}', tabId: 5 }));
    await hub.tabClosed(4);
    expect(await hub.decryptedFor(4)).toEqual([]);
    expect(await hub.decryptedFor(5)).toHaveLength(1);
    expect([...area.data.keys()].some((k) => k.startsWith('kh.cap.x.4.'))).toBe(false);
  });

  test('tabs closed while the worker was stopped are dropped on restore', async () => {
    const area = memoryArea();
    await new CaptureHub({ area }).ingest(exchange({ req: '{}', tabId: 9 }));
    const again = new CaptureHub({ area, liveTabs: async () => [] });
    expect(await again.decryptedFor(9)).toEqual([]);
  });

  test('Follow in Keyhole adopts the token pair of a decrypted refresh', async () => {
    const sessions = bridge();
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const h = await pageSession(hub);
    const d = await hub.ingest(refresh(h.sessionId, h.requestKey, h.responseKey));
    expect(await hub.followSession(d.exchange.id)).toEqual({ sessionKey: 'env:1' });
    expect(sessions.adopted).toEqual([{ apiBase: API, accessToken: 'at-new', refreshToken: 'rt-new', expiresIn: 3600 }]);
    await expect(hub.followSession(h.ex.id)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  test("Keyhole's own sessions are a key source", async () => {
    const h = handshake('sess_own');
    const sessions = { ...bridge(), listOwnScSessions: async () => [{ sessionId: 'sess_own', requestKey: b64(h.requestKey), responseKey: b64(h.responseKey), envId: 'local' }] };
    const hub = new CaptureHub({ area: memoryArea(), sessions });
    const d = await hub.ingest(refresh('sess_own', h.requestKey, h.responseKey));
    expect(d.request.keySource).toBe('keyhole-session');
  });
});

describe('relay handler', () => {
  test('takes the tab from the sender and refuses messages that do not come from a top frame of a tab', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const relay = createRelayHandler(hub, 'ext', async () => {});
    const { tabId: _t, ...input } = exchange({ req: '{}' });
    const msg = { boundary: 'relay', method: 'exchange', input };
    expect(relay(msg, { id: 'ext', frameId: 0 })).toBeUndefined();
    expect(relay(msg, { id: 'other', tab: { id: 3 }, frameId: 0 })).toBeUndefined();
    expect(relay(msg, { id: 'ext', tab: { id: 3 }, frameId: 2 })).toBeUndefined();
    expect(await relay(msg, { id: 'ext', tab: { id: 3 }, frameId: 0 })).toEqual({ ok: true, value: { ok: true } });
    expect(await relay({ ...msg, input: { ...input, source: 'har' } }, { id: 'ext', tab: { id: 3 }, frameId: 0 })).toMatchObject({ ok: false, error: { code: 'SCHEMA_INVALID' } });
    expect(await hub.decryptedFor(3)).toHaveLength(1);
  });

  test('attach marks the tab hooked and injects the relay into the sending document, once per document; without a documentId (Firefox) into the tab', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const injected: unknown[] = [];
    const relay = createRelayHandler(hub, 'ext', async (t) => void injected.push(t));
    const attach = { boundary: 'relay', method: 'attach', input: {} };
    expect(relay(attach, { id: 'ext', tab: { id: 3 }, frameId: 1, documentId: 'D1' })).toBeUndefined(); // frames: refused
    expect(injected).toEqual([]);
    expect(await relay(attach, { id: 'ext', tab: { id: 3 }, frameId: 0, documentId: 'D1' })).toEqual({ ok: true, value: { ok: true } });
    expect(hub.isHooked(3)).toBe(true);
    expect(await relay(attach, { id: 'ext', tab: { id: 3 }, frameId: 0, documentId: 'D1' })).toEqual({ ok: true, value: { ok: true } });
    await relay(attach, { id: 'ext', tab: { id: 3 }, frameId: 0, documentId: 'D2' }); // the tab navigated: its new document
    await relay(attach, { id: 'ext', tab: { id: 5 }, frameId: 0 });
    expect(injected).toEqual([{ tabId: 3, documentId: 'D1' }, { tabId: 3, documentId: 'D2' }, { tabId: 5 }]);
    expect(hub.isHooked(5)).toBe(true);
  });
});

function fakePort(name: string, url = 'chrome-extension://ext/devtools/panel.html') {
  const sent: any[] = [];
  const listeners: Array<(m: unknown) => void> = [];
  const port: PanelPort & { sent: any[]; disconnected: boolean; send(m: unknown): void } = {
    name,
    sender: { id: 'ext', url },
    sent,
    disconnected: false,
    postMessage: (m) => sent.push(JSON.parse(JSON.stringify(m))),
    disconnect: () => void (port.disconnected = true),
    onMessage: { addListener: (l) => listeners.push(l) },
    onDisconnect: { addListener: () => {} },
    send: (m) => listeners.forEach((l) => l(JSON.parse(JSON.stringify(m)))),
  };
  return port;
}

describe('panel port', () => {
  test('sends status, the buffered exchanges, the keyring, then live pushes; answers RPC', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    await hub.markHooked(2);
    await hub.ingest(exchange({ req: '{"a":1}', tabId: 2 }));
    const port = fakePort('keyhole-panel:2');
    servePanelPort(hub, port, 'chrome-extension://ext/', 'ext');
    await vi.waitFor(() => expect(port.sent.map((m) => m.kind)).toEqual(['status', 'snapshot', 'keyring']));
    expect(port.sent[0]).toEqual({ kind: 'status', tabId: 2, hooked: true, bufferLimit: 2000, dropped: 0, skipped: 0 });
    expect(port.sent[1]).toMatchObject({ done: true, exchanges: [{ request: { status: 'plain', json: { a: 1 } } }] });
    await hub.ingest(exchange({ req: '{"b":2}', tabId: 2 }));
    await hub.ingest(exchange({ req: '{"c":3}', tabId: 8 })); // another tab: not pushed
    expect(port.sent.filter((m) => m.kind === 'exchange')).toHaveLength(1);
    port.send({ kind: 'rpc-request', id: 7, request: { boundary: 'panel', method: 'addManualKey', input: { sessionId: 's', requestKey: '00'.repeat(32) } } });
    await vi.waitFor(() => expect(port.sent.find((m) => m.kind === 'rpc-response' && m.id === 7)).toMatchObject({ response: { ok: true, value: { entries: [{ sessionId: 's', source: 'manual', requestKey: b64(new Uint8Array(32)) }] } } }));
    port.send({ kind: 'rpc-request', id: 8, request: { boundary: 'panel', method: 'addManualKey', input: { sessionId: 's', requestKey: 'nope' } } });
    await vi.waitFor(() => expect(port.sent.find((m) => m.id === 8)).toMatchObject({ response: { ok: false, error: { code: 'INPUT_INVALID' } } }));
    port.send({ kind: 'rpc-request', id: 9, request: { boundary: 'panel', method: 'clear', input: {} } });
    await vi.waitFor(() => expect(port.sent.map((m) => m.kind)).toContain('cleared'));
    expect(await hub.decryptedFor(2)).toEqual([]);
  });

  test('messages the relay dropped under its flood limit are counted per tab and shown until the tab is cleared', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const relay = createRelayHandler(hub, 'ext', async () => {});
    const port = fakePort('keyhole-panel:4');
    servePanelPort(hub, port, 'chrome-extension://ext/', 'ext');
    await vi.waitFor(() => expect(port.sent.map((m) => m.kind)).toContain('keyring'));
    const dropped = (count: number, tab: number) => relay({ boundary: 'relay', method: 'dropped', input: { count } }, { id: 'ext', tab: { id: tab }, frameId: 0 });
    expect(await dropped(12, 4)).toEqual({ ok: true, value: { ok: true } });
    await dropped(3, 4);
    await dropped(50, 9); // another tab: not this panel's
    expect(await dropped(0, 4)).toMatchObject({ ok: false, error: { code: 'SCHEMA_INVALID' } });
    const statuses = () => port.sent.filter((m) => m.kind === 'status').map((m) => m.dropped);
    expect(statuses()).toEqual([0, 12, 15]);
    port.send({ kind: 'rpc-request', id: 1, request: { boundary: 'panel', method: 'clear', input: {} } });
    await vi.waitFor(() => expect(statuses()).toEqual([0, 12, 15, 0]));
    expect(hub.dropped(9)).toBe(50);
  });

  test('a port from a page (content script) is refused', () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const port = fakePort('keyhole-panel:2', 'http://127.0.0.1/evil');
    servePanelPort(hub, port, 'chrome-extension://ext/', 'ext');
    expect(port.disconnected).toBe(true);
    expect(port.sent).toEqual([]);
  });

  test('decryptBatch decrypts HAR/devtools entries with the keyring, keeping them only when asked', async () => {
    const hub = new CaptureHub({ area: memoryArea() });
    const h = handshake('sess_har');
    await hub.addWrap({ key: b64(h.requestKey), wrapped: b64(h.encReqKey), at: 1 });
    await hub.addWrap({ key: b64(h.responseKey), wrapped: b64(h.encRespKey), at: 1 });
    const list = [{ ...h.ex, source: 'har' as const }, { ...refresh('sess_har', h.requestKey, h.responseKey), source: 'devtools' as const }];
    const out = await hub.decryptBatch(6, list, false);
    expect(out[1].request.status).toBe('decrypted');
    expect(await hub.decryptedFor(6)).toEqual([]);
    await hub.decryptBatch(6, list, true);
    expect(await hub.decryptedFor(6)).toHaveLength(2);
  });
});
