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
 * The code that runs in the content-script world. Plain ES2020, no imports: it is a string. Idempotent per
 * name; a request it cannot read is ignored (only this panel holds the port's other end).
 */
function linkCode(name: string): string {
  return `(() => {
  const g = globalThis;
  if (g.__keyholeResendLink === ${JSON.stringify(name)}) return true;
  const port = chrome.runtime.connect({ name: ${JSON.stringify(name)} });
  g.__keyholeResendLink = ${JSON.stringify(name)};
  port.onDisconnect.addListener(() => { if (g.__keyholeResendLink === ${JSON.stringify(name)}) g.__keyholeResendLink = undefined; });
  port.onMessage.addListener((r) => {
    if (!r || typeof r.id !== 'string' || typeof r.url !== 'string') return;
    const started = performance.now();
    const report = (m) => { try { port.postMessage(Object.assign({ kind: ${JSON.stringify(RESEND_RESULT_KIND)}, id: r.id, ms: performance.now() - started, at: [performance.timeOrigin + started, performance.timeOrigin + performance.now()] }, m)); } catch {} };
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
}

export function createPageLink(o: { tabId: number; evaluate?: Eval; runtime?: RuntimeLike; linkTimeoutMs?: number }): PageLink {
  const evaluate = () => o.evaluate ?? (chrome.devtools.inspectedWindow.eval as unknown as Eval);
  const runtime = () => o.runtime ?? (chrome.runtime as unknown as RuntimeLike);
  let link: Promise<LinkPort> | undefined;
  let seq = 0;
  const pending = new Map<string, { resolve: (a: PageAnswer) => void; reject: (e: unknown) => void }>();

  const onAnswer = (m: unknown) => {
    const parsed = ResendResult.safeParse(m);
    if (!parsed.success) return;
    const a = parsed.data;
    const waiting = pending.get(a.id);
    if (!waiting) return;
    pending.delete(a.id);
    if (a.at) {
      benchMark('page fetch began', a.at[0]);
      benchMark('page answer sent', a.at[1]);
    }
    benchMark('answer in panel');
    waiting.resolve({ status: a.status, headers: a.headers ?? [], base64: a.base64 ?? '', size: a.size ?? 0, truncated: !!a.truncated, ms: a.ms, ...(a.error !== undefined && { error: a.error }) });
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
          if (link === made) link = undefined;
          // The page navigated (or reloaded) while these were under way: their answers will not come.
          for (const [id, w] of pending) {
            pending.delete(id);
            w.reject(new KeyholeError('TIMEOUT', 'resend: the page navigated before its answer came back'));
          }
        });
        resolve(port);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new KeyholeError('TIMEOUT', 'resend: the inspected page did not answer Keyhole'));
      }, o.linkTimeoutMs ?? 10_000);
      rt.onConnect.addListener(onConnect);
      evaluate()(linkCode(name), { useContentScriptContext: true }, (_result, exception) => {
        if (exception && (exception.isException || exception.isError)) {
          stop();
          // No Keyhole content script in this page (capture is off for its origin), or the page navigated.
          reject(new KeyholeError('INPUT_INVALID', NO_SCRIPT));
        }
      });
    });
    made.catch(() => {
      if (link === made) link = undefined;
    });
    return made;
  };

  return {
    warm() {
      link ??= connect();
    },
    async send(r, timeoutMs = 30_000) {
      link ??= connect();
      const port = await link;
      const id = `${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      return new Promise<PageAnswer>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new KeyholeError('TIMEOUT', 'resend: no answer from the page within 30 s'));
        }, timeoutMs);
        pending.set(id, {
          resolve: (a) => (clearTimeout(timer), resolve(a)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        benchMark('request posted');
        try {
          port.postMessage({ id, url: r.url, method: r.method, headers: r.headers, body: r.body ?? null });
        } catch {
          pending.delete(id);
          clearTimeout(timer);
          if (link) link = undefined;
          reject(new KeyholeError('TIMEOUT', 'resend: the page navigated before the request left'));
        }
      });
    },
  };
}
