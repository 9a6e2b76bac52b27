/**
 * The request pipeline. Order of decisions for every request (§12):
 *   route (404) → method (405; OPTIONS = CORS preflight) → declared size (413) → gateway headers
 *   (Cloudflare simulation, portal code; on SCv2 routes Content-Type and X-SC-Version: 403) →
 *   rate limit (429) → body read (413) → [SCv2 routes] body form / session / tag (400/401, plain;
 *   a type-1 envelope counts against the `session` rate limit first) → replay (400, encrypted) →
 *   fingerprint (403, encrypted) → handler (encrypted).
 * Everything before decryption answers plain JSON; everything after, encrypted in the request's form.
 * A refusal before the body was read is sent at once, but the response ends only once the body has
 * arrived (thrown away, http.ts discardBody): a client that reads only after sending gets the answer
 * instead of a reset connection, and a client that waits for it mid-body gets it at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { open, seal } from './aead';
import { DEMO_CSS, DEMO_JS, demoHtml } from './demo/page';
import {
  buildJsonEnvelope,
  buildSessionData,
  hasMagic,
  parseBinary,
  parseJsonEnvelope,
  TYPE_RESPONSE_DATA,
  type SealedParts,
} from './envelope';
import * as H from './handlers';
import { discardBody, DRAIN_CAP, GatewayError, JSON_CT, originMatcher, readBody, standardEnvelope, type HandlerResult } from './http';
import { selectLocale, t, type GatewayLocale } from './messages';
import { rateLimitFor } from './options';
import type { ScSession } from './store';
import { validationError } from './validate';

type Kind = 'health' | 'demo' | 'plain' | 'sc' | 'plain-nobody';

interface RouteDef {
  name: string;
  method: 'GET' | 'POST';
  kind: Kind;
  /** Cloudflare simulation and portal code apply (§12); health and the demo page are exempt. */
  gated: boolean;
  plain?: (core: H.Core, ctx: H.RequestCtx, body: unknown) => HandlerResult;
  sc?: (core: H.Core, ctx: H.RequestCtx, body: unknown) => HandlerResult;
}

const ROUTES: Record<string, RouteDef> = {
  health: { name: 'health', method: 'GET', kind: 'health', gated: false },
  demo: { name: 'demo', method: 'GET', kind: 'demo', gated: false },
  'public-key': { name: 'public-key', method: 'GET', kind: 'plain-nobody', gated: true, plain: (c) => H.publicKey(c) },
  session: { name: 'session', method: 'POST', kind: 'plain', gated: true, plain: H.createSession },
  'session.close': { name: 'session.close', method: 'POST', kind: 'plain-nobody', gated: true, plain: (c, x) => H.closeSession(c, x) },
  'login.initiate': { name: 'login.initiate', method: 'POST', kind: 'sc', gated: true, sc: H.loginInitiate },
  'login.complete': { name: 'login.complete', method: 'POST', kind: 'sc', gated: true, sc: H.loginComplete },
  refresh: { name: 'refresh', method: 'POST', kind: 'sc', gated: true, sc: H.refresh },
  logout: { name: 'logout', method: 'POST', kind: 'plain-nobody', gated: true, plain: (c, x) => H.logout(c, x) },
  // Keyhole bench extension (not SlaunchX): plain JSON echo, the unencrypted baseline of the bench.
  echo: { name: 'echo', method: 'POST', kind: 'plain', gated: true, plain: (_c, _x, body) => ({ data: body ?? null }) },
};

const SC_RE = /^\/web\/v1\/(?:(system|tenant|consumer|partner)\/)?secure-channel\/(public-key|session|session\/close)$/;
const AUTH_RE = /^\/web\/v1\/(system|tenant|consumer|partner)\/auth\/(login\/initiate|login\/complete|token\/refresh|logout)$/;
const AUTH_NAMES: Record<string, string> = {
  'login/initiate': 'login.initiate',
  'login/complete': 'login.complete',
  'token/refresh': 'refresh',
  logout: 'logout',
};
const DEMO_PATHS = new Set(['/demo', '/demo/', '/demo/index.html', '/demo/demo.js', '/demo/demo.css']);

type RouteMatch = Readonly<{ def: RouteDef; portal: string }>;

