import type { CircuitBreakersConfig } from '../cluster/breaker/index.ts';
import type { HealthCheckConfig } from '../cluster/health/index.ts';
import type { HashPolicy, LbConfig } from '../cluster/lb/index.ts';
import type { OutlierConfig } from '../cluster/outlier/index.ts';
import type { DnsClusterConfig } from './cluster-dns.ts';
import type { ListenerTable, TrafficDirection } from './listener-types.ts';

export type * from './listener-types.ts';

import type { CorsTable } from './cors.ts';

// Runtime tables: what the hot path reads. Built once per config version by the compilers in this
// folder from Envoy v3 resources (proto3 JSON with snake_case keys), never mutated afterwards, and
// swapped atomically as a whole. Nothing here parses config at request time.

/** A request as the route matcher and filters see it; header names are lower-case. */
export interface RequestView {
  readonly method: string;
  /** Path as received, including the query string (`/a/b?x=1`). */
  readonly path: string;
  /** Authority (`:authority` or `Host`), as received, possibly with a port. */
  readonly authority: string;
  /** `http` or `https` as seen by the proxy (x-forwarded-proto after trust rules). */
  readonly scheme: string;
  /** Lower-case name; a repeated header's values joined with "," (what Envoy's matchers see). Route
   * headers matchers may name pseudo-headers (`:method`, `:authority`), so answer those too. */
  header(name: string): string | undefined;
}

/** Envoy `HeaderValueOption` lists and `*_to_remove`, compiled. */
export interface HeaderMutation {
  readonly set: ReadonlyArray<readonly [name: string, value: string]>;
  readonly append: ReadonlyArray<readonly [name: string, value: string]>;
  /** Only set when the header is absent (ADD_IF_ABSENT). */
  readonly setIfAbsent: ReadonlyArray<readonly [name: string, value: string]>;
  readonly remove: readonly string[];
  readonly empty: boolean;
  /** OVERWRITE_IF_EXISTS: replaced only when the header is already present. */
  readonly overwriteIfExists?: ReadonlyArray<readonly [name: string, value: string]>;
  /**
   * Every add/overwrite in Envoy's evaluation order, including values with %COMMAND% formatters
   * (which the four lists above leave out). Set by compileHeaderMutation; applyHeaderMutation
   * follows it when present and falls back to the lists for a hand-built mutation.
   */
  readonly plan?: HeaderMutationPlan;
}

/** A %COMMAND% of a header value (Envoy's access-log format syntax), see header-format.ts. */
export interface HeaderFormatCommand {
  readonly op: number;
  /** REQ/RESP: the header, lower-case; `alt` is the `X?Y` fallback header ('' when none). */
  readonly header: string;
  readonly alt: string;
  /** `%CMD:N%` truncation; 0 = none. */
  readonly maxLen: number;
}

export type HeaderFormatPart = string | HeaderFormatCommand;

export interface HeaderOp {
  readonly name: string;
  /** A literal, or the parts of a value with formatters. */
  readonly value: string | readonly HeaderFormatPart[];
  /** OVERWRITE_IF_EXISTS (overwrite list) / ADD_IF_ABSENT (add list). */
  readonly conditional: boolean;
  /** keep_empty_value: when false, a formatted value that comes out empty is not added. */
  readonly keepEmpty: boolean;
}

export interface HeaderMutationPlan {
  /** Some value uses %FORMATTERS%: the caller must pass a HeaderFormatContext. */
  readonly needsContext: boolean;
  /** OVERWRITE_IF_EXISTS_OR_ADD and OVERWRITE_IF_EXISTS, applied first, in config order. */
  readonly overwrite: readonly HeaderOp[];
  /** APPEND_IF_EXISTS_OR_ADD and ADD_IF_ABSENT, applied after, in config order. */
  readonly add: readonly HeaderOp[];
  /** Evaluate every value and condition before changing anything (Envoy's order) because an
   * earlier op could change what a later one sees; false = the cheaper in-place pass is exact. */
  readonly snapshot: boolean;
}

export interface RouteMatcher {
  matches(req: RequestView): boolean;
}

export interface RetryPolicyTable {
  /** Bit set of RETRY_ON_* flags from retry.ts. */
  readonly retryOn: number;
  readonly numRetries: number;
  /** 0 = use the route timeout only. */
  readonly perTryTimeoutMs: number;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly retriableHeaders: readonly HeaderMatcherTable[];
  /** retry_host_predicate envoy.retry_host_predicates.previous_hosts */
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts: number;
}

