/**
 * The panel's link to Keyhole's content-script world of the inspected tab (send-in-page.ts, issue #9):
 * which port it accepts, how answers are matched, and what a navigation or a page without Keyhole's
 * script does. The browser side is faked here; test/e2e/panel-resend.test.ts sends through the real one.
 */
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { ACK_AFTER_MS, ACK_MS, ANSWER_KEPT_MS, createPageLink, linkCode, type Eval, type LinkPort, type RuntimeLike } from '../../../src/devtools/resend/send-in-page';
import { RESEND_RESULT_KIND } from '../../../src/messaging/resend-result';

const TAB = 7;

function fakeBrowser(o: { sender?: (name: string) => LinkPort['sender']; throws?: boolean } = {}) {
  const connectListeners = new Set<(p: LinkPort) => void>();
  const runtime: RuntimeLike = { id: 'ext', onConnect: { addListener: (l) => connectListeners.add(l), removeListener: (l) => connectListeners.delete(l) } };
  const posted: Array<{ id: string; url: string; body: unknown }> = [];
  const ports: Array<{ port: LinkPort; answer: (m: unknown) => void; disconnect: () => void; disconnected: () => boolean }> = [];
  let evals = 0;
  const evaluate: Eval = (code, opts, cb) => {
    evals++;
    expect(opts.useContentScriptContext).toBe(true);
    if (o.throws) return void queueMicrotask(() => cb(undefined, { isException: true, value: 'chrome is not defined' }));
    const name = /chrome\.runtime\.connect\(\{ name: "([^"]+)" \}\)/.exec(code)![1]!;
    let onMsg: (m: unknown) => void = () => {};
    let onDisc: () => void = () => {};
    let gone = false;
    const port: LinkPort = {
      name,
      sender: o.sender ? o.sender(name) : { id: 'ext', tab: { id: TAB }, frameId: 0 },
      postMessage: (m) => posted.push(m as (typeof posted)[number]),
      disconnect: () => void (gone = true),
      onMessage: { addListener: (l) => void (onMsg = l) },
      onDisconnect: { addListener: (l) => void (onDisc = l) },
    };
    ports.push({ port, answer: (m) => onMsg(m), disconnect: () => onDisc(), disconnected: () => gone });
    queueMicrotask(() => {
      for (const l of [...connectListeners]) l(port);
      cb(true);
    });
  };
  return { runtime, evaluate, posted, ports, evals: () => evals };
}

const req = { url: 'http://127.0.0.1/web/v1/x', method: 'POST', headers: { 'x-sc-version': '2' }, body: { base64: 'AAEC' } };
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Fake timers, a link, and one request the page's world has acknowledged but not yet answered. */
async function acknowledgedFirstRequest() {
  vi.useFakeTimers();
  const b = fakeBrowser();
  const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
  const slow = link.send(req);
  await vi.advanceTimersByTimeAsync(0);
  b.ports[0]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[0]!.id, ack: true, ms: 0 });
  return { b, link, slow };
}

