// One listening socket serving HTTP/1.1 and HTTP/2 cleartext (prior knowledge) on the same port.
// node:http2 cannot fall back to HTTP/1.1 without TLS, so the first bytes of each connection pick the
// codec (DESIGN.md §5) and the socket is handed to that server. The connection manager is swapped
// on each config version; requests already running keep the one they started with.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerTable } from '../compile/types.ts';
import type { ConnectionManager } from '../http/connection-manager.ts';
import { registerSessionPeer } from '../http/peer.ts';
import { handleUpgrade } from '../http/upgrade.ts';
import type { HttpStats } from '../metrics/stats.ts';
import { ReplaySocket } from './replay-socket.ts';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SNIFF_TIMEOUT_MS = 10_000;

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 11\r\n\r\nBad Request';
const HEADERS_TOO_LARGE =
  'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 31\r\n\r\nRequest Header Fields Too Large';

export class HttpListener {
  private manager: ConnectionManager;
  private readonly server: net.Server;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<net.Socket>();
  private draining = false;
  /** The raw socket of the HTTP/2 connection being handed over ('session' fires synchronously). */
  private handingOver: net.Socket | undefined;

  constructor(
    readonly table: ListenerTable,
    manager: ConnectionManager,
    private readonly stats: HttpStats,
  ) {
    this.manager = manager;
    const hcm = table.http;
    this.h1 = http.createServer(
      {
        maxHeaderSize: hcm.maxRequestHeadersKb * 1024,
        requestTimeout: 0,
        headersTimeout: 60_000,
        keepAliveTimeout: hcm.idleTimeoutMs,
        joinDuplicateHeaders: true,
      },
      (req, res) => {
        if (this.draining) res.shouldKeepAlive = false;
        this.manager.handle(req, res, false);
      },
    );
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      this.stats.cxProtocolError++;
      if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
      socket.end(err.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : BAD_REQUEST);
    });
    this.h1.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      handleUpgrade(this.manager, req, socket as net.Socket, head),
    );
    this.h2 = http2.createServer(
      {
        maxSessionMemory: 64,
        settings: {
          maxHeaderListSize: hcm.maxRequestHeadersKb * 1024 * 2,
          ...(hcm.http2MaxConcurrentStreams ? { maxConcurrentStreams: hcm.http2MaxConcurrentStreams } : {}),
        },
      },
      (req, res) => this.manager.handle(req, res, true),
    );
    this.h2.on('session', (session) => {
      if (this.handingOver) registerSessionPeer(session, this.handingOver);
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    this.h2.on('sessionError', () => this.stats.cxProtocolError++);
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.table.port, this.table.address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  update(manager: ConnectionManager): void {
    this.manager = manager;
  }

  private accept(socket: net.Socket): void {
    this.stats.cxTotal++;
    this.stats.cxActive++;
    this.sockets.add(socket);
    socket.once('close', () => {
      this.stats.cxActive--;
      this.sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    const codec = this.table.http.codec;
    if (codec === 'h1') return void this.h1.emit('connection', socket);
    const timer = setTimeout(() => socket.destroy(), SNIFF_TIMEOUT_MS);
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      const n = Math.min(chunk.length, H2_PREFACE.length);
      const h2 =
        codec === 'h2' || (codec === 'auto' && n >= 4 && chunk.compare(H2_PREFACE, 0, n, 0, n) === 0);
      if (h2) {
        this.handingOver = socket;
        this.h2.emit('connection', new ReplaySocket(socket, chunk));
        this.handingOver = undefined;
        return;
      }
      socket.unshift(chunk);
      this.h1.emit('connection', socket);
      socket.resume();
    });
  }

  /** Stops accepting, asks keep-alive and HTTP/2 clients to go away, and waits for in-flight work. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.h1.closeIdleConnections();
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + timeoutMs;
    while (this.stats.rqActive > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      this.h1.closeIdleConnections();
    }
    for (const socket of this.sockets) socket.destroy();
    for (const session of this.sessions) session.destroy();
    await closed;
  }

  close(): Promise<void> {
    return this.drain(0);
  }
}
