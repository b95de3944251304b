// The HTTP side of a filter chain with an http_connection_manager: HTTP/1.1 and HTTP/2 cleartext
// (prior knowledge) on the same connections. node:http2 cannot fall back to HTTP/1.1 without TLS,
// so the first bytes of each connection pick the codec (DESIGN.md §5) and the socket is handed to
// that server; bytes a listener filter already read are replayed first. The connection manager is
// swapped on each config version; requests already running keep the one they started with.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpConnectionManagerTable } from '../compile/index.ts';
import type { ConnectionManager } from '../http/index.ts';
import { handleUpgrade, registerSessionPeer } from '../http/index.ts';
import type { HttpStats } from '../metrics/index.ts';
import {
  BAD_REQUEST,
  countHeaderTimeout,
  countRefusedHeaders,
  H1_DATA_AFTER_CLOSE_CODE,
  H1_HEADER_TIMEOUT_CODE,
  HEADER_TIMEOUT,
  HEADERS_TOO_LARGE,
  h1ServerOptions,
  h2Settings,
  headerPhaseTimeoutMs,
  refuseTooManyHeaders,
} from './codec-limits.ts';
import { ReplaySocket } from './replay-socket.ts';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SNIFF_TIMEOUT_MS = 10_000;

/** What the codec servers are built from: a server is reused across versions while these stay. */
export function httpServerKey(hcm: HttpConnectionManagerTable): string {
  return `${hcm.maxRequestHeadersKb}|${hcm.idleTimeoutMs}|${hcm.http2MaxConcurrentStreams}|${headerPhaseTimeoutMs(hcm)}|${hcm.maxHeadersCount}`;
}

function serveH2Stream(
  server: HttpChainServer,
  req: http2.Http2ServerRequest,
  res: http2.Http2ServerResponse,
): void {
  server.serveH2(req, res);
}

export class HttpChainServer {
  private manager: ConnectionManager;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<net.Socket>();
  private draining = false;
  /** A connection silent this long is closed before a codec is picked: no request has begun. */
  private readonly sniffTimeoutMs: number;
  /** The raw socket of the HTTP/2 connection being handed over ('session' fires synchronously). */
  private handingOver: net.Socket | undefined;

  constructor(
    hcm: HttpConnectionManagerTable,
    manager: ConnectionManager,
    private stats: HttpStats,
  ) {
    this.manager = manager;
    const headerPhase = headerPhaseTimeoutMs(hcm);
    this.sniffTimeoutMs = headerPhase > 0 ? Math.min(headerPhase, SNIFF_TIMEOUT_MS) : SNIFF_TIMEOUT_MS;
    this.h1 = http.createServer(h1ServerOptions(hcm), (req, res) => {
      if (this.draining) res.shouldKeepAlive = false;
      if (refuseTooManyHeaders(req, res, false, hcm, this.stats)) return;
      this.manager.handle(req, res, false);
    });
    this.h1.maxHeadersCount = hcm.maxHeadersCount + 1;
    // node:http starts checking header deadlines (headersTimeout) when its server listens
    if (headerPhaseTimeoutMs(hcm) > 0) this.h1.emit('listening');
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(hcm, err, socket),
    );
    this.h1.on('timeout', (socket: Duplex) => {
      // only keep-alive connections have a socket timeout: idle_timeout with no request in flight
      this.stats.cxIdleTimeout++;
      socket.destroy();
    });
    this.h1.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      handleUpgrade(this.manager, req, socket as net.Socket, head),
    );
    this.h2 = http2.createServer(h2Settings(hcm), (req, res) => {
      if (refuseTooManyHeaders(req, res, true, hcm, this.stats)) return;
      // nghttp2 hands over every frame of a read at once: a stream reset in the same read (rapid
      // reset) is already destroyed once the read is done, and must not reach the upstream
      setImmediate(serveH2Stream, this, req, res);
    });
    this.h2.on('session', (session) => {
      if (this.handingOver) registerSessionPeer(session, this.handingOver);
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (hcm.idleTimeoutMs > 0) {
        session.setTimeout(hcm.idleTimeoutMs, () => {
          this.stats.cxIdleTimeout++;
          session.close();
        });
      }
      if (this.draining) session.close();
    });
    this.h2.on('sessionError', () => this.stats.cxProtocolError++);
  }

  private onClientError(hcm: HttpConnectionManagerTable, err: NodeJS.ErrnoException, socket: Duplex): void {
    // extra bytes after a request that closes the connection: its response is still to be sent
    if (err.code === H1_DATA_AFTER_CLOSE_CODE) return;
    if (err.code === H1_HEADER_TIMEOUT_CODE) {
      countHeaderTimeout(this.stats, hcm);
      return void (socket.writable ? socket.end(HEADER_TIMEOUT) : socket.destroy());
    }
    this.stats.cxProtocolError++;
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    if (err.code !== 'HPE_HEADER_OVERFLOW') return void socket.end(BAD_REQUEST);
    countRefusedHeaders(this.stats, false);
    socket.end(HEADERS_TOO_LARGE);
  }

  /** An HTTP/2 request, once the read that carried it is done: unless it was reset meanwhile. */
  serveH2(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
    if (!req.stream.destroyed) this.manager.handle(req, res, true);
  }

  /** A new config version: new requests (on new and open connections) use `manager`. */
  update(manager: ConnectionManager, stats: HttpStats): void {
    this.manager = manager;
    this.stats = stats;
  }

  /**
   * Serves a connection. `head` holds bytes a listener filter already read (replayed first);
   * `ended` says the client half-closed meanwhile, which leaves no request to serve.
   */
  serve(socket: net.Socket, head?: Buffer, ended = false): void {
    if (ended) return void socket.destroy();
    const stats = this.stats;
    stats.cxTotal++;
    stats.cxActive++;
    this.sockets.add(socket);
    socket.once('close', () => {
      stats.cxActive--;
      this.sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    if (this.draining) return void socket.destroy();
    const codec = this.manager.table.codec;
    if (head) return this.handOver(socket, head, codec);
    if (codec === 'h1') return void this.h1.emit('connection', socket);
    const timer = setTimeout(() => socket.destroy(), this.sniffTimeoutMs);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      this.handOver(socket, chunk, codec);
    });
  }

  private handOver(socket: net.Socket, head: Buffer, codec: HttpConnectionManagerTable['codec']): void {
    const n = Math.min(head.length, H2_PREFACE.length);
    const h2 = codec === 'h2' || (codec === 'auto' && n >= 4 && head.compare(H2_PREFACE, 0, n, 0, n) === 0);
    if (h2) {
      this.handingOver = socket;
      this.h2.emit('connection', new ReplaySocket(socket, head));
      this.handingOver = undefined;
      return;
    }
    socket.unshift(head);
    this.h1.emit('connection', socket);
    socket.resume();
  }

  /**
   * Asks keep-alive and HTTP/2 clients to go away and waits, up to `timeoutMs`, for the connections
   * still carrying requests to finish them; then closes whatever is left.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.h1.closeIdleConnections();
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      this.h1.closeIdleConnections();
    }
    for (const socket of this.sockets) socket.destroy();
    for (const session of this.sessions) session.destroy();
    this.h1.close(); // stops node's header deadline checks
  }

  close(): Promise<void> {
    return this.drain(0);
  }
}
