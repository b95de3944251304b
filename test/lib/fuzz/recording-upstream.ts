// The fuzz upstream: records every request it receives and whether its body arrived whole, and
// answers as the request's x-fuzz-* headers script it (200, 503, resets at several points, slow
// responses, closing the connection). A request whose 'end' fires with a body that differs from the
// one the client announced is an integrity violation: the proxy forwarded a truncated request as whole.
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { BodyFingerprint, checksum, LEN_HEADER, patternBytes, SUM_HEADER } from './body.ts';
import type { UpstreamKind } from './generators.ts';

export const ID_HEADER = 'x-fuzz-id';
export const UPSTREAM_HEADER = 'x-fuzz-upstream';
export const SCRIPT_HEADERS = {
  kind: 'x-fuzz-kind',
  failFirst: 'x-fuzz-fail-first',
  responseBytes: 'x-fuzz-rsize',
  responseChunked: 'x-fuzz-rchunked',
  slowMs: 'x-fuzz-slow',
} as const;
export const RESPONSE_LEN_HEADER = 'x-fuzz-rlen';
export const RESPONSE_SUM_HEADER = 'x-fuzz-rsum';
export const PROBE_BODY = 'probe-ok';

export interface Arrival {
  readonly upstream: string;
  readonly attempt: number;
  /** The body's 'end' fired. */
  complete: boolean;
  bytes: number;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

export class RecordingUpstreams {
  /** Every attempt seen, by x-fuzz-id. */
  readonly arrivals = new Map<string, Arrival[]>();
  /** Integrity violations, by x-fuzz-id. */
  readonly violations = new Map<string, string[]>();
  /** Requests neither answered in full nor closed. */
  open = 0;
  private readonly servers: Array<{ server: http.Server | http2.Http2Server; sockets: Set<Socket> }> = [];
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  /** Starts one upstream; resolves with its port. */
  async start(name: string, h2c: boolean): Promise<number> {
    const handler = (req: Req, res: Res) => this.handle(name, h2c, req, res);
    const server = h2c ? http2.createServer(handler) : http.createServer(handler);
    const sockets = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    if (h2c) {
      (server as http2.Http2Server).on('session', (session) => {
        this.sessions.add(session);
        session.once('close', () => this.sessions.delete(session));
        session.on('error', () => {});
      });
    }
    server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
    this.servers.push({ server, sockets });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await Promise.all(
      this.servers.map(
        ({ server, sockets }) =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
          }),
      ),
    );
  }

  private handle(name: string, h2c: boolean, req: Req, res: Res): void {
    req.on('error', () => {});
    res.on('error', () => {});
    const header = (n: string) => {
      const v = req.headers[n];
      return typeof v === 'string' ? v : undefined;
    };
    const id = header(ID_HEADER);
    if (id === undefined) {
      // the liveness probe
      req.resume();
      req.on('end', () => res.end(PROBE_BODY));
      return;
    }
    const list = this.arrivals.get(id) ?? [];
    this.arrivals.set(id, list);
    const arrival: Arrival = { upstream: name, attempt: list.length + 1, complete: false, bytes: 0 };
    list.push(arrival);
    this.open++;
    res.once('close', () => this.open--);
    const failFirst = Number(header(SCRIPT_HEADERS.failFirst) ?? 0);
    const kind: UpstreamKind =
      failFirst === 0 || arrival.attempt <= failFirst
        ? ((header(SCRIPT_HEADERS.kind) ?? 'ok') as UpstreamKind)
        : 'ok';
    const reset = () => {
      if (h2c) (res as http2.Http2ServerResponse).stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      else req.socket.destroy();
    };
    if (kind === 'reset-early') return reset();
    const body = new BodyFingerprint();
    req.on('data', (chunk: Buffer) => {
      body.add(chunk);
      arrival.bytes = body.bytes;
    });
    req.on('end', () => {
      arrival.complete = true;
      const expectedLen = Number(header(LEN_HEADER));
      const expectedSum = header(SUM_HEADER);
      const sum = body.digest();
      if (body.bytes !== expectedLen || sum !== expectedSum) {
        const problems = this.violations.get(id) ?? [];
        problems.push(
          `${name} attempt ${arrival.attempt}: request body complete with ${body.bytes} bytes (sha1 ${sum.slice(0, 8)}), ` +
            `the client meant ${expectedLen} bytes (sha1 ${expectedSum?.slice(0, 8)})`,
        );
        this.violations.set(id, problems);
      }
      if (kind === 'reset-before-headers') return reset();
      const status = kind === 'status-503' ? 503 : 200;
      const size = Number(header(SCRIPT_HEADERS.responseBytes) ?? 0);
      const chunked = !h2c && header(SCRIPT_HEADERS.responseChunked) === '1';
      const slowMs = Number(header(SCRIPT_HEADERS.slowMs) ?? 0);
      const salt = expectedLen & 0xff;
      const payload = patternBytes(size, salt);
      const headers: Record<string, string> = {
        [UPSTREAM_HEADER]: name,
        [ID_HEADER]: id,
        [RESPONSE_LEN_HEADER]: String(size),
        [RESPONSE_SUM_HEADER]: checksum([payload]),
      };
      if (!chunked) headers['content-length'] = String(size);
      if (kind === 'close' && !h2c) headers.connection = 'close';
      after(slowMs, () => {
        if (res.destroyed) return;
        // both codecs' responses share this surface; node's types just do not say so
        const out = res as http.ServerResponse;
        out.writeHead(status, headers);
        const half = size >> 1;
        out.write(payload.subarray(0, half));
        if (kind === 'reset-mid-body') return after(slowMs, reset);
        after(slowMs, () => {
          if (out.destroyed) return;
          out.end(payload.subarray(half));
          if (kind === 'close' && h2c) (req as http2.Http2ServerRequest).stream.session?.close();
        });
      });
    });
  }
}

function after(ms: number, fn: () => void): void {
  if (ms > 0) setTimeout(fn, ms);
  else setImmediate(fn);
}
