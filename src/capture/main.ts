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

  // Everything the hook uses after document_start, read here, before any page script: a page that replaces a
  // global or a prototype method after load sees none of our calls — not the messages we send, not the copies
  // we take. Property reads only; the Web IDL interfaces read (CustomEvent, URL, Headers, Response) are the
  // ones a first capture builds anyway. Called as `call(fn, self, ...)`: a rest array, no iterator.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  const call = (fn: Function, self: unknown, ...args: unknown[]): any => apply(fn, self, args); // eslint-disable-line @typescript-eslint/no-explicit-any
  const getOwn = Reflect.getOwnPropertyDescriptor;
  const getter = (proto: object, key: string) => getOwn(proto, key)!.get!;
  const CustomEventCtor = CustomEvent;
  const eventType = getter(Reflect.getPrototypeOf(CustomEvent.prototype)!, 'type');
  const dispatchEventFn = window.dispatchEvent; // EventTarget.prototype's, through window's chain
  const addListener = window.addEventListener;
  const removeListener = window.removeEventListener;
  const URLCtor = URL;
  const urlHref = getter(URL.prototype, 'href');
  const HeadersCtor = Headers;
  const headersForEach = Headers.prototype.forEach;
  const headersGet = Headers.prototype.get;
  const Res = Response.prototype;
  const resClone = Res.clone;
  const resBody = getter(Res, 'body');
  const resHeaders = getter(Res, 'headers');
  const resStatus = getter(Res, 'status');
  const keys = Object.keys;
  const hasOwn = Object.hasOwn;
  const create = Object.create;
  const str = String;
  const num = Number;
  const isFiniteNum = Number.isFinite;
  const max = Math.max;
  const stringify = JSON.stringify;
  const P = Promise;
  const then = Promise.prototype.then;
  const numToString = Number.prototype.toString;
  const SP = String.prototype;
  const sSlice = SP.slice;
  const toUpper = SP.toUpperCase;
  const toLower = SP.toLowerCase;
  const split = SP.split;
  const indexOf = SP.indexOf;
  const trim = SP.trim;
  const sIncludes = SP.includes;
  const startsWith = SP.startsWith;
  const U8 = Uint8Array;
  const TA = Reflect.getPrototypeOf(Uint8Array.prototype)!;
  const taSlice = (TA as Uint8Array).slice;
  const taSet = (TA as Uint8Array).set;
  const taBuffer = getter(TA, 'buffer');
  const taByteLength = getter(TA, 'byteLength');
  const abSlice = ArrayBuffer.prototype.slice;
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const noop = () => {};
  /** Our own header records: no prototype, so no setter a page defines on Object.prototype sees a name. */
  const record = (): Record<string, string> => create(null);
  /** A copy of one of our Uint8Array views, as an ArrayBuffer of its own. */
  const copyOf = (v: Uint8Array): ArrayBuffer => call(taBuffer, call(taSlice, v));
  /** A FIFO of our own objects: no Array.prototype method or index setter a page could replace is used. */
  type Link<T> = { v: T; next: Link<T> | undefined };
  function queue<T>() {
    let head: Link<T> | undefined;
    let tail: Link<T> | undefined;
    return {
      size: 0,
      push(v: T): void {
        const l: Link<T> = { v, next: undefined };
        if (tail) tail.next = l;
        else head = l;
        tail = l;
        this.size++;
      },
      drain(f: (v: T) => void): void {
        let l = head;
        head = tail = undefined;
        this.size = 0;
        for (; l; l = l.next) f(l.v);
      },
    };
  }

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
  const early = queue<Record<string, unknown>>();
  const hello = awaitRelay((node) => {
    channel = node;
    early.drain(dispatch);
  });
  function dispatch(msg: Record<string, unknown>): void {
    try {
      call(dispatchEventFn, channel, new CustomEventCtor(MESSAGE_EVENT, { detail: msg }));
    } catch {
      /* a body the clone refuses is simply not captured */
    }
  }
  // Dispatching clones the message into the relay's world (bodies included): done in order, when the page
  // idles (a page waiting on the network is idle), at the latest after a second — never inside the
  // page's own promise callbacks.
  const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback : undefined;
  const later = setTimeout;
  const outbox = queue<Record<string, unknown>>();
  let flushing = false;
  function flush(): void {
    flushing = false;
    outbox.drain(dispatch);
  }
  function send(msg: Record<string, unknown>): void {
    const m = { channel: CAPTURE_CHANNEL, ...msg };
    if (!channel) {
      if (early.size < 100) early.push(m);
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
      return call(urlHref, new URLCtor(str(u), location.href));
    } catch {
      return str(u);
    }
  };

  function headerRecord(h: unknown): Record<string, string> {
    const out = record();
    if (!h) return out;
    try {
      call(headersForEach, new HeadersCtor(h as HeadersInit), (v: string, k: string) => (out[k] = v));
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
    if (v) {
      const n: number = call(taByteLength, v);
      return n > LIMIT ? { data: '', size: n, truncated: true } : { data: copyOf(v), size: n, truncated: false };
    }
    if (body instanceof URLSearchParams) return copyBody(body.toString());
    if (body instanceof Blob) {
      if (body.size > LIMIT) return { data: '', size: body.size, truncated: true };
      return call(then, body.arrayBuffer(), (data: ArrayBuffer) => ({ data, size: call(abByteLength, data) as number, truncated: false }), () => undefined);
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
        durationMs: max(0, perfNow() - p.t0),
        method: p.method,
        url: p.url,
        requestHeaders: p.requestHeaders,
        ...(requestBody && { requestBody }),
        ...rest,
        ...(responseBody && { responseBody }),
      };
      send({ kind: 'exchange', exchange });
    };
    if (p.requestBody instanceof P) call(then, p.requestBody, finish, () => finish(undefined));
    else finish(p.requestBody);
  }

  function pending(source: Pending['source'], method: string, url: string, requestHeaders: Record<string, string>, body: unknown): Pending {
    return {
      id: `${(idPrefix ??= `${call(numToString, now(), 36)}-${call(sSlice, call(numToString, random(), 36), 2, 8)}`)}-${seq++}`,
      source,
      startedAt: now(),
      t0: perfNow(),
      method: call(toUpper, method),
      url,
      requestHeaders,
      requestBody: copyBody(body),
    };
  }

  /** Reads a cloned response up to the limit; past it, stops reading and reports the size seen. No `await`:
   * it would look up the `constructor` of each promise, which a page can make a getter. */
  function readLimited(reader: ReadableStreamDefaultReader<Uint8Array>, declared: number): Promise<PageBody> {
    const chunks = queue<Uint8Array>();
    let size = 0;
    return new P<PageBody>((resolve, reject) => {
      const step = (r: ReadableStreamReadResult<Uint8Array>): void => {
        if (r.done) {
          const out = new U8(size);
          let o = 0;
          chunks.drain((c) => {
            call(taSet, out, c, o);
            o += call(taByteLength, c) as number;
          });
          return resolve({ data: call(taBuffer, out), size, truncated: false });
        }
        size += call(taByteLength, r.value) as number;
        if (size > LIMIT) {
          call(then, call(readerCancel, reader), noop, noop);
          return resolve({ data: '', size: max(size, isFiniteNum(declared) ? declared : 0), truncated: true });
        }
        chunks.push(r.value);
        next();
      };
      const next = () => call(then, call(readerRead, reader), step, reject);
      next();
    });
  }

  // ── following the page's cancel (issue #10 item 4) ───────────────────────
  // Our clone of a response is a tee of its body: the network keeps going while either branch reads. So
  // when the page cancels its body (stream.cancel(), reader.cancel()) or its body stream is collected
  // unread, our branch is cancelled too, and the browser closes the connection as it would without
  // Keyhole. (A cancel that happens inside pipeTo/pipeThrough does not pass through these methods.)
  const stopOf = new WeakMap<object, () => void>(); // the page's body stream → cancel our clone
  const streamOf = new WeakMap<object, object>(); // a reader of such a stream → the stream
  const Registry = FinalizationRegistry; // built on the first captured response (a page may replace the global by then)
  const register = Registry.prototype.register;
  let dropped: FinalizationRegistry<() => void> | undefined;
  const RS = ReadableStream.prototype;
  const RSReader = ReadableStreamDefaultReader.prototype;
  const getReader = RS.getReader; // the natives, before our wrappers below
  const readerRead = RSReader.read;
  const readerCancel = RSReader.cancel;
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
    if (!shouldCapture({ url, headerNames: keys(headers), body })) return undefined;
    const p = pending('hook-fetch', str(method), url, headers, hasInitBody ? body : undefined);
    if (!hasInitBody && isRequest && (input as Request).body && !(input as Request).bodyUsed) {
      // Clone before the native fetch consumes the Request's body.
      p.requestBody = call(
        then,
        (input as Request).clone().arrayBuffer(),
        (data: ArrayBuffer) => {
          const n: number = call(abByteLength, data);
          return n > LIMIT ? { data: '', size: n, truncated: true } : { data, size: n, truncated: false };
        },
        () => undefined,
      );
    }
    return p;
  }

  function watchFetch(promise: Promise<Response>, p: Pending): void {
    call(
      then,
      promise,
      (res: Response) => {
        let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
        const headers: Headers = call(resHeaders, res);
        const meta = { status: call(resStatus, res) as number, responseHeaders: headerRecord(headers) };
        try {
          const cloned: ReadableStream<Uint8Array> | null = call(resBody, call(resClone, res));
          reader = cloned ? call(getReader, cloned) : undefined; // runs before any page callback: ours was attached first
        } catch {
          return emit(p, meta);
        }
        if (!reader) return emit(p, meta);
        const ours = reader;
        let cut = false;
        const stop = () => {
          if (cut) return;
          cut = true;
          call(then, call(readerCancel, ours), noop, noop);
        };
        const stream: ReadableStream | null = call(resBody, res);
        if (stream) {
          apply(wmSet, stopOf, [stream, stop]);
          // Dropped unread: when the page's body stream is collected, nobody reads it — stop ours too. (The
          // stream, not the Response: `(await fetch(u)).json()` drops the Response while still reading.)
          call(register, (dropped ??= new Registry<() => void>((stop) => stop())), stream, stop);
        }
        call(
          then,
          readLimited(ours, num(call(headersGet, headers, 'content-length'))),
          (body: PageBody) => {
            if (stream) apply(wmDelete, stopOf, [stream]);
            // Cut short by the page: what arrived is not the whole body — recorded as such, not as a short one.
            if (cut) emit(p, { ...meta, error: `body: the page cancelled reading it after ${body.size} bytes` }, { data: '', size: body.size, truncated: true });
            else emit(p, meta, body);
          },
          (e: unknown) => emit(p, { ...meta, error: `body: ${errorName(e)}` }),
        );
      },
      (e: unknown) => emit(p, { responseHeaders: record(), error: errorName(e) }),
    );
  }

  const errorName = (e: unknown): string => call(sSlice, e instanceof Error ? `${e.name}: ${e.message}` : str(e), 0, MAX_ERROR_LENGTH);

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
  const xhrState = new WeakMap<XMLHttpRequest, XhrState>(); // through the saved wmGet/wmSet
  const XHR = XMLHttpRequest.prototype;
  const xhrResponseType = getter(XHR, 'responseType');
  const xhrResponseText = getter(XHR, 'responseText');
  const xhrResponse = getter(XHR, 'response');
  const xhrStatus = getter(XHR, 'status');
  const xhrAllHeaders = XHR.getAllResponseHeaders;

  XHR.open = disguise(XHR.open, {
    apply(target, xhr: XMLHttpRequest, args: unknown[]) {
      try {
        apply(wmSet, xhrState, [xhr, { method: str(args[0]), url: absolute(args[1]), headers: record() }]);
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
        const s = apply(wmGet, xhrState, [xhr]) as XhrState | undefined;
        if (s) {
          const n: string = call(toLower, str(args[0]));
          const v = str(args[1]);
          s.headers[n] = hasOwn(s.headers, n) ? `${s.headers[n]}, ${v}` : v;
        }
      } catch {
        /* ignore */
      }
      return r;
    },
  });

  function xhrResponseBody(xhr: XMLHttpRequest): PageBody | Promise<PageBody | undefined> | undefined {
    switch (call(xhrResponseType, xhr) as XMLHttpRequestResponseType) {
      case '':
      case 'text': {
        const t: string = call(xhrResponseText, xhr);
        // Text decoding of a binary body replaced invalid bytes: keep it, but say so (architecture.md §3).
        return t.length > LIMIT ? { data: '', size: t.length, truncated: true } : { data: t, size: t.length, truncated: false, ...(call(sIncludes, t, '\uFFFD') && { lossy: true }) };
      }
      case 'arraybuffer': {
        const b = call(xhrResponse, xhr) as ArrayBuffer | null;
        if (!b) return undefined;
        const n: number = call(abByteLength, b);
        return n > LIMIT ? { data: '', size: n, truncated: true } : { data: call(abSlice, b, 0), size: n, truncated: false };
      }
      case 'blob': {
        const b = call(xhrResponse, xhr) as Blob | null;
        if (!b) return undefined;
        if (b.size > LIMIT) return { data: '', size: b.size, truncated: true };
        return call(then, b.arrayBuffer(), (data: ArrayBuffer) => ({ data, size: call(abByteLength, data) as number, truncated: false }), () => undefined);
      }
      case 'json': {
        // Already parsed by the browser: the wire bytes are gone; re-serialised text is the best we have.
        const r: unknown = call(xhrResponse, xhr);
        const t: string = r === null ? '' : str(stringify(r));
        return { data: t, size: t.length, truncated: false, lossy: true };
      }
      default:
        return undefined;
    }
  }

  function watchXhr(xhr: XMLHttpRequest, p: Pending): void {
    let failure: string | undefined;
    const onFail = (e: Event) => (failure = call(eventType, e));
    call(addListener, xhr, 'error', onFail, { once: true });
    call(addListener, xhr, 'abort', onFail, { once: true });
    call(addListener, xhr, 'timeout', onFail, { once: true });
    call(
      addListener,
      xhr,
      'loadend',
      () => {
        call(removeListener, xhr, 'error', onFail);
        call(removeListener, xhr, 'abort', onFail);
        call(removeListener, xhr, 'timeout', onFail);
        try {
          const status: number = call(xhrStatus, xhr);
          if (failure || status === 0) return emit(p, { responseHeaders: record(), error: failure ?? 'network error' });
          const meta = { status, responseHeaders: parseRawHeaders(call(xhrAllHeaders, xhr)) };
          const body = xhrResponseBody(xhr);
          if (body instanceof P) call(then, body, (b: PageBody | undefined) => emit(p, meta, b), () => emit(p, meta));
          else emit(p, meta, body);
        } catch {
          /* ignore */
        }
      },
      { once: true },
    );
  }

  function parseRawHeaders(raw: string): Record<string, string> {
    const out = record();
    const lines: string[] = call(split, raw, '\r\n');
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j]!;
      const i: number = call(indexOf, line, ':');
      if (i <= 0) continue;
      const k: string = call(toLower, call(trim, call(sSlice, line, 0, i)));
      const v: string = call(trim, call(sSlice, line, i + 1));
      out[k] = hasOwn(out, k) ? `${out[k]}, ${v}` : v;
    }
    return out;
  }

  XHR.send = disguise(XHR.send, {
    apply(target, xhr: XMLHttpRequest, args: unknown[]) {
      try {
        const s = apply(wmGet, xhrState, [xhr]) as XhrState | undefined;
        const body = args[0];
        if (s && shouldCapture({ url: s.url, headerNames: keys(s.headers), body })) {
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
  const algName = (a: unknown): string => call(toUpper, str(typeof a === 'string' ? a : ((a as { name?: unknown } | null)?.name ?? '')));
  const key32 = (d: unknown): ArrayBuffer | undefined => {
    const v = viewOf(d);
    return v && call(taByteLength, v) === 32 ? copyOf(v) : undefined;
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
        call(then, result, (ct: ArrayBuffer) => send({ kind: 'wrap', key, wrapped: call(abSlice, ct, 0), at: now() }), noop);
      }
      return result;
    },
  });

  S.importKey = disguise(S.importKey, {
    apply(target, thisArg, args: unknown[]) {
      let key: ArrayBuffer | string | undefined;
      try {
        if (call(startsWith, algName(args[2]), 'AES')) {
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
        call(then, result, () => send({ kind: 'aes-key', op: 'import', key: k, at: now() }), noop);
      }
      return result;
    },
  });

  S.exportKey = disguise(S.exportKey, {
    apply(target, thisArg, args: unknown[]) {
      const result = apply(target, thisArg, args) as Promise<ArrayBuffer | JsonWebKey>;
      try {
        const cryptoKey = args[1] as CryptoKey;
        if (args[0] === 'raw' && cryptoKey instanceof CryptoKey && call(startsWith, algName(cryptoKey.algorithm), 'AES')) {
          call(
            then,
            result,
            (raw: unknown) => {
              const key = key32(raw);
              if (key) send({ kind: 'aes-key', op: 'export', key, at: now() });
            },
            noop,
          );
        }
      } catch {
        /* ignore */
      }
      return result;
    },
  });
})();
