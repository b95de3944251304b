// Per-request state: one object per downstream request, holding what the access log, the stats and
// the router need to know about it. Everything the request path decides is recorded here.
import { randomUUID } from 'node:crypto';
import type { HeaderMutation, HttpConnectionManagerTable } from '../compile/index.ts';
import { applyHeaderMutation } from '../compile/index.ts';
import { countResponse, type HttpStats, RF } from '../metrics/index.ts';
import type { AccessLogEntry, AccessLogger } from './access-log.ts';
import type { DownstreamRequest, DownstreamResponse, Headers, RequestInfo } from './downstream.ts';
import { isGrpcRequest, type LocalReply, sendLocalReply } from './local-reply.ts';
import { peerOf } from './peer.ts';

export class Stream {
  readonly startTime = Date.now();
  readonly startHr = performance.now();
  status = 0;
  flags = 0;
  bytesSent = 0;
  /** Request body bytes, as counted by whoever read the body. */
  receivedBodyBytes = 0;
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  routeName: string | undefined;
  attempts = 0;
  /** Set when the downstream went away before the response completed. */
  downstreamClosed = false;
  readonly grpc: boolean;
  readonly requestId: string;
  /** Aborts whatever the stream is waiting on (upstream attempt, fault delay, back-off). */
  onAbort: ((reason: 'downstream' | 'idle') => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Counted in the fault filter's active faults until the stream ends (max_active_faults). */
  private faultHeld = false;
  private finished = false;

  constructor(
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly http2: boolean,
    readonly info: RequestInfo,
    readonly hcm: HttpConnectionManagerTable,
    readonly stats: HttpStats,
    private readonly accessLogs: readonly AccessLogger[],
  ) {
    this.grpc = isGrpcRequest(info.header('content-type'));
    const headers = info.headers;
    const existing = headers['x-request-id'];
    if (
      typeof existing === 'string' &&
      existing !== '' &&
      (hcm.preserveExternalRequestId || !hcm.useRemoteAddress)
    ) {
      this.requestId = existing;
    } else if (hcm.generateRequestId) {
      this.requestId = randomUUID();
      headers['x-request-id'] = this.requestId;
    } else this.requestId = typeof existing === 'string' ? existing : '';
    res.once('close', () => this.onClose());
  }

  /** Starts (or restarts) the stream idle timer; 0 disables it. */
  armIdleTimeout(ms: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = ms > 0 ? setTimeout(() => this.onIdle(), ms) : undefined;
  }

  /** HCM request_timeout: the whole request must arrive within `ms`, else 408. */
  armRequestTimeout(ms: number): void {
    const timer = setTimeout(() => {
      if (this.onAbort) this.onAbort('idle');
      if (!this.res.headersSent) this.reply({ status: 408, body: 'request timeout' });
      else this.res.destroy();
    }, ms);
    this.req.once('end', () => clearTimeout(timer));
    this.res.once('close', () => clearTimeout(timer));
  }

  /** Applies a header mutation, giving %FORMATTERS% what they read only when the mutation has any. */
  mutate(m: HeaderMutation, headers: Headers, responseHeaders?: Headers, upstreamHost?: string): void {
    if (m.empty) return;
    if (!m.plan?.needsContext) return applyHeaderMutation(m, headers);
    const peer = peerOf(this.req, this.http2);
    const local = this.req.socket;
    applyHeaderMutation(m, headers, {
      downstreamRemoteIp: peer?.remoteAddress,
      downstreamRemotePort: peer?.remotePort,
      downstreamLocalIp: local?.localAddress,
      downstreamLocalPort: local?.localPort,
      protocol: this.http2 ? 'HTTP/2' : `HTTP/${this.req.httpVersion}`,
      requestHeaders: this.info.headers,
      ...(responseHeaders ? { responseHeaders, upstreamRemoteAddress: upstreamHost ?? '' } : {}),
    });
  }

  holdFault(): void {
    this.faultHeld = true;
    this.stats.faultsActive++;
  }

  touch(): void {
    this.idleTimer?.refresh();
  }

  private onIdle(): void {
    this.flags |= RF.STREAM_IDLE_TIMEOUT;
    if (this.onAbort) this.onAbort('idle');
    if (!this.res.headersSent) this.reply({ status: 408, body: 'stream timeout' });
    else this.res.destroy();
  }

  reply(reply: LocalReply, flags = 0): void {
    this.flags |= flags;
    this.status = this.grpc ? 200 : reply.status;
    if (this.downstreamClosed) return;
    this.bytesSent += sendLocalReply(this.res, reply, this.grpc);
  }

  private onClose(): void {
    if (!this.res.writableFinished) {
      this.downstreamClosed = true;
      if (this.status === 0 || !this.res.headersSent) this.flags |= RF.DOWNSTREAM_CONNECTION_TERMINATION;
      if (this.onAbort) this.onAbort('downstream');
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const stats = this.stats;
    stats.rqActive--;
    if (this.faultHeld) stats.faultsActive--;
    countResponse(stats, this.status, this.flags);
    if (this.accessLogs.length > 0) {
      const entry = this.logEntry();
      for (const log of this.accessLogs) log.write(entry);
    }
  }

  private logEntry(): AccessLogEntry {
    const info = this.info;
    return {
      start_time: new Date(this.startTime).toISOString(),
      method: info.method,
      path: info.path,
      authority: info.authority,
      protocol: this.http2 ? 'HTTP/2' : `HTTP/${this.req.httpVersion}`,
      response_code: this.status,
      response_flags: this.flags,
      bytes_received: this.receivedBodyBytes,
      bytes_sent: this.bytesSent,
      duration: Math.round(performance.now() - this.startHr),
      upstream_host: this.upstreamHost,
      upstream_cluster: this.upstreamCluster,
      route_name: this.routeName,
      request_id: this.requestId,
      downstream_remote_address: remoteAddress(this.req, this.http2),
      user_agent: info.header('user-agent'),
      x_forwarded_for: info.header('x-forwarded-for'),
      attempts: this.attempts,
      traffic_direction: this.hcm.trafficDirection,
    };
  }
}

export function remoteAddress(req: DownstreamRequest, http2: boolean): string {
  const peer = peerOf(req, http2);
  const addr = peer?.remoteAddress ?? '';
  return addr.includes(':') ? `[${addr}]:${peer?.remotePort}` : `${addr}:${peer?.remotePort}`;
}
