// What Weft implements of Envoy's API. A field that is valid Envoy configuration but not listed here
// is rejected as 'unsupported' when it is set (non-default), so that a config never silently means
// something different in Weft than in Envoy. Grow these tables as features land.
import protobuf, { type Field, type Type } from 'protobufjs';
import { ConfigError, joinMapKey, joinPath } from './errors.ts';
import { findMessageType, fullNameOf } from './proto-root.ts';
import { isRecord } from './scalars.ts';
import {
  HEALTH_CHECK_SUPPORTED_ENUM_VALUES,
  HEALTH_CHECK_SUPPORTED_FIELDS,
} from './supported-health-check.ts';

const CORE = 'envoy.config.core.v3';
const ROUTE = 'envoy.config.route.v3';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3';
const MATCHER = 'envoy.type.matcher.v3';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const HEADER_MUTATIONS = [
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
];

const HTTP_CONNECTION_MANAGER = `${HCM}.HttpConnectionManager`;
const FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';
const BUFFER = 'envoy.extensions.filters.http.buffer.v3.Buffer';
const FILE_ACCESS_LOG = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STDOUT_ACCESS_LOG = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const PREVIOUS_HOSTS = 'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';
const UPSTREAM_HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const CORS = 'envoy.extensions.filters.http.cors.v3.Cors';
const HEADER_MUTATION_FILTER = 'envoy.extensions.filters.http.header_mutation.v3.HeaderMutation';
const CORS_POLICY = 'envoy.extensions.filters.http.cors.v3.CorsPolicy';
const LISTENER = 'envoy.config.listener.v3';
const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const ORIGINAL_DST_FILTER = 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst';
const HTTP_INSPECTOR = 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector';
const TLS_INSPECTOR = 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';