export interface HeaderMatcherTable {
  readonly name: string;
  matches(value: string | undefined): boolean;
}

export interface WeightedClusterTable {
  readonly clusters: ReadonlyArray<{
    readonly name: string;
    readonly weight: number;
    readonly requestHeaders: HeaderMutation;
    readonly responseHeaders: HeaderMutation;
    readonly hostRewriteLiteral?: string;
    readonly faultOverride?: FaultTable;
  }>;
  readonly totalWeight: number;
}

export interface MirrorPolicyTable {
  readonly cluster: string;
  /** Fraction in [0,1]; 1 when `runtime_fraction` is absent. */
  readonly fraction: number;
}

export interface ForwardAction {
  readonly kind: 'forward';
  readonly cluster?: string;
  readonly weighted?: WeightedClusterTable;
  /** 0 disables; Envoy's default is 15 s. */
  readonly timeoutMs: number;
  /** Stream idle timeout for this route; undefined = the connection manager's. 0 disables. */
  readonly idleTimeoutMs?: number;
  readonly retry?: RetryPolicyTable;
  readonly prefixRewrite?: string;
  /** Only one of prefixRewrite / regexRewrite is set. The regex is compiled with the `g` flag. */
  readonly regexRewrite?: { readonly pattern: RegExp; readonly substitution: string };
  readonly hostRewriteLiteral?: string;
  readonly autoHostRewrite: boolean;
  readonly mirrors: readonly MirrorPolicyTable[];
  /** hash_policy, for RING_HASH and MAGLEV clusters. */
  readonly hashPolicy?: HashPolicy;
  /** cluster_not_found_response_code: 503 (default), 404 or 500 when the cluster does not exist. */
  readonly clusterNotFoundStatus?: number;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly schemeRedirect?: string;
  readonly httpsRedirect: boolean;
  readonly hostRedirect?: string;
  readonly portRedirect?: number;
  readonly pathRedirect?: string;
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly pattern: RegExp; readonly substitution: string };
  /** 301, 302, 303, 307, 308 */
  readonly responseCode: number;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly kind: 'direct';
  readonly status: number;
  readonly body?: Buffer;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

export interface RouteEntry {
  readonly name: string;
  readonly match: RouteMatcher;
  /** Set only when the route match is a `prefix` / `path_separated_prefix` (for prefix_rewrite). */
  readonly matchedPrefix?: string;
  /** Set only when the route match is `path`. */
  readonly matchedPath?: string;
  readonly action: RouteAction;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  /** Per-route `typed_per_filter_config` for envoy.filters.http.fault (most specific already resolved). */
  readonly fault?: FaultTable;
  /** The CORS policy of this route, merged field by field with its virtual host's (http/cors). */
  readonly cors?: CorsTable;
  /** Retry/mirror buffer cap for this route (route > virtual host > listener default), never above
   * the listener's per_connection_buffer_limit_bytes, as Envoy documents. */
  readonly bufferLimitBytes: number;
}

export interface VirtualHostTable {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly RouteEntry[];
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
}

export interface RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHostTable[];
  /** Envoy's domain search order: exact, longest `*.suffix`, longest `prefix.*`, then `*`. */
  findVirtualHost(authority: string): VirtualHostTable | undefined;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
}

/** envoy.extensions.filters.http.fault.v3.HTTPFault, compiled. Percentages are fractions in [0,1]. */
export interface FaultTable {
  readonly delay?: {
    readonly fixedMs?: number;
    /** header_delay: the delay comes from `x-envoy-fault-delay-request` */
    readonly fromHeader: boolean;
    readonly fraction: number;
    /** percentage can be overridden by x-envoy-fault-delay-request-percentage when from headers */
    /** The configured percentage's denominator (100, 10000 or 1000000): the header's value is a
     * numerator over it, capped at `fraction`. */
    readonly denominator?: number;
  };
  readonly abort?: {
    readonly httpStatus?: number;
    readonly grpcStatus?: number;
    /** header_abort: status from `x-envoy-fault-abort-request` / `x-envoy-fault-abort-grpc-request` */
    readonly fromHeader: boolean;
    readonly fraction: number;
    /** As for delay: denominator for x-envoy-fault-abort-request-percentage. */
    readonly denominator?: number;
  };
  /** headers the request must match for the fault to apply */
  readonly headers: readonly HeaderMatcherTable[];
  readonly upstreamClusters: ReadonlySet<string>;
  /** undefined = unlimited */
  readonly maxActiveFaults?: number;
  readonly delayPercentRuntime?: string;
}

