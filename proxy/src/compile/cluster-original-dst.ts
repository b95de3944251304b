// The parts of a Cluster that interception adds: type ORIGINAL_DST (Istio's PassthroughCluster and
// inbound clusters: the upstream is where the downstream connection was originally going) and
// upstream_bind_config (Istio binds inbound passthrough connections to 127.0.0.6 so that the
// redirect rules let them through).
import { isIP } from 'node:net';
import {
  type Cluster,
  ConfigError,
  joinPath,
  objList,
  optionalDurationMs,
  optionalObj,
  optionalUint,
} from '../config/index.ts';
import type { OriginalDstTable } from './types.ts';

/** Envoy's default header for use_http_header. */
export const ORIGINAL_DST_HOST_HEADER = 'x-envoy-original-dst-host';
/** Envoy's cleanup_interval default. */
const DEFAULT_CLEANUP_INTERVAL_MS = 5000;

/**
 * Checks the pairing of type ORIGINAL_DST with lb_policy CLUSTER_PROVIDED (Envoy accepts neither
 * without the other) and compiles the original destination settings; undefined for other types.
 */
export function compileOriginalDst(c: Cluster, path: string): OriginalDstTable | undefined {
  const originalDst = c.type === 'ORIGINAL_DST';
  const clusterProvided = c.lb_policy === 'CLUSTER_PROVIDED';
  if (originalDst && c.lb_policy !== undefined && !clusterProvided) {
    throw new ConfigError(
      joinPath(path, 'lb_policy'),
      `lb_policy ${String(c.lb_policy)} is not valid for a cluster of type ORIGINAL_DST: use CLUSTER_PROVIDED`,
    );
  }
  if (!originalDst) {
    if (clusterProvided) {
      throw new ConfigError(
        joinPath(path, 'lb_policy'),
        'lb_policy CLUSTER_PROVIDED needs a cluster type that provides its load balancer (ORIGINAL_DST)',
      );
    }
    return undefined;
  }
  const endpoints = objList(optionalObj(c.load_assignment).endpoints);
  if (endpoints.some((locality) => objList(locality.lb_endpoints).length > 0)) {
    throw new ConfigError(
      joinPath(path, 'load_assignment'),
      'an ORIGINAL_DST cluster makes its hosts from each connection: it must have no endpoints',
    );
  }
  const lbConfig = optionalObj(c.original_dst_lb_config);
  const lbPath = joinPath(path, 'original_dst_lb_config');
  const table: OriginalDstTable = {
    cleanupIntervalMs: optionalDurationMs(
      c.cleanup_interval,
      joinPath(path, 'cleanup_interval'),
      DEFAULT_CLEANUP_INTERVAL_MS,
    ),
  };
  if (lbConfig.use_http_header === true) {
    const name = typeof lbConfig.http_header_name === 'string' ? lbConfig.http_header_name.toLowerCase() : '';
    Object.assign(table, { httpHeader: name || ORIGINAL_DST_HOST_HEADER });
  }
  const port = optionalUint(lbConfig.upstream_port_override, joinPath(lbPath, 'upstream_port_override'));
  if (port !== undefined && port > 0) Object.assign(table, { upstreamPortOverride: port });
  return table;
}

/** upstream_bind_config.source_address → the address to bind upstream connections to. */
export function compileBindAddress(c: Cluster, path: string): string | undefined {
  if (c.upstream_bind_config === undefined) return undefined;
  const sa = optionalObj(optionalObj(c.upstream_bind_config).source_address);
  const saPath = joinPath(path, 'upstream_bind_config.source_address');
  const address = String(sa.address ?? '');
  if (!address) return undefined;
  if (isIP(address) === 0)
    throw new ConfigError(joinPath(saPath, 'address'), `"${address}" is not an IP address`);
  if (optionalUint(sa.port_value, joinPath(saPath, 'port_value'), 0) !== 0) {
    throw new ConfigError(
      joinPath(saPath, 'port_value'),
      'Weft binds upstream connections to an address only: the source port must be 0 (any)',
      'unsupported',
    );
  }
  return address;
}
