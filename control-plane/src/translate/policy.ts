// DestinationRule trafficPolicy → the Envoy Cluster fields Weft's proxy implements, and the route
// hash_policy a consistentHash needs. Istio's merge order: the rule's top-level policy, then its
// portLevelSettings for the port, then the subset's policy, then the subset's portLevelSettings;
// each of loadBalancer / connectionPool / outlierDetection is replaced whole by a more specific one.
import type { ConsistentHash, EnvoyObject, TrafficPolicy } from './types.ts';
import { compact, duration } from './values.ts';

type Policy = Omit<TrafficPolicy, 'portLevelSettings'>;

const MAX_UINT32 = 4294967295;
/** Istio's mesh-wide default connectTimeout. */
const DEFAULT_CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };
/** Istio's default ring size for consistentHash without ringHash.minimumRingSize. */
const DEFAULT_RING_SIZE = 1024;
const UPSTREAM_HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function overlay(base: Policy, top: TrafficPolicy | undefined, port: number): Policy {
  if (!top) return base;
  const atPort = top.portLevelSettings?.find((p) => p.port?.number === port);
  const merged: Policy = {
    loadBalancer: top.loadBalancer ?? base.loadBalancer,
    connectionPool: top.connectionPool ?? base.connectionPool,
    outlierDetection: top.outlierDetection ?? base.outlierDetection,
  };
  return atPort ? overlay(merged, atPort, port) : merged;
}

/** The policy in force for one cluster. */
export function effectivePolicy(
  top: TrafficPolicy | undefined,
  subset: TrafficPolicy | undefined,
  port: number,
): Policy {
  return overlay(overlay({}, top, port), subset, port);
}

function lbFields(policy: Policy): EnvoyObject {
  const lb = policy.loadBalancer;
  const hash = lb?.consistentHash;
  if (hash) {
    if (hash.maglev) {
      return {
        lb_policy: 'MAGLEV',
        ...(hash.maglev.tableSize
          ? { maglev_lb_config: { table_size: { value: hash.maglev.tableSize } } }
          : {}),
      };
    }
    const size = hash.ringHash?.minimumRingSize ?? hash.minimumRingSize ?? DEFAULT_RING_SIZE;
    return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: size } } };
  }
  switch (lb?.simple) {
    case 'ROUND_ROBIN':
      return { lb_policy: 'ROUND_ROBIN' };
    case 'RANDOM':
      return { lb_policy: 'RANDOM' };
    // PASSTHROUGH (connect to the caller's original destination) needs an ORIGINAL_DST cluster, which
    // the proxy does not implement yet: such a rule keeps Istio's default balancer.
    // LEAST_CONN is Istio's deprecated spelling of LEAST_REQUEST; UNSPECIFIED/absent is Istio's default.
    default:
      return { lb_policy: 'LEAST_REQUEST' };
  }
}

function poolFields(policy: Policy, h2: boolean): EnvoyObject {
  const tcp = policy.connectionPool?.tcp;
  const http = policy.connectionPool?.http;
  // Istio lifts Envoy's 1024 defaults to "unlimited" (2^32−1) unless the rule sets a limit.
  const thresholds = {
    max_connections: { value: tcp?.maxConnections ?? MAX_UINT32 },
    max_pending_requests: { value: http?.http1MaxPendingRequests ?? MAX_UINT32 },
    max_requests: { value: http?.http2MaxRequests ?? MAX_UINT32 },
    max_retries: { value: http?.maxRetries ?? MAX_UINT32 },
  };
  const common = compact({
    // 0 means unlimited in Istio, which is also Envoy's meaning of "unset".
    max_requests_per_connection: http?.maxRequestsPerConnection
      ? { value: http.maxRequestsPerConnection }
      : undefined,
    idle_timeout: http?.idleTimeout ? duration(http.idleTimeout) : undefined,
  });
  // Envoy requires a protocol choice whenever these options are present (the upstream_protocol_options oneof).
  const options =
    Object.keys(common).length > 0 || h2
      ? compact({
          common_http_protocol_options: Object.keys(common).length > 0 ? common : undefined,
          explicit_http_config: h2 ? { http2_protocol_options: {} } : { http_protocol_options: {} },
        })
      : {};
  return compact({
    connect_timeout: tcp?.connectTimeout ? duration(tcp.connectTimeout) : DEFAULT_CONNECT_TIMEOUT,
    circuit_breakers: { thresholds: [thresholds] },
    typed_extension_protocol_options:
      Object.keys(options).length > 0
        ? { [UPSTREAM_HTTP_OPTIONS]: { '@type': `type.googleapis.com/${UPSTREAM_HTTP_OPTIONS}`, ...options } }
        : undefined,
  });
}