export interface EndpointTable {
  readonly address: string;
  readonly port: number;
  /** `host:port` used in logs, stats and /clusters */
  readonly id: string;
  readonly weight: number;
  /** LocalityLbEndpoints.priority (0 is the highest). */
  readonly priority: number;
  /** Endpoint.hostname, used by auto_host_rewrite. */
  readonly hostname?: string;
}

export interface ClusterTable {
  readonly name: string;
  readonly endpoints: readonly EndpointTable[];
  readonly connectTimeoutMs: number;
  /** 'h1' or 'h2c' from typed_extension_protocol_options envoy.extensions.upstreams.http.v3.HttpProtocolOptions */
  readonly protocol: 'h1' | 'h2c';
  readonly idleTimeoutMs?: number;
  readonly maxRequestsPerConnection?: number;
  readonly lb: LbConfig;
  readonly breakers: CircuitBreakersConfig;
  readonly outlier?: OutlierConfig;
  readonly healthCheck?: HealthCheckConfig;
  /** STRICT_DNS / LOGICAL_DNS: the names to resolve; `endpoints` is then empty (hosts come from DNS). */
  readonly dns?: DnsClusterConfig;
  /** type ORIGINAL_DST: hosts are made on demand from each connection's original destination. */
  readonly originalDst?: OriginalDstTable;
  /** upstream_bind_config.source_address: the local address upstream connections are bound to. */
  readonly bindAddress?: string;
}

/** Cluster type ORIGINAL_DST with original_dst_lb_config and cleanup_interval, compiled. */
export interface OriginalDstTable {
  /** The request header that may name the upstream (`ip:port`); undefined when use_http_header is off. */
  readonly httpHeader?: string;
  readonly upstreamPortOverride?: number;
  /** Hosts unused for this long are removed (Envoy's default 5 s). */
  readonly cleanupIntervalMs: number;
}

export interface AccessLogTable {
  /** path of the file, or `/dev/stdout` */
  readonly path: string;
}

/** One configured HTTP filter: its kind and its compiled, shared config. */
export type HttpFilterTable =
  | { readonly kind: 'cors'; readonly name: string }
  | { readonly kind: 'fault'; readonly name: string; readonly fault: FaultTable }
  /** envoy.filters.http.buffer: max_request_bytes → 413 above it. */
  | { readonly kind: 'buffer'; readonly name: string; readonly maxRequestBytes: number }
  /** envoy.filters.http.header_mutation: each list applied in order. */
  | {
      readonly kind: 'header_mutation';
      readonly name: string;
      readonly request: readonly HeaderMutation[];
      readonly response: readonly HeaderMutation[];
    };

export interface HttpConnectionManagerTable {
  readonly statPrefix: string;
  readonly routes: RouteTable;
  /** http_filters before the router, in config order (the router is always the terminal filter). */
  readonly httpFilters: readonly HttpFilterTable[];
  readonly maxRequestHeadersKb: number;
  readonly streamIdleTimeoutMs: number;
  /** common_http_protocol_options.idle_timeout: downstream connection idle timeout (Envoy default 1 h). */
  readonly idleTimeoutMs: number;
  readonly http2MaxConcurrentStreams: number;
  /** request_headers_timeout (0 = none); Weft's default is 10 s, Envoy has none. */
  readonly requestHeadersTimeoutMs: number;
  /** common_http_protocol_options.max_headers_count: more request headers → 431. */
  readonly maxHeadersCount: number;
  readonly requestTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly skipXffAppend: boolean;
  readonly serverName: string;
  /** upgrade types allowed (lower-case), e.g. `websocket` */
  readonly upgrades: ReadonlySet<string>;
  readonly codec: 'auto' | 'h1' | 'h2';
  readonly accessLogs: readonly AccessLogTable[];
  /** The listener's traffic_direction, for the access log. */
  readonly trafficDirection?: TrafficDirection;
}

export interface AdminTable {
  readonly address: string;
  readonly port: number;
  readonly accessLogPath?: string;
}

export interface RuntimeConfig {
  readonly version: string;
  readonly listeners: readonly ListenerTable[];
  readonly clusters: ReadonlyMap<string, ClusterTable>;
  readonly admin?: AdminTable;
  /** The validated source document, served by /config_dump. */
  readonly source: unknown;
}
