// The HTTP connection manager of one listener for one config version. The request path is a short
// composition: edge headers → route lookup (once, Envoy's route cache) → the configured http_filters
// in config order (filters/) → the router, the terminal filter (router.ts → forward.ts).
import { Transform, type TransformCallback } from 'node:stream';
import type { Cluster } from '../cluster/index.ts';
import type { HttpConnectionManagerTable, WeightedClusterTable } from '../compile/index.ts';
import { selectRoute } from '../compile/index.ts';
import { log } from '../log.ts';
import type { HttpStats } from '../metrics/index.ts';
import { RF } from '../metrics/index.ts';
import { type Clock, type Random, systemClock, systemRandom } from '../time/index.ts';
import { buildFilterChain, CONTINUE, type HttpFilter } from './filters/index.ts';
import { Router } from './router.ts';
import type { AccessLogger } from './stream/index.ts';
import {
  type DownstreamRequest,
  type DownstreamResponse,
  hasBody,
  peerOf,
  type RequestInfo,
  readRequest,
  Stream,
  type StreamEnv,
  sendLocalReply,
  type WeightedCluster,
} from './stream/index.ts';

export interface ConnectionManagerDeps {
  readonly table: HttpConnectionManagerTable;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly stats: HttpStats;
  readonly accessLogs: readonly AccessLogger[];
  /** Time and chance for timeouts, back-off, faults and weighted picks; the process's by default. */
  readonly clock?: Clock;
  readonly random?: Random;
  /** The filters to run instead of the ones the table configures (tests of the chain itself). */
  readonly filters?: readonly HttpFilter[];
}

const MISSING_HOST = { status: 400, body: 'missing host header', headers: { connection: 'close' } };
const HEADERS_TOO_LARGE = { status: 431, body: 'request header fields too large' };
const NO_ROUTE = { status: 404, body: '' };
const INTERNAL_ERROR = { status: 500, body: 'internal error' };

/** Draws a weighted cluster (Envoy's weighted_clusters), shared with the upgrade path. */
export function pickWeighted(w: WeightedClusterTable, random: Random): WeightedCluster {
  let r = random() * w.totalWeight;
  for (const c of w.clusters) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return w.clusters[w.clusters.length - 1]!;
}

function headerBytes(req: DownstreamRequest): number {
  let total = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i++) total += raw[i]!.length;
  return total;
}

export class ConnectionManager {
  readonly table: HttpConnectionManagerTable;
  readonly filters: readonly HttpFilter[];
  readonly router: Router;
  private readonly deps: ConnectionManagerDeps;
  private readonly env: StreamEnv;

  constructor(deps: ConnectionManagerDeps) {
    this.deps = deps;
    this.table = deps.table;
    this.filters = deps.filters ?? buildFilterChain(deps.table.httpFilters);
    this.env = {
      hcm: deps.table,
      stats: deps.stats,
      accessLogs: deps.accessLogs,
      clock: deps.clock ?? systemClock,
      random: deps.random ?? systemRandom,
    };
    this.router = new Router(deps.clusters);
  }

  clusterFor(name: string): Cluster | undefined {
    return this.deps.clusters.get(name);
  }

  get random(): Random {
    return this.env.random;
  }

  countUpgrade(): void {
    this.deps.stats.upgrades++;
  }

  /**
   * Entry point for both codecs; never throws. An unexpected error (a bug) ends this stream only —
   * 500 if nothing was sent yet, a reset otherwise — and is logged with the stream it happened in.
   */
  handle(req: DownstreamRequest, res: DownstreamResponse, http2: boolean): void {
    this.serve(req, res, http2).catch((err: unknown) => this.internalError(err, res, undefined));
  }

  private internalError(err: unknown, res: DownstreamResponse, s: Stream | undefined): void {
    this.deps.stats.rqInternalError++;
    log.error(
      {
        err,
        stream: s && {
          request_id: s.requestId,
          method: s.info.method,
          authority: s.info.authority,
          path: s.info.path,
          route: s.routeName,
          cluster: s.clusterName,
        },
      },
      'request failed unexpectedly; the stream ends, the proxy keeps serving',
    );
    try {
      if (s) {
        if (!res.headersSent) s.reply(INTERNAL_ERROR);
        else res.destroy();
      } else if (!res.headersSent) sendLocalReply(res, INTERNAL_ERROR, false);
      else res.destroy();
    } catch {
      res.destroy();
    }
  }

