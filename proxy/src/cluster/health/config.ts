// envoy.config.cluster.v3.Cluster.health_checks (proto3 JSON, already schema-validated) →
// HealthCheckConfig: one HTTP health check per cluster, with Envoy's defaults stated once here. Fields
// Weft does not implement are refused by name rather than ignored, so that a health check never
// quietly means something different here than in Envoy.
import {
  bool,
  ConfigError,
  durationMs,
  enumName,
  HEALTH_CHECK_SUPPORTED_FIELDS,
  isObj,
  isSet,
  joinPath,
  list,
  type Obj,
  oneOf,
  optionalDurationMs,
  optionalUint,
  str,
  uint,
} from '../../config/index.ts';

const CORE = 'envoy.config.core.v3';
const HEALTH_CHECK = `${CORE}.HealthCheck`;
const HTTP_HEALTH_CHECK = `${HEALTH_CHECK}.HttpHealthCheck`;

/** A half-open status range [start, end), as envoy.type.v3.Int64Range. */
export interface StatusRange {
  readonly start: number;
  readonly end: number;
}

export type HealthCheckCodec = 'HTTP1' | 'HTTP2';

export interface HttpCheckConfig {
  readonly path: string;
  /** The Host / :authority to send; undefined → the cluster's name (Envoy's default). */
  readonly host: string | undefined;
  readonly method: string;
  /** HTTP2 means cleartext HTTP/2 with prior knowledge (h2c); TLS is not implemented. */
  readonly codec: HealthCheckCodec;
  readonly expectedStatuses: readonly StatusRange[];
  /** Not expected but only counted towards unhealthy_threshold instead of failing the host at once. */
  readonly retriableStatuses: readonly StatusRange[];
  /** Lower-case names, in configuration order. */
  readonly requestHeaders: readonly (readonly [name: string, value: string])[];
}

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** The first check of a host waits a random [0, initial_jitter) instead of starting at once. */
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  /** Used while the cluster has never carried traffic (see HealthCheckerOptions.hasTraffic). */
  readonly noTrafficIntervalMs: number;
  readonly noTrafficHealthyIntervalMs: number;
  readonly reuseConnection: boolean;
  readonly http: HttpCheckConfig;
}

/** Envoy's defaults for the optional fields (HealthCheck proto and HealthCheckerImplBase). */
export const HEALTH_CHECK_DEFAULTS = {
  noTrafficIntervalMs: 60_000,
  reuseConnection: true,
  method: 'GET',
  codec: 'HTTP1',
  /** "If provided, replaces default 200-only policy." */
  expectedStatuses: [{ start: 200, end: 201 }],
} as const;

const CODECS = ['HTTP1', 'HTTP2', 'HTTP3'] as const;
/** envoy.config.core.v3.RequestMethod, in enum-number order. */
const METHODS = [
  'METHOD_UNSPECIFIED',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];
const CHECKERS = ['http_health_check', 'tcp_health_check', 'grpc_health_check', 'custom_health_check'];

/** Refuses every set field of `o` that `supported` does not list, naming the first one. */
function refuseUnsupported(o: Obj, message: string, path: string): void {
  const supported = HEALTH_CHECK_SUPPORTED_FIELDS[message] ?? [];
  for (const [key, value] of Object.entries(o)) {
    if (supported.includes(key) || !isSet(value)) continue;
    throw new ConfigError(
      joinPath(path, key),
      `${message}.${key} is valid Envoy configuration that Weft does not implement yet`,
      'unsupported',
    );
  }
}

function requiredMs(o: Obj, field: string, path: string): number {
  const p = joinPath(path, field);
  if (o[field] === undefined || o[field] === null) throw new ConfigError(p, 'is required, e.g. "1s"');
  const ms = durationMs(o[field], p);
  if (ms <= 0) throw new ConfigError(p, 'must be greater than 0s, e.g. "1s"');
  return ms;
}

/** An optional Duration that Envoy validates as `gt: {}` when present. */
function positiveMs(o: Obj, field: string, path: string, fallback: number): number {
  const p = joinPath(path, field);
  const ms = optionalDurationMs(o[field], p, fallback);
  if (ms <= 0) throw new ConfigError(p, 'must be greater than 0s, e.g. "5s"');
  return ms;
}

function requiredUint(o: Obj, field: string, path: string): number {
  const p = joinPath(path, field);
  if (o[field] === undefined || o[field] === null) throw new ConfigError(p, 'is required, e.g. 2');
  return uint(o[field], p);
}

/** Envoy's HttpStatusChecker rules: 100 <= start < end <= 600. */
function statusRanges(value: unknown, path: string): StatusRange[] {
  return list(value, path).map((item, i) => {
    const p = joinPath(path, i);
    if (!isObj(item)) throw new ConfigError(p, 'expected an Int64Range {start, end}');
    const start = optionalUint(item.start, joinPath(p, 'start'), 0);
    const end = optionalUint(item.end, joinPath(p, 'end'), 0);
    if (start >= end) {
      throw new ConfigError(p, `a status range needs start < end (half-open), got [${start}, ${end})`);
    }
    if (start < 100) throw new ConfigError(joinPath(p, 'start'), `must be at least 100, got ${start}`);
    if (end > 600) throw new ConfigError(joinPath(p, 'end'), `must be at most 600, got ${end}`);
    return { start, end };
  });
}

