// Per-request state: one object per downstream request, the context every HTTP filter and the
// router work on. It owns the request's lifetime: it learns first when the downstream goes away
// (an HTTP/1.1 disconnect, an HTTP/2 RST_STREAM) and tells whatever the request is waiting on, and
// it records everything the access log and the stats need to know.
import { randomUUID } from 'node:crypto';
import { type Http2ServerRequest, constants as http2Constants } from 'node:http2';
import type { Readable } from 'node:stream';
import type {
  HeaderMutation,
  HttpConnectionManagerTable,
  RouteEntry,
  VirtualHostTable,
  WeightedClusterTable,
} from '../../compile/index.ts';
import { applyHeaderMutation } from '../../compile/index.ts';
import { countResponse, type HttpStats, RF } from '../../metrics/index.ts';
import type { Clock, Random, Timer } from '../../time/index.ts';
import type { AccessLogEntry, AccessLogger } from './access-log.ts';
import type { DownstreamRequest, DownstreamResponse, Headers, RequestInfo } from './downstream.ts';
import { isGrpcRequest, type LocalReply, sendLocalReply } from './local-reply.ts';
import { peerOf } from './peer.ts';

export type WeightedCluster = WeightedClusterTable['clusters'][number];

/** What the request path of one config version shares across its requests. */
export interface StreamEnv {
  readonly hcm: HttpConnectionManagerTable;
  readonly stats: HttpStats;
  readonly accessLogs: readonly AccessLogger[];
  readonly clock: Clock;
  readonly random: Random;
}

export type AbortReason = 'downstream' | 'idle' | 'request-timeout';

export class Stream {
  readonly startTime: number;
  readonly startHr: number;
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
  // The route decision, made once before the filters run (Envoy's route cache).
  vhost: VirtualHostTable | undefined;
  route: RouteEntry | undefined;
  /** The weighted cluster drawn for this request, when the route splits traffic. */
  weighted: WeightedCluster | undefined;
  /** Where the router sends the request (undefined for direct responses and redirects). */
  clusterName: string | undefined;
  /** The request body as the next filter sees it (the downstream request, or what a filter kept). */
  body: Readable | undefined;
  /** Response header mutations added by filters (CORS, header_mutation), applied after the route's. */
  filterResponseMutations: HeaderMutation[] | undefined;
  readonly grpc: boolean;
  readonly requestId: string;
  /** Aborts whatever the stream is waiting on (upstream attempt, fault delay, back-off). */
  onAbort: ((reason: AbortReason) => void) | undefined;
  private idleTimer: Timer | undefined;
  private requestTimer: Timer | undefined;
  /** Counted in the fault filter's active faults until the stream ends (max_active_faults). */
  private faultHeld = false;
  private finished = false;
  readonly hcm: HttpConnectionManagerTable;
  readonly stats: HttpStats;
  readonly clock: Clock;
  readonly random: Random;

  constructor(
    readonly req: DownstreamRequest,
    readonly res: DownstreamResponse,
    readonly http2: boolean,
    readonly info: RequestInfo,
    private readonly env: StreamEnv,
  ) {
    this.hcm = env.hcm;
    this.stats = env.stats;
    this.clock = env.clock;
    this.random = env.random;
    this.startTime = env.clock.wallNow();
    this.startHr = env.clock.now();
    this.grpc = isGrpcRequest(info.header('content-type'));
    const hcm = env.hcm;
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
    // An HTTP/2 RST_STREAM (or an HTTP/1.1 disconnect mid-request) shows first as 'aborted' on the
    // request; after an RST node even reports the response as finished, so 'close' alone cannot tell.
    req.once('aborted', () => this.downstreamGone());
    res.once('close', () => this.onClose());
    // the stream's own writable side: the compatibility response reports 'finish' only once the
    // whole stream has closed, which an unread request body prevents
    if (http2) (req as Http2ServerRequest).stream.once('finish', () => this.stopUnreadBody());
    // An HTTP/2 stream can be reset before its request event runs: nghttp2 refuses a body shorter
    // than its content-length while reading the same packet, and then node reports nothing more.
    if (req.destroyed || (http2 && (req as Http2ServerRequest).stream.destroyed)) {
      this.downstreamGone();
      this.finish();
    }
  }

  /** Starts (or restarts) the stream idle timer; 0 disables it. */
  armIdleTimeout(ms: number): void {
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = ms > 0 ? this.clock.setTimeout(() => this.onIdle(), ms) : undefined;
  }

