/**
 * MAIN-world capture hook (document_start; architecture.md §1, §3).
 *
 * Wraps fetch, XMLHttpRequest and three SubtleCrypto methods so Keyhole sees the exact bytes of
 * SCv2-looking exchanges and the AES keys the page wraps with RSA-OAEP. Rules:
 *  - Transparent: wrappers are Proxies of the natives, and Function.prototype.toString answers for the
 *    native (same name, length and `function fetch() { [native code] }`, issue #11); the page gets the
 *    very same promise/return value/exception; our own code runs in try/catch and can never change
 *    what the page sees — nor how its network behaves: a body the page cancels is cancelled for us too.
 *  - Invisible: no window property, and messages go over a private channel to the relay (channel.ts).
 *  - Never stalls: response bodies are read from `response.clone()` asynchronously; we never await
 *    before handing the Response back.
 *  - Cheap for everything else: a synchronous O(1) filter (filter.ts) decides before anything is copied.
 *  - Send only: we dispatch to the ISOLATED relay; nothing ever comes back into the page.
 *  - Dependency-free: this file is bundled as a classic IIFE; only filter.ts/channel.ts are inlined.
 */
import { CAPTURE_BODY_LIMIT as LIMIT, CAPTURE_CHANNEL, CAPTURE_PROBE as PROBE, MESSAGE_EVENT, awaitRelay } from './channel';
import { shouldCapture, viewOf } from './filter';
import { MAX_ERROR_LENGTH, MAX_JWK_K_LENGTH } from '../inspect/limits';

type PageBody = { data: ArrayBuffer | string; size: number; truncated: boolean; lossy?: boolean };
interface Pending {
  id: string;
  source: 'hook-fetch' | 'hook-xhr';
  startedAt: number;
  t0: number;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: PageBody | Promise<PageBody | undefined>;
}

