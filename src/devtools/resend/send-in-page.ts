/**
 * Sends a sealed request from the inspected page (issue #9, README "Design notes": why from the page).
 *
 * The fetch runs in Keyhole's content-script world of the inspected tab: same origin, cookies and CORS as
 * the app's own requests, no extra host permission, and it shows in DevTools' Network panel like the
 * app's traffic. That world is not the page's (the page cannot read it), and only the sealed bytes go in
 * and the ciphertext answer comes out: keys never leave the panel. The page's MAIN-world hook does not
 * see this fetch, so the row the panel adds is the only copy.
 *
 * How the panel reaches that world: devtools.inspectedWindow.eval (useContentScriptContext) once, to open
 * a port from it back to the panel (a "link"); each resend is then one message down that port and the
 * answer one message back. Measured (test/bench/resend.bench.ts, BENCH_TRACE=1): an eval per resend took
 * 2–3 ms through the DevTools front-end before the fetch began, and the answer's runtime.sendMessage (a
 * channel opened to every extension context, then the message) 3.5–6 ms back. The panel links when it
 * opens and again after the page navigates (which ends the content-script world and so the port).
 * Only a port from this extension's content script in the inspected tab's top frame, under the name
 * holding the nonce this panel put in its eval, is accepted; answers are validated (ResendResult).
 */
import { RESEND_PORT_PREFIX, RESEND_RESULT_KIND, ResendResult } from '../../messaging/resend-result';
import { KeyholeError } from '../../protocol/errors';
import { benchMark } from '../bench-mark';

export interface PageRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Binary envelope as Base64, or the JSON envelope text; undefined for a bodiless GET. */
  body: { base64: string } | { text: string } | undefined;
}

export type Eval = (expression: string, options: { useContentScriptContext: boolean }, cb: (result: unknown, exception?: { isException?: boolean; isError?: boolean; value?: string; description?: string }) => void) => void;

export interface LinkPort {
  name: string;
  sender?: { id?: string; tab?: { id?: number }; frameId?: number };
  postMessage(m: unknown): void;
  disconnect(): void;
  onMessage: { addListener(l: (m: unknown) => void): void };
  onDisconnect: { addListener(l: () => void): void };
}

export interface RuntimeLike {
  id: string;
  onConnect: { addListener(l: (p: LinkPort) => void): void; removeListener(l: (p: LinkPort) => void): void };
}

/**
 * How long the page's world may take to acknowledge a request (or answer it) before the port is taken for
 * dead: it acknowledges ACK_AFTER_MS after receipt when the answer is not there yet (a port message is
 * ~2 ms here; seconds only under extreme load).
 */
export const ACK_MS = 3_000;
/** The page's world acknowledges a request whose answer has not come within this (it answers sooner otherwise). */
export const ACK_AFTER_MS = 300;
/** How long the page's world keeps a sent answer for a late copy of its request (then: "sent already"). */
export const ANSWER_KEPT_MS = 10_000;

/**
 * The code that runs in the content-script world. Plain ES2020, no imports: it is a string. Idempotent per
 * name; a request it cannot read is ignored (only this panel holds the port's other end).
 */
