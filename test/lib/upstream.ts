// Real upstream servers for tests: HTTP/1.1 or h2c, on 127.0.0.1:0. By default each echoes the request
// as JSON; `X-Test-*` request headers script its behaviour so one server serves many cases.
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

export interface Echo {
  server: string;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Upstream {
  readonly name: string;
  readonly port: number;
  /** Requests seen, in order. */
  readonly seen: Echo[];
  close(): Promise<void>;
}

export interface UpstreamOptions {
  name?: string;
  h2c?: boolean;
  /** Overrides the default behaviour (after the body is read). */
  handler?: (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
    echo: Echo,
  ) => void;
}

/**
 * Default behaviour, driven by request headers:
 * - x-test-status: respond with this status
 * - x-test-delay-ms: wait before responding
 * - x-test-fail-times: with x-test-key, fail (x-test-status or 503) the first N requests of that key
 * - x-test-reset: destroy the connection without a response
 */
export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const name = options.name ?? 'upstream';
  const seen: Echo[] = [];
  const failures = new Map<string, number>();
  const sockets = new Set<Socket>();
  const handle = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers } as Record<string, string | string[] | undefined>;
      const echo: Echo = {
        server: name,
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(echo);
      if (options.handler) return options.handler(req, res, echo);
      const h = (n: string) => headers[n] as string | undefined;
      const respond = () => {
        if (h('x-test-reset')) return req.socket.destroy();
        let status = Number(h('x-test-status') ?? 200);
        const key = h('x-test-key');
        const failTimes = Number(h('x-test-fail-times') ?? 0);
        if (key && failTimes > 0) {
          const n = failures.get(key) ?? 0;
          failures.set(key, n + 1);
          if (n < failTimes) status = Number(h('x-test-status') ?? 503);
          else status = 200;
        }
        const body = JSON.stringify(echo);
        (res as http.ServerResponse).writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-upstream': name,
        });
        res.end(body);
      };
      const delay = Number(h('x-test-delay-ms') ?? 0);
      if (delay > 0) setTimeout(respond, delay);
      else respond();
    });
  };
  const server: http.Server | http2.Http2Server = options.h2c
    ? http2.createServer(handle)
    : http.createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