  private async serve(req: DownstreamRequest, res: DownstreamResponse, http2: boolean): Promise<void> {
    const { stats } = this.deps;
    stats.rqTotal++;
    stats.rqActive++;
    if (http2) stats.rqHttp2++;
    else stats.rqHttp1++;
    const bodyPresent = hasBody(req, http2);
    const info = readRequest(req, http2);
    if (!info) {
      stats.rqActive--;
      stats.rqByClass[4]!++;
      sendLocalReply(res, MISSING_HOST, false);
      return;
    }
    this.edgeHeaders(req, info, http2);
    const s = new Stream(req, res, http2, info, this.env);
    try {
      await this.run(s, bodyPresent);
    } catch (err) {
      this.internalError(err, res, s);
    }
  }

  private async run(s: Stream, bodyPresent: boolean): Promise<void> {
    const { table } = this.deps;
    const { req, info, http2 } = s;
    if (s.downstreamClosed) return;
    s.armIdleTimeout(table.streamIdleTimeoutMs);
    if (table.requestTimeoutMs > 0 && bodyPresent) s.armRequestTimeout(table.requestTimeoutMs);
    if (http2 && headerBytes(req) > table.maxRequestHeadersKb * 1024) {
      return s.reply(HEADERS_TOO_LARGE, RF.DOWNSTREAM_PROTOCOL_ERROR);
    }
    const vhost = table.routes.findVirtualHost(info.authority);
    const route = vhost && selectRoute(vhost, info);
    if (!vhost || !route) return s.reply(NO_ROUTE, RF.NO_ROUTE);
    s.vhost = vhost;
    s.route = route;
    s.routeName = route.name;
    const action = route.action;
    if (action.kind === 'forward') {
      if (action.idleTimeoutMs !== undefined) s.armIdleTimeout(action.idleTimeoutMs);
      s.weighted = action.weighted ? pickWeighted(action.weighted, this.env.random) : undefined;
      s.clusterName = s.weighted?.name ?? action.cluster;
    }
    if (bodyPresent) s.body = countBody(req, info, s);

    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      let status = filters[i]!.onRequest(s);
      if (status !== CONTINUE) {
        if (typeof status !== 'object') return;
        status = await status;
        if (status !== CONTINUE) return;
      }
      if (s.downstreamClosed) return;
    }
    return this.router.route(s);
  }

  /** x-forwarded-for / x-forwarded-proto as Envoy sets them at the edge (use_remote_address). */
  private edgeHeaders(req: DownstreamRequest, info: RequestInfo, http2: boolean): void {
    const table = this.table;
    const headers = info.headers;
    if (table.useRemoteAddress && !table.skipXffAppend) {
      const addr = peerOf(req, http2)?.remoteAddress;
      if (addr) {
        const client = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
        const xff = headers['x-forwarded-for'];
        headers['x-forwarded-for'] = xff ? `${xff}, ${client}` : client;
      }
    }
    if (table.useRemoteAddress || headers['x-forwarded-proto'] === undefined) {
      headers['x-forwarded-proto'] = info.scheme;
    }
  }
}

/**
 * The downstream body as the filters and the router read it. With a Content-Length the codec
 * already guarantees the length, so the request itself is used; a chunked body is counted on the
 * way for the access log. Either way an abort (a disconnect, an HTTP/2 RST_STREAM) ends the
 * request through the Stream before the body could look complete.
 */
function countBody(req: DownstreamRequest, info: RequestInfo, s: Stream): DownstreamRequest | CountingBody {
  const declared = info.headers['content-length'];
  if (typeof declared === 'string') {
    s.receivedBodyBytes = Number(declared) || 0;
    return req;
  }
  return new CountingBody(req, s);
}

const COUNT_ONLY = { objectMode: false };

/** Counts a chunked body's bytes; an aborted downstream destroys it, so no reader sees an end. */
class CountingBody extends Transform {
  constructor(
    source: DownstreamRequest,
    private readonly s: Stream,
  ) {
    super(COUNT_ONLY);
    // The error is the stream's business (the Stream saw the abort); a body nobody reads yet — the
    // request waits in a fault delay or for a connection — must not turn it into a process crash.
    this.on('error', ignoreError);
    source.once('aborted', () => this.destroy(DOWNSTREAM_ABORTED));
    source.pipe(this);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.s.receivedBodyBytes += chunk.length;
    cb(null, chunk);
  }
}

const DOWNSTREAM_ABORTED = new Error('downstream aborted');
function ignoreError(): void {}