describe('page link', () => {
  it('links once, posts each sealed request on the port and matches each answer by id', async () => {
    const b = fakeBrowser();
    const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
    const first = link.send(req);
    const second = link.send({ ...req, url: 'http://127.0.0.1/web/v1/y' });
    await tick();
    expect(b.evals()).toBe(1);
    expect(b.posted.map((p) => p.url)).toEqual([req.url, 'http://127.0.0.1/web/v1/y']);
    expect(b.posted[0]!.body).toEqual({ base64: 'AAEC' });
    // Answers out of order, plus one for nobody and one that is not an answer at all.
    b.ports[0]!.answer({ kind: RESEND_RESULT_KIND, id: 'nobody', ms: 1 });
    b.ports[0]!.answer({ hello: 1 });
    b.ports[0]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[1]!.id, ms: 2, status: 200, base64: 'Ag==', size: 1 });
    b.ports[0]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[0]!.id, ms: 3, status: 400, base64: 'AQ==', size: 1 });
    expect(await second).toMatchObject({ status: 200, base64: 'Ag==', ms: 2 });
    expect(await first).toMatchObject({ status: 400, base64: 'AQ==', ms: 3 });
  });

  it('accepts the port only from its own extension, the inspected tab and its top frame', async () => {
    for (const sender of [{ id: 'other', tab: { id: TAB }, frameId: 0 }, { id: 'ext', tab: { id: TAB + 1 }, frameId: 0 }, { id: 'ext', tab: { id: TAB }, frameId: 3 }, { id: 'ext' }]) {
      const b = fakeBrowser({ sender: () => sender });
      const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime, linkTimeoutMs: 30 });
      await expect(link.send(req)).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(b.ports[0]!.disconnected()).toBe(true);
      expect(b.posted).toEqual([]);
    }
  });

  it('a page without Keyhole\'s content script says why, and nothing is posted', async () => {
    const b = fakeBrowser({ throws: true });
    const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
    await expect(link.send(req)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('Capture on these sites') });
  });

  it('a navigation ends the link: what was under way fails at once, the next send links again', async () => {
    const b = fakeBrowser();
    const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
    link.warm();
    const pending = link.send(req);
    await tick();
    b.ports[0]!.disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'TIMEOUT' });
    const again = link.send(req);
    await tick();
    expect(b.evals()).toBe(2);
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted.at(-1)!.id, ms: 1, status: 200 });
    expect(await again).toMatchObject({ status: 200 });
  });

  afterEach(() => vi.useRealTimers());

  it('a port that died without a word (no acknowledgement) is dropped and the request posted again on a new link, not left to time out in silence', async () => {
    vi.useFakeTimers();
    const b = fakeBrowser();
    const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
    const answer = link.send(req);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.evals()).toBe(1);
    expect(b.posted).toHaveLength(1);
    // Nothing comes back on the first port: before ACK_MS nothing else happens…
    await vi.advanceTimersByTimeAsync(ACK_MS - 1);
    expect(b.posted).toHaveLength(1);
    // …then it is closed on the panel's side, a second link is made and the same request (same id) goes on it.
    await vi.advanceTimersByTimeAsync(1);
    expect(b.ports[0]!.disconnected()).toBe(true);
    expect(b.evals()).toBe(2);
    expect(b.posted).toHaveLength(2);
    expect(b.posted[1]!.id).toBe(b.posted[0]!.id);
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[1]!.id, ack: true, ms: 0 });
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[1]!.id, ms: 4, status: 200, base64: 'AQ==', size: 1 });
    expect(await answer).toMatchObject({ status: 200, ms: 4 });
    // A later send uses the new link.
    const next = link.send(req);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.evals()).toBe(2);
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[2]!.id, ms: 1, status: 201 });
    expect(await next).toMatchObject({ status: 201 });
  });

  it('an acknowledged request waits for its answer however long the server takes; two missing acknowledgements fail with the reason', async () => {
    const { b, link, slow } = await acknowledgedFirstRequest();
    await vi.advanceTimersByTimeAsync(ACK_MS * 3);
    expect(b.evals()).toBe(1);
    b.ports[0]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[0]!.id, ms: 9000, status: 200 });
    expect(await slow).toMatchObject({ status: 200 });

    const lost = link.send(req);
    const failed = expect(lost).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('did not take the request') });
    await vi.advanceTimersByTimeAsync(ACK_MS * 2 + 10);
    await failed;
    expect(b.posted.filter((p) => p.id === b.posted[1]!.id)).toHaveLength(2);
  });

  it('a dropped port does not lose an answer still owed on it: that request goes again on the new link too', async () => {
    const { b, link, slow } = await acknowledgedFirstRequest();
    const lost = link.send({ ...req, url: 'http://127.0.0.1/web/v1/y' });
    await vi.advanceTimersByTimeAsync(ACK_MS + 1);
    expect(b.evals()).toBe(2);
    expect(b.posted.slice(2).map((p) => p.id).sort()).toEqual([b.posted[0]!.id, b.posted[1]!.id].sort());
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[0]!.id, ms: 5, status: 200 });
    b.ports[1]!.answer({ kind: RESEND_RESULT_KIND, id: b.posted[1]!.id, ms: 6, status: 204 });
    expect(await slow).toMatchObject({ status: 200 });
    expect(await lost).toMatchObject({ status: 204 });
  });

  it('closing the link (the panel unmounts) disconnects its port and fails what was under way', async () => {
    const b = fakeBrowser();
    const link = createPageLink({ tabId: TAB, evaluate: b.evaluate, runtime: b.runtime });
    const pending = link.send(req);
    await tick();
    link.close();
    await expect(pending).rejects.toMatchObject({ code: 'TIMEOUT' });
    await tick();
    expect(b.ports[0]!.disconnected()).toBe(true);
    await expect(link.send(req)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(b.evals()).toBe(1);
  });
});