/**
 * Paths that matched, remembered: every request would otherwise run up to two regexes and build a new
 * match object. Only matches are kept, and there are few of them (the routes × the four portals), so
 * no request can grow this map.
 */
const MATCHED = new Map<string, RouteMatch>();

export function matchRoute(rel: string): RouteMatch | undefined {
  let m = MATCHED.get(rel);
  if (m) return m;
  m = matchRouteUncached(rel);
  if (m) MATCHED.set(rel, Object.freeze(m));
  return m;
}

function matchRouteUncached(rel: string): { def: RouteDef; portal: string } | undefined {
  if (rel === '/actuator/health') return { def: ROUTES.health!, portal: 'system' };
  if (rel === '/web/v1/system/echo') return { def: ROUTES.echo!, portal: 'system' };
  if (DEMO_PATHS.has(rel)) return { def: ROUTES.demo!, portal: 'system' };
  let m = SC_RE.exec(rel);
  if (m) return { def: ROUTES[m[2] === 'session/close' ? 'session.close' : m[2]!]!, portal: m[1] ?? 'system' };
  m = AUTH_RE.exec(rel);
  if (m) return { def: ROUTES[AUTH_NAMES[m[2]!]!]!, portal: m[1]! };
  return undefined;
}

export interface RequestEvent {
  method: string;
  path: string;
  route: string;
  status: number;
  code: string;
  ms: number;
}

export interface PipelineHooks {
  count(route: string): void;
  finished(ev: RequestEvent): void;
  /** A bug surfaced as SYSTEM.INTERNAL_ERROR (already answered). */
  internalError?(err: unknown): void;
}

/** Shared strict decoder (stateless for one-shot decode calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const CF_HEADERS = [
  ['cf-connecting-ip', 'CF-Connecting-IP'],
  ['cf-ray', 'Cf-Ray'],
  ['cf-ipcountry', 'cf-ipcountry'],
] as const;

const ALLOWED_HEADERS =
  'Content-Type, Accept, Accept-Language, Authorization, X-Client-Hash, X-SC-Session-Id, X-SC-Version, X-Secure-Channel-Session-Id, X-LOCALE, X-Request-Id, X-PORTAL-ACCESS-CODE, CF-Connecting-IP, Cf-Ray, cf-ipcountry, X-Forwarded-Proto';
const EXPOSED_HEADERS = 'X-SC-Session-Id, Retry-After, X-Request-Id';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * §3 gateway headers of an SCv2 call, refused like the other missing gateway headers (§12: plain 403
 * ACCESS.PERMISSION_DENIED naming the header): `Content-Type` must be JSON (also for binary envelopes),
 * and `X-SC-Version` must be `2` whenever present and whenever a session id is sent ("with the session
 * id"); a type-1 request, which has no session id yet, may leave it out.
 */
function scHeaderRefusal(req: IncomingMessage): GatewayError | undefined {
  const ct = header(req, 'content-type');
  if (!ct) return headerRefusal('Content-Type', 'HEADER_MISSING');
  if (!isJsonMediaType(ct)) return headerRefusal('Content-Type', 'HEADER_INVALID');
  const raw = header(req, 'x-sc-version');
  const version = raw === '2' ? raw : raw?.trim();
  if (version === undefined || version === '') {
    if (H.scSessionHeader(req)) return headerRefusal('X-SC-Version', 'HEADER_MISSING');
  } else if (version !== '2') return headerRefusal('X-SC-Version', 'HEADER_INVALID');
  return undefined;
}

function headerRefusal(h: string, key: 'HEADER_MISSING' | 'HEADER_INVALID'): GatewayError {
  return new GatewayError(403, 'ACCESS.PERMISSION_DENIED', key, { header: h }, { header: h });
}

