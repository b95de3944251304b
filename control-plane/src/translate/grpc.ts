// The snapshot for a proxyless gRPC client (node metadata GENERATOR=grpc, as Istio's proxyless
// bootstrap sets). gRPC's xDS client asks for one listener per target (`xds:///host:port` → LDS
// `host:port`), reads an api_listener from it and implements a subset of Envoy's route and cluster
// fields; a resource using anything outside that subset is NACKed whole. So the same routes and
// clusters as for a sidecar are reshaped, never re-derived:
// - one api_listener per service port, named `<fqdn>:<port>`, whose RDS route configuration of the
//   same name holds only that service's virtual host;
// - the route timeout becomes max_stream_duration (gRPC ignores `timeout`); retry_on keeps the gRPC
//   status conditions gRPC understands; routes that do not forward (redirect, direct response) are
//   left out, because gRPC rejects the whole route configuration for them;
// - per-route filter configs are kept only for the fault filter (gRPC has no CORS filter: CORS is a
//   browser concern, and gRPC rejects configs for filters it does not know);
// - clusters balance with ROUND_ROBIN or RING_HASH only (gRPC's client-side policies; LEAST_REQUEST
//   and RANDOM fall back to ROUND_ROBIN, MAGLEV to RING_HASH); of the discovery types gRPC takes EDS
//   and LOGICAL_DNS, so STRICT_DNS becomes LOGICAL_DNS on its first endpoint and ORIGINAL_DST
//   (a ServiceEntry with resolution NONE: there is no original destination for a proxyless call)
//   is left out;
// - endpoints sit in a weighted locality, which gRPC requires.
import { buildClusters } from './clusters.ts';
import { FAULT, HCM_TYPE, hasFault, ROUTER, virtualHostFor } from './listeners.ts';
import type { Registry } from './registry.ts';
import { FAULT_FILTER } from './route-action.ts';
import type { EnvoyObject, ProxyIdentity, XdsResources } from './types.ts';

/** The retry conditions gRPC's xDS client implements (gRFC A44). */
const GRPC_RETRY_ON = new Set([
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);
const GRPC_LB_POLICIES = new Set(['ROUND_ROBIN', 'RING_HASH']);

function grpcRetryPolicy(policy: EnvoyObject): EnvoyObject | undefined {
  const retryOn = String(policy.retry_on ?? '')
    .split(',')
    .filter((token) => GRPC_RETRY_ON.has(token));
  if (retryOn.length === 0) return undefined;
  const out: EnvoyObject = { retry_on: retryOn.join(','), num_retries: policy.num_retries };
  if (policy.retry_back_off) out.retry_back_off = policy.retry_back_off;
  return out;
}

function grpcRoute(route: EnvoyObject): EnvoyObject | undefined {
  const action = route.route as EnvoyObject | undefined;
  if (!action) return undefined;
  const filters = route.typed_per_filter_config as EnvoyObject | undefined;
  const fault = filters?.[FAULT_FILTER];
  const { typed_per_filter_config: _filters, ...routeRest } = route;
  const base: EnvoyObject = fault
    ? { ...routeRest, typed_per_filter_config: { [FAULT_FILTER]: fault } }
    : routeRest;
  const { timeout, retry_policy: retry, ...rest } = action;
  const next: EnvoyObject = { ...rest };
  const t = timeout as { seconds: number; nanos: number } | undefined;
  if (t && (t.seconds > 0 || t.nanos > 0)) next.max_stream_duration = { max_stream_duration: t };
  const grpcRetry = retry ? grpcRetryPolicy(retry as EnvoyObject) : undefined;
  if (grpcRetry) next.retry_policy = grpcRetry;
  return { ...base, route: next };
}

function grpcCluster(cluster: EnvoyObject): EnvoyObject | undefined {
  if (cluster.type === 'ORIGINAL_DST') return undefined;
  if (cluster.type === 'STRICT_DNS') {
    const assignment = cluster.load_assignment as
      | { endpoints?: Array<{ lb_endpoints?: unknown[] }> }
      | undefined;
    const first = assignment?.endpoints?.[0]?.lb_endpoints?.[0];
    const { dns_refresh_rate: _rate, respect_dns_ttl: _ttl, ...rest } = cluster;
    return grpcCluster({
      ...rest,
      type: 'LOGICAL_DNS',
      ...(first ? { load_assignment: { ...assignment, endpoints: [{ lb_endpoints: [first] }] } } : {}),
    });
  }
  const policy = String(cluster.lb_policy ?? 'ROUND_ROBIN');
  if (GRPC_LB_POLICIES.has(policy)) return cluster;
  const {
    lb_policy: _policy,
    least_request_lb_config: _lr,
    maglev_lb_config: _maglev,
    ...rest
  } = cluster as EnvoyObject & {
    least_request_lb_config?: unknown;
    maglev_lb_config?: unknown;
  };
  return { ...rest, lb_policy: policy === 'MAGLEV' ? 'RING_HASH' : 'ROUND_ROBIN' };
}

function grpcLoadAssignment(assignment: EnvoyObject): EnvoyObject {
  const groups = (assignment.endpoints as EnvoyObject[]).map((group) => ({
    locality: {},
    load_balancing_weight: { value: 1 },
    ...group,
  }));
  return { ...assignment, endpoints: groups };
}

function apiListener(name: string, withFault: boolean): EnvoyObject {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE,
        stat_prefix: name,
        rds: { route_config_name: name, config_source: { ads: {}, resource_api_version: 'V3' } },
        http_filters: withFault ? [FAULT, ROUTER] : [ROUTER],
      },
    },
  };
}

export function proxylessGrpcResources(registry: Registry, proxy: ProxyIdentity): XdsResources {
  const listeners: EnvoyObject[] = [];
  const routes: EnvoyObject[] = [];
  for (const service of registry.services) {
    for (const { port } of service.ports) {
      const name = `${service.fqdn}:${port}`;
      const vh = virtualHostFor(service, port, registry, proxy);
      const vhRoutes = (vh.routes as EnvoyObject[]).flatMap((r) => grpcRoute(r) ?? []);
      const routeConfig = { name, virtual_hosts: [{ ...vh, routes: vhRoutes }] };
      routes.push(routeConfig);
      listeners.push(apiListener(name, hasFault(routeConfig)));
    }
  }
  const { clusters, endpoints } = buildClusters(registry);
  return {
    listeners,
    routes,
    clusters: clusters.map(grpcCluster).filter((c): c is EnvoyObject => c !== undefined),
    endpoints: endpoints.map(grpcLoadAssignment),
  };
}
