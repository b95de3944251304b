// What cluster/health/config.ts (compileHealthChecks) implements of Envoy's HealthCheck messages. It
// lives in config/, the bottom layer, because config/supported.ts merges it into the supported-fields
// tables while cluster/health reads config's field readers: kept in cluster/health, it made a cycle.
const CORE = 'envoy.config.core.v3';
const HEALTH_CHECK = `${CORE}.HealthCheck`;
const HTTP_HEALTH_CHECK = `${HEALTH_CHECK}.HttpHealthCheck`;

/** The fields compileHealthChecks implements, by message (config/supported.ts adds them to its table). */
export const HEALTH_CHECK_SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'envoy.config.cluster.v3.Cluster': ['health_checks'],
  [HEALTH_CHECK]: [
    ...['timeout', 'interval', 'initial_jitter', 'interval_jitter', 'interval_jitter_percent'],
    ...['healthy_threshold', 'unhealthy_threshold', 'reuse_connection', 'http_health_check'],
    ...['no_traffic_interval', 'no_traffic_healthy_interval', 'unhealthy_interval'],
    ...['unhealthy_edge_interval', 'healthy_edge_interval'],
  ],
  [HTTP_HEALTH_CHECK]: [
    ...['host', 'path', 'request_headers_to_add', 'expected_statuses', 'retriable_statuses'],
    ...['codec_client_type', 'method'],
  ],
  'envoy.type.v3.Int64Range': ['start', 'end'],
  // Narrower than the route tables' HeaderValueOption: compileHealthChecks refuses append,
  // append_action and keep_empty_value itself, whatever the shared table allows.
  [`${CORE}.HeaderValueOption`]: ['header'],
  [`${CORE}.HeaderValue`]: ['key', 'value'],
};

/** Enum fields of which only some values are implemented. */
export const HEALTH_CHECK_SUPPORTED_ENUM_VALUES: Readonly<Record<string, readonly string[]>> = {
  [`${HTTP_HEALTH_CHECK}.codec_client_type`]: ['HTTP1', 'HTTP2'],
};