export function linkCode(name: string): string {
  const kind = JSON.stringify(RESEND_RESULT_KIND);
  return `(() => {
  const g = globalThis;
  if (g.__keyholeResendLink === ${JSON.stringify(name)}) return true;
  const port = chrome.runtime.connect({ name: ${JSON.stringify(name)} });
  g.__keyholeResendLink = ${JSON.stringify(name)};
  port.onDisconnect.addListener(() => { if (g.__keyholeResendLink === ${JSON.stringify(name)}) g.__keyholeResendLink = undefined; });
  // Requests by id, across this world's links: the panel posts one again on a new link when the first
  // was not acknowledged, and it must be fetched once (a refresh token is single-use).
  const runs = (g.__keyholeResendRuns ??= new Map());
  const say = (p, m) => { try { p.postMessage(m); } catch {} };
  port.onMessage.addListener((r) => {
    if (!r || typeof r.id !== 'string' || typeof r.url !== 'string') return;
    const known = runs.get(r.id);
    if (known) {
      if (known.done) return say(port, known.done);
      if (known.sent) return say(port, { kind: ${kind}, id: r.id, ms: 0, error: 'resend: this request was sent already; its answer went to a link that has closed' });
      known.ports.add(port);
      return say(port, { kind: ${kind}, id: r.id, ack: true, ms: 0 });
    }
    const run = { ports: new Set([port]), done: undefined, sent: false };
    runs.set(r.id, run);
    if (runs.size > 32) runs.delete(runs.keys().next().value);
    const started = performance.now();
    // The answer is the acknowledgement when it comes quickly (most do): only a slower one is acknowledged
    // on its own, so a quick resend pays no extra message each way.
    const ack = setTimeout(() => say(port, { kind: ${kind}, id: r.id, ack: true, ms: 0 }), ${ACK_AFTER_MS});
    const report = (m) => {
      clearTimeout(ack);
      run.done = Object.assign({ kind: ${kind}, id: r.id, ms: performance.now() - started, at: [performance.timeOrigin + started, performance.timeOrigin + performance.now()] }, m);
      for (const p of run.ports) say(p, run.done);
      run.ports.clear();
      // Kept for a late copy of the request (posted again on a new link) only briefly: an answer can be
      // 5 MiB. After that a copy is told it was sent, never fetched again.
      setTimeout(() => { run.done = undefined; run.sent = true; }, ${ANSWER_KEPT_MS});
    };
    let body;
    try {
      body = r.body == null ? undefined : typeof r.body.text === 'string' ? r.body.text : Uint8Array.from(atob(r.body.base64), (c) => c.charCodeAt(0));
    } catch (e) {
      return report({ error: 'bad request body' });
    }
    fetch(r.url, { method: r.method, headers: r.headers, body, cache: 'no-store' }).then(async (res) => {
      const bytes = new Uint8Array(await res.arrayBuffer());
      const max = ${5 * 1024 * 1024};
      let s = '';
      if (bytes.length <= max) for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      report({ status: res.status, headers: [...res.headers].slice(0, 200), base64: btoa(s), size: bytes.length, truncated: bytes.length > max });
    }, (e) => report({ error: String(e && e.message || e).slice(0, 2000) }));
  });
  return true;
})()`;
}

export interface PageAnswer {
  status?: number;
  headers: Array<[string, string]>;
  base64: string;
  size: number;
  truncated: boolean;
  error?: string;
  ms: number;
}

const NO_SCRIPT = 'resend: Keyhole cannot send from this page: its capture script is not running here (add the site under "Capture on these sites" in the options, then reload the page)';

export interface PageLink {
  send(r: PageRequest, timeoutMs?: number): Promise<PageAnswer>;
  /** Opens the link ahead of the first resend (best effort: a page without Keyhole's script fails later, with the reason). */
  warm(): void;
  /** The panel is done with it (unmounted): the port is closed, what was under way fails. */
  close(): void;
}


interface Pending {
  message: { id: string; url: string; method: string; headers: Record<string, string>; body: PageRequest['body'] | null };
  acked: boolean;
  /** Posts so far (a second: posted again on a new link after a missing ack). */
  tries: number;
  /** The link it was last posted on. */
  on?: Promise<LinkPort>;
  resolve: (a: PageAnswer) => void;
  reject: (e: unknown) => void;
}