/** Message → the fields Weft implements. A message not listed implements none of its fields. */
export const SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // Bootstrap
  'envoy.config.bootstrap.v3.Bootstrap': ['node', 'static_resources', 'admin'],
  'envoy.config.bootstrap.v3.Bootstrap.StaticResources': ['listeners', 'clusters'],
  'envoy.config.bootstrap.v3.Admin': ['address', 'access_log_path'],
  [`${CORE}.Address`]: ['socket_address'],
  [`${CORE}.SocketAddress`]: ['address', 'port_value', 'protocol', 'ipv4_compat'],
  // Listeners and the HTTP connection manager
  'envoy.config.listener.v3.Listener': [
    'name',
    'address',
    'filter_chains',
    'per_connection_buffer_limit_bytes',
    // transparent interception (Istio's virtual 15001 / 15006 listeners)
    ...['use_original_dst', 'bind_to_port', 'traffic_direction', 'default_filter_chain', 'listener_filters'],
    ...['listener_filters_timeout', 'continue_on_listener_filters_timeout'],
  ],
  'envoy.config.listener.v3.FilterChain': ['filters', 'name', 'filter_chain_match'],
  'envoy.config.listener.v3.Filter': ['name', 'typed_config'],
  // tls_inspector is accepted and treated as "not TLS"; transport_protocol other than raw_buffer is
  // refused by the compiler, so server_names (SNI) is left out.
  [`${LISTENER}.FilterChainMatch`]: [
    ...['destination_port', 'prefix_ranges', 'transport_protocol', 'application_protocols'],
    ...['direct_source_prefix_ranges', 'source_type', 'source_prefix_ranges', 'source_ports'],
  ],
  [`${CORE}.CidrRange`]: ['address_prefix', 'prefix_len'],
  [`${LISTENER}.ListenerFilter`]: ['name', 'typed_config', 'filter_disabled'],
  [`${LISTENER}.ListenerFilterChainMatchPredicate`]: [
    ...['or_match', 'and_match', 'not_match', 'any_match', 'destination_port_range'],
  ],
  [`${LISTENER}.ListenerFilterChainMatchPredicate.MatchSet`]: ['rules'],
  'envoy.type.v3.Int32Range': ['start', 'end'],
  [ORIGINAL_DST_FILTER]: [],
  [HTTP_INSPECTOR]: [],
  [TLS_INSPECTOR]: [],
  [TCP_PROXY]: [
    ...['stat_prefix', 'cluster', 'weighted_clusters', 'idle_timeout', 'access_log'],
    ...['max_connect_attempts', 'max_downstream_connection_duration'],
  ],
  [`${TCP_PROXY}.WeightedCluster`]: ['clusters'],
  [`${TCP_PROXY}.WeightedCluster.ClusterWeight`]: ['name', 'weight'],
  [HTTP_CONNECTION_MANAGER]: [
    ...['codec_type', 'stat_prefix', 'route_config', 'http_filters', 'access_log', 'max_request_headers_kb'],
    ...['stream_idle_timeout', 'request_timeout', 'drain_timeout', 'generate_request_id'],
    ...['preserve_external_request_id', 'use_remote_address', 'xff_num_trusted_hops', 'skip_xff_append'],
    ...['server_name', 'upgrade_configs', 'common_http_protocol_options', 'http2_protocol_options'],
    ...['rds', 'request_headers_timeout'],
  ],
  [`${HCM}.Rds`]: ['config_source', 'route_config_name'],
  // xDS: resources come over the one ADS stream the proxy was started with.
  [`${CORE}.ConfigSource`]: ['ads', 'resource_api_version', 'initial_fetch_timeout'],
  [`${CORE}.AggregatedConfigSource`]: [],
  [`${HTTP_CONNECTION_MANAGER}.UpgradeConfig`]: ['upgrade_type', 'enabled'],
  [`${HCM}.HttpFilter`]: ['name', 'typed_config', 'is_optional'],
  [`${CORE}.HttpProtocolOptions`]: ['idle_timeout', 'max_requests_per_connection', 'max_headers_count'],
  [`${CORE}.Http1ProtocolOptions`]: [],
  [`${CORE}.Http2ProtocolOptions`]: [
    'max_concurrent_streams',
    'initial_stream_window_size',
    'initial_connection_window_size',
  ],
  // HTTP filters and access logs
  [FAULT]: ['delay', 'abort', 'headers', 'upstream_cluster', 'max_active_faults'],
  'envoy.extensions.filters.common.fault.v3.FaultDelay': ['fixed_delay', 'header_delay', 'percentage'],
  'envoy.extensions.filters.common.fault.v3.FaultDelay.HeaderDelay': [],
  'envoy.extensions.filters.http.fault.v3.FaultAbort': [
    'http_status',
    'grpc_status',
    'header_abort',
    'percentage',
  ],
  'envoy.extensions.filters.http.fault.v3.FaultAbort.HeaderAbort': [],
  'envoy.type.v3.FractionalPercent': ['numerator', 'denominator'],
  [BUFFER]: ['max_request_bytes'],
  [HEADER_MUTATION_FILTER]: ['mutations'],
  'envoy.extensions.filters.http.header_mutation.v3.Mutations': ['request_mutations', 'response_mutations'],
  'envoy.config.common.mutation_rules.v3.HeaderMutation': ['remove', 'append'],
  [CORS]: [],
  [CORS_POLICY]: [
    ...['allow_origin_string_match', 'allow_methods', 'allow_headers', 'expose_headers', 'max_age'],
    ...['allow_credentials', 'filter_enabled', 'shadow_enabled', 'allow_private_network_access'],
    'forward_not_matching_preflights',
  ],
  [ROUTER]: [],
  'envoy.config.accesslog.v3.AccessLog': ['name', 'typed_config'],
  [FILE_ACCESS_LOG]: ['path'],
  [STDOUT_ACCESS_LOG]: [],
  // Routes
  [`${ROUTE}.RouteConfiguration`]: ['name', 'virtual_hosts', ...HEADER_MUTATIONS, 'validate_clusters'],
  [`${ROUTE}.VirtualHost`]: [
    ...['name', 'domains', 'routes', ...HEADER_MUTATIONS],
    ...['retry_policy', 'typed_per_filter_config', 'per_request_buffer_limit_bytes'],
  ],
  [`${ROUTE}.Route`]: [
    ...['name', 'match', 'route', 'redirect', 'direct_response', ...HEADER_MUTATIONS],
    ...['typed_per_filter_config', 'per_request_buffer_limit_bytes'],
  ],
  [`${ROUTE}.RouteMatch`]: [
    ...['prefix', 'path', 'safe_regex', 'path_separated_prefix', 'case_sensitive'],
    ...['headers', 'query_parameters', 'grpc'],
  ],
  [`${ROUTE}.RouteMatch.GrpcRouteMatchOptions`]: [],
  [`${ROUTE}.HeaderMatcher`]: [
    ...['name', 'string_match', 'present_match', 'invert_match', 'treat_missing_header_as_empty'],
    ...['exact_match', 'prefix_match', 'suffix_match', 'contains_match', 'safe_regex_match', 'range_match'],
  ],
  [`${MATCHER}.StringMatcher`]: ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case'],
  [`${MATCHER}.RegexMatcher`]: ['regex', 'google_re2'],
  [`${MATCHER}.RegexMatchAndSubstitute`]: ['pattern', 'substitution'],
  [`${ROUTE}.QueryParameterMatcher`]: ['name', 'string_match', 'present_match'],
  'envoy.type.v3.Int64Range': ['start', 'end'],
  [`${ROUTE}.RouteAction`]: [
    ...['cluster', 'weighted_clusters', 'timeout', 'idle_timeout', 'retry_policy', 'prefix_rewrite'],
    ...['regex_rewrite', 'host_rewrite_literal', 'auto_host_rewrite', 'request_mirror_policies'],
    'cluster_not_found_response_code',
    'hash_policy',
  ],
  [`${ROUTE}.RouteAction.HashPolicy`]: [
    'header',
    'cookie',
    'connection_properties',
    'query_parameter',
    'terminal',
  ],
  [`${ROUTE}.RouteAction.HashPolicy.Header`]: ['header_name', 'regex_rewrite'],
  [`${ROUTE}.RouteAction.HashPolicy.Cookie`]: ['name', 'ttl', 'path'],
  [`${ROUTE}.RouteAction.HashPolicy.ConnectionProperties`]: ['source_ip'],
  [`${ROUTE}.RouteAction.HashPolicy.QueryParameter`]: ['name'],
  [`${ROUTE}.WeightedCluster`]: ['clusters', 'total_weight'],
  [`${ROUTE}.WeightedCluster.ClusterWeight`]: [
    ...['name', 'weight', ...HEADER_MUTATIONS, 'host_rewrite_literal', 'typed_per_filter_config'],
  ],
  [`${ROUTE}.RetryPolicy`]: [
    ...['retry_on', 'num_retries', 'per_try_timeout', 'retry_back_off', 'retry_host_predicate'],
    ...['host_selection_retry_max_attempts', 'retriable_status_codes', 'retriable_headers'],
  ],
  [`${ROUTE}.RetryPolicy.RetryBackOff`]: ['base_interval', 'max_interval'],
  [`${ROUTE}.RetryPolicy.RetryHostPredicate`]: ['name', 'typed_config'],
  [PREVIOUS_HOSTS]: [],
  [`${ROUTE}.RouteAction.RequestMirrorPolicy`]: ['cluster', 'runtime_fraction'],
  [`${CORE}.RuntimeFractionalPercent`]: ['default_value', 'runtime_key'],
  [`${ROUTE}.RedirectAction`]: [
    ...['scheme_redirect', 'https_redirect', 'host_redirect', 'port_redirect', 'path_redirect'],
    ...['prefix_rewrite', 'regex_rewrite', 'response_code', 'strip_query'],
  ],
  [`${ROUTE}.DirectResponseAction`]: ['status', 'body'],
  [`${CORE}.DataSource`]: ['inline_string', 'inline_bytes'],
  [`${CORE}.HeaderValueOption`]: ['header', 'append', 'append_action', 'keep_empty_value'],
  [`${CORE}.HeaderValue`]: ['key', 'value'],
  // Clusters
  'envoy.config.cluster.v3.Cluster': [
    ...['name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment'],
    ...['typed_extension_protocol_options', 'http2_protocol_options'],
    ...['least_request_lb_config', 'ring_hash_lb_config', 'maglev_lb_config', 'common_lb_config'],
    ...['circuit_breakers', 'outlier_detection', 'health_checks', 'eds_cluster_config'],
    ...['original_dst_lb_config', 'cleanup_interval', 'upstream_bind_config'],
    ...['dns_lookup_family', 'dns_refresh_rate', 'dns_failure_refresh_rate', 'respect_dns_ttl'],
  ],
  [`${CLUSTER}.RefreshRate`]: ['base_interval', 'max_interval'],
  [`${CLUSTER}.OriginalDstLbConfig`]: ['use_http_header', 'http_header_name', 'upstream_port_override'],
  [`${CORE}.BindConfig`]: ['source_address'],
  // Active health checks: cluster/health/config.ts refuses what it does not implement inside these.
  ...Object.fromEntries(
    Object.entries(HEALTH_CHECK_SUPPORTED_FIELDS).filter(([message]) => message.includes('HealthCheck')),
  ),
  [`${CLUSTER}.EdsClusterConfig`]: ['eds_config', 'service_name'],
  [`${CLUSTER}.LeastRequestLbConfig`]: ['choice_count', 'active_request_bias'],
  [`${CORE}.RuntimeDouble`]: ['default_value', 'runtime_key'],
  [`${CLUSTER}.RingHashLbConfig`]: ['minimum_ring_size', 'maximum_ring_size', 'hash_function'],
  [`${CLUSTER}.MaglevLbConfig`]: ['table_size'],
  [`${CLUSTER}.CommonLbConfig`]: ['healthy_panic_threshold', 'consistent_hashing_lb_config'],
  [`${CLUSTER}.CommonLbConfig.ConsistentHashingLbConfig`]: ['use_hostname_for_hashing'],
  'envoy.type.v3.Percent': ['value'],
  'envoy.config.cluster.v3.CircuitBreakers': ['thresholds'],
  'envoy.config.cluster.v3.CircuitBreakers.Thresholds': [
    ...['priority', 'max_connections', 'max_pending_requests', 'max_requests', 'max_retries'],
    ...['retry_budget', 'track_remaining'],
  ],
  'envoy.config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget': [
    'budget_percent',
    'min_retry_concurrency',
  ],
  'envoy.config.cluster.v3.OutlierDetection': [
    ...[
      'consecutive_5xx',
      'interval',
      'base_ejection_time',
      'max_ejection_percent',
      'enforcing_consecutive_5xx',
    ],
    ...['enforcing_success_rate', 'success_rate_minimum_hosts', 'success_rate_request_volume'],
    ...['success_rate_stdev_factor', 'consecutive_gateway_failure', 'enforcing_consecutive_gateway_failure'],
    ...['split_external_local_origin_errors', 'consecutive_local_origin_failure'],
    ...['enforcing_consecutive_local_origin_failure', 'enforcing_local_origin_success_rate'],
    ...[
      'failure_percentage_threshold',
      'enforcing_failure_percentage',
      'enforcing_failure_percentage_local_origin',
    ],
    ...['failure_percentage_minimum_hosts', 'failure_percentage_request_volume', 'max_ejection_time'],
    ...['max_ejection_time_jitter', 'successful_active_health_check_uneject_host', 'always_eject_one_host'],
  ],
  'envoy.config.endpoint.v3.ClusterLoadAssignment': ['cluster_name', 'endpoints', 'policy'],
  'envoy.config.endpoint.v3.ClusterLoadAssignment.Policy': ['overprovisioning_factor'],
  'envoy.config.endpoint.v3.LocalityLbEndpoints': ['lb_endpoints', 'locality', 'priority'],
  'envoy.config.endpoint.v3.LbEndpoint': ['endpoint', 'load_balancing_weight'],
  'envoy.config.endpoint.v3.Endpoint': ['address', 'hostname'],
  [UPSTREAM_HTTP_OPTIONS]: ['explicit_http_config', 'common_http_protocol_options'],
  [`${UPSTREAM_HTTP_OPTIONS}.ExplicitHttpConfig`]: ['http_protocol_options', 'http2_protocol_options'],
};

