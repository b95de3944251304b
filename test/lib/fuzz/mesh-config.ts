// Turns a generated MeshSpec into the xDS snapshot the control plane pushes: one listener (static
// across pushes, so pushes change routes and clusters, not the listening socket), a fuzzed route with
// its timeouts, retries, fault and buffer limit, two fuzzed clusters (HTTP/1.1 and h2c upstreams)
// with their circuit breakers, and a probe route and cluster the fuzz never touches.
import { createSnapshot, type Snapshot } from '../../../control-plane/src/xds/snapshot.ts';
import { FAULT_TYPE, faultFilter, H2C_OPTIONS, HCM, ROUTER } from '../bootstrap.ts';
import type { BreakerSpec, MeshSpec, RouteSpec } from './generators.ts';

export const CLUSTERS = { h1: 'fuzz-h1', h2: 'fuzz-h2', probe: 'probe' } as const;
export const PROBE_PATH = '/probe';

export interface MeshPorts {
  readonly listen: number;
  readonly h1Upstream: number;
  readonly h2Upstream: number;
}

function duration(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

const percent = (n: number) => ({ numerator: n, denominator: 'HUNDRED' });

function routeAction(r: RouteSpec): Record<string, unknown> {
  const action: Record<string, unknown> =
    r.target === 'weighted'
      ? {
          weighted_clusters: {
            clusters: [
              { name: CLUSTERS.h1, weight: { value: r.weights[0] } },
              { name: CLUSTERS.h2, weight: { value: r.weights[1] } },
            ],
          },
        }
      : { cluster: CLUSTERS[r.target] };
  if (r.timeoutMs !== undefined) action.timeout = duration(r.timeoutMs);
  if (r.retry) {
    action.retry_policy = {
      retry_on: r.retry.retryOn,
      num_retries: { value: r.retry.numRetries },
      ...(r.retry.perTryTimeoutMs !== undefined
        ? { per_try_timeout: duration(r.retry.perTryTimeoutMs) }
        : {}),
    };
  }
  return action;
}

function fuzzRoute(r: RouteSpec): Record<string, unknown> {
  const route: Record<string, unknown> = { name: 'fuzz', match: { prefix: '/' }, route: routeAction(r) };
  if (r.bufferLimitBytes !== undefined) route.per_request_buffer_limit_bytes = { value: r.bufferLimitBytes };
  if (r.fault) {
    const f = r.fault;
    route.typed_per_filter_config = {
      'envoy.filters.http.fault': {
        '@type': FAULT_TYPE,
        delay: { fixed_delay: duration(f.delayMs), percentage: percent(f.delayPercent) },
        abort: { http_status: f.abortStatus, percentage: percent(f.abortPercent) },
      },
    };
  }
  return route;
}

function cluster(name: string, breaker: BreakerSpec | undefined, h2c: boolean): Record<string, unknown> {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: { seconds: 1 },
    ...(h2c ? H2C_OPTIONS : {}),
    ...(breaker
      ? {
          circuit_breakers: {
            thresholds: [
              {
                max_connections: { value: breaker.maxConnections },
                max_pending_requests: { value: breaker.maxPendingRequests },
                max_requests: { value: breaker.maxRequests },
                max_retries: { value: breaker.maxRetries },
              },
            ],
          },
        }
      : {}),
  };
}

function endpoints(name: string, port: number): Record<string, unknown> {
  return {
    cluster_name: name,
    endpoints: [
      {
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
        ],
      },
    ],
  };
}

export function meshSnapshot(version: string, mesh: MeshSpec, ports: MeshPorts): Snapshot {
  return createSnapshot(version, {
    listeners: [
      {
        name: 'fuzz',
        address: { socket_address: { address: '127.0.0.1', port_value: ports.listen } },
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': HCM,
                  stat_prefix: 'fuzz',
                  rds: { route_config_name: 'fuzz', config_source: { ads: {}, resource_api_version: 'V3' } },
                  http_filters: [faultFilter(), ROUTER],
                },
              },
            ],
          },
        ],
      },
    ],
    routes: [
      {
        name: 'fuzz',
        virtual_hosts: [
          {
            name: 'fuzz',
            domains: ['*'],
            routes: [
              { name: 'probe', match: { prefix: PROBE_PATH }, route: { cluster: CLUSTERS.probe } },
              fuzzRoute(mesh.route),
            ],
          },
        ],
      },
    ],
    clusters: [
      cluster(CLUSTERS.h1, mesh.breakers[0], false),
      cluster(CLUSTERS.h2, mesh.breakers[1], true),
      cluster(CLUSTERS.probe, undefined, false),
    ],
    endpoints: [
      endpoints(CLUSTERS.h1, ports.h1Upstream),
      endpoints(CLUSTERS.h2, ports.h2Upstream),
      endpoints(CLUSTERS.probe, ports.h1Upstream),
    ],
  });
}