(() => {
  // Captured before any page script runs, so a page overriding them cannot break or spy on us.
  // References only, no calls: in a new tab the first use of each builtin is paid before the page's first
  // script, so document_start does no more than it must (issue #12); what can wait waits for first use.
  const apply = Reflect.apply;
  const reflectGet = Reflect.get;
  const now = Date.now;
  const random = Math.random;
  const perf = performance;
  const perfNowFn = perf.now;
  const perfNow = (): number => apply(perfNowFn, perf, []) as number;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const wmHas = WeakMap.prototype.has;
  const wmDelete = WeakMap.prototype.delete;

  // Injected twice (manifest + dynamic registration) → hook once. The question is a property of our own
  // Function.prototype.toString wrapper, which answers it (its `get` trap); on the native it is undefined.
  // Nothing is left on window for the page to find (issue #10) and nothing is called: a call of the native
  // (issue #12's first probe) or of fetch (before: the native rejected, ~4 ms) was paid on every new tab.
  if ((Function.prototype.toString as unknown as Record<string, unknown>)[PROBE] === PROBE) return;

  /** wrapper → the native it stands for: Function.prototype.toString answers for the native. */
  const nativeOf = new WeakMap<object, object>();
  /** A Proxy of a native whose name, length and toString() are the native's (issue #11). */
  function disguise<T extends object>(native: T, handler: ProxyHandler<T>): T {
    const p = new Proxy(native, handler);
    apply(wmSet, nativeOf, [p, native]);
    return p;
  }
  const fnToString = Function.prototype.toString;
  Function.prototype.toString = disguise(fnToString, {
    get: (target, key, receiver) => (key === PROBE ? PROBE : reflectGet(target, key, receiver)), // a second injection asking (see above)
    apply(target, thisArg, args) {
      const real = (typeof thisArg === 'function' || (typeof thisArg === 'object' && thisArg !== null)) && apply(wmHas, nativeOf, [thisArg]) ? apply(wmGet, nativeOf, [thisArg]) : thisArg;
      return apply(target, real, args);
    },
  });

  let seq = 0;
  let idPrefix: string | undefined; // on the first capture

  // The private channel to the relay (channel.ts); messages wait for the pairing (bounded).
  let channel: EventTarget | undefined;
  const early: Array<Record<string, unknown>> = [];
  const hello = awaitRelay((node) => {
    channel = node;
    for (const m of early.splice(0)) dispatch(m);
  });
  function dispatch(msg: Record<string, unknown>): void {
    try {
      channel!.dispatchEvent(new CustomEvent(MESSAGE_EVENT, { detail: msg }));
    } catch {
      /* a body the clone refuses is simply not captured */
    }
  }
  // Dispatching clones the message into the relay's world (bodies included): done in order, when the page
  // idles (a page waiting on the network is idle), at the latest after a second — never inside the
  // page's own promise callbacks.
  const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback : undefined;
  const later = setTimeout;
  const outbox: Array<Record<string, unknown>> = [];
  let flushing = false;
  function flush(): void {
    flushing = false;
    for (const m of outbox.splice(0)) dispatch(m);
  }
  function send(msg: Record<string, unknown>): void {
    const m = { channel: CAPTURE_CHANNEL, ...msg };
    if (!channel) {
      if (early.length < 100) early.push(m);
      return hello(); // a relay that ran before the hook waits for it (channel.ts); pairs synchronously
    }
    outbox.push(m);
    if (flushing) return;
    flushing = true;
    if (idle) apply(idle, window, [flush, { timeout: 1000 }]);
    else apply(later, window, [flush, 0]);
  }

  const absolute = (u: unknown): string => {
    try {
      return new URL(String(u), location.href).href;
    } catch {
      return String(u);
    }
  };

  function headerRecord(h: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    if (!h) return out;
    try {
      new Headers(h as HeadersInit).forEach((v, k) => (out[k] = v));
    } catch {
      /* malformed headers: native fetch will throw for the page; we just record none */
    }
    return out;
  }

  /** A private copy of a sync body (the page may reuse its buffer right after the call). */
  function copyBody(body: unknown): PageBody | Promise<PageBody | undefined> | undefined {
    if (body === undefined || body === null) return undefined;
    if (typeof body === 'string') return body.length > LIMIT ? { data: '', size: body.length, truncated: true } : { data: body, size: body.length, truncated: false };
    // Bytes before URLSearchParams/Blob: the first `instanceof` of a Web IDL interface builds it in the page's
    // world, a cost a new tab's first SCv2 call (binary envelope) need not pay (issue #12).
    const v = viewOf(body);
    if (v) return v.byteLength > LIMIT ? { data: '', size: v.byteLength, truncated: true } : { data: v.slice().buffer, size: v.byteLength, truncated: false };
    if (body instanceof URLSearchParams) return copyBody(body.toString());
    if (body instanceof Blob) {
      if (body.size > LIMIT) return { data: '', size: body.size, truncated: true };
      return body.arrayBuffer().then(
        (data) => ({ data, size: data.byteLength, truncated: false }),
        () => undefined,
      );
    }
    // FormData, ReadableStream, Document: not an SCv2 body; recorded as "not kept" rather than dropped.
    return { data: '', size: 0, truncated: true };
  }

  function emit(p: Pending, rest: Record<string, unknown>, responseBody?: PageBody): void {
    const finish = (requestBody: PageBody | undefined) => {
      const exchange = {
        id: p.id,
        source: p.source,
        startedAt: p.startedAt,
        durationMs: Math.max(0, perfNow() - p.t0),
        method: p.method,
        url: p.url,
        requestHeaders: p.requestHeaders,
        ...(requestBody && { requestBody }),
        ...rest,
        ...(responseBody && { responseBody }),
      };
      send({ kind: 'exchange', exchange });
    };
    if (p.requestBody instanceof Promise) p.requestBody.then(finish, () => finish(undefined));
    else finish(p.requestBody);
  }

  function pending(source: Pending['source'], method: string, url: string, requestHeaders: Record<string, string>, body: unknown): Pending {
    return {
      id: `${(idPrefix ??= `${now().toString(36)}-${random().toString(36).slice(2, 8)}`)}-${seq++}`,
      source,
      startedAt: now(),
      t0: perfNow(),
      method: method.toUpperCase(),
      url,
      requestHeaders,
      requestBody: copyBody(body),
    };
  }

  /** Reads a cloned response up to the limit; past it, stops reading and reports the size seen. */
  async function readLimited(reader: ReadableStreamDefaultReader<Uint8Array>, declared: number): Promise<PageBody> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      size += r.value.byteLength;
      if (size > LIMIT) {
        reader.cancel().catch(() => {});
        return { data: '', size: Math.max(size, Number.isFinite(declared) ? declared : 0), truncated: true };
      }
      chunks.push(r.value);
    }
    const out = new Uint8Array(size);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return { data: out.buffer, size, truncated: false };
  }

  // ── following the page's cancel (issue #10 item 4) ───────────────────────
  // Our clone of a response is a tee of its body: the network keeps going while either branch reads. So
  // when the page cancels its body (stream.cancel(), reader.cancel()) or its body stream is collected
  // unread, our branch is cancelled too, and the browser closes the connection as it would without
  // Keyhole. (A cancel that happens inside pipeTo/pipeThrough does not pass through these methods.)
  const stopOf = new WeakMap<object, () => void>(); // the page's body stream → cancel our clone
  const streamOf = new WeakMap<object, object>(); // a reader of such a stream → the stream
  const Registry = FinalizationRegistry; // built on the first captured response (a page may replace the global by then)
  let dropped: FinalizationRegistry<() => void> | undefined;
  const RS = ReadableStream.prototype;
  const RSReader = ReadableStreamDefaultReader.prototype;
  const stopFor = (stream: unknown): (() => void) | undefined => (typeof stream === 'object' && stream !== null ? (apply(wmGet, stopOf, [stream]) as (() => void) | undefined) : undefined);
  RS.cancel = disguise(RS.cancel, {
    apply(target, stream, args) {
      try {
        stopFor(stream)?.();
      } catch {
        /* never affects the page */
      }
      return apply(target, stream, args);
    },
  });
  RS.getReader = disguise(RS.getReader, {
    apply(target, stream, args) {
      const reader = apply(target, stream, args) as object;
      try {
        if (stopFor(stream)) apply(wmSet, streamOf, [reader, stream]);
      } catch {
        /* never affects the page */
      }
      return reader;
    },
  });
  RSReader.cancel = disguise(RSReader.cancel, {
    apply(target, reader, args) {
      try {
        if (typeof reader === 'object' && reader !== null) stopFor(apply(wmGet, streamOf, [reader]))?.();
      } catch {
        /* never affects the page */
      }
      return apply(target, reader, args);
    },
  });

  // ── fetch ────────────────────────────────────────────────────────────────
  function beginFetch(input: unknown, init: RequestInit | undefined): Pending | undefined {
    // A string URL is no Request: asked first, so `Request` is not built in the page's world for it (see copyBody).
    const isRequest = typeof input !== 'string' && input instanceof Request;
    const url = absolute(isRequest ? (input as Request).url : input);
    const method = init?.method ?? (isRequest ? (input as Request).method : 'GET');
    const headers = headerRecord(init?.headers ?? (isRequest ? (input as Request).headers : undefined));
    const hasInitBody = !!init && 'body' in init;
    const body = hasInitBody ? init.body : undefined;
    if (!shouldCapture({ url, headerNames: Object.keys(headers), body })) return undefined;
    const p = pending('hook-fetch', String(method), url, headers, hasInitBody ? body : undefined);
    if (!hasInitBody && isRequest && (input as Request).body && !(input as Request).bodyUsed) {
      // Clone before the native fetch consumes the Request's body.
      p.requestBody = (input as Request).clone().arrayBuffer().then(
        (data) => (data.byteLength > LIMIT ? { data: '', size: data.byteLength, truncated: true } : { data, size: data.byteLength, truncated: false }),
        () => undefined,
      );
    }
    return p;
  }

  function watchFetch(promise: Promise<Response>, p: Pending): void {
    promise.then(
      (res) => {
        let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
        const meta = { status: res.status, responseHeaders: headerRecord(res.headers) };
        try {
          reader = res.clone().body?.getReader(); // runs before any page callback: ours was attached first
        } catch {
          return emit(p, meta);
        }
        if (!reader) return emit(p, meta);
        const ours = reader;
        let cut = false;
        const stop = () => {
          if (cut) return;
          cut = true;
          ours.cancel().catch(() => {});
        };
        const body = res.body;
        if (body) {
          apply(wmSet, stopOf, [body, stop]);
          // Dropped unread: when the page's body stream is collected, nobody reads it — stop ours too. (The
          // stream, not the Response: `(await fetch(u)).json()` drops the Response while still reading.)
          (dropped ??= new Registry<() => void>((stop) => stop())).register(body, stop);
        }
        readLimited(ours, Number(res.headers.get('content-length'))).then(
          (body) => {
            if (body) apply(wmDelete, stopOf, [body]);
            // Cut short by the page: what arrived is not the whole body — recorded as such, not as a short one.
            if (cut) emit(p, { ...meta, error: `body: the page cancelled reading it after ${body.size} bytes` }, { data: '', size: body.size, truncated: true });
            else emit(p, meta, body);
          },
          (e: unknown) => emit(p, { ...meta, error: `body: ${errorName(e)}` }),
        );
      },
      (e: unknown) => emit(p, { responseHeaders: {}, error: errorName(e) }),
    );
  }

  const errorName = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, MAX_ERROR_LENGTH);

  const nativeFetch = window.fetch;
  window.fetch = disguise(nativeFetch, {
    apply(target, thisArg, args: [unknown, RequestInit?]) {
      let p: Pending | undefined;
      try {
        p = beginFetch(args[0], args[1]);
      } catch {
        p = undefined;
      }
      const result = apply(target, thisArg, args) as Promise<Response>;
      if (p) {
        try {
          watchFetch(result, p);
        } catch {
          /* never affects the page */
        }
      }
      return result;
    },
  });

  // ── XMLHttpRequest ───────────────────────────────────────────────────────
  interface XhrState {
    method: string;
    url: string;
    headers: Record<string, string>;
  }
  const xhrState = new WeakMap<XMLHttpRequest, XhrState>();
  const XHR = XMLHttpRequest.prototype;

  XHR.open = disguise(XHR.open, {
    apply(target, xhr: XMLHttpRequest, args: unknown[]) {
      try {
        xhrState.set(xhr, { method: String(args[0]), url: absolute(args[1]), headers: {} });
      } catch {
        /* ignore */
      }
      return apply(target, xhr, args);
    },
  });

  XHR.setRequestHeader = disguise(XHR.setRequestHeader, {
    apply(target, xhr: XMLHttpRequest, args: [string, string]) {
      const r = apply(target, xhr, args); // native validates first: invalid names throw before we record
      try {
        const s = xhrState.get(xhr);
        if (s) {
          const n = String(args[0]).toLowerCase();
          const v = String(args[1]);
          s.headers[n] = Object.hasOwn(s.headers, n) ? `${s.headers[n]}, ${v}` : v;
        }
      } catch {
        /* ignore */
      }
      return r;
    },
  });

  function xhrResponseBody(xhr: XMLHttpRequest): PageBody | Promise<PageBody | undefined> | undefined {
    switch (xhr.responseType) {
      case '':
      case 'text': {
        const t = xhr.responseText;
        // Text decoding of a binary body replaced invalid bytes: keep it, but say so (architecture.md §3).
        return t.length > LIMIT ? { data: '', size: t.length, truncated: true } : { data: t, size: t.length, truncated: false, ...(t.includes('\uFFFD') && { lossy: true }) };
      }
      case 'arraybuffer': {
        const b = xhr.response as ArrayBuffer | null;
        if (!b) return undefined;
        return b.byteLength > LIMIT ? { data: '', size: b.byteLength, truncated: true } : { data: b.slice(0), size: b.byteLength, truncated: false };
      }
      case 'blob': {
        const b = xhr.response as Blob | null;
        if (!b) return undefined;
        if (b.size > LIMIT) return { data: '', size: b.size, truncated: true };
        return b.arrayBuffer().then(
          (data) => ({ data, size: data.byteLength, truncated: false }),
          () => undefined,
        );
      }
      case 'json': {
        // Already parsed by the browser: the wire bytes are gone; re-serialised text is the best we have.
        const t = xhr.response === null ? '' : JSON.stringify(xhr.response);
        return { data: t, size: t.length, truncated: false, lossy: true };
      }
      default:
        return undefined;
    }
  }

  function watchXhr(xhr: XMLHttpRequest, p: Pending): void {
    let failure: string | undefined;
    const onFail = (e: Event) => (failure = e.type);
    xhr.addEventListener('error', onFail, { once: true });
    xhr.addEventListener('abort', onFail, { once: true });
    xhr.addEventListener('timeout', onFail, { once: true });
    xhr.addEventListener(
      'loadend',
      () => {
        xhr.removeEventListener('error', onFail);
        xhr.removeEventListener('abort', onFail);
        xhr.removeEventListener('timeout', onFail);
        try {
          if (failure || xhr.status === 0) return emit(p, { responseHeaders: {}, error: failure ?? 'network error' });
          const meta = { status: xhr.status, responseHeaders: parseRawHeaders(xhr.getAllResponseHeaders()) };
          const body = xhrResponseBody(xhr);
          if (body instanceof Promise) body.then((b) => emit(p, meta, b), () => emit(p, meta));
          else emit(p, meta, body);
        } catch {
          /* ignore */
        }
      },
      { once: true },
    );
  }

  function parseRawHeaders(raw: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of raw.split('\r\n')) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      out[k] = Object.hasOwn(out, k) ? `${out[k]}, ${v}` : v;
    }
    return out;
  }

  XHR.send = disguise(XHR.send, {
    apply(target, xhr: XMLHttpRequest, args: unknown[]) {
      try {
        const s = xhrState.get(xhr);
        const body = args[0];
        if (s && shouldCapture({ url: s.url, headerNames: Object.keys(s.headers), body })) {
          watchXhr(xhr, pending('hook-xhr', s.method, s.url, { ...s.headers }, body));
        }
      } catch {
        /* ignore */
      }
      return apply(target, xhr, args);
    },
  });

  // ── WebCrypto ────────────────────────────────────────────────────────────
  // The page's handshake: RSA-OAEP(32-byte AES key) → we learn key ↔ encReqKey/encRespKey (§6, §8 type 1).
  // Raw AES imports/exports are candidate keys for trial decryption (the GCM tag decides).
  const S = SubtleCrypto.prototype;
  const algName = (a: unknown): string => String(typeof a === 'string' ? a : (a as { name?: unknown } | null)?.name ?? '').toUpperCase();
  const key32 = (d: unknown): ArrayBuffer | undefined => {
    const v = viewOf(d);
    return v && v.byteLength === 32 ? v.slice().buffer : undefined;
  };

  S.encrypt = disguise(S.encrypt, {
    apply(target, thisArg, args: unknown[]) {
      let plain: ArrayBuffer | undefined;
      try {
        if (algName(args[0]) === 'RSA-OAEP') plain = key32(args[2]);
      } catch {
        plain = undefined;
      }
      const result = apply(target, thisArg, args) as Promise<ArrayBuffer>;
      if (plain) {
        const key = plain;
        result.then(
          (ct) => send({ kind: 'wrap', key, wrapped: ct.slice(0), at: now() }),
          () => {},
        );
      }
      return result;
    },
  });

  S.importKey = disguise(S.importKey, {
    apply(target, thisArg, args: unknown[]) {
      let key: ArrayBuffer | string | undefined;
      try {
        if (algName(args[2]).startsWith('AES')) {
          if (args[0] === 'raw') key = key32(args[1]);
          else if (args[0] === 'jwk') {
            const k = (args[1] as { k?: unknown } | null)?.k;
            if (typeof k === 'string' && k.length <= MAX_JWK_K_LENGTH) key = k; // base64url; the relay decodes and checks 32 bytes
          }
        }
      } catch {
        key = undefined;
      }
      const result = apply(target, thisArg, args) as Promise<CryptoKey>;
      if (key !== undefined) {
        const k = key;
        result.then(
          () => send({ kind: 'aes-key', op: 'import', key: k, at: now() }),
          () => {},
        );
      }
      return result;
    },
  });

  S.exportKey = disguise(S.exportKey, {
    apply(target, thisArg, args: unknown[]) {
      const result = apply(target, thisArg, args) as Promise<ArrayBuffer | JsonWebKey>;
      try {
        const cryptoKey = args[1] as CryptoKey;
        if (args[0] === 'raw' && cryptoKey instanceof CryptoKey && cryptoKey.algorithm.name.toUpperCase().startsWith('AES')) {
          result.then(
            (raw) => {
              const key = key32(raw);
              if (key) send({ kind: 'aes-key', op: 'export', key, at: now() });
            },
            () => {},
          );
        }
      } catch {
        /* ignore */
      }
      return result;
    },
  });
})();
