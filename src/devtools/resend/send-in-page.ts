/**
 * Sends a sealed request from the inspected page (issue #9, README "Design notes": why from the page).
 *
 * The fetch runs in Keyhole's content-script world of the inspected tab (devtools.inspectedWindow.eval
 * with useContentScriptContext): same origin, cookies and CORS as the app's own requests, no extra host
 * permission, and it shows in DevTools' Network panel like the app's traffic. That world is not the page's
 * (the page cannot read it), and only the sealed bytes go in and the ciphertext answer comes out: keys
 * never leave the panel. The page's MAIN-world hook does not see this fetch, so the row the panel adds is
 * the only copy. The answer comes back by runtime.sendMessage (eval cannot await a promise).
 */
import { RESEND_RESULT_KIND, ResendResult } from '../../messaging/resend-result';
import { KeyholeError } from '../../protocol/errors';
import { benchMark } from '../bench-mark';

export interface PageRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Binary envelope as Base64, or the JSON envelope text; undefined for a bodiless GET. */
  body: { base64: string } | { text: string } | undefined;
}

type Eval = (expression: string, options: { useContentScriptContext: boolean }, cb: (result: unknown, exception?: { isException?: boolean; isError?: boolean; value?: string; description?: string }) => void) => void;

interface RuntimeLike {
  id: string;
  onMessage: { addListener(l: (m: unknown, sender: { id?: string; tab?: { id?: number } }) => void): void; removeListener(l: (m: unknown, sender: { id?: string; tab?: { id?: number } }) => void): void };
}

let seq = 0;

/** The code that runs in the content-script world. Plain ES2020, no imports: it is a string. */
function pageCode(id: string, r: PageRequest): string {
  const body = r.body === undefined ? 'undefined' : 'base64' in r.body ? `Uint8Array.from(atob(${JSON.stringify(r.body.base64)}), (c) => c.charCodeAt(0))` : JSON.stringify(r.body.text);
  return `(() => {
  const started = performance.now();
  const report = (m) => chrome.runtime.sendMessage(Object.assign({ at: [performance.timeOrigin + started, performance.timeOrigin + performance.now()], kind: ${JSON.stringify(RESEND_RESULT_KIND)}, id: ${JSON.stringify(id)}, ms: performance.now() - started }, m)).catch(() => {});
  fetch(${JSON.stringify(r.url)}, { method: ${JSON.stringify(r.method)}, headers: ${JSON.stringify(r.headers)}, body: ${body}, cache: 'no-store' }).then(async (res) => {
    const bytes = new Uint8Array(await res.arrayBuffer());
    const max = ${5 * 1024 * 1024};
    let s = '';
    if (bytes.length <= max) for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    report({ status: res.status, headers: [...res.headers].slice(0, 200), base64: btoa(s), size: bytes.length, truncated: bytes.length > max });
  }, (e) => report({ error: String(e && e.message || e).slice(0, 2000) }));
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

export function sendFromPage(r: PageRequest, o: { tabId: number; timeoutMs?: number; evaluate?: Eval; runtime?: RuntimeLike }): Promise<PageAnswer> {
  const evaluate = o.evaluate ?? (chrome.devtools.inspectedWindow.eval as unknown as Eval);
  const runtime = o.runtime ?? (chrome.runtime as unknown as RuntimeLike);
  const id = `${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return new Promise<PageAnswer>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      runtime.onMessage.removeListener(listener);
    };
    const listener = (m: unknown, sender: { id?: string; tab?: { id?: number } }) => {
      if (sender.id !== runtime.id || sender.tab?.id !== o.tabId) return;
      const parsed = ResendResult.safeParse(m);
      if (!parsed.success || parsed.data.id !== id) return;
      if (parsed.data.at) {
        benchMark('page fetch began', parsed.data.at[0]);
        benchMark('page answer sent', parsed.data.at[1]);
      }
      benchMark('answer in panel');
      done();
      const a = parsed.data;
      resolve({ status: a.status, headers: a.headers ?? [], base64: a.base64 ?? '', size: a.size ?? 0, truncated: !!a.truncated, ms: a.ms, ...(a.error !== undefined && { error: a.error }) });
    };
    const timer = setTimeout(() => {
      done();
      reject(new KeyholeError('TIMEOUT', 'resend: no answer from the page within 30 s'));
    }, o.timeoutMs ?? 30_000);
    runtime.onMessage.addListener(listener);
    benchMark('eval issued');
    evaluate(pageCode(id, r), { useContentScriptContext: true }, (_result, exception) => {
      if (exception && (exception.isException || exception.isError)) {
        done();
        // No Keyhole content script in this page (capture is off for its origin), or the page navigated.
        reject(new KeyholeError('INPUT_INVALID', 'resend: Keyhole cannot send from this page: its capture script is not running here (add the site under "Capture on these sites" in the options, then reload the page)'));
      }
    });
  });
}
