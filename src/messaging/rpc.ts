/**
 * Typed RPC across one extension boundary (popup↔SW, options↔SW, panel↔SW, relay↔SW).
 *
 * Each boundary declares its calls once, as a map of zod schemas (`defineRpc`). The caller side gets a
 * typed `call(method, input)`; the serving side gets a handler that validates the input, runs the
 * implementation and validates the output. Everything that crosses is parsed with zod, because the other
 * side may be a page-controlled script or an old build (architecture.md §2). Errors travel as
 * `{code, message}` and are rebuilt into `KeyholeError`s, so a popup can show a localized message for a
 * stable code. Transports are thin adapters (see port-transport.ts); tests use the
 * in-memory `directTransport`.
 */
import * as z from '../protocol/zod';
import { KeyholeError, type ErrorCode } from '../protocol/errors';

export interface RpcMethod<I extends z.ZodMiniType = z.ZodMiniType, O extends z.ZodMiniType = z.ZodMiniType> {
  input: I;
  output: O;
}
export type RpcMap = Record<string, RpcMethod>;
export interface RpcDef<M extends RpcMap> {
  boundary: string;
  methods: M;
}
export type RpcInput<M extends RpcMap, K extends keyof M> = z.input<M[K]['input']>;
export type RpcOutput<M extends RpcMap, K extends keyof M> = z.output<M[K]['output']>;
export type RpcHandlers<M extends RpcMap, Ctx = void> = {
  [K in keyof M]: (input: z.output<M[K]['input']>, ctx: Ctx) => Promise<z.input<M[K]['output']>> | z.input<M[K]['output']>;
};

export function defineRpc<M extends RpcMap>(boundary: string, methods: M): RpcDef<M> {
  return { boundary, methods };
}

/** The wire shape of a request and of its answer. */
export const RpcRequest = z.object({ boundary: z.string().check(z.maxLength(64)), method: z.string().check(z.maxLength(64)), input: z.unknown() });
export type RpcRequest = z.infer<typeof RpcRequest>;
export const RpcResponse = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().check(z.maxLength(64)), message: z.string().check(z.maxLength(2000)) }) }),
]);
export type RpcResponse = z.infer<typeof RpcResponse>;

export interface RpcTransport {
  /** Sends one request and resolves with the raw answer; rejects with a KeyholeError on transport failure. */
  send(request: RpcRequest, signal: AbortSignal): Promise<unknown>;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RpcClient<M extends RpcMap> {
  call<K extends keyof M & string>(method: K, input: RpcInput<M, K>, options?: CallOptions): Promise<RpcOutput<M, K>>;
}

export function createRpcClient<M extends RpcMap>(def: RpcDef<M>, transport: RpcTransport, defaults: CallOptions = {}): RpcClient<M> {
  return {
    async call(method, input, options = {}) {
      const spec = def.methods[method];
      const parsedInput = spec.input.safeParse(input);
      if (!parsedInput.success) throw new KeyholeError('SCHEMA_INVALID', `rpc: bad input for ${def.boundary}.${method}`);
      const timeoutMs = options.timeoutMs ?? defaults.timeoutMs ?? 30_000;
      const signals = [AbortSignal.timeout(timeoutMs), options.signal, defaults.signal].filter((s): s is AbortSignal => !!s);
      const signal = AbortSignal.any(signals);
      const raw = await raceAbort(transport.send({ boundary: def.boundary, method, input: parsedInput.data }, signal), signal);
      const answer = RpcResponse.safeParse(raw);
      if (!answer.success) throw new KeyholeError('WORKER_UNAVAILABLE', `rpc: no valid answer for ${def.boundary}.${method}`);
      if (!answer.data.ok) throw new KeyholeError(answer.data.error.code as ErrorCode, answer.data.error.message);
      const out = spec.output.safeParse(answer.data.value);
      if (!out.success) throw new KeyholeError('SCHEMA_INVALID', `rpc: bad output from ${def.boundary}.${method}`);
      return out.data as RpcOutput<M, typeof method>;
    },
  };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortError(signal: AbortSignal): KeyholeError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? new KeyholeError('TIMEOUT', 'rpc: no answer in time')
    : new KeyholeError('TIMEOUT', 'rpc: cancelled');
}

/**
 * Serving side. Returns `undefined` for requests of another boundary so several handlers can share one
 * `runtime.onMessage` listener chain; otherwise always resolves with an `RpcResponse` (never throws).
 */
export function createRpcHandler<M extends RpcMap, Ctx = void>(def: RpcDef<M>, handlers: RpcHandlers<M, Ctx>) {
  return (raw: unknown, ctx: Ctx): Promise<RpcResponse> | undefined => {
    const req = RpcRequest.safeParse(raw);
    if (!req.success || req.data.boundary !== def.boundary) return undefined;
    return run(req.data, ctx);
  };
  async function run(req: RpcRequest, ctx: Ctx): Promise<RpcResponse> {
    const spec = Object.hasOwn(def.methods, req.method) ? def.methods[req.method] : undefined;
    if (!spec) return fail('INPUT_INVALID', `rpc: unknown method ${req.method}`);
    const input = spec.input.safeParse(req.input);
    if (!input.success) return fail('SCHEMA_INVALID', `rpc: bad input for ${def.boundary}.${req.method}`);
    try {
      const value = await handlers[req.method as keyof M](input.data as z.output<M[keyof M]['input']>, ctx);
      const out = spec.output.safeParse(value);
      if (!out.success) return fail('SCHEMA_INVALID', `rpc: bad output for ${def.boundary}.${req.method}`);
      return { ok: true, value: out.data };
    } catch (e) {
      if (e instanceof KeyholeError) return fail(e.code, e.message);
      return fail('SERVER_ERROR', e instanceof Error ? e.message : String(e));
    }
  }
}

function fail(code: ErrorCode, message: string): RpcResponse {
  return { ok: false, error: { code, message } };
}

/** In-memory transport for tests: calls a handler directly, with a JSON round trip like the real runtime. */
export function directTransport(handler: (raw: unknown) => Promise<RpcResponse> | undefined): RpcTransport {
  return {
    async send(request) {
      const answer = handler(JSON.parse(JSON.stringify(request)));
      if (!answer) throw new KeyholeError('WORKER_UNAVAILABLE', 'rpc: nobody handles this boundary');
      return JSON.parse(JSON.stringify(await answer));
    },
  };
}
