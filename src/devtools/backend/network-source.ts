/**
 * Secondary source: chrome.devtools.network.onRequestFinished, for exchanges the page hook did not
 * capture (a page that loaded before the extension, a worker's fetch…). Architecture.md §3: DevTools
 * bodies are exact for JSON envelopes and octet-stream, but a binary envelope labelled application/json
 * comes back through getContent() mangled — fromHarEntry flags those `lossy` and the row says so.
 *
 * Firefox calls getContent back with `(text, mimeType)` instead of `(content, encoding)`, never Base64-
 * labelled, so its response bodies go through firefoxResponseBody (exact, or flagged lossy). Firefox
 * also fires onRequestFinished only once its Network panel has been opened (the panel hints at that).
 *
 * Dedupe: the hook's copy of the same request usually reaches the panel within a few hundred ms, so an
 * entry waits GRACE_MS and is dropped if a hook twin (method + URL + start within TWIN_WINDOW_MS) showed
 * up; a hook copy arriving later still replaces the DevTools row (TrafficStore.upsert).
 */
import { fromHarEntry } from '../../inspect';
import { firefoxResponseBody } from '../../inspect/firefox-content';
import type { CapturedExchange, DecryptedExchange } from '../inspect-types';
import type { TrafficStore } from '../model/traffic-store';

export const GRACE_MS = 1_500;
const FLUSH_MS = 250;

interface DevtoolsRequest {
  request: { method: string; url: string; headers?: Array<{ name: string; value: string }>; postData?: { text?: string } };
  startedDateTime?: string;
  time?: number;
  _resourceType?: string;
  response?: { status?: number; content?: { mimeType?: string } };
  /** Chrome: `(content, encoding)` with encoding 'base64' or ''; Firefox: `(text, mimeType)`. */
  getContent(cb: (content: string | null, encodingOrMime: string) => void): void;
}

/** Only API calls: fetch/XHR, or anything under an SCv2 path (spec §1). */
export function isApiEntry(e: Pick<DevtoolsRequest, 'request' | '_resourceType'>): boolean {
  const url = e.request.url;
  if (!/^https?:/.test(url)) return false;
  if (e._resourceType === 'fetch' || e._resourceType === 'xhr') return true;
  return url.includes('/web/v1/');
}

/**
 * A CORS preflight (Chrome marks it `_resourceType: "preflight"`; otherwise an OPTIONS carrying
 * Access-Control-Request-Method): the method it asks for, else undefined. Preflights are folded into the
 * call they precede (TrafficStore.addPreflight), never rows: a cross-origin app's 5 calls are 5 rows.
 */
export function preflightMethod(e: Pick<DevtoolsRequest, 'request' | '_resourceType'>): string | undefined {
  if (e.request.method.toUpperCase() !== 'OPTIONS') return undefined;
  const acrm = e.request.headers?.find((h) => h.name.toLowerCase() === 'access-control-request-method')?.value;
  if (acrm) return acrm.trim().toUpperCase().slice(0, 32);
  return e._resourceType === 'preflight' ? 'POST' : undefined;
}

export interface NetworkSourceOptions {
  tabId: number;
  store: TrafficStore;
  decrypt: (list: CapturedExchange[]) => Promise<DecryptedExchange[]>;
  accept: () => boolean;
  /** getContent's second argument is Firefox's mime type, not Chrome's encoding. */
  firefox?: boolean;
  /** Called on every DevTools network event: Firefox sends none until its Network panel was opened. */
  heard?: () => void;
  /**
   * True for a request the panel itself sent (a resend, resend/in-flight.ts): its row is already there,
   * so its answer is not fetched with getContent only to be dropped as a twin.
   */
  ours?: (req: { request: { method: string; url: string; postData?: { text?: string } } }) => boolean;
  network?: { onRequestFinished: { addListener(l: (r: DevtoolsRequest) => void): void; removeListener(l: (r: DevtoolsRequest) => void): void } };
}

export function startNetworkSource(o: NetworkSourceOptions): () => void {
  const network = o.network ?? (globalThis.chrome?.devtools?.network as unknown as NetworkSourceOptions['network']);
  if (!network) return () => {};
  let queue: CapturedExchange[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    timer = undefined;
    const batch = queue.filter((ex) => !o.store.hasHookTwin(ex.method, ex.url, ex.startedAt));
    queue = [];
    if (batch.length === 0) return;
    try {
      o.store.upsert(await o.decrypt(batch));
    } catch {
      // The worker is restarting; these entries are lost to the panel, the hook copy (if any) is not.
    }
  };
  let heard = false;
  const listener = (req: DevtoolsRequest) => {
    if (!heard) {
      heard = true;
      o.heard?.();
    }
    if (!o.accept() || !/^https?:/.test(req.request.url)) return;
    const preflighted = preflightMethod(req);
    if (preflighted) {
      const startedAt = Date.parse(req.startedDateTime ?? '');
      o.store.addPreflight({
        method: preflighted,
        url: req.request.url.slice(0, 16_384),
        startedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
        ...(typeof req.time === 'number' && req.time >= 0 ? { durationMs: req.time } : {}),
        ...(typeof req.response?.status === 'number' ? { status: req.response.status } : {}),
      });
      return;
    }
    if (!isApiEntry(req) || o.ours?.(req)) return;
    req.getContent((content, second) => {
      const entry = JSON.parse(JSON.stringify(req)) as { response?: { content?: Record<string, unknown> } };
      if (entry.response && content !== null && !o.firefox) entry.response.content = { ...(entry.response.content ?? {}), text: content, ...(second && { encoding: second }) };
      let ex: CapturedExchange;
      try {
        ex = fromHarEntry(entry, o.tabId, 'devtools');
        if (o.firefox) {
          const body = firefoxResponseBody(content, second);
          if (body) ex.responseBody = body;
          else delete ex.responseBody;
        }
      } catch {
        return;
      }
      setTimeout(() => {
        queue.push(ex);
        timer ??= setTimeout(flush, FLUSH_MS);
      }, GRACE_MS);
    });
  };
  network.onRequestFinished.addListener(listener);
  return () => {
    network.onRequestFinished.removeListener(listener);
    if (timer) clearTimeout(timer);
  };
}