/** 100 when the threshold is positive, 0 when the rule set it to 0 (how Istio disables a detector). */
const enforcing = (n: number) => ({ value: n > 0 ? 100 : 0 });

function outlierFields(policy: Policy): EnvoyObject {
  const od = policy.outlierDetection;
  if (!od) return {};
  // consecutiveErrors is the deprecated spelling of consecutive5xxErrors.
  const fiveXx = od.consecutive5xxErrors ?? od.consecutiveErrors;
  const outlier = compact({
    consecutive_5xx: fiveXx === undefined ? undefined : { value: fiveXx },
    enforcing_consecutive_5xx: fiveXx === undefined ? undefined : enforcing(fiveXx),
    consecutive_gateway_failure:
      od.consecutiveGatewayErrors === undefined ? undefined : { value: od.consecutiveGatewayErrors },
    enforcing_consecutive_gateway_failure:
      od.consecutiveGatewayErrors === undefined ? undefined : enforcing(od.consecutiveGatewayErrors),
    split_external_local_origin_errors: od.splitExternalLocalOriginErrors || undefined,
    consecutive_local_origin_failure:
      od.consecutiveLocalOriginFailures === undefined
        ? undefined
        : { value: od.consecutiveLocalOriginFailures },
    enforcing_consecutive_local_origin_failure:
      od.consecutiveLocalOriginFailures === undefined
        ? undefined
        : enforcing(od.consecutiveLocalOriginFailures),
    interval: od.interval ? duration(od.interval) : undefined,
    base_ejection_time: od.baseEjectionTime ? duration(od.baseEjectionTime) : undefined,
    max_ejection_percent: od.maxEjectionPercent === undefined ? undefined : { value: od.maxEjectionPercent },
    // Istio exposes no success-rate detector, and Envoy enables it by default: turn it off.
    enforcing_success_rate: { value: 0 },
  });
  // Envoy's defaults (5 errors, 10 s interval, 30 s ejection, 10 %) are Istio's documented ones.
  return compact({
    outlier_detection: outlier,
    common_lb_config:
      od.minHealthPercent === undefined
        ? undefined
        : { healthy_panic_threshold: { value: od.minHealthPercent } },
  });
}

/** The Cluster fields a policy sets (name, type and EDS config are the caller's). */
export function clusterPolicyFields(policy: Policy, h2: boolean): EnvoyObject {
  return { ...poolFields(policy, h2), ...lbFields(policy), ...outlierFields(policy) };
}

/** RouteAction.hash_policy for a consistentHash destination, or undefined. */
export function hashPolicyOf(hash: ConsistentHash | undefined): EnvoyObject[] | undefined {
  if (!hash) return undefined;
  if (hash.httpHeaderName) return [{ header: { header_name: hash.httpHeaderName } }];
  if (hash.httpCookie) {
    const c = hash.httpCookie;
    return [{ cookie: compact({ name: c.name, path: c.path, ttl: c.ttl ? duration(c.ttl) : undefined }) }];
  }
  if (hash.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (hash.httpQueryParameterName) return [{ query_parameter: { name: hash.httpQueryParameterName } }];
  return undefined;
}
