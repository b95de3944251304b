// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy → TcpProxyTable. As in Envoy, the clusters
// it names are not checked here: they may arrive later over CDS, and a connection to a cluster
// that does not exist is closed (downstream_cx_no_route).
import {
  ConfigError,
  joinPath,
  objList,
  optionalDurationMs,
  optionalObj,
  optionalUint,
  type TcpProxy,
  uint,
} from '../config/index.ts';
import { compileAccessLogs } from './access-logs.ts';
import type { TcpProxyTable, TrafficDirection } from './types.ts';

export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** Envoy's tcp_proxy idle_timeout default: one hour. */
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

export function compileTcpProxy(
  t: TcpProxy,
  path: string,
  trafficDirection: TrafficDirection,
): TcpProxyTable {
  const statPrefix = String(t.stat_prefix ?? '');
  if (!statPrefix) throw new ConfigError(joinPath(path, 'stat_prefix'), 'tcp_proxy needs a stat_prefix');
  let cluster: string | undefined;
  let weighted: TcpProxyTable['weighted'];
  if (typeof t.cluster === 'string' && t.cluster !== '') cluster = t.cluster;
  else if (t.weighted_clusters !== undefined) {
    const wPath = joinPath(path, 'weighted_clusters.clusters');
    const clusters = objList(optionalObj(t.weighted_clusters).clusters).map((c, i) => {
      const name = String(c.name ?? '');
      if (!name)
        throw new ConfigError(joinPath(joinPath(wPath, i), 'name'), 'a weighted cluster needs a name');
      const weight = uint(c.weight, joinPath(joinPath(wPath, i), 'weight'));
      if (weight < 1)
        throw new ConfigError(joinPath(joinPath(wPath, i), 'weight'), 'weight must be at least 1');
      return { name, weight };
    });
    if (clusters.length === 0) throw new ConfigError(wPath, 'at least one cluster is required');
    weighted = { clusters, totalWeight: clusters.reduce((sum, c) => sum + c.weight, 0) };
  } else {
    throw new ConfigError(path, 'tcp_proxy needs a cluster or weighted_clusters');
  }
  const attemptsPath = joinPath(path, 'max_connect_attempts');
  const maxConnectAttempts = optionalUint(t.max_connect_attempts, attemptsPath, 1);
  if (maxConnectAttempts < 1) throw new ConfigError(attemptsPath, 'must be at least 1');
  const table: TcpProxyTable = {
    statPrefix,
    idleTimeoutMs: optionalDurationMs(
      t.idle_timeout,
      joinPath(path, 'idle_timeout'),
      DEFAULT_IDLE_TIMEOUT_MS,
    ),
    maxConnectAttempts,
    maxDownstreamConnectionDurationMs: optionalDurationMs(
      t.max_downstream_connection_duration,
      joinPath(path, 'max_downstream_connection_duration'),
      0,
    ),
    accessLogs: compileAccessLogs(t.access_log, joinPath(path, 'access_log')),
    trafficDirection,
  };
  if (cluster !== undefined) Object.assign(table, { cluster });
  if (weighted) Object.assign(table, { weighted });
  return table;
}
