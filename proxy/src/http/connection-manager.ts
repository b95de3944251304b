// The HTTP connection manager of one listener for one config version: the request path as a short
// composition, in Envoy's filter order — edge headers, route lookup, buffer limit, fault, then the
// route action (direct response, redirect, or the router forwarding upstream).
import { type Readable, Transform } from 'node:stream';
import type { Cluster } from '../cluster/index.ts';
import type {
  ForwardAction,
  HeaderMutation,
  HttpConnectionManagerTable,
  RedirectAction,
  RouteEntry,
  VirtualHostTable,
  WeightedClusterTable,
} from '../compile/index.ts';
import type { HttpStats } from '../metrics/index.ts';
import { RF } from '../metrics/index.ts';
import type { AccessLogger } from './access-log.ts';
import { decideCors } from './cors/index.ts';
import {
  type DownstreamRequest,
  type DownstreamResponse,
  type Headers,
  hasBody,
  type RequestInfo,
  readRequest,
} from './downstream.ts';
import { decideFault } from './fault.ts';
import { Forwarder } from './forward.ts';
import { sendLocalReply } from './local-reply.ts';
import { peerOf } from './peer.ts';
import { bufferBody } from './request-body.ts';
import { Stream } from './stream.ts';

export interface ConnectionManagerDeps {
  readonly table: HttpConnectionManagerTable;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly stats: HttpStats;
  readonly accessLogs: readonly AccessLogger[];
}

function pickWeighted(w: WeightedClusterTable): WeightedClusterTable['clusters'][number] {
  let r = Math.random() * w.totalWeight;
  for (const c of w.clusters) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return w.clusters[w.clusters.length - 1]!;
}

function sleep(ms: number, s: Stream): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    s.onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function headerBytes(req: DownstreamRequest): number {
  let total = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i++) total += raw[i]!.length;
  return total;
}

export class ConnectionManager {
  readonly table: HttpConnectionManagerTable;
  private readonly deps: ConnectionManagerDeps;

  constructor(deps: ConnectionManagerDeps) {
    this.deps = deps;
    this.table = deps.table;
  }

  clusterFor(name: string): Cluster | undefined {
    return this.deps.clusters.get(name);
  }

  countUpgrade(): void {
    this.deps.stats.upgrades++;
  }