/** Fields that only label or describe; accepted, with everything under them, wherever they exist. */
export const DESCRIPTIVE_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'stat_prefix',
  'alt_stat_name',
  'metadata',
]);

/** Descriptive fields of one message; accepted with everything under them. */
export const DESCRIPTIVE_FIELDS_OF: Readonly<Record<string, readonly string[]>> = {
  'envoy.config.bootstrap.v3.Bootstrap': ['node'],
  'envoy.config.endpoint.v3.ClusterLoadAssignment': ['cluster_name'],
  'envoy.config.endpoint.v3.LocalityLbEndpoints': ['locality'],
  'envoy.config.endpoint.v3.Endpoint': ['hostname'],
  [`${CORE}.RuntimeFractionalPercent`]: ['runtime_key'],
  [`${CORE}.RuntimeDouble`]: ['runtime_key'],
  [`${MATCHER}.RegexMatcher`]: ['google_re2'],
  [`${ROUTE}.RouteConfiguration`]: ['validate_clusters'],
};

/** Enum fields (`Message.field`) of which Weft implements only some values. */
export const SUPPORTED_ENUM_VALUES: Readonly<Record<string, readonly string[]>> = {
  'envoy.config.cluster.v3.Cluster.type': ['STATIC', 'EDS', 'ORIGINAL_DST', 'STRICT_DNS', 'LOGICAL_DNS'],
  [`${CORE}.ConfigSource.resource_api_version`]: ['AUTO', 'V3'],
  'envoy.config.cluster.v3.Cluster.lb_policy': [
    'ROUND_ROBIN',
    'LEAST_REQUEST',
    'RANDOM',
    'RING_HASH',
    'MAGLEV',
    'CLUSTER_PROVIDED',
  ],
  [`${CORE}.SocketAddress.protocol`]: ['TCP'],
  ...HEALTH_CHECK_SUPPORTED_ENUM_VALUES,
  [`${HTTP_CONNECTION_MANAGER}.codec_type`]: ['AUTO', 'HTTP1', 'HTTP2'],
};