function requestHeaders(value: unknown, path: string): Array<readonly [string, string]> {
  return list(value, path).map((item, i) => {
    const p = joinPath(path, i);
    if (!isObj(item)) throw new ConfigError(p, 'expected a HeaderValueOption');
    refuseUnsupported(item, `${CORE}.HeaderValueOption`, p);
    const header = item.header;
    if (!isObj(header)) throw new ConfigError(joinPath(p, 'header'), 'is required: {key, value}');
    const hp = joinPath(p, 'header');
    refuseUnsupported(header, `${CORE}.HeaderValue`, hp);
    const name = str(header.key, joinPath(hp, 'key')).toLowerCase();
    const headerValue = str(header.value, joinPath(hp, 'value'));
    if (name === '' || name.startsWith(':') || name === 'host') {
      throw new ConfigError(
        joinPath(hp, 'key'),
        `header ${JSON.stringify(name)} cannot be added to a health check request` +
          (name === 'host' ? ': set http_health_check.host instead' : ''),
      );
    }
    // Envoy expands %COMMAND% formatters in these values; Weft sends them verbatim, so refuse them
    // rather than send something else than Envoy would.
    if (headerValue.includes('%')) {
      throw new ConfigError(
        joinPath(hp, 'value'),
        'header value formatters (%...%) are not implemented in health check headers',
        'unsupported',
      );
    }
    return [name, headerValue] as const;
  });
}

function compileHttp(value: unknown, path: string): HttpCheckConfig {
  if (!isObj(value)) throw new ConfigError(path, 'expected an HttpHealthCheck object');
  refuseUnsupported(value, HTTP_HEALTH_CHECK, path);
  const pathValue = str(value.path, joinPath(path, 'path'));
  if (pathValue === '') throw new ConfigError(joinPath(path, 'path'), 'is required, e.g. "/healthz"');
  const codec = enumName(value.codec_client_type, CODECS, joinPath(path, 'codec_client_type'));
  if (codec === 'HTTP3') {
    throw new ConfigError(
      joinPath(path, 'codec_client_type'),
      `${HTTP_HEALTH_CHECK}.codec_client_type=HTTP3 is valid Envoy configuration that Weft does not ` +
        'implement yet (it implements HTTP1, HTTP2)',
      'unsupported',
    );
  }
  const method = enumName(value.method, METHODS, joinPath(path, 'method'));
  if (method === 'CONNECT') {
    throw new ConfigError(joinPath(path, 'method'), 'CONNECT cannot be used for health checks');
  }
  const expected = statusRanges(value.expected_statuses, joinPath(path, 'expected_statuses'));
  const host = str(value.host, joinPath(path, 'host'));
  return {
    path: pathValue,
    host: host === '' ? undefined : host,
    method: method === 'METHOD_UNSPECIFIED' ? HEALTH_CHECK_DEFAULTS.method : method,
    codec: codec as HealthCheckCodec,
    expectedStatuses: expected.length > 0 ? expected : HEALTH_CHECK_DEFAULTS.expectedStatuses,
    retriableStatuses: statusRanges(value.retriable_statuses, joinPath(path, 'retriable_statuses')),
    requestHeaders: requestHeaders(value.request_headers_to_add, joinPath(path, 'request_headers_to_add')),
  };
}

function compileOne(value: unknown, path: string): HealthCheckConfig {
  if (!isObj(value)) throw new ConfigError(path, 'expected a HealthCheck object');
  const o = value;
  const checker = oneOf(o, CHECKERS, path);
  if (checker === undefined) {
    throw new ConfigError(path, 'a health check needs http_health_check (the only kind Weft implements)');
  }
  refuseUnsupported(o, HEALTH_CHECK, path);
  const intervalMs = requiredMs(o, 'interval', path);
  const unhealthyIntervalMs = positiveMs(o, 'unhealthy_interval', path, intervalMs);
  const noTrafficIntervalMs = positiveMs(
    o,
    'no_traffic_interval',
    path,
    HEALTH_CHECK_DEFAULTS.noTrafficIntervalMs,
  );
  const ms = (field: string) => optionalDurationMs(o[field], joinPath(path, field), 0);
  return {
    timeoutMs: requiredMs(o, 'timeout', path),
    intervalMs,
    initialJitterMs: ms('initial_jitter'),
    intervalJitterMs: ms('interval_jitter'),
    intervalJitterPercent: optionalUint(
      o.interval_jitter_percent,
      joinPath(path, 'interval_jitter_percent'),
      0,
    ),
    healthyThreshold: requiredUint(o, 'healthy_threshold', path),
    unhealthyThreshold: requiredUint(o, 'unhealthy_threshold', path),
    unhealthyIntervalMs,
    unhealthyEdgeIntervalMs: positiveMs(o, 'unhealthy_edge_interval', path, unhealthyIntervalMs),
    healthyEdgeIntervalMs: positiveMs(o, 'healthy_edge_interval', path, intervalMs),
    noTrafficIntervalMs,
    noTrafficHealthyIntervalMs: positiveMs(o, 'no_traffic_healthy_interval', path, noTrafficIntervalMs),
    reuseConnection: bool(
      o.reuse_connection,
      joinPath(path, 'reuse_connection'),
      HEALTH_CHECK_DEFAULTS.reuseConnection,
    ),
    http: compileHttp(o.http_health_check, joinPath(path, 'http_health_check')),
  };
}

/**
 * Compiles a cluster's `health_checks`; `path` names the list in errors (e.g.
 * `static_resources.clusters[0].health_checks`). No entries → undefined (no active health checking).
 */
export function compileHealthChecks(value: unknown, path: string): HealthCheckConfig | undefined {
  const entries = list(value, path);
  if (entries.length === 0) return undefined;
  if (entries.length > 1) {
    throw new ConfigError(
      joinPath(path, 1),
      `Weft implements one health check per cluster; this cluster has ${entries.length}`,
      'unsupported',
    );
  }
  return compileOne(entries[0], joinPath(path, 0));
}
