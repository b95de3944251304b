// Test helpers: real upstream servers on 127.0.0.1 port 0 whose answer to the n-th health check is
// scripted, and a bounded wait. Shared by the checker tests only.
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { HealthCheckConfig } from './config.ts';
import { compileHealthChecks } from './config.ts';
import { systemTimers, type Timers } from './timers.ts';

/** What to do with the n-th request (1-based): answer with a status, or never answer. */
export type Script = (n: number) => number | 'hang';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly userAgent: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Upstream {
  readonly port: number;
  /** Requests received so far. */
  readonly hits: number;
  /** Connections (HTTP/1) or sessions (HTTP/2) accepted so far. */
  readonly connections: number;
  readonly seen: readonly SeenRequest[];
  /** Stops listening and drops every connection, hung requests included. */
  close(): Promise<void>;
}

export async function startUpstream(script: Script, protocol: 'http1' | 'h2c' = 'http1'): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const sockets = new Set<{ destroy(): void }>();
  const answer = (n: number, respond: (status: number) => void) => {
    const action = script(n);
    if (action !== 'hang') respond(action);
  };
  let server: http.Server | http2.Http2Server;
  if (protocol === 'http1') {
    const s = http.createServer((req, res) => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        host: req.headers.host ?? '',
        userAgent: req.headers['user-agent'] ?? '',
        headers: req.headers,
      });
      answer(seen.length, (status) => res.writeHead(status).end('ok'));
    });
    s.on('connection', (socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server = s;
  } else {
    const s = http2.createServer();
    s.on('session', (session) => {
      connections++;
      sockets.add(session);
      session.on('close', () => sockets.delete(session));
    });
    s.on('stream', (stream, headers) => {
      seen.push({
        method: String(headers[':method']),
        path: String(headers[':path']),
        host: String(headers[':authority']),
        userAgent: String(headers['user-agent']),
        headers,
      });
      answer(seen.length, (status) => {
        stream.respond({ ':status': status });
        stream.end('ok');
      });
    });
    server = s;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get hits() {
      return seen.length;
    },
    get connections() {
      return connections;
    },
    seen,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** Polls `condition` every 5 ms; fails after `timeoutMs` saying what it was waiting for. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A compiled config with fast defaults (50 ms interval) for tests; `extra` overrides fields. */
export function fastConfig(
  extra: Record<string, unknown> = {},
  http: Record<string, unknown> = {},
): HealthCheckConfig {
  const config = compileHealthChecks(
    [
      {
        timeout: '0.5s',
        interval: '0.05s',
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        ...extra,
        http_health_check: { path: '/healthz', ...http },
      },
    ],
    'health_checks',
  );
  if (!config) throw new Error('fastConfig: no health check');
  return config;
}

/** The system timers, counting the ones armed, so a test can see close() leave none. */
export function countingTimers(): Timers & { readonly armed: number } {
  const armed = new Set<unknown>();
  return {
    get armed() {
      return armed.size;
    },
    setTimeout(fn, ms) {
      const handle = systemTimers.setTimeout(() => {
        armed.delete(handle);
        fn();
      }, ms);
      armed.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      armed.delete(handle);
      systemTimers.clearTimeout(handle);
    },
  };
}