/** Any-typed fields (`Message.field`) → the `@type`s Weft implements there. */
export const SUPPORTED_ANY_TYPES: Readonly<Record<string, readonly string[]>> = {
  'envoy.config.listener.v3.Filter.typed_config': [HTTP_CONNECTION_MANAGER, TCP_PROXY],
  [`${LISTENER}.ListenerFilter.typed_config`]: [ORIGINAL_DST_FILTER, HTTP_INSPECTOR, TLS_INSPECTOR],
  [`${HCM}.HttpFilter.typed_config`]: [FAULT, ROUTER, BUFFER, CORS],
  'envoy.config.accesslog.v3.AccessLog.typed_config': [FILE_ACCESS_LOG, STDOUT_ACCESS_LOG],
  [`${ROUTE}.RetryPolicy.RetryHostPredicate.typed_config`]: [PREVIOUS_HOSTS],
  [`${ROUTE}.VirtualHost.typed_per_filter_config`]: [FAULT, CORS_POLICY],
  [`${ROUTE}.Route.typed_per_filter_config`]: [FAULT, CORS_POLICY],
  [`${ROUTE}.WeightedCluster.ClusterWeight.typed_per_filter_config`]: [FAULT],
  'envoy.config.cluster.v3.Cluster.typed_extension_protocol_options': [UPSTREAM_HTTP_OPTIONS],
};

