// The codec limits and timeouts of an http_connection_manager: what a hostile or broken client may
// hold open or send before the proxy refuses it. Envoy's field semantics, but where Envoy's default
// for an unset field leaves a sidecar open to a slow or greedy client, Weft's default differs (the
// README's table of defaults lists them): `0` still disables, as in Envoy.
import {
  type HttpConnectionManager,
  joinPath,
  optionalDurationMs,
  optionalObj,
  optionalUint,
} from '../config/index.ts';

/**
 * request_headers_timeout: Envoy leaves it unset (no limit, a stalled header block is held until
 * stream_idle_timeout, 5 min); HAProxy's usual `timeout http-request` is 10 s.
 */
export const DEFAULT_REQUEST_HEADERS_TIMEOUT_MS = 10_000;
/** common_http_protocol_options.max_headers_count: Envoy's default. */
export const DEFAULT_MAX_HEADERS_COUNT = 100;
/** http2_protocol_options.max_concurrent_streams: Envoy's default is 2^31-1, i.e. none. */
export const DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS = 100;

export interface HcmProtocolOptions {
  /** From the first byte of a request until its last header byte; 0 = none. */
  readonly requestHeadersTimeoutMs: number;
  /** Request headers above this count are refused with 431. */
  readonly maxHeadersCount: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused (REFUSED_STREAM). */
  readonly http2MaxConcurrentStreams: number;
}

export function compileHcmProtocolOptions(h: HttpConnectionManager, path: string): HcmProtocolOptions {
  const common = optionalObj(h.common_http_protocol_options);
  const h2 = optionalObj(h.http2_protocol_options);
  return {
    requestHeadersTimeoutMs: optionalDurationMs(
      h.request_headers_timeout,
      joinPath(path, 'request_headers_timeout'),
      DEFAULT_REQUEST_HEADERS_TIMEOUT_MS,
    ),
    maxHeadersCount: optionalUint(
      common.max_headers_count,
      joinPath(path, 'common_http_protocol_options.max_headers_count'),
      DEFAULT_MAX_HEADERS_COUNT,
    ),
    http2MaxConcurrentStreams: optionalUint(
      h2.max_concurrent_streams,
      joinPath(path, 'http2_protocol_options.max_concurrent_streams'),
      DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
    ),
  };
}
