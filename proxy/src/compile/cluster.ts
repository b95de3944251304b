// envoy.config.cluster.v3.Cluster (STATIC, EDS, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST) → ClusterTable.

import { compileCircuitBreakers } from '../cluster/breaker/index.ts';
import { compileHealthChecks } from '../cluster/health/index.ts';
import { compileLbConfig } from '../cluster/lb/index.ts';
import { compileOutlierDetection } from '../cluster/outlier/index.ts';
import {
  type Cluster,
  type ClusterLoadAssignment,
  ConfigError,
  type HttpProtocolOptions,
  isAnyOf,
  joinPath,
  objList,
  optionalDurationMs,
  optionalObj,
  optionalUint,
} from '../config/index.ts';
import { compileDnsConfig } from './cluster-dns.ts';
import { compileBindAddress, compileOriginalDst } from './cluster-original-dst.ts';
import type { ClusterTable, EndpointTable } from './types.ts';

const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/**
 * `assignments` holds EDS ClusterLoadAssignments by service name, for clusters of type EDS; an EDS
 * cluster whose assignment has not arrived has no endpoints yet (Envoy: warming).
 */
export function compileCluster(
  c: Cluster,
  path: string,
  assignments?: ReadonlyMap<string, ClusterLoadAssignment>,
): ClusterTable {
  const name = String(c.name ?? '');
  if (!name) throw new ConfigError(joinPath(path, 'name'), 'a cluster needs a name');
  const endpoints: EndpointTable[] = [];
  const eds = c.type === 'EDS';
  const serviceName = String(optionalObj(c.eds_cluster_config).service_name || name);
  const la = eds ? (assignments?.get(serviceName) ?? {}) : optionalObj(c.load_assignment);
  const laPath = eds ? `ClusterLoadAssignment(${serviceName})` : joinPath(path, 'load_assignment');
  objList(la.endpoints).forEach((locality, li) => {
    const priority = optionalUint(
      locality.priority,
      joinPath(joinPath(joinPath(laPath, 'endpoints'), li), 'priority'),
      0,
    );
    objList(locality.lb_endpoints).forEach((lb, ei) => {
      const epPath = joinPath(joinPath(joinPath(joinPath(laPath, 'endpoints'), li), 'lb_endpoints'), ei);
      const endpoint = optionalObj(lb.endpoint);
      const sa = optionalObj(optionalObj(endpoint.address).socket_address);
      const address = String(sa.address ?? '');
      const port = optionalUint(
        sa.port_value,
        joinPath(epPath, 'endpoint.address.socket_address.port_value'),
        0,
      );
      if (!address)
        throw new ConfigError(
          joinPath(epPath, 'endpoint.address.socket_address.address'),
          'endpoint needs an address',
        );
      if (port < 1 || port > 65535) {
        throw new ConfigError(
          joinPath(epPath, 'endpoint.address.socket_address.port_value'),
          `port ${port} out of range 1-65535`,
        );
      }
      const weight = optionalUint(lb.load_balancing_weight, joinPath(epPath, 'load_balancing_weight'), 1);
      if (weight < 1)
        throw new ConfigError(joinPath(epPath, 'load_balancing_weight'), 'weight must be at least 1');
      const id = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      const hostname =
        typeof endpoint.hostname === 'string' && endpoint.hostname ? endpoint.hostname : undefined;
      endpoints.push(
        hostname
          ? { address, port, id, weight, priority, hostname }
          : { address, port, id, weight, priority },
      );
    });
  });
  let protocol: 'h1' | 'h2c' = c.http2_protocol_options !== undefined ? 'h2c' : 'h1';
  const optionsAny = c.typed_extension_protocol_options?.[HTTP_OPTIONS_KEY];
  const options: HttpProtocolOptions = isAnyOf(optionsAny, HTTP_OPTIONS_KEY) ? optionsAny : {};
  const optionsPath = joinPath(path, `typed_extension_protocol_options.${HTTP_OPTIONS_KEY}`);
  const explicit = optionalObj(options.explicit_http_config);
  if (explicit.http2_protocol_options !== undefined) protocol = 'h2c';
  else if (explicit.http_protocol_options !== undefined) protocol = 'h1';
  const common = optionalObj(options.common_http_protocol_options);
  if (common.max_headers_count !== undefined) {
    const at = joinPath(optionsPath, 'common_http_protocol_options.max_headers_count');
    throw new ConfigError(at, 'is implemented for downstream requests only', 'unsupported');
  }
  const idleTimeoutMs = optionalDurationMs(
    common.idle_timeout,
    joinPath(optionsPath, 'common_http_protocol_options.idle_timeout'),
  );
  const maxRequestsPerConnection = optionalUint(
    common.max_requests_per_connection,
    joinPath(optionsPath, 'common_http_protocol_options.max_requests_per_connection'),
  );
  // Envoy's connect_timeout default is 5 s.
  const connectTimeoutMs = optionalDurationMs(c.connect_timeout, joinPath(path, 'connect_timeout'), 5000);
  const originalDst = compileOriginalDst(c, path);
  // CLUSTER_PROVIDED: the cluster picks its own host; the policy below only fills the table.
  const lb = compileLbConfig(originalDst ? { ...c, lb_policy: undefined } : c, path);
  const bindAddress = compileBindAddress(c, path);
  const breakers = compileCircuitBreakers(c.circuit_breakers, joinPath(path, 'circuit_breakers'));
  const outlier =
    c.outlier_detection === undefined
      ? undefined
      : compileOutlierDetection(c.outlier_detection, joinPath(path, 'outlier_detection'));
  // A DNS cluster's load_assignment names what to resolve; its hosts come from the resolver.
  const dns = compileDnsConfig(c, path, endpoints);
  const table: ClusterTable = {
    name,
    endpoints: dns ? [] : endpoints,
    connectTimeoutMs,
    protocol,
    lb,
    breakers,
  };
  if (dns) Object.assign(table, { dns });
  if (outlier) Object.assign(table, { outlier });
  if (originalDst) Object.assign(table, { originalDst });
  if (bindAddress) Object.assign(table, { bindAddress });
  const healthCheck = compileHealthChecks(c.health_checks, joinPath(path, 'health_checks'));
  if (healthCheck) Object.assign(table, { healthCheck });
  if (idleTimeoutMs !== undefined) Object.assign(table, { idleTimeoutMs });
  if (maxRequestsPerConnection !== undefined && maxRequestsPerConnection > 0)
    Object.assign(table, { maxRequestsPerConnection });
  return table;
}