export function createPageLink(o: { tabId: number; evaluate?: Eval; runtime?: RuntimeLike; linkTimeoutMs?: number; ackMs?: number }): PageLink {
  const evaluate = () => o.evaluate ?? (chrome.devtools.inspectedWindow.eval as unknown as Eval);
  const runtime = () => o.runtime ?? (chrome.runtime as unknown as RuntimeLike);
  let link: Promise<LinkPort> | undefined;
  let closed = false;
  let seq = 0;
  const pending = new Map<string, Pending>();

  const onAnswer = (m: unknown) => {
    const parsed = ResendResult.safeParse(m);
    if (!parsed.success) return;
    const a = parsed.data;
    const waiting = pending.get(a.id);
    if (!waiting) return;
    if (a.ack) {
      waiting.acked = true;
      return;
    }
    pending.delete(a.id);
    if (a.at) {
      benchMark('page fetch began', a.at[0]);
      benchMark('page answer sent', a.at[1]);
    }
    benchMark('answer in panel');
    waiting.resolve({ status: a.status, headers: a.headers ?? [], base64: a.base64 ?? '', size: a.size ?? 0, truncated: !!a.truncated, ms: a.ms, ...(a.error !== undefined && { error: a.error }) });
  };

  const failAll = (message: string) => {
    for (const [id, w] of pending) {
      pending.delete(id);
      w.reject(new KeyholeError('TIMEOUT', message));
    }
  };

  const connect = (): Promise<LinkPort> => {
    const rt = runtime();
    const name = `${RESEND_PORT_PREFIX}${o.tabId}:${crypto.randomUUID()}`;
    const made: Promise<LinkPort> = new Promise<LinkPort>((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        rt.onConnect.removeListener(onConnect);
      };
      const onConnect = (port: LinkPort) => {
        if (port.name !== name) return;
        const s = port.sender;
        // Only our own content script, in the inspected tab's top frame (where the eval ran).
        if (s?.id !== rt.id || s.tab?.id !== o.tabId || (s.frameId ?? 0) !== 0) return port.disconnect();
        stop();
        port.onMessage.addListener(onAnswer);
        port.onDisconnect.addListener(() => {
          if (link !== made) return; // a link this panel already gave up (dropped below)
          link = undefined;
          // The page navigated (or reloaded) while these were under way: their answers will not come.
          failAll('resend: the page navigated before its answer came back');
        });
        resolve(port);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new KeyholeError('TIMEOUT', 'resend: the inspected page did not answer Keyhole'));
      }, o.linkTimeoutMs ?? 10_000);
      rt.onConnect.addListener(onConnect);
      try {
        evaluate()(linkCode(name), { useContentScriptContext: true }, (_result, exception) => {
          if (exception && (exception.isException || exception.isError)) {
            stop();
            // No Keyhole content script in this page (capture is off for its origin), or the page navigated.
            reject(new KeyholeError('INPUT_INVALID', NO_SCRIPT));
          }
        });
      } catch {
        // No inspectedWindow (the panel opened as a plain tab): nothing to link to.
        stop();
        reject(new KeyholeError('INPUT_INVALID', NO_SCRIPT));
      }
    });
    made.catch(() => {
      if (link === made) link = undefined;
    });
    return made;
  };

  /**
   * A port that did not acknowledge: closed on this side and never used again. Everything posted on it
   * goes again on a new link: the page's world fetches an id once, whichever link it comes on, and answers
   * on the newest (an answer still owed on the dropped port would otherwise be lost with it).
   */
  const drop = (port: LinkPort, of: Promise<LinkPort>) => {
    if (link === of) link = undefined;
    try {
      port.disconnect();
    } catch {
      // already gone
    }
    for (const [id, w] of pending) if (w.on === of) void post(id);
  };

  const post = async (id: string): Promise<void> => {
    const w = pending.get(id);
    if (!w) return;
    const current = (link ??= connect());
    w.on = current;
    let port: LinkPort;
    try {
      port = await current;
    } catch (e) {
      if (pending.delete(id)) w.reject(e);
      return;
    }
    if (pending.get(id) !== w || w.on !== current) return;
    w.tries++;
    w.acked = false;
    benchMark('request posted');
    try {
      port.postMessage(w.message);
    } catch {
      // The port closed under us (the page navigated): its onDisconnect fails what was under way.
      if (link === current) link = undefined;
      if (pending.delete(id)) w.reject(new KeyholeError('TIMEOUT', 'resend: the page navigated before the request left'));
      return;
    }
    // The page's world acknowledges at once. Without that, the port is dead without having said so (its
    // disconnect not delivered): post again on a new link rather than wait out the answer's timeout in
    // silence.
    setTimeout(() => {
      if (pending.get(id) !== w || w.acked || w.on !== current) return;
      if (w.tries >= 2) {
        pending.delete(id);
        w.reject(new KeyholeError('TIMEOUT', 'resend: the inspected page did not take the request (twice); it may not have been sent'));
      }
      drop(port, current);
    }, o.ackMs ?? ACK_MS);
  };

  return {
    warm() {
      if (!closed) link ??= connect();
    },
    send(r, timeoutMs = 30_000) {
      if (closed) return Promise.reject(new KeyholeError('TIMEOUT', 'resend: the panel closed'));
      const id = `${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      return new Promise<PageAnswer>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (pending.delete(id)) reject(new KeyholeError('TIMEOUT', 'resend: no answer from the page within 30 s'));
        }, timeoutMs);
        pending.set(id, {
          message: { id, url: r.url, method: r.method, headers: r.headers, body: r.body ?? null },
          acked: false,
          tries: 0,
          resolve: (a) => (clearTimeout(timer), resolve(a)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        void post(id);
      });
    },
    close() {
      closed = true;
      const was = link;
      link = undefined;
      failAll('resend: the panel closed');
      was?.then((p) => p.disconnect(), () => undefined);
    },
  };
}