/** Map fields (`Message.field`) whose keys Weft restricts. */
export const SUPPORTED_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'envoy.config.cluster.v3.Cluster.typed_extension_protocol_options': [UPSTREAM_HTTP_OPTIONS],
};

/** Extension names Envoy also resolves by `name` alone; Weft needs the typed_config, and says which. */
const TYPE_OF_EXTENSION_NAME: Readonly<Record<string, string>> = {
  'envoy.filters.network.http_connection_manager': HTTP_CONNECTION_MANAGER,
  'envoy.filters.network.tcp_proxy': TCP_PROXY,
  'envoy.filters.listener.original_dst': ORIGINAL_DST_FILTER,
  'envoy.filters.listener.http_inspector': HTTP_INSPECTOR,
  'envoy.filters.listener.tls_inspector': TLS_INSPECTOR,
  'envoy.filters.http.fault': FAULT,
  'envoy.filters.http.router': ROUTER,
  'envoy.filters.http.buffer': BUFFER,
  'envoy.filters.http.cors': CORS,
  'envoy.filters.http.header_mutation': HEADER_MUTATION_FILTER,
  'envoy.access_loggers.file': FILE_ACCESS_LOG,
  'envoy.access_loggers.stdout': STDOUT_ACCESS_LOG,
  'envoy.retry_host_predicates.previous_hosts': PREVIOUS_HOSTS,
};

