/**
 * One HTTP exchange over an injected `fetch`, with a timeout and an AbortSignal.
 *
 * Why a wrapper: the client runs in a service worker, in Node and in tests, so `fetch` is injected; and
 * every failure must become a coded `KeyholeError` (`NETWORK_ERROR`, `TIMEOUT`) instead of a runtime
 * specific TypeError/DOMException. The whole exchange (headers *and* body) is raced against the
 * abort, so a fake or misbehaving fetch that ignores its signal still cannot hang a caller.
 * Timers are plain `setTimeout`, so tests can drive them with `vi.useFakeTimers()`.
 */
import { KeyholeError, isKeyholeError } from '../protocol/errors';

/** The subset of `fetch` the client uses; `globalThis.fetch` fits. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RequestControl {
  /** Caller's cancellation. An abort rejects with `TIMEOUT` (or with the signal's reason if it is a KeyholeError). */
  signal?: AbortSignal;
  /** Give up after this many milliseconds → `TIMEOUT`. 0 or undefined: no timer. */
  timeoutMs?: number;
}

/** A fully read response: bytes are exact (never decoded as text here — §12 binary responses). */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

function abortError(signal: AbortSignal): KeyholeError {
  const reason: unknown = signal.reason;
  if (isKeyholeError(reason)) return reason;
  return new KeyholeError('TIMEOUT', 'client: request aborted', { cause: reason });
}

/**
 * Wait for `promise`, but reject as soon as `signal` aborts (the promise keeps running: used to let
 * one caller stop waiting for a handshake that other callers share).
 */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Send one request and read the whole body as bytes. Never retries. */
export async function sendRequest(fetchFn: FetchLike, url: string, init: RequestInit, control: RequestControl = {}): Promise<RawResponse> {
  const controller = new AbortController();
  const { signal, timeoutMs } = control;
  if (signal?.aborted) throw abortError(signal);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const onCallerAbort = (): void => controller.abort(abortError(signal as AbortSignal));
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (timeoutMs !== undefined && timeoutMs > 0) {
    timer = setTimeout(() => controller.abort(new KeyholeError('TIMEOUT', `client: no response within ${timeoutMs} ms`)), timeoutMs);
  }
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(abortError(controller.signal)), { once: true });
  });
  // The race below may leave `aborted` unobserved when the exchange wins; keep it from being reported.
  aborted.catch(() => undefined);

  const exchange = (async (): Promise<RawResponse> => {
    let res: Response;
    try {
      res = await fetchFn(url, { ...init, signal: controller.signal });
    } catch (e) {
      if (controller.signal.aborted) throw abortError(controller.signal);
      // No URL query or body in the message: nothing secret, but also nothing the caller lacks.
      throw new KeyholeError('NETWORK_ERROR', 'client: network request failed', { cause: e });
    }
    try {
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body };
    } catch (e) {
      if (controller.signal.aborted) throw abortError(controller.signal);
      throw new KeyholeError('NETWORK_ERROR', 'client: response body could not be read', { cause: e, status: res.status });
    }
  })();

  try {
    return await Promise.race([exchange, aborted]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
    // Late failures of an abandoned exchange must not surface as unhandled rejections.
    exchange.catch(() => undefined);
  }
}
