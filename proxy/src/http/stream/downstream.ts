// The downstream request as both codecs deliver it (node:http for HTTP/1.1, the node:http2
// compatibility API for HTTP/2), reduced to what routing and forwarding need.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { RequestView } from '../../compile/index.ts';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;
export type Headers = Record<string, string | string[] | undefined>;

/**
 * Headers that describe one hop and never cross the proxy (RFC 9110 §7.6.1), plus `expect`, which
 * the node:http server has already answered. `te: trailers` is kept separately for gRPC.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'expect',
];

export class RequestInfo implements RequestView {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  readonly headers: Headers;

  constructor(method: string, path: string, authority: string, scheme: string, headers: Headers) {
    this.method = method;
    this.path = path;
    this.authority = authority;
    this.scheme = scheme;
    this.headers = headers;
  }

  header(name: string): string | undefined {
    const value = this.headers[name];
    if (value === undefined || typeof value === 'string') return value;
    return value.join(',');
  }
}

/**
 * Builds the request view and the header object sent upstream (the codec's own object, mutated:
 * each request gets a fresh one from node). Returns undefined when the request has no valid
 * authority (none, several Host headers, or userinfo): the caller answers 400.
 */
export function readRequest(req: DownstreamRequest, http2: boolean): RequestInfo | undefined {
  const headers = req.headers as IncomingHttpHeaders & Headers;
  // read before the pseudo-headers go: node's HTTP/2 request getters read them from `headers`
  const method = req.method ?? 'GET';
  let path = req.url ?? '/';
  let authority: string | undefined;
  let scheme = 'http';
  if (http2) {
    authority = (headers[':authority'] as string | undefined) ?? headers.host;
    scheme = (headers[':scheme'] as string | undefined) ?? 'http';
    for (const name of Object.keys(headers)) if (name.charCodeAt(0) === 58 /* : */) delete headers[name];
  } else {
    authority = headers.host;
    // absolute-form (RFC 9112 §3.2.2), sent by clients that use us as an HTTP proxy
    if (path.charCodeAt(0) !== 47 /* / */ && (path.startsWith('http://') || path.startsWith('https://'))) {
      const afterScheme = path.indexOf('//') + 2;
      const slash = path.indexOf('/', afterScheme);
      const query = path.indexOf('?', afterScheme);
      const end =
        slash === -1 ? (query === -1 ? path.length : query) : query === -1 ? slash : Math.min(slash, query);
      authority = path.slice(afterScheme, end);
      scheme = path.slice(0, afterScheme - 3);
      path =
        end === path.length ? '/' : path.charCodeAt(end) === 63 ? `/${path.slice(end)}` : path.slice(end);
    }
  }
  if (!authority || !validAuthority(authority)) return undefined;
  const te = headers.te;
  const connection = headers.connection;
  if (typeof connection === 'string') dropConnectionTokens(headers, connection);
  for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
  if (te !== undefined && /\btrailers\b/i.test(String(te))) headers.te = 'trailers';
  headers.host = authority;
  return new RequestInfo(method, path, authority, scheme, headers);
}

/**
 * Refuses what a host cannot hold but a forged request carries: userinfo (`user@host`, RFC 9110
 * §4.2.4 forbids it in http(s) URIs; RFC 9113 §8.3.1 in :authority) and a list, which is what two
 * Host headers become once joined (`a, evil`).
 */
function validAuthority(authority: string): boolean {
  return authority.indexOf('@') === -1 && authority.indexOf(',') === -1;
}

function dropConnectionTokens(headers: Headers, connection: string): void {
  // the usual values name no extra hop-by-hop header: skip the split
  if (connection.length <= 10) {
    const v = connection.toLowerCase();
    if (v === 'keep-alive' || v === 'close' || v === 'upgrade') return;
  }
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') delete headers[name];
  }
}

/** Response headers from upstream that must not be relayed to the downstream connection. */
export function stripResponseHopByHop(headers: Headers): void {
  if (headers.connection !== undefined) {
    if (typeof headers.connection === 'string') dropConnectionTokens(headers, headers.connection);
    delete headers.connection;
  }
  if (headers['keep-alive'] !== undefined) delete headers['keep-alive'];
  if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
  if (headers['proxy-connection'] !== undefined) delete headers['proxy-connection'];
  if (headers.upgrade !== undefined) delete headers.upgrade;
}

/** Whether the request carries a body (RFC 9112 §6.3 for HTTP/1.1; END_STREAM for HTTP/2). */
export function hasBody(req: DownstreamRequest, http2: boolean): boolean {
  if (http2) return !(req as Http2ServerRequest).stream.endAfterHeaders;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const len = h['content-length'];
  return len !== undefined && len !== '0';
}