type StructureRule = (message: Record<string, unknown>, path: string, errors: ConfigError[]) => void;

/** Shape constraints beyond single fields, by message. */
const STRUCTURE_RULES: Readonly<Record<string, StructureRule>> = {
  'envoy.config.listener.v3.Listener': someFilterChain,
  'envoy.config.listener.v3.Filter': requireTypedConfig,
  [`${LISTENER}.ListenerFilter`]: requireTypedConfig,
  [`${HCM}.HttpFilter`]: requireTypedConfig,
  'envoy.config.accesslog.v3.AccessLog': requireTypedConfig,
  [`${ROUTE}.RetryPolicy.RetryHostPredicate`]: requireTypedConfig,
  [HTTP_CONNECTION_MANAGER]: routerLast,
};

const NOT_YET = 'is valid Envoy configuration that Weft does not implement yet';

/**
 * Reports what Weft does not implement in an already schema-validated, snake_case-normalized
 * message (the `value` of validateEnvoyMessage). Parts that failed validation are skipped.
 */
export function checkSupported(
  value: Record<string, unknown>,
  messageType: string,
  basePath: string,
): ConfigError[] {
  const type = findMessageType(messageType);
  if (!type) throw new Error(`checkSupported: ${messageType} is not a message type of Envoy's API`);
  const errors: ConfigError[] = [];
  checkMessage(value, type, basePath, errors);
  return errors;
}

function checkMessage(value: unknown, type: Type, path: string, errors: ConfigError[]): void {
  const owner = fullNameOf(type);
  if (!isRecord(value) || owner.startsWith('google.protobuf.')) return;
  const supported = SUPPORTED_FIELDS[owner] ?? [];
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field || !isSet(field, fieldValue)) continue;
    if (DESCRIPTIVE_FIELDS.has(key) || DESCRIPTIVE_FIELDS_OF[owner]?.includes(key)) continue;
    const qualified = `${owner}.${key}`;
    const fieldPath = joinPath(path, key);
    if (!supported.includes(key)) {
      errors.push(new ConfigError(fieldPath, `${qualified} ${NOT_YET}`, 'unsupported'));
      continue;
    }
    const values = SUPPORTED_ENUM_VALUES[qualified];
    if (values && typeof fieldValue === 'string' && !values.includes(fieldValue)) {
      const problem = `${qualified}=${fieldValue} ${NOT_YET} (it implements ${values.join(', ')})`;
      errors.push(new ConfigError(fieldPath, problem, 'unsupported'));
      continue;
    }
    checkMapKeys(qualified, fieldValue, fieldPath, errors);
    for (const [elementPath, element] of elementsOf(field, fieldValue, fieldPath)) {
      const elementType = field.resolvedType;
      if (!(elementType instanceof protobuf.Type)) continue;
      if (elementType.fullName === '.google.protobuf.Any') {
        checkAny(element, qualified, elementPath, value.is_optional === true, errors);
      } else checkMessage(element, elementType, elementPath, errors);
    }
  }
  STRUCTURE_RULES[owner]?.(value, path, errors);
}