  /** Entry point for both codecs; never throws (a bug becomes a 500, not a crash). */
  handle(req: DownstreamRequest, res: DownstreamResponse, http2: boolean): void {
    this.serve(req, res, http2).catch((err: unknown) => {
      process.emitWarning(`weft: request handler failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendLocalReply(res, { status: 500, body: 'internal error' }, false);
      else res.destroy();
    });
  }

  private async serve(req: DownstreamRequest, res: DownstreamResponse, http2: boolean): Promise<void> {
    const { table, stats } = this.deps;
    stats.rqTotal++;
    stats.rqActive++;
    if (http2) stats.rqHttp2++;
    else stats.rqHttp1++;
    const bodyPresent = hasBody(req, http2);
    const info = readRequest(req, http2);
    if (!info) {
      stats.rqActive--;
      stats.rqByClass[4]!++;
      sendLocalReply(
        res,
        { status: 400, body: 'missing host header', headers: { connection: 'close' } },
        false,
      );
      return;
    }
    this.edgeHeaders(req, info, http2);
    const s = new Stream(req, res, http2, info, table, stats, this.deps.accessLogs);
    s.armIdleTimeout(table.streamIdleTimeoutMs);
    if (table.requestTimeoutMs > 0 && bodyPresent) s.armRequestTimeout(table.requestTimeoutMs);
    if (http2 && headerBytes(req) > table.maxRequestHeadersKb * 1024) {
      return s.reply({ status: 431, body: 'request header fields too large' }, RF.DOWNSTREAM_PROTOCOL_ERROR);
    }
    const vhost = table.routes.findVirtualHost(info.authority);
    const route = vhost && findRoute(vhost, info);
    if (!vhost || !route) return s.reply({ status: 404, body: '' }, RF.NO_ROUTE);
    s.routeName = route.name;
    // The CORS filter runs first (Envoy/Istio order: cors, fault, router); a preflight ends here.
    const cors = table.corsFilterPresent && route.cors ? decideCors(route.cors, info, stats) : undefined;
    if (cors?.preflight) return this.preflightResponse(s, cors.preflight);
    const routes = table.routes;
    s.mutate(route.requestHeaders, info.headers);
    s.mutate(vhost.requestHeaders, info.headers);
    s.mutate(routes.requestHeaders, info.headers);
    if (route.action.kind === 'forward' && route.action.idleTimeoutMs !== undefined) {
      s.armIdleTimeout(route.action.idleTimeoutMs);
    }

    let body: Readable | undefined = bodyPresent ? req : undefined;
    if (body && table.maxRequestBytes !== undefined) {
      const buffered = await bufferBody(req, info, table.maxRequestBytes);
      if (buffered === 'too-large') {
        return s.reply({ status: 413, body: 'Payload Too Large', headers: { connection: 'close' } });
      }
      if (buffered === 'aborted') return;
      body = buffered;
    }
    if (body) body = countBody(body, info, s);

    const action = route.action;
    const weighted = action.kind === 'forward' && action.weighted ? pickWeighted(action.weighted) : undefined;
    const clusterName = action.kind === 'forward' ? (weighted?.name ?? action.cluster) : undefined;

    const fault = table.faultFilterPresent
      ? (weighted?.faultOverride ?? route.fault ?? table.fault)
      : undefined;
    if (fault) {
      const decision = decideFault(fault, info, clusterName, stats);
      if (decision.delayMs > 0 || decision.abortStatus !== undefined || decision.grpcStatus !== undefined) {
        s.holdFault();
      }
      if (decision.delayMs > 0) {
        stats.faultDelays++;
        s.flags |= RF.DELAY_INJECTED;
        await sleep(decision.delayMs, s);
        if (s.downstreamClosed) return;
      }
      if (decision.abortStatus !== undefined || decision.grpcStatus !== undefined) {
        stats.faultAborts++;
        const reply = { status: decision.abortStatus ?? 503, body: 'fault filter abort' };
        return s.reply(
          decision.grpcStatus !== undefined ? { ...reply, grpcStatus: decision.grpcStatus } : reply,
          RF.FAULT_INJECTED,
        );
      }
    }
    const responseMutations = [route.responseHeaders, vhost.responseHeaders, routes.responseHeaders];
    if (cors) responseMutations.push(cors.response);
    if (weighted) {
      s.mutate(weighted.requestHeaders, info.headers);
      responseMutations.unshift(weighted.responseHeaders);
    }
    switch (action.kind) {
      case 'direct':
        return this.directResponse(s, action.status, action.body, responseMutations);
      case 'redirect':
        return s.reply({
          status: action.responseCode,
          body: '',
          headers: { location: redirectLocation(action, info, route) },
        });
      case 'forward':
        return await this.forward(
          s,
          route,
          action,
          clusterName!,
          weighted?.hostRewriteLiteral,
          responseMutations,
          body,
        );
    }
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

  /** The CORS filter's answer to a preflight: 200, its headers, no body. */
  private preflightResponse(s: Stream, headers: Readonly<Record<string, string>>): void {
    s.status = 200;
    s.res.writeHead(200, { ...headers, 'content-length': 0 });
    s.res.end();
  }

  private directResponse(
    s: Stream,
    status: number,
    body: Buffer | undefined,
    mutations: readonly HeaderMutation[],
  ): void {
    const headers: Headers = {};
    for (const m of mutations) s.mutate(m, headers, headers);
    s.status = status;
    const out: Record<string, string | string[] | number> = {
      ...(headers as Record<string, string | string[]>),
    };
    if (body && out['content-type'] === undefined) out['content-type'] = 'text/plain';
    out['content-length'] = body ? body.length : 0;
    s.res.writeHead(status, out);
    if (body) s.res.end(body);
    else s.res.end();
    s.bytesSent += body ? body.length : 0;
  }

  private async forward(
    s: Stream,
    route: RouteEntry,
    action: ForwardAction,
    clusterName: string,
    weightedHostRewrite: string | undefined,
    responseMutations: readonly HeaderMutation[],
    body: Readable | undefined,
  ): Promise<void> {
    const info = s.info;
    const cluster = this.deps.clusters.get(clusterName);
    s.upstreamCluster = clusterName;
    if (!cluster) return s.reply({ status: 503, body: 'cluster not found' }, RF.NO_CLUSTER);
    const headers = info.headers;
    const path = rewritePath(action, route, info.path);
    if (path !== info.path) headers['x-envoy-original-path'] = info.path;
    const hostRewrite = weightedHostRewrite ?? action.hostRewriteLiteral;
    if (hostRewrite !== undefined) headers.host = hostRewrite;
    if (action.timeoutMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(action.timeoutMs);
    const forwarder = new Forwarder(
      s,
      route,
      action,
      {
        cluster,
        path,
        headers,
        responseMutations,
      },
      body,
    );
    if (action.mirrors.length > 0) this.mirror(action, info, path, forwarder.mirrorBody.bind(forwarder));
    await forwarder.run();
  }

  /** Shadow copies: fire and forget, to a host suffixed `-shadow` as Envoy does. Never affects the caller. */
  private mirror(
    action: ForwardAction,
    info: RequestInfo,
    path: string,
    body: () => Readable | undefined | null,
  ): void {
    for (const policy of action.mirrors) {
      if (policy.fraction < 1 && Math.random() >= policy.fraction) continue;
      const endpoint = this.deps.clusters.get(policy.cluster)?.pick();
      if (!endpoint) continue;
      const shadowBody = body();
      if (shadowBody === null) continue;
      const host = String(info.headers.host ?? info.authority);
      const colon = host.lastIndexOf(':');
      const shadowHost =
        colon > host.lastIndexOf(']')
          ? `${host.slice(0, colon)}-shadow${host.slice(colon)}`
          : `${host}-shadow`;
      endpoint.pool
        .request({
          method: info.method as 'GET',
          path,
          headers: { ...(info.headers as Record<string, string>), host: shadowHost },
          body: shadowBody ?? null,
        })
        .then((r) => r.body.dump())
        .catch(() => {});
    }
  }
}

function findRoute(vhost: VirtualHostTable, info: RequestInfo): RouteEntry | undefined {
  for (const route of vhost.routes) if (route.match.matches(info)) return route;
  return undefined;
}

function splitQuery(path: string): [string, string] {
  const q = path.indexOf('?');
  return q === -1 ? [path, ''] : [path.slice(0, q), path.slice(q)];
}

function rewritePath(
  action: { prefixRewrite?: string; regexRewrite?: { pattern: RegExp; substitution: string } },
  route: RouteEntry,
  path: string,
): string {
  if (action.prefixRewrite !== undefined) {
    const matched = route.matchedPrefix ?? route.matchedPath;
    if (matched !== undefined) return action.prefixRewrite + path.slice(matched.length);
    return path;
  }
  if (action.regexRewrite) {
    const [bare, query] = splitQuery(path);
    action.regexRewrite.pattern.lastIndex = 0;
    return bare.replace(action.regexRewrite.pattern, action.regexRewrite.substitution) + query;
  }
  return path;
}

function redirectLocation(action: RedirectAction, info: RequestInfo, route: RouteEntry): string {
  const scheme = action.httpsRedirect ? 'https' : (action.schemeRedirect ?? info.scheme);
  let host = action.hostRedirect ?? info.authority;
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  const hasPort = colon > bracket;
  let bareHost = hasPort ? host.slice(0, colon) : host;
  if (action.hostRedirect?.includes(':')) bareHost = action.hostRedirect;
  if (action.portRedirect !== undefined) host = `${bareHost}:${action.portRedirect}`;
  else if ((action.httpsRedirect || action.schemeRedirect !== undefined) && hasPort) {
    // Envoy drops an explicit default port (:80 / :443) when the scheme changes, and keeps others.
    const port = host.slice(colon + 1);
    if (port === '80' || port === '443') host = bareHost;
  }
  let path = info.path;
  if (action.pathRedirect !== undefined) {
    path =
      action.pathRedirect.includes('?') || action.stripQuery
        ? action.pathRedirect
        : action.pathRedirect + splitQuery(info.path)[1];
  } else path = rewritePath(action, route, info.path);
  if (action.stripQuery) path = splitQuery(path)[0];
  return `${scheme}://${host}${path}`;
}

const COUNT_ONLY = { objectMode: false };

/** Counts request body bytes for the access log; a no-op wrapper when Content-Length already says. */
function countBody(body: Readable, info: RequestInfo, s: Stream): Readable {
  const declared = info.headers['content-length'];
  if (typeof declared === 'string') {
    s.receivedBodyBytes = Number(declared) || 0;
    return body;
  }
  const counter = new Transform({
    ...COUNT_ONLY,
    transform(chunk: Buffer, _enc, cb) {
      s.receivedBodyBytes += chunk.length;
      cb(null, chunk);
    },
  });
  body.once('aborted', () => counter.destroy(new Error('downstream aborted')));
  return body.pipe(counter);
}
