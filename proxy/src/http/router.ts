// The router, the terminal HTTP filter: carries out the route's action — a direct response, a
// redirect, or forwarding to the chosen cluster (forward.ts, with request mirroring beside it).
import type { Readable } from 'node:stream';
import type { Cluster } from '../cluster/index.ts';
import type { ForwardAction, HeaderMutation, RedirectAction, RouteEntry } from '../compile/index.ts';
import { RF } from '../metrics/index.ts';
import { Forwarder } from './forward.ts';
import type { Headers, RequestInfo, Stream } from './stream/index.ts';

const NO_CLUSTER = { status: 503, body: 'cluster not found' };
const BODY_NOT_FORWARDABLE = {
  status: 501,
  body: 'a GET or HEAD request with a body cannot be forwarded to an HTTP/2 upstream',
};

export class Router {
  constructor(private readonly clusters: ReadonlyMap<string, Cluster>) {}

  route(s: Stream): Promise<void> | undefined {
    const route = s.route!;
    const vhost = s.vhost!;
    const routes = s.hcm.routes;
    const headers = s.info.headers;
    // Route-level header mutations are the router's (Envoy applies them as it forwards), so the
    // filters before it see the request as the client sent it.
    s.mutate(route.requestHeaders, headers);
    s.mutate(vhost.requestHeaders, headers);
    s.mutate(routes.requestHeaders, headers);
    const mutations: HeaderMutation[] = [
      route.responseHeaders,
      vhost.responseHeaders,
      routes.responseHeaders,
    ];
    const weighted = s.weighted;
    if (weighted) {
      s.mutate(weighted.requestHeaders, headers);
      mutations.unshift(weighted.responseHeaders);
    }
    const action = route.action;
    switch (action.kind) {
      case 'direct':
        return void this.directResponse(s, action.status, action.body, mutations);
      case 'redirect':
        return void s.reply({
          status: action.responseCode,
          body: '',
          headers: { location: redirectLocation(action, s.info, route) },
        });
      case 'forward':
        return this.forward(s, route, action, mutations);
    }
  }

  private directResponse(
    s: Stream,
    status: number,
    body: Buffer | undefined,
    mutations: readonly HeaderMutation[],
  ): void {
    const headers: Headers = {};
    for (const m of mutations) s.mutate(m, headers, headers);
    const filterMutations = s.filterResponseMutations;
    if (filterMutations) for (const m of filterMutations) s.mutate(m, headers, headers);
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
    responseMutations: readonly HeaderMutation[],
  ): Promise<void> {
    const info = s.info;
    const clusterName = s.clusterName!;
    const cluster = this.clusters.get(clusterName);
    s.upstreamCluster = clusterName;
    if (!cluster) return s.reply(NO_CLUSTER, RF.NO_CLUSTER);
    // undici's HTTP/2 client ends a GET or HEAD stream with its headers: the body would be dropped
    // and the request executed without it, so it is refused rather than forwarded incomplete.
    if (s.body && cluster.table.protocol === 'h2c' && (info.method === 'GET' || info.method === 'HEAD')) {
      return s.reply(BODY_NOT_FORWARDABLE);
    }
    const headers = info.headers;
    const path = rewritePath(action, route, info.path);
    if (path !== info.path) headers['x-envoy-original-path'] = info.path;
    const hostRewrite = s.weighted?.hostRewriteLiteral ?? action.hostRewriteLiteral;
    if (hostRewrite !== undefined) headers.host = hostRewrite;
    if (action.timeoutMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(action.timeoutMs);
    const forwarder = new Forwarder(s, route, action, { cluster, path, headers, responseMutations }, s.body);
    if (action.mirrors.length > 0) this.mirror(s, action, path, forwarder);
    await forwarder.run();
  }

  /** Shadow copies: fire and forget, to a host suffixed `-shadow` as Envoy does. Never affects the caller. */
  private mirror(s: Stream, action: ForwardAction, path: string, forwarder: Forwarder): void {
    const info = s.info;
    for (const policy of action.mirrors) {
      if (policy.fraction < 1 && s.random() >= policy.fraction) continue;
      const endpoint = this.clusters.get(policy.cluster)?.pick();
      if (!endpoint) continue;
      const shadowBody: Readable | undefined | null = forwarder.mirrorBody();
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