/** The code the panel evaluates in the page's content-script world, run here against fakes of chrome.runtime and fetch. */
describe("the page world's side of the link", () => {
  function world() {
    const ports: Array<{ name: string; sent: unknown[]; deliver: (m: unknown) => void; disconnect: () => void }> = [];
    const fetches: string[] = [];
    let finish: (() => void) | undefined;
    const g: Record<string, unknown> = {
      chrome: {
        runtime: {
          connect: ({ name }: { name: string }) => {
            const listeners: Array<(m: unknown) => void> = [];
            const gone: Array<() => void> = [];
            const p = { name, sent: [] as unknown[], deliver: (m: unknown) => listeners.forEach((l) => l(m)), disconnect: () => gone.forEach((l) => l()) };
            ports.push(p);
            return { postMessage: (m: unknown) => p.sent.push(m), onMessage: { addListener: (l: (m: unknown) => void) => listeners.push(l) }, onDisconnect: { addListener: (l: () => void) => gone.push(l) } };
          },
        },
      },
      fetch: (url: string) => {
        fetches.push(url);
        return new Promise((resolve) => {
          finish = () => resolve({ status: 200, headers: [['content-type', 'application/octet-stream']], arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer });
        });
      },
    };
    g.globalThis = g;
    const run = (code: string) => new Function('globalThis', 'chrome', 'fetch', `return ${code}`)(g, g.chrome, g.fetch) as boolean;
    return { run, ports, fetches, finish: () => finish?.() };
  }

  it('acknowledges a request whose answer is slow, fetches an id once whichever link it comes on, and answers on the links waiting for it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const w = world();
    onTestFinished(() => void vi.useRealTimers());
    expect(w.run(linkCode('keyhole-resend:7:a'))).toBe(true);
    expect(w.run(linkCode('keyhole-resend:7:a'))).toBe(true); // idempotent per name
    expect(w.ports).toHaveLength(1);
    const r = { id: 'r1', url: 'http://127.0.0.1/web/v1/x', method: 'POST', headers: {}, body: { base64: 'AAEC' } };
    w.ports[0]!.deliver(r);
    // A quick answer is its own acknowledgement: nothing yet…
    expect(w.ports[0]!.sent).toEqual([]);
    vi.advanceTimersByTime(ACK_AFTER_MS);
    // …a slow one is acknowledged on its own.
    expect(w.ports[0]!.sent).toEqual([{ kind: RESEND_RESULT_KIND, id: 'r1', ack: true, ms: 0 }]);
    // The panel heard nothing and posts it again on a new link: acknowledged, not fetched again.
    w.run(linkCode('keyhole-resend:7:b'));
    w.ports[1]!.deliver(r);
    expect(w.ports[1]!.sent).toEqual([{ kind: RESEND_RESULT_KIND, id: 'r1', ack: true, ms: 0 }]);
    expect(w.fetches).toEqual([r.url]);
    w.finish();
    await vi.advanceTimersByTimeAsync(0);
    for (const p of w.ports) expect(p.sent.at(-1)).toMatchObject({ kind: RESEND_RESULT_KIND, id: 'r1', status: 200, base64: 'AQID', size: 3 });
    // Once answered, a late copy of the request gets the same answer, still without a second fetch…
    w.ports[1]!.deliver(r);
    expect(w.ports[1]!.sent.at(-1)).toMatchObject({ id: 'r1', status: 200 });
    // …and after ANSWER_KEPT_MS (the answer is not held: it can be 5 MiB) is told it was sent, never fetched again.
    await vi.advanceTimersByTimeAsync(ANSWER_KEPT_MS);
    w.ports[1]!.deliver(r);
    expect(w.ports[1]!.sent.at(-1)).toMatchObject({ id: 'r1', error: expect.stringContaining('sent already') });
    expect(w.fetches).toHaveLength(1);
  });
});