/** `application/json` with any parameters, any case, spaces around the type allowed. */
function isJsonMediaType(ct: string): boolean {
  // The usual spellings without building strings; anything else the general way.
  if (ct === JSON_CT || ct === 'application/json') return true;
  const semi = ct.indexOf(';');
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** How an encrypted request arrived, so the answer can mirror it (§12). */
interface ScReply {
  session: ScSession;
  form: 'binary' | 'json';
  aad: Buffer | undefined;
  extraHeaders?: Record<string, string>;
}

/**
 * One request's state, handed to the pipeline's helpers (fail, takeRest, …) instead of closures made
 * anew for every request.
 */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  st: { route: string; code: string };
  locale: GatewayLocale;
  corsHeaders: Record<string, string>;
  /** The declared Content-Length (NaN when malformed, 0 when absent). */
  declared: number;
  /** The request body: nobody took it yet, or taken (read, or being thrown away: `tail`). */
  bodyTaken: boolean;
  /** The rest of the body being thrown away; the answer is ended when it is over (writeJson). */
  tail: Promise<boolean> | undefined;
}

function invalid(): GatewayError {
  return new GatewayError(400, 'SECURE_CHANNEL.INVALID_PAYLOAD', 'SC_INVALID_PAYLOAD');
}

function isInline(a: { inline?: unknown }): boolean {
  return a.inline !== undefined;
}