  /** HCM request_timeout: the whole request must arrive within `ms`, else 408. */
  armRequestTimeout(ms: number): void {
    this.requestTimer = this.clock.setTimeout(() => this.onRequestTimeout(), ms);
    this.req.once('end', () => this.clearRequestTimer());
  }

  private clearRequestTimer(): void {
    this.clock.clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }

  private onRequestTimeout(): void {
    this.requestTimer = undefined;
    if (this.finished) return;
    this.stats.rqTimeout++;
    // Answer first: stopping the upstream attempt destroys the request body, which node reports
    // as the downstream aborting.
    if (!this.res.headersSent) this.reply({ status: 408, body: 'request timeout' });
    else this.res.destroy();
    this.onAbort?.('request-timeout');
  }

  /**
   * Waits `ms` on the stream's clock (a fault delay). Resolves true when the time elapsed, false
   * when the downstream went away first.
   */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.onAbort = undefined;
        resolve(true);
      }, ms);
      this.onAbort = () => {
        this.clock.clearTimeout(timer);
        this.onAbort = undefined;
        resolve(false);
      };
    });
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

  /** A filter's mutation of the response headers, applied after the route's own. */
  addResponseMutation(m: HeaderMutation): void {
    if (m.empty) return;
    if (this.filterResponseMutations) this.filterResponseMutations.push(m);
    else this.filterResponseMutations = [m];
  }

  holdFault(): void {
    this.faultHeld = true;
    this.stats.faultsActive++;
  }

  touch(): void {
    this.idleTimer?.refresh();
  }

  private onIdle(): void {
    this.idleTimer = undefined;
    if (this.finished) return;
    this.flags |= RF.STREAM_IDLE_TIMEOUT;
    if (!this.res.headersSent) this.reply({ status: 408, body: 'stream timeout' });
    else this.res.destroy();
    this.onAbort?.('idle');
  }

  reply(reply: LocalReply, flags = 0): void {
    this.flags |= flags;
    this.status = this.grpc ? 200 : reply.status;
    if (this.downstreamClosed) return;
    this.bytesSent += sendLocalReply(this.res, reply, this.grpc);
  }

  /**
   * The response is complete but the request body was not read to its end (a local reply, or an
   * upstream that answered early): end the stream with RST_STREAM NO_ERROR (RFC 9113 §8.1), as Envoy
   * does. Otherwise a client still sending waits on flow control forever, and even a body that
   * arrived whole keeps the stream open until someone reads it, so what is left is read and dropped. HTTP/1.1 needs nothing: node reads
   * and drops an unread body once the response ends.
   */
  private stopUnreadBody(): void {
    const req = this.req as Http2ServerRequest;
    if (req.readableEnded || req.stream.destroyed) return;
    // node destroys a closed stream only once its readable side has ended: drop what is buffered
    req.unpipe();
    req.resume();
    // a client still sending is told to stop, once the response has left (the reset must follow it)
    if (req.stream.state.remoteClose === 0) setImmediate(resetFinishedStream, req.stream);
  }

  /** The downstream went away before the response completed: stop whatever is running for it. */
  private downstreamGone(): void {
    if (this.downstreamClosed || this.finished) return;
    this.downstreamClosed = true;
    if (this.status === 0 || !this.res.headersSent) this.flags |= RF.DOWNSTREAM_CONNECTION_TERMINATION;
    this.onAbort?.('downstream');
  }

  private onClose(): void {
    if (!this.res.writableFinished) this.downstreamGone();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clock.clearTimeout(this.idleTimer);
    this.clearRequestTimer();
    const stats = this.stats;
    stats.rqActive--;
    if (this.faultHeld) stats.faultsActive--;
    countResponse(stats, this.status, this.flags);
    const accessLogs = this.env.accessLogs;
    if (accessLogs.length > 0) {
      const entry = this.logEntry();
      for (const log of accessLogs) log.write(entry);
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
      duration: Math.round(this.clock.now() - this.startHr),
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

function resetFinishedStream(stream: Http2ServerRequest['stream']): void {
  if (!stream.destroyed) stream.close(http2Constants.NGHTTP2_NO_ERROR);
}

export function remoteAddress(req: DownstreamRequest, http2: boolean): string {
  const peer = peerOf(req, http2);
  const addr = peer?.remoteAddress ?? '';
  return addr.includes(':') ? `[${addr}]:${peer?.remotePort}` : `${addr}:${peer?.remotePort}`;
}
