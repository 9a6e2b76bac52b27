/**
 * The panel's link to Keyhole's content-script world of the inspected tab (send-in-page.ts, issue #9):
 * which port it accepts, how answers are matched, and what a navigation or a page without Keyhole's
 * script does. The browser side is faked here; test/e2e/panel-resend.test.ts sends through the real one.
 */
import { describe, expect, it } from 'vitest';
import { createPageLink, type Eval, type LinkPort, type RuntimeLike } from '../../../src/devtools/resend/send-in-page';
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
});
