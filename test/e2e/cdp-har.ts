/**
 * Records a HAR 1.2 of a page's fetch/XHR traffic from CDP Network events — the browser's own view of
 * the exchanges, as DevTools would export it (bodies via Network.getResponseBody / request postData).
 * Used by the panel e2e test to import "a HAR recorded by the browser itself".
 */
import type { Page } from 'playwright-core';

interface Pending {
  startedDateTime: string;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  postData?: string;
  status?: number;
  responseHeaders?: Record<string, string>;
  mimeType?: string;
  start: number;
}

export async function recordHar(page: Page): Promise<{ stop(): Promise<{ log: { version: string; creator: { name: string; version: string }; entries: unknown[] } }> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const pending = new Map<string, Pending>();
  const finished: Array<Promise<unknown>> = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.type !== 'Fetch' && e.type !== 'XHR') return;
    pending.set(e.requestId, {
      startedDateTime: new Date(e.wallTime * 1000).toISOString(),
      method: e.request.method,
      url: e.request.url,
      requestHeaders: e.request.headers as Record<string, string>,
      postData: e.request.postData,
      start: e.timestamp,
    });
  });
  cdp.on('Network.responseReceived', (e) => {
    const p = pending.get(e.requestId);
    if (!p) return;
    p.status = e.response.status;
    p.responseHeaders = e.response.headers as Record<string, string>;
    p.mimeType = e.response.mimeType;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const p = pending.get(e.requestId);
    if (!p) return;
    finished.push(
      Promise.all([
        cdp.send('Network.getResponseBody', { requestId: e.requestId }).catch(() => ({ body: '', base64Encoded: false })),
        p.postData === undefined ? cdp.send('Network.getRequestPostData', { requestId: e.requestId }).catch(() => ({ postData: undefined })) : { postData: p.postData },
      ]).then(([body, post]) => {
        const hdrs = (h: Record<string, string> = {}) => Object.entries(h).map(([name, value]) => ({ name, value }));
        return {
          startedDateTime: p.startedDateTime,
          time: (e.timestamp - p.start) * 1000,
          request: {
            method: p.method,
            url: p.url,
            httpVersion: 'HTTP/1.1',
            headers: hdrs(p.requestHeaders),
            cookies: [],
            queryString: [],
            headersSize: -1,
            bodySize: post.postData?.length ?? 0,
            ...(post.postData !== undefined && { postData: { mimeType: p.requestHeaders['Content-Type'] ?? '', text: post.postData } }),
          },
          response: {
            status: p.status ?? 0,
            statusText: '',
            httpVersion: 'HTTP/1.1',
            headers: hdrs(p.responseHeaders),
            cookies: [],
            content: { size: -1, mimeType: p.mimeType ?? '', text: body.body, ...(body.base64Encoded && { encoding: 'base64' }) },
            redirectURL: '',
            headersSize: -1,
            bodySize: -1,
          },
          cache: {},
          timings: { send: 0, wait: 0, receive: 0 },
        };
      }),
    );
  });
  return {
    async stop() {
      const entries = await Promise.all(finished);
      await cdp.detach().catch(() => {});
      return { log: { version: '1.2', creator: { name: 'keyhole-e2e-cdp', version: '1' }, entries } };
    },
  };
}