export function createPipeline(core: H.Core, hooks: PipelineHooks) {
  const { opts } = core;
  const base = opts.basePath;
  const corsOk = originMatcher(opts.corsOrigins);
  const local = opts.mode !== 'production';
  const html = demoHtml({ email: opts.demoEmail, password: opts.demoPassword, otp: opts.demoOtp });
  const DEMO_FILES: Record<string, { type: string; body: string }> = {
    '/demo/': { type: 'text/html; charset=utf-8', body: html },
    '/demo/index.html': { type: 'text/html; charset=utf-8', body: html },
    '/demo/demo.js': { type: 'text/javascript; charset=utf-8', body: DEMO_JS },
    '/demo/demo.css': { type: 'text/css; charset=utf-8', body: DEMO_CSS },
  };

  /**
   * `tail`: the rest of the request body still being thrown away; the answer is written now and ended
   * when it is over (false: too much or gone — the socket is dropped then).
   */
  function writeJson(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>, contentType = JSON_CT, tail?: Promise<boolean>) {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = status;
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (tail) {
      res.write(body);
      void tail.then((drained) => {
        res.end();
        if (!drained) res.once('finish', () => res.socket?.destroy());
      });
      return;
    }
    // Small binary bodies go out as latin1 strings: node:http then sends headers and body in one
    // write instead of a corked writev (measurably cheaper per request); bytes are unchanged.
    if (typeof body !== 'string' && body.length <= 64 * 1024) res.end(body.toString('latin1'), 'latin1');
    else res.end(body);
  }

  function errorBody(e: GatewayError, locale: GatewayLocale): string {
    return JSON.stringify(standardEnvelope(core.now(), false, e.code, t(e.key, locale, e.params), e.data));
  }

  /** Counts one request of `route` for the client; the 429 to answer when it is over the limit. */
  function overLimit(route: string, ctx: H.RequestCtx): GatewayError | undefined {
    const limit = rateLimitFor(opts, route);
    if (limit === undefined) return undefined;
    const now = core.now();
    const b = core.store.hit(`${route}|${ctx.clientKey}`, opts.windowMs, now);
    if (b.count <= limit) return undefined;
    const secs = Math.max(1, Math.ceil((b.resetAt - now) / 1000));
    return new GatewayError(429, 'RATE_LIMIT.EXCEEDED', 'RATE_LIMITED', { seconds: secs }, null, { 'Retry-After': String(secs) });
  }

  function internalError(): GatewayError {
    return new GatewayError(500, 'SYSTEM.INTERNAL_ERROR', 'INTERNAL_ERROR');
  }

  /** Seals a standard envelope for an SC reply in the request's form (§12 "mirrors the request"). */
  function sealedReply(res: ServerResponse, r: ScReply, status: number, envelope: object, headers: Record<string, string>) {
    const parts: SealedParts = seal(r.session.responseKey, JSON.stringify(envelope), r.aad);
    const h = r.extraHeaders ? { ...headers, ...r.extraHeaders } : headers;
    if (r.form === 'binary') {
      const ct = opts.binaryContentType === 'octet' ? 'application/octet-stream' : JSON_CT;
      writeJson(res, status, buildSessionData(TYPE_RESPONSE_DATA, parts), h, ct);
    } else {
      writeJson(res, status, buildJsonEnvelope(parts), h);
    }
  }

  /**
   * Opens an SCv2 request body: binary type 2 (session from header), binary type 1 (inline key
   * exchange), or JSON {v:2,p} with any of the three `p` readings. Throws plain-JSON errors only.
   */
  function openScRequest(ctx: H.RequestCtx, body: Buffer): { reply: ScReply; plaintext: Buffer; iv: Buffer; created: boolean } {
    type Attempt =
      | { parts: SealedParts; inline?: undefined }
      | { parts: SealedParts; inline: { keyId: string; encReqKey: Buffer; encRespKey: Buffer } };
    let form: 'binary' | 'json';
    const attempts: Attempt[] = [];
    if (hasMagic(body)) {
      form = 'binary';
      const env = parseBinary(body);
      if (!env || env.type === TYPE_RESPONSE_DATA) throw invalid();
      attempts.push(env.type === 1 ? { parts: env, inline: env } : { parts: env });
    } else {
      form = 'json';
      let text: string;
      try {
        text = UTF8.decode(body);
      } catch {
        throw invalid();
      }
      const cands = parseJsonEnvelope(text);
      if (!cands) throw invalid();
      for (const c of cands) {
        if (c.pEncoding === 'binary-envelope') {
          const env = c.envelope;
          attempts.push(env.type === 1 ? { parts: env, inline: env } : { parts: env });
        } else attempts.push({ parts: c });
      }
    }
    // An inline key exchange creates an SC session like POST …/session: same limit, checked before the RSA work.
    if (attempts.some(isInline)) {
      const limited = overLimit('session', ctx);
      if (limited) throw limited;
    }
    let firstError: GatewayError | undefined;
    const sid = H.scSessionHeader(ctx.req);
    let session: ScSession | undefined | null = null;
    for (const a of attempts) {
      try {
        if (a.inline) {
          if (!ctx.clientHash) throw new GatewayError(403, 'AUTH.FINGERPRINT_MISMATCH', 'HEADER_MISSING', { header: 'X-Client-Hash' });
          const keys = H.unwrapSessionKeys(core, a.inline.keyId, a.inline.encReqKey, a.inline.encRespKey);
          const pt = open(keys.requestKey, a.parts);
          if (!pt) throw invalid();
          const s = H.newScSession(core, a.inline.keyId, keys.requestKey, keys.responseKey, ctx.clientHash);
          return { reply: { session: s, form, aad: undefined, extraHeaders: { 'X-SC-Session-Id': s.id } }, plaintext: pt, iv: a.parts.iv, created: true };
        }
        if (session === null) session = H.liveScSession(core, sid);
        if (!session) throw new GatewayError(401, 'SECURE_CHANNEL.SESSION_NOT_FOUND', 'SC_SESSION_NOT_FOUND');
        let aad: Buffer | undefined;
        let pt = open(session.requestKey, a.parts);
        if (!pt) {
          aad = Buffer.from(session.id, 'utf8');
          pt = open(session.requestKey, a.parts, aad);
        }
        if (!pt) throw invalid();
        return { reply: { session, form, aad }, plaintext: pt, iv: a.parts.iv, created: false };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        firstError ??= e;
      }
    }
    throw firstError ?? invalid();
  }

  /**
   * The rest of the request body when nobody took it yet: thrown away as it arrives (`x.tail`), the
   * answer is ended after it. Returns the headers that go with that (`Connection: close` past DRAIN_CAP).
   */
  function takeRest(x: Exchange): Record<string, string> {
    if (x.bodyTaken) return {};
    x.bodyTaken = true;
    if (!(x.declared > 0) && header(x.req, 'transfer-encoding') === undefined) return {}; // no body: nothing to wait for
    // Announced bigger than we would ever read: answer and close at once (nothing better exists).
    if (x.declared > DRAIN_CAP) {
      x.tail = Promise.resolve(false);
      return { Connection: 'close' };
    }
    x.tail = discardBody(x.req);
    return {};
  }

  /** A plain-JSON refusal (everything before decryption). */
  function fail(x: Exchange, e: GatewayError): void {
    x.st.code = e.code;
    const extra = takeRest(x);
    writeJson(x.res, e.status, errorBody(e, x.locale), { ...x.corsHeaders, ...e.headers, ...extra }, JSON_CT, x.tail);
  }

  /** An encrypted refusal (after decryption), in the request's form. */
  function sealedFail(x: Exchange, reply: ScReply, e: GatewayError): void {
    x.st.code = e.code;
    const env = standardEnvelope(core.now(), false, e.code, t(e.key, x.locale, e.params), e.data);
    sealedReply(x.res, reply, e.status, env, e.headers ? { ...x.corsHeaders, ...e.headers } : x.corsHeaders);
  }

  function ok(st: Exchange['st'], r: HandlerResult) {
    st.code = r.code ?? '2000';
    return { status: r.status ?? 200, env: standardEnvelope(core.now(), true, st.code, 'SUCCESS', r.data), headers: r.headers };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, st: { route: string; code: string }): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q >= 0 ? url.slice(0, q) : url;
    const locale = selectLocale(header(req, 'x-locale'), header(req, 'accept-language'));
    const origin = header(req, 'origin');
    const corsHeaders: Record<string, string> = {};
    if (origin && corsOk(origin)) {
      corsHeaders['Access-Control-Allow-Origin'] = origin;
      corsHeaders['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
      corsHeaders['Vary'] = 'Origin';
    }
    const reqId = header(req, 'x-request-id');
    if (reqId && /^[\w.:-]{1,128}$/.test(reqId)) corsHeaders['X-Request-Id'] = reqId;

    const x: Exchange = { req, res, st, locale, corsHeaders, declared: Number(header(req, 'content-length') ?? '0'), bodyTaken: false, tail: undefined };
    const { declared } = x;

    const rel = base === '' ? pathname : pathname === base ? '' : pathname.startsWith(base + '/') ? pathname.slice(base.length) : undefined;
    const match = rel === undefined ? undefined : matchRoute(rel);
    if (!match) {
      st.route = 'not-found';
      hooks.count(st.route);
      return fail(x, new GatewayError(404, 'SYSTEM.NOT_FOUND', 'NOT_FOUND'));
    }
    const { def, portal } = match;
    if (method === 'OPTIONS') {
      st.route = 'preflight';
      hooks.count(st.route);
      st.code = '204';
      res.statusCode = 204;
      if (origin && corsOk(origin)) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        const asked = header(req, 'access-control-request-headers');
        res.setHeader('Access-Control-Allow-Headers', asked && /^[\w\-, ]{1,2000}$/.test(asked) ? asked : ALLOWED_HEADERS);
        res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    st.route = def.name;
    hooks.count(st.route);
    const allowed = def.method === 'GET' ? ['GET', 'HEAD'] : [def.method];
    if (!allowed.includes(method)) {
      return fail(x, new GatewayError(405, 'SYSTEM.METHOD_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', undefined, null, { Allow: `${def.method}, OPTIONS` }));
    }

    if (def.kind === 'health') {
      st.code = '2000';
      // Spring-style `{"status":"UP"}` (§1) merged into the standard envelope (§2): both readers are satisfied.
      const body = { ...standardEnvelope(core.now(), true, '2000', 'SUCCESS', { status: 'UP' }), status: 'UP' };
      return writeJson(res, 200, JSON.stringify(body), corsHeaders);
    }
    if (def.kind === 'demo') {
      const f = DEMO_FILES[rel!];
      st.code = f ? '200' : '301';
      if (!f) {
        res.writeHead(301, { Location: `${base}/demo/`, 'Content-Length': '0' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': f.type, 'Cache-Control': 'no-cache', 'Content-Length': Buffer.byteLength(f.body) });
      res.end(method === 'HEAD' ? undefined : f.body);
      return;
    }

    const readsBody = def.kind === 'plain' || def.kind === 'sc';
    if (readsBody && declared > opts.maxBodyBytes) {
      // §12: refused before reading; the rest is discarded as it arrives, never buffered (fail).
      return fail(x, new GatewayError(413, 'VALIDATION.PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', { limit: opts.maxBodyBytes }));
    }

    if (def.gated) {
      if (local) {
        for (const [h, display] of CF_HEADERS) {
          if (!header(req, h)) {
            return fail(x, new GatewayError(403, 'ACCESS.PERMISSION_DENIED', 'HEADER_MISSING', { header: display }, { header: display }));
          }
        }
      }
      if (opts.portalCode !== undefined && header(req, 'x-portal-access-code') !== opts.portalCode) {
        return fail(x, new GatewayError(403, 'ACCESS.PERMISSION_DENIED', 'PORTAL_CODE_INVALID'));
      }
    }
    if (def.kind === 'sc') {
      const refused = scHeaderRefusal(req);
      if (refused) return fail(x, refused);
    }

    const clientHash = header(req, 'x-client-hash')?.trim() || undefined;
    const ip = header(req, 'cf-connecting-ip') ?? req.socket.remoteAddress ?? '?';
    const ctx: H.RequestCtx = { req, method, path: pathname, route: def.name, portal, locale, clientHash, clientKey: `${ip}|${clientHash ?? ''}` };

    const limited = overLimit(def.name, ctx);
    if (limited) return fail(x, limited);

    let body: Buffer | undefined;
    if (readsBody) {
      x.bodyTaken = true;
      const r = await readBody(req, opts.maxBodyBytes);
      if (!r.ok) {
        if (r.reason === 'aborted') {
          st.code = 'ABORTED';
          res.destroy();
          return;
        }
        x.tail = r.rest;
        return fail(x, new GatewayError(413, 'VALIDATION.PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', { limit: opts.maxBodyBytes }));
      }
      body = r.body;
    }

    if (def.kind !== 'sc') {
      let parsed: unknown = undefined;
      if (def.kind === 'plain' && body && body.length > 0) {
        try {
          parsed = JSON.parse(UTF8.decode(body));
        } catch {
          return fail(x, validationError({ body: [t('V_OBJECT', locale)] }));
        }
      }
      try {
        const r = ok(st, def.plain!(core, ctx, parsed));
        // A body nobody asked for (public key, close, logout) is thrown away too (see writeJson's tail).
        const extra = takeRest(x);
        return writeJson(res, r.status, JSON.stringify(r.env), { ...corsHeaders, ...r.headers, ...extra }, JSON_CT, x.tail);
      } catch (e) {
        if (e instanceof GatewayError) return fail(x, e);
        throw e;
      }
    }

    // ---- SCv2 route
    let opened: ReturnType<typeof openScRequest>;
    try {
      opened = openScRequest(ctx, body!);
    } catch (e) {
      if (e instanceof GatewayError) return fail(x, e);
      throw e;
    }
    const { reply } = opened;
    try {
      // §12: replay is checked only after the tag verified, so forgeries cannot fill this memory.
      if (!core.store.rememberIv(reply.session.id, opened.iv.toString('hex'))) {
        throw new GatewayError(400, 'SECURE_CHANNEL.REPLAY_DETECTED', 'SC_REPLAY');
      }
      if (!opened.created && reply.session.clientHash !== ctx.clientHash) {
        throw new GatewayError(403, 'AUTH.FINGERPRINT_MISMATCH', 'FINGERPRINT_MISMATCH');
      }
      let json: unknown;
      try {
        json = JSON.parse(UTF8.decode(opened.plaintext));
      } catch {
        throw validationError({ body: [t('V_OBJECT', locale)] });
      }
      const r = ok(st, def.sc!(core, ctx, json));
      sealedReply(res, reply, r.status, r.env, r.headers ? { ...corsHeaders, ...r.headers } : corsHeaders);
    } catch (e) {
      if (e instanceof GatewayError) return sealedFail(x, reply, e);
      st.code = 'SYSTEM.INTERNAL_ERROR';
      try {
        sealedFail(x, reply, internalError());
      } catch {
        fail(x, internalError());
      }
      throw e;
    }
  }

  /** The node:http request listener: never throws, always answers (or destroys an aborted socket). */
  return function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const st = { route: 'unknown', code: '-' };
    res.once('close', () => {
      const pathname = (req.url ?? '/').split('?')[0]!;
      hooks.finished({ method: req.method ?? '?', path: pathname, route: st.route, status: res.statusCode, code: st.code, ms: performance.now() - started });
    });
    handle(req, res, st).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        st.code = 'SYSTEM.INTERNAL_ERROR';
        writeJson(res, 500, errorBody(internalError(), selectLocale(header(req, 'x-locale'), header(req, 'accept-language'))), {});
      }
      hooks.internalError?.(err);
    });
  };
}
