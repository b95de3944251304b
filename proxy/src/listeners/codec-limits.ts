// What the codec servers refuse before a request reaches the connection manager: header blocks that
// take too long (request_headers_timeout) or are too big or too many (max_request_headers_kb,
// max_headers_count), over HTTP/1.1 and HTTP/2, each counted where an operator looks (Envoy's stat
// names where Envoy has one).
import type http from 'node:http';
import type http2 from 'node:http2';
import type { HttpConnectionManagerTable } from '../compile/index.ts';
import { sendLocalReply } from '../http/index.ts';
import type { HttpStats } from '../metrics/index.ts';

export const BAD_REQUEST =
  'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 11\r\n\r\nBad Request';
export const HEADERS_TOO_LARGE =
  'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 31\r\n\r\nRequest Header Fields Too Large';
export const HEADER_TIMEOUT =
  'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 22\r\n\r\nrequest header timeout';
const TOO_MANY_HEADERS = { status: 431, body: 'too many request headers' };

/** The pseudo-headers of an ordinary HTTP/2 request (:method, :scheme, :authority, :path). */
const H2_PSEUDO_HEADERS = 4;

/**
 * How long a header block may take: request_headers_timeout, or when that is disabled the stream
 * idle timeout (Envoy's stream exists from the first header byte, so its idle timer bounds it).
 */
export function headerPhaseTimeoutMs(hcm: HttpConnectionManagerTable): number {
  return hcm.requestHeadersTimeoutMs > 0 ? hcm.requestHeadersTimeoutMs : hcm.streamIdleTimeoutMs;
}

/**
 * node:http checks header deadlines on an interval it starts only when the server listens; these
 * servers never listen (they are handed sockets), so the owner starts it (see HttpChainServer).
 * A quarter of the deadline keeps a close within 25 % of it, and at most a second late.
 */
export function h1ServerOptions(hcm: HttpConnectionManagerTable): http.ServerOptions {
  const headersTimeout = headerPhaseTimeoutMs(hcm);
  return {
    maxHeaderSize: hcm.maxRequestHeadersKb * 1024,
    requestTimeout: 0,
    headersTimeout,
    connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(headersTimeout / 4))),
    keepAliveTimeout: hcm.idleTimeoutMs,
    joinDuplicateHeaders: true,
  };
}

/**
 * node:http2 resets a stream past maxHeaderListPairs (ENHANCE_YOUR_CALM) without telling the
 * application; leave room above max_headers_count so that a moderate excess gets its 431.
 */
export function h2Settings(hcm: HttpConnectionManagerTable): http2.ServerOptions {
  return {
    maxSessionMemory: 64,
    maxHeaderListPairs: 2 * hcm.maxHeadersCount + 2 * H2_PSEUDO_HEADERS,
    settings: {
      maxHeaderListSize: hcm.maxRequestHeadersKb * 1024 * 2,
      ...(hcm.http2MaxConcurrentStreams > 0 ? { maxConcurrentStreams: hcm.http2MaxConcurrentStreams } : {}),
    },
  };
}

/** The error node:http reports when headersTimeout passes with a header block incomplete. */
export const H1_HEADER_TIMEOUT_CODE = 'ERR_HTTP_REQUEST_TIMEOUT';
/** llhttp: bytes after a request that closes the connection (Connection: close, or HTTP/1.0). */
export const H1_DATA_AFTER_CLOSE_CODE = 'HPE_CLOSED_CONNECTION';

export function countHeaderTimeout(stats: HttpStats, hcm: HttpConnectionManagerTable): void {
  if (hcm.requestHeadersTimeoutMs > 0) stats.rqHeaderTimeout++;
  else stats.rqHeaderIdleTimeout++;
}

/** A request the codec refused before the connection manager saw it: counted like one it answered. */
export function countRefusedHeaders(stats: HttpStats, http2: boolean): void {
  stats.rqTotal++;
  if (http2) stats.rqHttp2++;
  else stats.rqHttp1++;
  stats.rqByClass[4]++;
  stats.rqHeadersRefused++;
}

/**
 * max_headers_count for a request node has parsed; `res` gets 431 when it is over. node:http keeps
 * one header past the limit (maxHeadersCount is set one above it), so an excess is visible rather
 * than truncated; HTTP/2 pseudo-headers are not counted.
 */
export function refuseTooManyHeaders(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
  http2: boolean,
  hcm: HttpConnectionManagerTable,
  stats: HttpStats,
): boolean {
  const raw = req.rawHeaders;
  const limit = 2 * hcm.maxHeadersCount;
  if (raw.length <= limit) return false;
  if (http2) {
    let pseudo = 0;
    while (pseudo < raw.length && raw[pseudo]!.charCodeAt(0) === 58 /* : */) pseudo += 2;
    if (raw.length - pseudo <= limit) return false;
  } else {
    (res as http.ServerResponse).shouldKeepAlive = false;
  }
  countRefusedHeaders(stats, http2);
  sendLocalReply(res, TOO_MANY_HEADERS, false);
  return true;
}