/** Set means "not the proto3 default": present messages count, empty lists and zero scalars do not. */
function isSet(field: Field, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (field.map) return isRecord(value) && Object.keys(value).length > 0;
  if (field.repeated) return Array.isArray(value) && value.length > 0;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return true;
  if (resolved instanceof protobuf.Enum) return value !== resolved.valuesById[0];
  return value !== 0 && value !== '' && value !== false && value !== '0';
}

function elementsOf(field: Field, value: unknown, path: string): Array<[string, unknown]> {
  if (field.map && isRecord(value))
    return Object.entries(value).map(([key, element]) => [joinMapKey(path, key), element]);
  if (field.repeated && Array.isArray(value))
    return value.map((element, index) => [joinPath(path, index), element]);
  return [[path, value]];
}

function checkMapKeys(qualified: string, value: unknown, path: string, errors: ConfigError[]): void {
  const keys = SUPPORTED_MAP_KEYS[qualified];
  if (!keys || !isRecord(value)) return;
  for (const key of Object.keys(value)) {
    if (keys.includes(key)) continue;
    const problem = `key "${key}" of ${qualified} is not one Weft implements (it implements ${keys.join(', ')})`;
    errors.push(new ConfigError(joinMapKey(path, key), problem, 'unsupported'));
  }
}

function anyTypeName(value: unknown): string | undefined {
  const url = isRecord(value) ? value['@type'] : undefined;
  return typeof url === 'string' ? url.slice(url.lastIndexOf('/') + 1) : undefined;
}

function checkAny(
  value: unknown,
  qualified: string,
  path: string,
  optional: boolean,
  errors: ConfigError[],
): void {
  const name = anyTypeName(value);
  const inner = name === undefined ? undefined : findMessageType(name);
  if (name === undefined || !inner) return; // schema validation has reported it
  const allowed = SUPPORTED_ANY_TYPES[qualified] ?? [];
  if (allowed.includes(name)) {
    checkMessage(value, inner, path, errors);
    return;
  }
  // An HTTP filter marked is_optional may be skipped by a proxy that does not implement it.
  if (optional) return;
  const implemented = allowed.length > 0 ? allowed.join(', ') : 'nothing there yet';
  const problem = `@type ${name} in ${qualified} ${NOT_YET} (it implements ${implemented})`;
  errors.push(new ConfigError(path, problem, 'unsupported'));
}

/** Envoy refuses a listener with neither filter_chains nor a default_filter_chain. */
function someFilterChain(listener: Record<string, unknown>, path: string, errors: ConfigError[]): void {
  const chains = Array.isArray(listener.filter_chains) ? listener.filter_chains.length : 0;
  if (chains > 0 || listener.default_filter_chain !== undefined) return;
  const problem = 'a listener needs filter_chains or a default_filter_chain';
  errors.push(new ConfigError(joinPath(path, 'filter_chains'), problem));
}

function requireTypedConfig(extension: Record<string, unknown>, path: string, errors: ConfigError[]): void {
  if (extension.typed_config !== undefined || extension.config_discovery !== undefined) return;
  const known = typeof extension.name === 'string' ? TYPE_OF_EXTENSION_NAME[extension.name] : undefined;
  const example = known ?? 'full.type.Name';
  const problem = `Weft selects extensions by typed_config, not by name alone: add typed_config: {"@type": "type.googleapis.com/${example}"}`;
  errors.push(new ConfigError(joinPath(path, 'typed_config'), problem, 'unsupported'));
}

/** Envoy requires the router, a terminal filter, to be last in http_filters. */
function routerLast(manager: Record<string, unknown>, path: string, errors: ConfigError[]): void {
  const filters = Array.isArray(manager.http_filters) ? manager.http_filters : [];
  filters.forEach((filter, index) => {
    const isRouter = anyTypeName(isRecord(filter) ? filter.typed_config : undefined) === ROUTER;
    const isLast = index === filters.length - 1;
    if (isRouter === isLast) return;
    const problem = isRouter
      ? 'the router must be the last HTTP filter: filters after it would never run'
      : `the last HTTP filter must be the router (${ROUTER}), as in Envoy`;
    errors.push(new ConfigError(joinPath(joinPath(path, 'http_filters'), index), problem));
  });
}
