/**
 * A pass-through HTTP proxy in front of the reference gateway that can hold one matching request
 * (before forwarding it) until the test releases it — to stop the service worker at an exact point of
 * a refresh. Forwarding keeps method, path, headers and body unchanged.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hold {
  /** Resolves when the matching request has fully arrived at the proxy. */
  arrived: Promise<void>;
  /** Forward it now (the answer goes back to whoever still listens). */
  release(): void;
}

export interface HoldProxy {
  url(basePath: string): string;
  holdNext(path: RegExp): Hold;
  close(): Promise<void>;
}

export async function startHoldProxy(target: { host: string; port: number }): Promise<HoldProxy> {
  let pending: { re: RegExp; arrived: () => void; gate: Promise<void> } | undefined;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (pending && pending.re.test(req.url ?? '')) {
      const p = pending;
      pending = undefined;
      p.arrived();
      await p.gate;
    }
    const up = httpRequest({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    up.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (basePath) => `http://127.0.0.1:${port}${basePath}`,
    holdNext(re) {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedP = new Promise<void>((r, reject) => {
        arrived = r;
        setTimeout(() => reject(new Error(`hold-proxy: no request matching ${re} within 10 s`)), 10_000).unref();
      });
      arrivedP.catch(() => undefined);
      const gate = new Promise<void>((r) => (release = r));
      pending = { re, arrived, gate };
      return { arrived: arrivedP, release };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
